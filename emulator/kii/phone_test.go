package kii

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPhoneNumbersInternationalForm: Kii stores phoneNumber "always in the
// international phone number format" (docs/providers/kii.md, "Phone
// numbers"): a local number registered with a country is stored, returned
// and looked up as +<calling code><number>, and bare local digits at login
// are a login name for every user.
func TestPhoneNumbersInternationalForm(t *testing.T) {
	t.Parallel()

	t.Run("should store and return a local number with its country in international form", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		w := e.do(t, req{"POST", "/api/apps/app1/users", kiiHeaders(app1, key1, "Content-Type", ctRegReq),
			`{"phoneNumber":"09077776666","country":"JP","password":"pass1234"}`})
		require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
		assert.Equal(t, "+819077776666", decode(t, w)["phoneNumber"])

		tok := e.login(t, app1, key1, "+819077776666", "pass1234")
		w = e.do(t, req{"GET", "/api/apps/app1/users/me", h(bearer(tok), ""), ""})
		require.Equal(t, http.StatusOK, w.Code)
		assert.Equal(t, "+819077776666", decode(t, w)["phoneNumber"])
		for _, u := range []string{"PHONE:+819077776666", "PHONE:JP-9077776666", "PHONE:JP-09077776666", "PHONE:jp-9077776666"} {
			e.login(t, app1, key1, u, "pass1234")
		}
	})

	t.Run("should read bare local digits as a login name, whatever form the phone was registered in", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		for _, body := range []string{
			`{"phoneNumber":"09077776666","country":"JP","password":"pass1234"}`,
			`{"phoneNumber":"+819088885555","country":"JP","password":"pass1234"}`,
		} {
			require.Equal(t, http.StatusCreated, e.do(t, req{"POST", "/api/apps/app1/users", kiiHeaders(app1, key1), body}).Code)
		}
		for _, u := range []string{"09077776666", "09088885555"} {
			w := e.do(t, req{"POST", "/api/oauth2/token", kiiHeaders(app1, key1), `{"username":"` + u + `","password":"pass1234"}`})
			assert.Equal(t, http.StatusBadRequest, w.Code, u)
			assert.Equal(t, codeInvalidGrant, errorCodeOf(t, w), u)
		}
		log := e.store.Devlog(app1)
		require.Len(t, log, 2)
		assert.Equal(t, reasonUserNotFound, log[0].Reason)
		assert.Equal(t, reasonUserNotFound, log[1].Reason)

		// A user whose login name is those digits logs in with them.
		require.Equal(t, http.StatusCreated, e.do(t, req{"POST", "/api/apps/app1/users", kiiHeaders(app1, key1),
			`{"loginName":"09077776666","password":"name-pass"}`}).Code)
		e.login(t, app1, key1, "09077776666", "name-pass")
	})

	t.Run("should refuse a number taken in the other form", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		for _, body := range []string{
			`{"phoneNumber":"09012341234","country":"JP","password":"pass1234"}`, // taro's +819012341234
			`{"phoneNumber":"+819023456789","password":"pass1234"}`,              // hanako's 09023456789 (JP)
		} {
			w := e.do(t, req{"POST", "/api/apps/app1/users", kiiHeaders(app1, key1), body})
			assert.Equal(t, http.StatusConflict, w.Code, body)
			assert.Equal(t, codeUserAlreadyExists, errorCodeOf(t, w))
		}
	})

	t.Run("should keep Italy's leading 0 and refuse a country without a calling code", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		w := e.do(t, req{"POST", "/api/apps/app1/users", kiiHeaders(app1, key1), `{"phoneNumber":"0612345678","country":"it","password":"pass1234"}`})
		require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
		assert.Equal(t, "+390612345678", decode(t, w)["phoneNumber"])

		w = e.do(t, req{"POST", "/api/apps/app1/users", kiiHeaders(app1, key1), `{"phoneNumber":"0612345678","country":"ZZ","password":"pass1234"}`})
		assert.Equal(t, http.StatusBadRequest, w.Code)
		assert.Equal(t, codeInvalidInputData, errorCodeOf(t, w))
	})

	t.Run("should store a fixture's local number in international form", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		u, err := e.store.FindUser(app1, address{kind: addrUserID, key: hanakoID})
		require.NoError(t, err)
		assert.Equal(t, "+819023456789", u.Phone)
		doc, err := json.Marshal(e.inst.State.Export())
		require.NoError(t, err)
		assert.Contains(t, string(doc), `"phoneNumber":"+819023456789"`)
		assert.NotContains(t, string(doc), `"09023456789"`)
	})
}

func TestInternationalPhone(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ country, local, want string }{
		{"JP", "09077776666", "+819077776666"},
		{"jp", "9077776666", "+819077776666"},
		{"SG", "91234567", "+6591234567"},
		{"GB", "07700900123", "+447700900123"},
		{"US", "2025550123", "+12025550123"},
		{"IT", "0612345678", "+390612345678"},
	} {
		got, ok := internationalPhone(c.country, c.local)
		assert.True(t, ok, c.country)
		assert.Equal(t, c.want, got, c.country+" "+c.local)
	}
	_, ok := internationalPhone("ZZ", "0123")
	assert.False(t, ok)
	for cc, code := range callingCodes {
		assert.Len(t, cc, 2)
		assert.Regexp(t, `^[1-9][0-9]{0,2}$`, code, cc)
	}
}

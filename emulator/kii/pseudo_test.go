package kii

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPseudoUsers: RegistrationAndAuthorizationRequest with {} registers a
// pseudo user with a token; a UserUpdateRequest with an identity and a
// password makes it a named user, whose token keeps working
// (docs/providers/kii.md, "Pseudo users").
func TestPseudoUsers(t *testing.T) {
	t.Parallel()
	register := func(t *testing.T, e *env, ct, body string) *httptest.ResponseRecorder {
		return e.do(t, req{"POST", "/api/apps/app1/users", kiiHeaders(app1, key1, "Content-Type", ct), body})
	}

	t.Run("should register a pseudo user with {} and log it in", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		w := register(t, e, ctRegAuth, `{}`)
		require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
		body := decode(t, w)
		assert.Equal(t, false, body["_hasPassword"])
		for _, k := range []string{"loginName", "emailAddress", "phoneNumber"} {
			assert.NotContains(t, body, k)
		}
		tok := body["_accessToken"].(string)
		me := e.getUser(t, app1, tok, "me")
		assert.Equal(t, body["userID"], me["userID"])
		assert.Equal(t, false, me["_hasPassword"])
	})

	t.Run("should keep a pseudo user's attributes and custom fields", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		w := register(t, e, ctRegAuth, `{"displayName":"ななし","country":"jp","score":30}`)
		require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
		body := decode(t, w)
		assert.Equal(t, "ななし", body["displayName"])
		assert.Equal(t, "JP", body["country"])
		assert.EqualValues(t, 30, body["score"])
	})

	t.Run("should refuse {} as a plain registration, and a password without identity", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		for _, c := range []struct{ ct, body, code string }{
			{ctRegReq, `{}`, codeInvalidInputData},
			{ctRegAuth, `{"password":"pass1234"}`, codeInvalidInputData},
			{ctRegAuth, `{"loginName":"saburo"}`, codePasswordTooShort},
		} {
			w := register(t, e, c.ct, c.body)
			assert.Equal(t, http.StatusBadRequest, w.Code, c.body)
			assert.Equal(t, c.code, errorCodeOf(t, w), c.body)
		}
	})

	t.Run("should upgrade a pseudo user to a named user", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		body := decode(t, register(t, e, ctRegAuth, `{"displayName":"ななし","score":30}`))
		id, tok := body["userID"].(string), body["_accessToken"].(string)

		// putIdentity's body: the refreshed custom fields, the identity,
		// the password, and server fields the SDK sends back.
		w := e.do(t, req{"POST", "/api/apps/app1/users/" + id, h(bearer(tok), ctUserUpdate),
			`{"internalUserID":1048581,"_accessToken":"` + tok + `","score":30,"loginName":"shiro","emailAddress":"shiro@example.jp","password":"shiro-pass"}`})
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		assert.Equal(t, ctUserUpdateResponse, w.Header().Get("Content-Type"))
		assert.EqualValues(t, t0.UnixMilli(), decode(t, w)["modifiedAt"])

		me := e.getUser(t, app1, tok, "me")
		assert.Equal(t, "shiro", me["loginName"])
		assert.Equal(t, "shiro@example.jp", me["emailAddress"])
		assert.Equal(t, true, me["_hasPassword"])
		assert.EqualValues(t, 30, me["score"])
		assert.NotContains(t, me, "_accessToken")
		assert.EqualValues(t, body["internalUserID"], me["internalUserID"], "the server's own field is not overwritten")
		e.login(t, app1, key1, "shiro", "shiro-pass")
		e.login(t, app1, key1, "shiro@example.jp", "shiro-pass")

		// Now a named user: no second identity with a password.
		w = e.do(t, req{"POST", "/api/apps/app1/users/me", h(bearer(tok), ctUserUpdate), `{"loginName":"shiro2","password":"other-pass"}`})
		assert.Equal(t, http.StatusBadRequest, w.Code)
		assert.Equal(t, codeInvalidInputData, errorCodeOf(t, w))
	})

	t.Run("should refuse a pseudo user's identity without a password, and a password without identity", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		tok := decode(t, register(t, e, ctRegAuth, `{}`))["_accessToken"].(string)
		for _, body := range []string{`{"loginName":"shiro"}`, `{"password":"shiro-pass"}`} {
			w := e.do(t, req{"POST", "/api/apps/app1/users/me", h(bearer(tok), ctUserUpdate), body})
			assert.Equal(t, http.StatusBadRequest, w.Code, body)
			assert.Equal(t, codeInvalidInputData, errorCodeOf(t, w), body)
		}
		w := e.do(t, req{"POST", "/api/apps/app1/users/me", h(bearer(tok), ctUserUpdate), `{"loginName":"shiro","password":"abc"}`})
		assert.Equal(t, codePasswordTooShort, errorCodeOf(t, w))
		w = e.do(t, req{"POST", "/api/apps/app1/users/me", h(bearer(tok), ctUserUpdate), `{"loginName":"taro","password":"shiro-pass"}`})
		assert.Equal(t, http.StatusConflict, w.Code)
		assert.Equal(t, codeUserAlreadyExists, errorCodeOf(t, w))
		assert.Equal(t, false, e.getUser(t, app1, tok, "me")["_hasPassword"], "nothing changed")
	})

	t.Run("should export and import a pseudo user", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		body := decode(t, register(t, e, ctRegAuth, `{"displayName":"ななし"}`))
		other := newEnv(t)
		commit, err := other.inst.State.Prepare("state.json", mustJSON(t, e.inst.State.Export()))
		require.NoError(t, err)
		commit()
		me := other.getUser(t, app1, body["_accessToken"].(string), "me")
		assert.Equal(t, false, me["_hasPassword"])
	})
}

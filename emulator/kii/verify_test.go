package kii

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestVerification: in an app that verifies addresses, registration sends
// a mail with a link to Kii's hosted page and an SMS with a code; the
// addresses work for login once verified (docs/providers/kii.md,
// "Verification and password reset", "Outbox", "Hosted pages").
func TestVerification(t *testing.T) {
	t.Parallel()
	registerV := func(t *testing.T, e *env) (id, tok string) {
		t.Helper()
		w := e.do(t, req{"POST", "/api/apps/vapp/users", kiiHeaders("vapp", "k", "Content-Type", ctRegAuth),
			`{"loginName":"rin","emailAddress":"rin@example.jp","phoneNumber":"09055556666","country":"JP","password":"rin-pass"}`})
		require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
		body := decode(t, w)
		assert.Equal(t, false, body["emailAddressVerified"])
		assert.Equal(t, false, body["phoneNumberVerified"])
		return body["userID"].(string), body["_accessToken"].(string)
	}

	t.Run("should verify the email by the mail's link and the phone by the SMS code", func(t *testing.T) {
		t.Parallel()
		e := newEnvWith(t, lifecycleFixture)
		id, tok := registerV(t, e)
		assert.Equal(t, http.StatusBadRequest, e.loginCode(t, "vapp", "rin@example.jp", "rin-pass"), "unverified")
		assert.Equal(t, http.StatusOK, e.loginCode(t, "vapp", "rin", "rin-pass"), "the login name needs no verification")

		mail := e.lastTo(t, "rin@example.jp")
		assert.Equal(t, kindEmailVerification, mail.Kind)
		assert.Equal(t, channelEmail, mail.Channel)
		assert.Equal(t, id, mail.UserID)
		assert.Equal(t, "vapp", mail.AppID)
		assert.Equal(t, "http://localhost:8080/api/apps/vapp/users/"+id+"/email-address/verify?code="+url.QueryEscape(mail.Code), mail.Link)
		assert.Contains(t, mail.Body, mail.Link)
		assert.NotEmpty(t, mail.Subject)

		w, doc := e.page(t, "GET", mail.Link, nil)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		assert.Equal(t, "text/html; charset=utf-8", w.Header().Get("Content-Type"))
		assert.Equal(t, pageVerified, text(byID(doc, "message")))
		assert.Equal(t, "<b>検証</b>アプリ", text(byID(doc, "app")), "the app name is text, not markup")
		assert.NotContains(t, w.Body.String(), "<b>検証")
		assert.Equal(t, "DENY", w.Header().Get("X-Frame-Options"))
		assert.Equal(t, http.StatusOK, e.loginCode(t, "vapp", "rin@example.jp", "rin-pass"))
		w, _ = e.page(t, "GET", mail.Link, nil)
		assert.Equal(t, http.StatusNotFound, w.Code, "a link works once")

		sms := e.lastTo(t, "+819055556666")
		assert.Equal(t, kindPhoneVerification, sms.Kind)
		assert.Equal(t, channelSMS, sms.Channel)
		assert.Regexp(t, `^[0-9]{6}$`, sms.Code)
		assert.Contains(t, sms.Body, sms.Code)
		verify := func(code string) *httptest.ResponseRecorder {
			return e.do(t, req{"POST", "/api/apps/vapp/users/me/phone-number/verify", h(bearer(tok), ctVerification), `{"verificationCode":"` + code + `"}`})
		}
		w = verify("000000x")
		assert.Equal(t, http.StatusForbidden, w.Code)
		assert.Equal(t, codeInvalidVerification, errorCodeOf(t, w))
		assert.Equal(t, "application/vnd.kii.InvalidVerificationCodeException+json", w.Header().Get("Content-Type"))
		require.Equal(t, http.StatusNoContent, verify(sms.Code).Code)
		assert.Equal(t, true, e.getUser(t, "vapp", tok, "me")["phoneNumberVerified"])
		assert.Equal(t, http.StatusOK, e.loginCode(t, "vapp", "+819055556666", "rin-pass"))
		w = verify(sms.Code)
		assert.Equal(t, http.StatusNotFound, w.Code)
		assert.Equal(t, codeAddressCodeNotFound, errorCodeOf(t, w))
	})

	t.Run("should resend a code, voiding the old one, and refuse a verified address", func(t *testing.T) {
		t.Parallel()
		e := newEnvWith(t, lifecycleFixture)
		id, tok := registerV(t, e)
		first := e.lastTo(t, "+819055556666")
		resend := func(kind string) *httptest.ResponseRecorder {
			// The JS SDK sends no body, with its default JSON type.
			return e.do(t, req{"POST", "/api/apps/vapp/users/" + id + "/" + kind + "/resend-verification", h(bearer(tok), ctJSON), ""})
		}
		require.Equal(t, http.StatusNoContent, resend("phone-number").Code)
		second := e.lastTo(t, "+819055556666")
		require.NotEqual(t, first.ID, second.ID)
		w := e.do(t, req{"POST", "/api/apps/vapp/users/me/phone-number/verify", h(bearer(tok), ctVerification), `{"verificationCode":"` + first.Code + `"}`})
		if first.Code != second.Code {
			assert.Equal(t, http.StatusForbidden, w.Code, "the old code is void")
		}
		w = e.do(t, req{"POST", "/api/apps/vapp/users/me/phone-number/verify", h(bearer(tok), ctVerification), `{"verificationCode":"` + second.Code + `"}`})
		require.Equal(t, http.StatusNoContent, w.Code, w.Body.String())
		w = resend("phone-number")
		assert.Equal(t, http.StatusConflict, w.Code)
		assert.Equal(t, codeOperationNotAllowed, errorCodeOf(t, w))

		// The mail's code verifies through the REST API too.
		mail := e.lastTo(t, "rin@example.jp")
		w = e.do(t, req{"POST", "/api/apps/vapp/users/me/email-address/verify", h(bearer(tok), ctVerification), `{"verificationCode":"` + mail.Code + `"}`})
		assert.Equal(t, http.StatusNoContent, w.Code, w.Body.String())
	})

	t.Run("should expire codes after a day of emulator time", func(t *testing.T) {
		t.Parallel()
		e := newEnvWith(t, lifecycleFixture)
		_, tok := registerV(t, e)
		sms, mail := e.lastTo(t, "+819055556666"), e.lastTo(t, "rin@example.jp")
		_, err := e.clk.Advance(24 * time.Hour)
		require.NoError(t, err)
		w := e.do(t, req{"POST", "/api/apps/vapp/users/me/phone-number/verify", h(bearer(tok), ctVerification), `{"verificationCode":"` + sms.Code + `"}`})
		assert.Equal(t, http.StatusGone, w.Code)
		assert.Equal(t, codePhoneCodeExpired, errorCodeOf(t, w))
		w, _ = e.page(t, "GET", mail.Link, nil)
		assert.Equal(t, http.StatusGone, w.Code)
	})

	t.Run("should keep a changed address pending until verified", func(t *testing.T) {
		t.Parallel()
		e := newEnvWith(t, lifecycleFixture)
		tok := e.login(t, "vapp", "k", "mio", "mio-pass")
		w := e.do(t, req{"PUT", "/api/apps/vapp/users/u-mio/email-address", h(bearer(tok), ctEmailChange), `{"emailAddress":"mio.new@example.jp"}`})
		require.Equal(t, http.StatusNoContent, w.Code, w.Body.String())
		me := e.getUser(t, "vapp", tok, "me")
		assert.Equal(t, "mio@example.jp", me["emailAddress"])
		assert.Equal(t, true, me["emailAddressVerified"])
		assert.Equal(t, "mio.new@example.jp", me["_emailAddressPending"])
		assert.Equal(t, http.StatusOK, e.loginCode(t, "vapp", "mio@example.jp", "mio-pass"), "the old address still works")
		assert.Equal(t, http.StatusBadRequest, e.loginCode(t, "vapp", "mio.new@example.jp", "mio-pass"))

		w = e.do(t, req{"PUT", "/api/apps/vapp/users/u-mio/phone-number", h(bearer(tok), ctPhoneChange), `{"phoneNumber":"09077778888"}`})
		require.Equal(t, http.StatusNoContent, w.Code, w.Body.String())
		assert.Equal(t, "+819077778888", e.getUser(t, "vapp", tok, "me")["_phoneNumberPending"])
		sms := e.lastTo(t, "+819077778888")
		w = e.do(t, req{"POST", "/api/apps/vapp/users/me/phone-number/verify", h(bearer(tok), ctVerification), `{"verificationCode":"` + sms.Code + `"}`})
		require.Equal(t, http.StatusNoContent, w.Code)

		w, _ = e.page(t, "GET", e.lastTo(t, "mio.new@example.jp").Link, nil)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		me = e.getUser(t, "vapp", tok, "me")
		assert.Equal(t, "mio.new@example.jp", me["emailAddress"])
		assert.Equal(t, "+819077778888", me["phoneNumber"])
		assert.NotContains(t, me, "_emailAddressPending")
		assert.NotContains(t, me, "_phoneNumberPending")
		assert.Equal(t, http.StatusOK, e.loginCode(t, "vapp", "mio.new@example.jp", "mio-pass"))
		assert.Equal(t, http.StatusBadRequest, e.loginCode(t, "vapp", "mio@example.jp", "mio-pass"), "the old address is gone")
	})

	t.Run("should refuse a pending address another user took meanwhile", func(t *testing.T) {
		t.Parallel()
		e := newEnvWith(t, lifecycleFixture)
		tok := e.login(t, "vapp", "k", "mio", "mio-pass")
		require.Equal(t, http.StatusNoContent, e.do(t, req{"PUT", "/api/apps/vapp/users/me/email-address", h(bearer(tok), ctEmailChange), `{"emailAddress":"taken@example.jp"}`}).Code)
		link := e.lastTo(t, "taken@example.jp").Link
		require.Equal(t, http.StatusCreated, e.do(t, req{"POST", "/api/apps/vapp/users", kiiHeaders("vapp", "k"), `{"emailAddress":"taken@example.jp","password":"pass1234"}`}).Code)
		w, doc := e.page(t, "GET", link, nil)
		assert.Equal(t, http.StatusConflict, w.Code)
		assert.Equal(t, pageTaken, text(byID(doc, "message")))
		w = e.do(t, req{"PUT", "/api/apps/vapp/users/me/email-address", h(bearer(tok), ctEmailChange), `{"emailAddress":"Taken@example.jp"}`})
		assert.Equal(t, http.StatusConflict, w.Code, "nor may it be asked for")
	})

	t.Run("should refuse bad address changes", func(t *testing.T) {
		t.Parallel()
		e := newEnvWith(t, lifecycleFixture)
		tok := e.login(t, "vapp", "k", "mio", "mio-pass")
		for _, c := range []struct {
			path, ct, body string
			status         int
			code           string
		}{
			{"email-address", ctEmailChange, `{"emailAddress":"nope"}`, 400, codeInvalidInputData},
			{"email-address", ctEmailChange, `{}`, 400, codeMissingData},
			{"email-address", ctEmailChange, `{"emailAddress":1}`, 400, codeInvalidInputData},
			{"phone-number", ctPhoneChange, `{"phoneNumber":"12-34"}`, 400, codeInvalidInputData},
			{"phone-number", "text/plain", `{"phoneNumber":"09012345678"}`, 415, codeUnsupportedMediaType},
		} {
			w := e.do(t, req{"PUT", "/api/apps/vapp/users/me/" + c.path, h(bearer(tok), c.ct), c.body})
			assert.Equal(t, c.status, w.Code, c.body)
			assert.Equal(t, c.code, errorCodeOf(t, w), c.body)
		}
		w := e.do(t, req{"POST", "/api/apps/vapp/users/me/email-address/resend-verification", h(bearer(tok), ""), ""})
		assert.Equal(t, http.StatusConflict, w.Code, "mio's address is verified")
		w = e.do(t, req{"POST", "/api/apps/vapp/users/me/email-address/verify", h(bearer(tok), ctVerification), `{}`})
		assert.Equal(t, codeMissingData, errorCodeOf(t, w))
	})

	t.Run("should tell a user without an address there is none to verify", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		tok := e.login(t, app1, key1, "jiro", jiroPass)
		w := e.do(t, req{"POST", "/api/apps/app1/users/me/phone-number/resend-verification", h(bearer(tok), ""), ""})
		assert.Equal(t, http.StatusNotFound, w.Code)
		assert.Equal(t, codeUserAddressNotFound, errorCodeOf(t, w))
		// jiro's unverified email (a fixture's) can be verified by request.
		require.Equal(t, http.StatusNoContent, e.do(t, req{"POST", "/api/apps/app1/users/me/email-address/resend-verification", h(bearer(tok), ""), ""}).Code)
		w, _ = e.page(t, "GET", e.lastTo(t, "jiro@example.jp").Link, nil)
		require.Equal(t, http.StatusOK, w.Code)
		assert.Equal(t, http.StatusOK, e.loginCode(t, app1, "jiro@example.jp", jiroPass))
	})

	t.Run("should answer unknown apps, users and codes with pages", func(t *testing.T) {
		t.Parallel()
		e := newEnvWith(t, lifecycleFixture)
		for _, link := range []string{
			"http://localhost:8080/api/apps/nope/users/u-mio/email-address/verify?code=x",
			"http://localhost:8080/api/apps/vapp/users/nobody/email-address/verify?code=x",
		} {
			w, doc := e.page(t, "GET", link, nil)
			assert.Equal(t, http.StatusNotFound, w.Code, link)
			assert.True(t, strings.HasPrefix(w.Header().Get("Content-Type"), "text/html"), link)
			assert.Equal(t, pageNoApp, text(byID(doc, "message")))
		}
		w, _ := e.page(t, "GET", "http://localhost:8080/api/apps/vapp/users/u-mio/email-address/verify?code=x", nil)
		assert.Equal(t, http.StatusNotFound, w.Code, "nothing pending")
	})
}

package kii

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPasswordReset: request-reset by email or SMS sends a link to Kii's
// hosted reset page, or a PIN for complete-reset; the new password works
// and every old token dies (docs/providers/kii.md, "Verification and
// password reset", "Hosted pages").
func TestPasswordReset(t *testing.T) {
	t.Parallel()
	requestReset := func(t *testing.T, e *env, appID, seg, body string) *httptest.ResponseRecorder {
		t.Helper()
		hd := kiiHeaders(appID, "k", "Content-Type", ctResetRequest)
		if body == "" {
			hd["Content-Type"] = ctJSON
		}
		return e.do(t, req{"POST", "/api/apps/" + appID + "/users/" + seg + "/password/request-reset", hd, body})
	}

	t.Run("should reset by the email link and the hosted page's form", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		tok := e.login(t, app1, key1, "taro", taroPass)
		// The SDK's older resetPassword(email): no body.
		w := requestReset(t, e, app1, "EMAIL:taro@example.jp", "")
		require.Equal(t, http.StatusNoContent, w.Code, w.Body.String())
		mail := e.lastTo(t, "taro@example.jp")
		assert.Equal(t, kindPasswordReset, mail.Kind)
		assert.Equal(t, channelEmail, mail.Channel)
		assert.Equal(t, "http://localhost:8080/api/apps/app1/users/u-taro/password/reset?code="+url.QueryEscape(mail.Code), mail.Link)
		assert.Equal(t, http.StatusOK, e.do(t, req{"GET", "/api/apps/app1/users/me", h(bearer(tok), ""), ""}).Code, "a request changes nothing yet")

		w, doc := e.page(t, "GET", mail.Link, nil)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		form := byID(doc, "resetForm")
		require.NotNil(t, form)
		assert.Equal(t, "post", attr(form, "method"))
		assert.Equal(t, "/api/apps/app1/users/u-taro/password/reset", attr(form, "action"))
		require.NotNil(t, byID(doc, "newPassword"))
		require.NotNil(t, byID(doc, "confirmPassword"))
		fields := hiddenFields(form)
		assert.Equal(t, mail.Code, fields.Get("code"))

		submit := func(pw, confirm string) (*httptest.ResponseRecorder, string) {
			v := url.Values{"code": {fields.Get("code")}, "newPassword": {pw}, "confirmPassword": {confirm}}
			w, doc := e.page(t, "POST", "http://localhost:8080"+attr(form, "action"), v)
			if n := byID(doc, "error"); n != nil {
				return w, text(n)
			}
			return w, text(byID(doc, "message"))
		}
		w, msg := submit("new-pass-1", "new-pass-2")
		assert.Equal(t, http.StatusBadRequest, w.Code)
		assert.Equal(t, pageMismatch, msg)
		w, msg = submit("abc", "abc")
		assert.Equal(t, http.StatusBadRequest, w.Code)
		assert.Equal(t, pagePasswordRule, msg)
		w, msg = submit("new-pass-1", "new-pass-1")
		require.Equal(t, http.StatusOK, w.Code)
		assert.Equal(t, pageResetDone, msg)

		assert.Equal(t, http.StatusForbidden, e.do(t, req{"GET", "/api/apps/app1/users/me", h(bearer(tok), ""), ""}).Code, "every old token dies")
		assert.Equal(t, http.StatusBadRequest, e.loginCode(t, app1, "taro", taroPass))
		e.login(t, app1, key1, "taro", "new-pass-1")
		w, _ = submit("new-pass-3", "new-pass-3")
		assert.Equal(t, http.StatusNotFound, w.Code, "the link works once")
		w, _ = e.page(t, "GET", mail.Link, nil)
		assert.Equal(t, http.StatusNotFound, w.Code)
	})

	t.Run("should reset by an SMS link or an SMS PIN", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		// resetPasswordWithNotificationMethod("+819012341234", "SMS").
		w := requestReset(t, e, app1, url.PathEscape("PHONE:+819012341234"), `{"notificationMethod":"SMS"}`)
		require.Equal(t, http.StatusNoContent, w.Code, w.Body.String())
		sms := e.lastTo(t, "+819012341234")
		assert.Equal(t, kindPasswordReset, sms.Kind)
		assert.Equal(t, channelSMS, sms.Channel)
		assert.Contains(t, sms.Body, sms.Link)
		w, _ = e.page(t, "GET", sms.Link, nil)
		assert.Equal(t, http.StatusOK, w.Code)

		// "SMS_PIN": the newest request replaces the link.
		w = requestReset(t, e, app1, "LOGIN_NAME:taro", `{"notificationMethod":"SMS","smsResetMethod":"PIN"}`)
		require.Equal(t, http.StatusNoContent, w.Code, w.Body.String())
		pin := e.lastTo(t, "+819012341234")
		assert.Equal(t, kindPasswordResetPIN, pin.Kind)
		assert.Regexp(t, `^[0-9]{6}$`, pin.Code)
		assert.Empty(t, pin.Link)
		w, _ = e.page(t, "GET", sms.Link, nil)
		assert.Equal(t, http.StatusNotFound, w.Code, "the earlier link is void")

		complete := func(body string) *httptest.ResponseRecorder {
			return e.do(t, req{"POST", "/api/apps/app1/users/" + url.PathEscape("PHONE:+819012341234") + "/password/complete-reset", kiiHeaders(app1, key1, "Content-Type", ctResetPIN), body})
		}
		w = complete(`{"pinCode":"x` + pin.Code + `","newPassword":"pin-pass"}`)
		assert.Equal(t, http.StatusForbidden, w.Code)
		assert.Equal(t, codeInvalidVerification, errorCodeOf(t, w))
		w = complete(`{"pinCode":"` + pin.Code + `","newPassword":"abc"}`)
		assert.Equal(t, codePasswordTooShort, errorCodeOf(t, w))
		w = complete(`{"pinCode":"` + pin.Code + `","newPassword":"pin-pass"}`)
		require.Equal(t, http.StatusNoContent, w.Code, w.Body.String())
		e.login(t, app1, key1, "taro", "pin-pass")
		w = complete(`{"pinCode":"` + pin.Code + `","newPassword":"pin-pass-2"}`)
		assert.Equal(t, http.StatusNotFound, w.Code)
		assert.Equal(t, codeVerificationNotFound, errorCodeOf(t, w))
	})

	t.Run("should expire a PIN after a day", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		require.Equal(t, http.StatusNoContent, requestReset(t, e, app1, "u-taro", `{"notificationMethod":"SMS","smsResetMethod":"PIN"}`).Code)
		pin := e.lastTo(t, "+819012341234")
		_, err := e.clk.Advance(24 * time.Hour)
		require.NoError(t, err)
		w := e.do(t, req{"POST", "/api/apps/app1/users/u-taro/password/complete-reset", kiiHeaders(app1, key1, "Content-Type", ctResetPIN), `{"pinCode":"` + pin.Code + `","newPassword":"pin-pass"}`})
		assert.Equal(t, http.StatusGone, w.Code)
		assert.Equal(t, codePinCodeExpired, errorCodeOf(t, w))
	})

	t.Run("should generate the new password in an app with that flow", func(t *testing.T) {
		t.Parallel()
		e := newEnvWith(t, lifecycleFixture)
		require.Equal(t, http.StatusNoContent, requestReset(t, e, "gapp", "EMAIL:gen@example.jp", `{"notificationMethod":"EMAIL"}`).Code)
		mail := e.lastTo(t, "gen@example.jp")
		w, doc := e.page(t, "GET", mail.Link, nil)
		require.Equal(t, http.StatusOK, w.Code)
		form := byID(doc, "resetForm")
		assert.Nil(t, byID(doc, "newPassword"), "nothing to type")
		w, doc = e.page(t, "POST", "http://localhost:8080"+attr(form, "action"), hiddenFields(form))
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		assert.Equal(t, pageResetSent, text(byID(doc, "message")))
		sent := e.lastTo(t, "gen@example.jp")
		assert.Equal(t, kindNewPassword, sent.Kind)
		assert.Contains(t, sent.Body, sent.Password)
		assert.Equal(t, http.StatusOK, e.loginCode(t, "gapp", "gen", sent.Password))

		// By PIN: complete-reset needs no newPassword; the new one comes by SMS.
		require.Equal(t, http.StatusNoContent, requestReset(t, e, "gapp", "LOGIN_NAME:gen", `{"notificationMethod":"SMS","smsResetMethod":"PIN"}`).Code)
		pin := e.lastTo(t, "+819022220000")
		w = e.do(t, req{"POST", "/api/apps/gapp/users/LOGIN_NAME:gen/password/complete-reset", kiiHeaders("gapp", "k", "Content-Type", ctResetPIN), `{"pinCode":"` + pin.Code + `"}`})
		require.Equal(t, http.StatusNoContent, w.Code, w.Body.String())
		sms := e.lastTo(t, "+819022220000")
		assert.Equal(t, kindNewPassword, sms.Kind)
		assert.Equal(t, channelSMS, sms.Channel)
		assert.Equal(t, http.StatusOK, e.loginCode(t, "gapp", "gen", sms.Password))
	})

	t.Run("should refuse a reset without a verified address of the kind asked for", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		for _, c := range []struct{ seg, body string }{
			{"LOGIN_NAME:jiro", `{"notificationMethod":"EMAIL"}`}, // unverified email
			{"LOGIN_NAME:jiro", `{"notificationMethod":"SMS"}`},   // no phone
			{"user_123456", `{"notificationMethod":"EMAIL"}`},     // a login name as {user} is a user id: nobody
		} {
			w := requestReset(t, e, app1, c.seg, c.body)
			if c.seg == "user_123456" {
				assert.Equal(t, http.StatusNotFound, w.Code)
				assert.Equal(t, codeUserNotFound, errorCodeOf(t, w))
				continue
			}
			assert.Equal(t, http.StatusNotFound, w.Code, c.seg+c.body)
			assert.Equal(t, codeUserAddressNotFound, errorCodeOf(t, w), c.seg+c.body)
		}
		w := requestReset(t, e, app1, "LOGIN_NAME:taro", `{"notificationMethod":"FAX"}`)
		assert.Equal(t, codeInvalidInputData, errorCodeOf(t, w))
		w = e.do(t, req{"POST", "/api/apps/app1/users/LOGIN_NAME:taro/password/request-reset", map[string]string{"Content-Type": ctJSON}, ""})
		assert.Equal(t, http.StatusUnauthorized, w.Code, "app credentials are needed")
		assert.Empty(t, e.outbox(t, "?app=app1"))
	})

	t.Run("should void a pending reset when the password is changed", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		require.Equal(t, http.StatusNoContent, requestReset(t, e, app1, "EMAIL:taro@example.jp", "").Code)
		link := e.lastTo(t, "taro@example.jp").Link
		tok := e.login(t, app1, key1, "taro", taroPass)
		require.Equal(t, http.StatusNoContent, e.do(t, req{"PUT", "/api/apps/app1/users/me/password", h(bearer(tok), ctPassword), `{"oldPassword":"` + taroPass + `","newPassword":"changed"}`}).Code)
		w, _ := e.page(t, "GET", link, nil)
		assert.Equal(t, http.StatusNotFound, w.Code)
	})
}

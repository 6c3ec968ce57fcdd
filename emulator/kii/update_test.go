package kii

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestUpdateUser: POST /users/{user} with a UserUpdateRequest, as the JS
// SDK's update() sends it (docs/providers/kii.md, "Updating users").
func TestUpdateUser(t *testing.T) {
	t.Parallel()
	update := func(t *testing.T, e *env, tok, seg, body string) *httptest.ResponseRecorder {
		t.Helper()
		return e.do(t, req{"POST", "/api/apps/app1/users/" + seg, h(bearer(tok), ctUserUpdate), body})
	}

	t.Run("should update attributes and replace the custom fields", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		tok := e.login(t, app1, key1, "taro", taroPass)
		// update(null, {"displayName": …, "level": 3}, ["pref"]) after a
		// refresh: the SDK sends the user's custom fields without pref.
		w := update(t, e, tok, taroID, `{"internalUserID":1048577,"displayName":"山田太郎2","locale":"en","level":3}`)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		me := e.getUser(t, app1, tok, "me")
		assert.Equal(t, "山田太郎2", me["displayName"])
		assert.Equal(t, "en", me["locale"])
		assert.Equal(t, "JP", me["country"], "fields not sent stay")
		assert.Equal(t, "taro", me["loginName"])
		assert.EqualValues(t, 3, me["level"])
		assert.NotContains(t, me, "pref", "a custom field left out is removed")
		assert.EqualValues(t, 1048577, me["internalUserID"])
	})

	t.Run("should change the login name, and refuse a taken one", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		tok := e.login(t, app1, key1, "taro", taroPass)
		require.Equal(t, http.StatusOK, update(t, e, tok, "me", `{"loginName":"taro2"}`).Code)
		assert.Equal(t, http.StatusBadRequest, e.loginCode(t, app1, "taro", taroPass), "the old name is gone")
		e.login(t, app1, key1, "taro2", taroPass)
		require.Equal(t, http.StatusCreated, e.do(t, req{"POST", "/api/apps/app1/users", kiiHeaders(app1, key1), `{"loginName":"taro","password":"pass1234"}`}).Code, "and free")

		w := update(t, e, tok, "me", `{"loginName":"hanako"}`)
		assert.Equal(t, http.StatusConflict, w.Code)
		assert.Equal(t, codeUserAlreadyExists, errorCodeOf(t, w))
	})

	t.Run("should change email and phone at once in an app without verification", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		tok := e.login(t, app1, key1, "taro", taroPass)
		require.Equal(t, http.StatusOK, update(t, e, tok, "me", `{"emailAddress":"taro.new@example.jp","phoneNumber":"09033334444"}`).Code)
		me := e.getUser(t, app1, tok, "me")
		assert.Equal(t, "taro.new@example.jp", me["emailAddress"])
		assert.Equal(t, true, me["emailAddressVerified"])
		assert.Equal(t, "+819033334444", me["phoneNumber"], "local with the user's country, stored international")
		e.login(t, app1, key1, "taro.new@example.jp", taroPass)
		e.login(t, app1, key1, "+819033334444", taroPass)
		assert.Empty(t, e.outbox(t, ""), "nothing to verify")
	})

	t.Run("should refuse what the rules refuse", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		tok := e.login(t, app1, key1, "taro", taroPass)
		for _, c := range []struct {
			name, ct, body string
			status         int
			code           string
		}{
			{"a bad email", ctUserUpdate, `{"emailAddress":"nope"}`, 400, codeInvalidInputData},
			{"a bad login name", ctUserUpdate, `{"loginName":"a b"}`, 400, codeInvalidInputData},
			{"a non-string field", ctUserUpdate, `{"displayName":1}`, 400, codeInvalidInputData},
			{"a named user's password", ctUserUpdate, `{"password":"new-pass"}`, 400, codeInvalidInputData},
			{"a local phone of a country without calling code", ctUserUpdate, `{"phoneNumber":"0123456","country":"ZZ"}`, 400, codeInvalidInputData},
			{"malformed JSON", ctUserUpdate, `{`, 400, codeInvalidJSON},
			{"text/plain", "text/plain", `{}`, 415, codeUnsupportedMediaType},
		} {
			w := update(t, e, tok, "me", c.body)
			if c.ct != ctUserUpdate {
				w = e.do(t, req{"POST", "/api/apps/app1/users/me", h(bearer(tok), c.ct), c.body})
			}
			assert.Equal(t, c.status, w.Code, c.name)
			assert.Equal(t, c.code, errorCodeOf(t, w), c.name)
		}
	})

	t.Run("should let only the user and the app admin update", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		hanakoTok := e.login(t, app1, key1, "hanako", hanakoPass)
		w := update(t, e, hanakoTok, taroID, `{"displayName":"x"}`)
		assert.Equal(t, http.StatusUnauthorized, w.Code)
		w = e.do(t, req{"POST", "/api/apps/app1/users/me", kiiHeaders(app1, key1, "Content-Type", ctUserUpdate), `{"displayName":"x"}`})
		assert.Equal(t, http.StatusUnauthorized, w.Code, "no token")
		admin := e.adminToken(t, app1, client1, secret1)
		require.Equal(t, http.StatusOK, update(t, e, admin, "LOGIN_NAME:taro", `{"displayName":"管理者が変更"}`).Code)
		assert.Equal(t, "管理者が変更", e.getUser(t, app1, admin, taroID)["displayName"])
		w = update(t, e, admin, "LOGIN_NAME:nobody", `{}`)
		assert.Equal(t, http.StatusNotFound, w.Code)
	})
}

package kii

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/internal/httpx"
)

// userCase is a row of a users-endpoint table. Tokens are named: "taro",
// "hanako", "admin", "anon", "other" (an app2 token), "bogus", "" (none);
// the runner mints them.
type userCase struct {
	name   string
	method string
	path   string
	token  string
	ct     string
	body   string
	status int
	code   string
}

func (e *env) tokenFor(t *testing.T, name string) string {
	t.Helper()
	switch name {
	case "":
		return ""
	case "taro":
		return e.login(t, app1, key1, "taro", taroPass)
	case "hanako":
		return e.login(t, app1, key1, "hanako", hanakoPass)
	case "admin":
		return e.adminToken(t, app1, client1, secret1)
	case "anon":
		w := e.do(t, req{"POST", "/api/apps/app1/oauth2/token", h("", ctJSON), `{"grant_type":"client_credentials","client_id":"app1","client_secret":"x"}`})
		require.Equal(t, http.StatusOK, w.Code)
		return decode(t, w)["access_token"].(string)
	case "other":
		return e.login(t, app2, key2, "kenji", kenjiPass)
	default:
		return name
	}
}

func runUserTable(t *testing.T, cases []userCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			hd := map[string]string{"X-Kii-AppID": app1, "X-Kii-AppKey": key1}
			if tok := e.tokenFor(t, tc.token); tok != "" {
				hd["Authorization"] = bearer(tok)
			}
			if tc.ct != "" {
				hd["Content-Type"] = tc.ct
			}
			w := e.do(t, req{tc.method, tc.path, hd, tc.body})
			require.Equal(t, tc.status, w.Code, w.Body.String())
			assert.Equal(t, tc.code, errorCodeOf(t, w))
			if tc.code != "" {
				assert.Equal(t, codeStatus[tc.code], w.Code, "status must match errorCode")
			}
		})
	}
}

const (
	ctRegReq    = "application/vnd.kii.RegistrationRequest+json"
	ctRegAuth   = "application/vnd.kii.RegistrationAndAuthorizationRequest+json"
	ctPassword  = "application/vnd.kii.ChangePasswordRequest+json"
	ctStatusReq = "application/vnd.kii.UserStatusUpdateRequest+json"
)

func TestRegister(t *testing.T) {
	t.Parallel()
	p := "/api/apps/app1/users"
	runUserTable(t, []userCase{
		{"should register with RegistrationRequest", "POST", p, "", ctRegReq, `{"loginName":"saburo","password":"pass1234"}`, 201, ""},
		{"should register with plain JSON", "POST", p, "", ctJSON, `{"emailAddress":"saburo@example.jp","password":"pass1234"}`, 201, ""},
		{"should register with a phone only", "POST", p, "", ctJSON, `{"phoneNumber":"+819099998888","password":"pass1234"}`, 201, ""},
		{"should register a local phone with a country", "POST", p, "", ctJSON, `{"phoneNumber":"09099998888","country":"jp","password":"pass1234"}`, 201, ""},
		{"should register with the admin token", "POST", p, "admin", ctJSON, `{"loginName":"saburo","password":"pass1234"}`, 201, ""},
		{"should register and log in", "POST", p, "", ctRegAuth, `{"loginName":"saburo","password":"pass1234"}`, 201, ""},
		{"should ignore fields starting with _", "POST", p, "", ctJSON, `{"loginName":"saburo","password":"pass1234","_secret":1}`, 201, ""},

		{"should refuse a short password", "POST", p, "", ctJSON, `{"loginName":"saburo","password":"abc"}`, 400, codePasswordTooShort},
		{"should refuse a missing password", "POST", p, "", ctJSON, `{"loginName":"saburo"}`, 400, codePasswordTooShort},
		{"should refuse a password over 50 characters", "POST", p, "", ctJSON, `{"loginName":"saburo","password":"` + strings.Repeat("a", 51) + `"}`, 400, codeInvalidInputData},
		{"should refuse a non-ASCII password", "POST", p, "", ctJSON, `{"loginName":"saburo","password":"パスワード"}`, 400, codeInvalidInputData},
		{"should refuse no identifier", "POST", p, "", ctJSON, `{"password":"pass1234"}`, 400, codeInvalidInputData},
		{"should refuse a bad login name", "POST", p, "", ctJSON, `{"loginName":"a b","password":"pass1234"}`, 400, codeInvalidInputData},
		{"should refuse a too short login name", "POST", p, "", ctJSON, `{"loginName":"ab","password":"pass1234"}`, 400, codeInvalidInputData},
		{"should refuse a bad email", "POST", p, "", ctJSON, `{"emailAddress":"not-an-email","password":"pass1234"}`, 400, codeInvalidInputData},
		{"should refuse a local phone without country", "POST", p, "", ctJSON, `{"phoneNumber":"09099998888","password":"pass1234"}`, 400, codeInvalidInputData},
		{"should refuse a bad phone", "POST", p, "", ctJSON, `{"phoneNumber":"call me","password":"pass1234"}`, 400, codeInvalidInputData},
		{"should refuse a bad country", "POST", p, "", ctJSON, `{"loginName":"saburo","country":"JPN","password":"pass1234"}`, 400, codeInvalidInputData},
		{"should refuse a too long display name", "POST", p, "", ctJSON, `{"loginName":"saburo","displayName":"` + strings.Repeat("名", 51) + `","password":"pass1234"}`, 400, codeInvalidInputData},
		{"should refuse a non-string field", "POST", p, "", ctJSON, `{"loginName":7,"password":"pass1234"}`, 400, codeInvalidInputData},
		{"should refuse a taken login name", "POST", p, "", ctJSON, `{"loginName":"taro","password":"pass1234"}`, 409, codeUserAlreadyExists},
		{"should refuse a taken email in another case", "POST", p, "", ctJSON, `{"emailAddress":"TARO@example.jp","password":"pass1234"}`, 409, codeUserAlreadyExists},
		{"should refuse a taken phone", "POST", p, "", ctJSON, `{"phoneNumber":"+819012341234","password":"pass1234"}`, 409, codeUserAlreadyExists},
		{"should refuse a taken phone in local form", "POST", p, "", ctJSON, `{"phoneNumber":"09012341234","country":"JP","password":"pass1234"}`, 409, codeUserAlreadyExists},
		{"should refuse malformed JSON", "POST", p, "", ctJSON, `{"loginName":`, 400, codeInvalidJSON},
		{"should refuse text/plain", "POST", p, "", "text/plain", `{}`, 415, codeUnsupportedMediaType},
		{"should refuse a bogus token", "POST", p, "bogus", ctJSON, `{"loginName":"saburo","password":"pass1234"}`, 403, codeWrongToken},
		{"should refuse a body over the cap", "POST", p, "", ctJSON, `{"loginName":"saburo","password":"pass1234","bio":"` + strings.Repeat("x", 2000) + `"}`, 413, "REQUEST_ENTITY_TOO_LARGE"},
		{"should refuse an unknown app", "POST", "/api/apps/nope/users", "", ctJSON, `{"loginName":"saburo","password":"pass1234"}`, 404, codeAppNotFound},
		{"should refuse PUT with 405", "PUT", p, "", ctJSON, `{}`, 405, "METHOD_NOT_ALLOWED"},
	})
}

func TestRegisterWithoutAppCredentials(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.do(t, req{"POST", "/api/apps/app1/users", h("", ctJSON), `{"loginName":"saburo","password":"pass1234"}`})
	assert.Equal(t, http.StatusUnauthorized, w.Code)
	assert.Equal(t, codeUnauthorized, errorCodeOf(t, w))
	assert.Equal(t, ctUnauthorized, w.Header().Get("Content-Type"))
}

func TestRegisterResponse(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.do(t, req{"POST", "/api/apps/app1/users", kiiHeaders(app1, key1, "Content-Type", ctRegReq),
		`{"loginName":"saburo","displayName":"田中三郎","country":"jp","locale":"ja","emailAddress":"saburo@example.jp","phoneNumber":"09011112222","password":"pass1234","hobby":["料理"],"_ignored":true}`})
	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	body := decode(t, w)
	id := body["userID"].(string)
	assert.Equal(t, "http://localhost:8080/api/apps/app1/users/"+id, w.Header().Get("Location"))
	assert.Equal(t, ctRegistration, w.Header().Get("Content-Type"))
	assert.Equal(t, "JP", body["country"], "country is upper-cased")
	assert.EqualValues(t, 1048581, body["internalUserID"], "next after the four fixture users")
	assert.Equal(t, []any{"料理"}, body["hobby"], "custom fields are kept")
	assert.NotContains(t, body, "_ignored")
	assert.Equal(t, true, body["_hasPassword"])
	assert.Equal(t, false, body["_disabled"])

	// The new user logs in with the registered local phone in E.164 form.
	tok := e.login(t, app1, key1, "+819011112222", "pass1234")
	assert.Len(t, tok, 43)
}

func TestRegisterAndAuthorize(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.do(t, req{"POST", "/api/apps/app1/users", kiiHeaders(app1, key1, "Content-Type", ctRegAuth), `{"loginName":"saburo","password":"pass1234"}`})
	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	body := decode(t, w)
	tok := body["_accessToken"].(string)
	w = e.do(t, req{"GET", "/api/apps/app1/users/me", h(bearer(tok), ctJSON), ""})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Equal(t, body["userID"], decode(t, w)["userID"])
}

func TestUserAlreadyExistsBody(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.do(t, req{"POST", "/api/apps/app1/users", kiiHeaders(app1, key1), `{"emailAddress":"taro@example.jp","password":"pass1234"}`})
	require.Equal(t, http.StatusConflict, w.Code)
	assert.JSONEq(t, `{"errorCode":"USER_ALREADY_EXISTS","message":"User with emailAddress taro@example.jp already exists","value":"taro@example.jp","field":"emailAddress","suppressed":[]}`, w.Body.String())
}

func TestGetUser(t *testing.T) {
	t.Parallel()
	p := "/api/apps/app1/users/"
	runUserTable(t, []userCase{
		{"should read me", "GET", p + "me", "taro", ctJSON, "", 200, ""},
		{"should read a user by id", "GET", p + taroID, "taro", "", "", 200, ""},
		{"should read another user", "GET", p + hanakoID, "taro", "", "", 200, ""},
		{"should read with the admin token", "GET", p + taroID, "admin", "", "", 200, ""},
		{"should find a disabled user", "GET", p + yumiID, "admin", "", "", 200, ""},
		{"should ignore disable_cache", "GET", p + "me?disable_cache=1449057600000", "taro", ctJSON, "", 200, ""},

		{"should refuse no token", "GET", p + "me", "", "", "", 401, codeUnauthorized},
		{"should refuse an anonymous token", "GET", p + taroID, "anon", "", "", 401, codeUnauthorized},
		{"should refuse me with the admin token", "GET", p + "me", "admin", "", "", 401, codeUnauthorized},
		{"should refuse a bogus token", "GET", p + "me", "bogus", "", "", 403, codeWrongToken},
		{"should refuse another app's token", "GET", p + "me", "other", "", "", 403, codeWrongToken},
		{"should refuse an unknown user", "GET", p + "nobody", "taro", "", "", 404, codeUserNotFound},
		{"should refuse an unknown login name", "GET", p + "LOGIN_NAME:nobody", "taro", "", "", 404, codeUserNotFound},
		{"should refuse an unknown app", "GET", "/api/apps/nope/users/me", "taro", "", "", 404, codeAppNotFound},
		{"should refuse PATCH with 405", "PATCH", p + "me", "taro", ctJSON, "{}", 405, "METHOD_NOT_ALLOWED"},
	})
}

// TestUserAddressing reads one user by every addressing form.
func TestUserAddressing(t *testing.T) {
	t.Parallel()
	forms := []struct{ name, segment, want string }{
		{"should address me", "me", taroID},
		{"should address a user id", taroID, taroID},
		{"should address LOGIN_NAME:", "LOGIN_NAME:taro", taroID},
		{"should address EMAIL:", "EMAIL:taro@example.jp", taroID},
		{"should address EMAIL: in another case", "EMAIL:TARO@EXAMPLE.JP", taroID},
		{"should address PHONE:+…", "PHONE:+819012341234", taroID},
		{"should address PHONE:+… escaped", "PHONE:" + url.PathEscape("+") + "819012341234", taroID},
		{"should address PHONE:JP-…", "PHONE:JP-9012341234", taroID},
		{"should address a local phone by E.164", "PHONE:+819023456789", hanakoID},
		{"should address an escaped email", "EMAIL:hanako%40example.jp", hanakoID},
	}
	for _, f := range forms {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			tok := e.login(t, app1, key1, "taro", taroPass)
			w := e.do(t, req{"GET", "/api/apps/app1/users/" + f.segment, h(bearer(tok), ""), ""})
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			assert.Equal(t, f.want, decode(t, w)["userID"])
			assert.Equal(t, ctUserRetrieval, w.Header().Get("Content-Type"))
		})
	}
	misses := []struct{ name, segment, field, value string }{
		{"should report a user id", "nobody", "userID", "nobody"},
		{"should report a login name", "LOGIN_NAME:nobody", "loginName", "nobody"},
		{"should report an email", "EMAIL:nobody@example.jp", "emailAddress", "nobody@example.jp"},
		{"should report a phone", "PHONE:+810000000000", "phoneNumber", "+810000000000"},
		{"should report a country phone", "PHONE:JP-8000000000", "phoneNumber", "JP-8000000000"},
	}
	for _, m := range misses {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			tok := e.login(t, app1, key1, "taro", taroPass)
			w := e.do(t, req{"GET", "/api/apps/app1/users/" + m.segment, h(bearer(tok), ""), ""})
			require.Equal(t, http.StatusNotFound, w.Code)
			assert.Equal(t, ctUserNotFound, w.Header().Get("Content-Type"))
			assert.JSONEq(t, `{"errorCode":"USER_NOT_FOUND","message":"User `+m.value+` was not found","value":"`+m.value+`","field":"`+m.field+`","appID":"app1"}`, w.Body.String())
		})
	}
}

// TestUserVisibility: another user's token sees only userID, loginName
// and displayName (docs/providers/kii.md, "Users").
func TestUserVisibility(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.login(t, app1, key1, "hanako", hanakoPass)
	w := e.do(t, req{"GET", "/api/apps/app1/users/" + taroID, h(bearer(tok), ""), ""})
	require.Equal(t, http.StatusOK, w.Code)
	assert.JSONEq(t, `{"userID":"u-taro","loginName":"taro","displayName":"山田太郎"}`, w.Body.String())

	exposed := strings.Replace(testFixture, `"name": "テスト",`, `"name": "テスト", "exposeFullUserDataToOthers": true,`, 1)
	e = newEnvWith(t, exposed)
	tok = e.login(t, app1, key1, "hanako", hanakoPass)
	w = e.do(t, req{"GET", "/api/apps/app1/users/" + taroID, h(bearer(tok), ""), ""})
	require.Equal(t, http.StatusOK, w.Code)
	assert.Contains(t, decode(t, w), "emailAddress")
}

func TestChangePassword(t *testing.T) {
	t.Parallel()
	p := "/api/apps/app1/users/"
	body := `{"oldPassword":"taro-pass","newPassword":"new-pass"}`
	runUserTable(t, []userCase{
		{"should change my password", "PUT", p + "me/password", "taro", ctPassword, body, 204, ""},
		{"should change by user id", "PUT", p + taroID + "/password", "taro", ctJSON, body, 204, ""},
		{"should change by the admin token without oldPassword", "PUT", p + taroID + "/password", "admin", ctJSON, `{"newPassword":"new-pass"}`, 204, ""},
		{"should change by LOGIN_NAME:", "PUT", p + "LOGIN_NAME:taro/password", "taro", ctJSON, body, 204, ""},

		{"should refuse a wrong old password", "PUT", p + "me/password", "taro", ctJSON, `{"oldPassword":"nope","newPassword":"new-pass"}`, 401, codeWrongPassword},
		{"should refuse a missing old password", "PUT", p + "me/password", "taro", ctJSON, `{"newPassword":"new-pass"}`, 400, codeMissingData},
		{"should refuse a short new password", "PUT", p + "me/password", "taro", ctJSON, `{"oldPassword":"taro-pass","newPassword":"abc"}`, 400, codePasswordTooShort},
		{"should refuse a missing new password", "PUT", p + "me/password", "taro", ctJSON, `{"oldPassword":"taro-pass"}`, 400, codePasswordTooShort},
		{"should refuse a non-ASCII new password", "PUT", p + "me/password", "taro", ctJSON, `{"oldPassword":"taro-pass","newPassword":"新しいパスワード"}`, 400, codeInvalidInputData},
		{"should refuse a non-string password", "PUT", p + "me/password", "taro", ctJSON, `{"oldPassword":1,"newPassword":"new-pass"}`, 400, codeInvalidInputData},
		{"should refuse another user's token", "PUT", p + hanakoID + "/password", "taro", ctJSON, body, 401, codeUnauthorized},
		{"should refuse no token", "PUT", p + taroID + "/password", "", ctJSON, body, 401, codeUnauthorized},
		{"should refuse an anonymous token", "PUT", p + taroID + "/password", "anon", ctJSON, body, 401, codeUnauthorized},
		{"should refuse a bogus token", "PUT", p + "me/password", "bogus", ctJSON, body, 403, codeWrongToken},
		{"should refuse an unknown user", "PUT", p + "nobody/password", "admin", ctJSON, `{"newPassword":"new-pass"}`, 404, codeUserNotFound},
		{"should refuse malformed JSON", "PUT", p + "me/password", "taro", ctJSON, `{`, 400, codeInvalidJSON},
		{"should refuse text/plain", "PUT", p + "me/password", "taro", "text/plain", body, 415, codeUnsupportedMediaType},
		{"should refuse POST with 405", "POST", p + "me/password", "taro", ctJSON, body, 405, "METHOD_NOT_ALLOWED"},
	})
}

func TestWrongPasswordBody(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.login(t, app1, key1, "taro", taroPass)
	w := e.do(t, req{"PUT", "/api/apps/app1/users/me/password", h(bearer(tok), ctJSON), `{"oldPassword":"nope","newPassword":"new-pass"}`})
	require.Equal(t, http.StatusUnauthorized, w.Code)
	assert.JSONEq(t, `{"errorCode":"WRONG_PASSWORD","message":"`+msgWrongPassword+`","appID":"app1","principalID":"u-taro","address":"taro"}`, w.Body.String())
	assert.Equal(t, http.StatusOK, e.do(t, req{"GET", "/api/apps/app1/users/me", h(bearer(tok), ""), ""}).Code, "a failed change revokes nothing")
}

func TestUserStatus(t *testing.T) {
	t.Parallel()
	p := "/api/apps/app1/users/"
	runUserTable(t, []userCase{
		{"should disable a user", "PUT", p + taroID + "/status", "admin", ctStatusReq, `{"disabled":true}`, 204, ""},
		{"should enable a user", "PUT", p + yumiID + "/status", "admin", ctJSON, `{"disabled":false}`, 204, ""},
		{"should address by EMAIL:", "PUT", p + "EMAIL:taro@example.jp/status", "admin", ctJSON, `{"disabled":true}`, 204, ""},
		{"should read the status", "GET", p + yumiID + "/status", "admin", "", "", 200, ""},

		{"should refuse a user token", "PUT", p + taroID + "/status", "taro", ctJSON, `{"disabled":true}`, 401, codeUnauthorized},
		{"should refuse a user token reading", "GET", p + taroID + "/status", "taro", "", "", 401, codeUnauthorized},
		{"should refuse no token", "PUT", p + taroID + "/status", "", ctJSON, `{"disabled":true}`, 401, codeUnauthorized},
		{"should refuse me with the admin token", "PUT", p + "me/status", "admin", ctJSON, `{"disabled":true}`, 401, codeUnauthorized},
		{"should refuse a bogus token", "PUT", p + taroID + "/status", "bogus", ctJSON, `{"disabled":true}`, 403, codeWrongToken},
		{"should refuse an unknown user", "PUT", p + "nobody/status", "admin", ctJSON, `{"disabled":true}`, 404, codeUserNotFound},
		{"should refuse a missing flag", "PUT", p + taroID + "/status", "admin", ctJSON, `{}`, 400, codeInvalidInputData},
		{"should refuse a string flag", "PUT", p + taroID + "/status", "admin", ctJSON, `{"disabled":"true"}`, 400, codeInvalidInputData},
		{"should refuse malformed JSON", "PUT", p + taroID + "/status", "admin", ctJSON, `{`, 400, codeInvalidJSON},
		{"should refuse text/plain", "PUT", p + taroID + "/status", "admin", "text/plain", `{"disabled":true}`, 415, codeUnsupportedMediaType},
		{"should refuse DELETE with 405", "DELETE", p + taroID + "/status", "admin", "", "", 405, "METHOD_NOT_ALLOWED"},
	})
}

func TestStatusBody(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.adminToken(t, app1, client1, secret1)
	w := e.do(t, req{"GET", "/api/apps/app1/users/" + yumiID + "/status", h(bearer(admin), ""), ""})
	require.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, `{"disabled":true}`, w.Body.String())
	assert.Equal(t, ctStatusRetrieval, w.Header().Get("Content-Type"))
}

func TestDeleteUser(t *testing.T) {
	t.Parallel()
	p := "/api/apps/app1/users/"
	runUserTable(t, []userCase{
		{"should delete me", "DELETE", p + "me", "taro", "", "", 204, ""},
		{"should delete with the admin token", "DELETE", p + hanakoID, "admin", "", "", 204, ""},
		{"should refuse another user's token", "DELETE", p + hanakoID, "taro", "", "", 401, codeUnauthorized},
		{"should refuse no token", "DELETE", p + hanakoID, "", "", "", 401, codeUnauthorized},
		{"should refuse an unknown user", "DELETE", p + "nobody", "admin", "", "", 404, codeUserNotFound},
		{"should refuse a bogus token", "DELETE", p + "me", "bogus", "", "", 403, codeWrongToken},
	})
}

// TestDeleteUserEffects: tokens die, look-ups 404, the name is free again.
func TestDeleteUserEffects(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.login(t, app1, key1, "taro", taroPass)
	admin := e.adminToken(t, app1, client1, secret1)
	require.Equal(t, http.StatusNoContent, e.do(t, req{"DELETE", "/api/apps/app1/users/me", h(bearer(tok), ""), ""}).Code)

	w := e.do(t, req{"GET", "/api/apps/app1/users/me", h(bearer(tok), ""), ""})
	assert.Equal(t, http.StatusForbidden, w.Code)
	assert.Equal(t, codeWrongToken, errorCodeOf(t, w))
	w = e.do(t, req{"GET", "/api/apps/app1/users/" + taroID, h(bearer(admin), ""), ""})
	assert.Equal(t, http.StatusNotFound, w.Code)
	w = e.do(t, req{"POST", "/api/apps/app1/users", kiiHeaders(app1, key1), `{"loginName":"taro","emailAddress":"taro@example.jp","phoneNumber":"+819012341234","password":"pass1234"}`})
	assert.Equal(t, http.StatusCreated, w.Code, w.Body.String())
}

// TestDisableAndEnable: disabling kills every token and login; enabling
// allows login again but revives no old token.
func TestDisableAndEnable(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok1 := e.login(t, app1, key1, "taro", taroPass)
	tok2 := e.login(t, app1, key1, "taro@example.jp", taroPass)
	admin := e.adminToken(t, app1, client1, secret1)
	status := func(disabled string) {
		w := e.do(t, req{"PUT", "/api/apps/app1/users/" + taroID + "/status", h(bearer(admin), ctStatusReq), `{"disabled":` + disabled + `}`})
		require.Equal(t, http.StatusNoContent, w.Code, w.Body.String())
	}
	me := func(tok string) int {
		return e.do(t, req{"GET", "/api/apps/app1/users/me", h(bearer(tok), ""), ""}).Code
	}

	status("true")
	assert.Equal(t, http.StatusForbidden, me(tok1))
	assert.Equal(t, http.StatusForbidden, me(tok2))
	w := e.do(t, req{"POST", "/api/apps/app1/oauth2/token", h(basic(app1, key1), ctJSON), seedBody})
	assert.Equal(t, http.StatusBadRequest, w.Code)
	assert.Equal(t, reasonDisabled, e.store.Devlog(app1)[0].Reason)
	w = e.do(t, req{"GET", "/api/apps/app1/users/" + taroID, h(bearer(admin), ""), ""})
	require.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, true, decode(t, w)["_disabled"])

	status("false")
	assert.Equal(t, http.StatusForbidden, me(tok1), "enabling revives no token")
	assert.Equal(t, http.StatusOK, me(e.login(t, app1, key1, "taro", taroPass)))
}

// TestUnderPrefix: Location points back under the prefix the request came
// through.
func TestUnderPrefix(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := httptest.NewRequest("POST", "http://localhost:8080/kii/api/apps/app1/users", strings.NewReader(`{"loginName":"saburo","password":"pass1234"}`))
	r.URL.Path = strings.TrimPrefix(r.URL.Path, "/kii")
	r = httpx.WithBase(r, "/kii")
	r.Header.Set("Content-Type", ctJSON)
	r.Header.Set("X-Kii-AppID", app1)
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	assert.Equal(t, "http://localhost:8080/kii/api/apps/app1/users/"+decode(t, w)["userID"].(string), w.Header().Get("Location"))
}

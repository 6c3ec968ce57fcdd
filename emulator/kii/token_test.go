package kii

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tokenCase is one row of a token endpoint table: the status and
// errorCode (or, for 200, the "id") expected.
type tokenCase struct {
	name   string
	rq     req
	status int
	code   string // errorCode for errors
	id     string // "id" for successes
}

func runTokenTable(t *testing.T, cases []tokenCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			w := e.do(t, tc.rq)
			require.Equal(t, tc.status, w.Code, w.Body.String())
			assert.Equal(t, "*", w.Header().Get("Access-Control-Allow-Origin"))
			if tc.status == http.StatusOK {
				body := decode(t, w)
				assert.Equal(t, tc.id, body["id"])
				assert.Len(t, body["access_token"], 43, "32 random bytes, base64url")
				assert.Equal(t, "bearer", body["token_type"])
				assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
				return
			}
			assert.Equal(t, tc.code, errorCodeOf(t, w))
			assert.Equal(t, codeStatus[tc.code], w.Code, "status must match errorCode")
		})
	}
}

const seedBody = `{"grant_type":"password","username":"taro","password":"taro-pass"}`

func TestAppTokenEndpoint(t *testing.T) {
	t.Parallel()
	p := "/api/apps/app1/oauth2/token"
	p2 := "/api/apps/app2/oauth2/token"
	form := "application/x-www-form-urlencoded"
	future := strconv.FormatInt(t0.Add(24*time.Hour).UnixMilli(), 10)
	past := strconv.FormatInt(t0.Add(-time.Second).UnixMilli(), 10)
	tooFar := strconv.FormatInt(t0.Add(defaultMaxLifetime+time.Minute).UnixMilli(), 10)
	runTokenTable(t, []tokenCase{
		{"should log in with the login guide's request (Basic + JSON)", req{"POST", p, h(basic(app1, key1), ctJSON), seedBody}, 200, "", taroID},
		{"should log in with X-Kii-AppID and X-Kii-AppKey", req{"POST", p, kiiHeaders(app1, key1), seedBody}, 200, "", taroID},
		{"should accept any AppKey for an app without strictAppKey", req{"POST", p, kiiHeaders(app1, "whatever"), seedBody}, 200, "", taroID},
		{"should log in with a form body", req{"POST", p, h(basic(app1, key1), form), "grant_type=password&username=taro&password=taro-pass"}, 200, "", taroID},
		{"should take body client_id/client_secret as app credentials", req{"POST", p, h("", form), "grant_type=password&username=taro&password=taro-pass&client_id=app1&client_secret=x"}, 200, "", taroID},
		{"should URL-decode Basic credentials of a strict app", req{"POST", p2, h(basic(app2, url.QueryEscape(key2)), ctJSON), `{"grant_type":"password","username":"kenji","password":"kenji-pass"}`}, 200, "", kenjiID},
		{"should accept raw Basic credentials of a strict app", req{"POST", p2, h(basic(app2, key2), ctJSON), `{"grant_type":"password","username":"kenji","password":"kenji-pass"}`}, 200, "", kenjiID},
		{"should accept a charset parameter", req{"POST", p, h(basic(app1, key1), "application/json; charset=UTF-8"), seedBody}, 200, "", taroID},
		{"should accept a vnd.kii JSON type", req{"POST", p, h(basic(app1, key1), "application/vnd.kii.OauthTokenRequest+json"), seedBody}, 200, "", taroID},
		{"should ignore disable_cache and SDK headers", req{"POST", p + "?disable_cache=1449057600000", kiiHeaders(app1, key1, "X-Kii-SDK", "sn=jsa;sv=2.4.19", "Connection", "close"), seedBody}, 200, "", taroID},
		{"should accept a future expiresAt", req{"POST", p, h(basic(app1, key1), ctJSON), `{"grant_type":"password","username":"taro","password":"taro-pass","expiresAt":` + future + `}`}, 200, "", taroID},
		{"should mint an app-admin token", req{"POST", p, h("", ctJSON), `{"grant_type":"client_credentials","client_id":"client-one","client_secret":"secret-one"}`}, 200, "", client1},
		{"should mint an app-admin token from Basic ClientID:ClientSecret", req{"POST", p, h(basic(client1, secret1), form), "grant_type=client_credentials"}, 200, "", client1},
		{"should mint an anonymous token", req{"POST", p, h("", ctJSON), `{"grant_type":"client_credentials","client_id":"app1","client_secret":"any"}`}, 200, "", anonymousID},

		{"should refuse an unknown app", req{"POST", "/api/apps/zz99zz99/oauth2/token", h(basic("zz99zz99", "k"), ctJSON), seedBody}, 404, codeAppNotFound, ""},
		{"should refuse Basic naming another app", req{"POST", p, h(basic(app2, key2), ctJSON), seedBody}, 401, codeUnauthorized, ""},
		{"should refuse X-Kii-AppID naming another app", req{"POST", p, kiiHeaders(app2, key2), seedBody}, 401, codeUnauthorized, ""},
		{"should refuse Basic and X-Kii-AppID naming different apps", req{"POST", p, map[string]string{"Authorization": basic(app1, key1), "X-Kii-AppID": app2, "Content-Type": ctJSON}, seedBody}, 401, codeUnauthorized, ""},
		{"should refuse a wrong key of a strict app (Basic)", req{"POST", p2, h(basic(app2, "nope"), ctJSON), `{"grant_type":"password","username":"kenji","password":"kenji-pass"}`}, 401, codeUnauthorized, ""},
		{"should refuse a wrong key of a strict app (headers)", req{"POST", p2, kiiHeaders(app2, "nope"), `{"grant_type":"password","username":"kenji","password":"kenji-pass"}`}, 401, codeUnauthorized, ""},
		{"should refuse a wrong key of a strict app (body)", req{"POST", p2, h("", ctJSON), `{"grant_type":"password","username":"kenji","password":"kenji-pass","client_id":"app2","client_secret":"nope"}`}, 401, codeUnauthorized, ""},
		{"should refuse body client_id naming another app", req{"POST", p, h("", ctJSON), `{"grant_type":"password","username":"taro","password":"taro-pass","client_id":"app2"}`}, 401, codeUnauthorized, ""},
		{"should refuse a login without app credentials", req{"POST", p, h("", ctJSON), seedBody}, 401, codeUnauthorized, ""},
		{"should refuse a malformed Basic header", req{"POST", p, h("Basic !!!", ctJSON), seedBody}, 401, codeUnauthorized, ""},
		{"should refuse a missing grant_type", req{"POST", p, h(basic(app1, key1), ctJSON), `{"username":"taro","password":"taro-pass"}`}, 400, codeInvalidRequest, ""},
		{"should refuse an unknown grant_type", req{"POST", p, h(basic(app1, key1), ctJSON), `{"grant_type":"magic"}`}, 400, codeUnsupportedGrantType, ""},
		{"should refuse authorization_code", req{"POST", p, h(basic(app1, key1), ctJSON), `{"grant_type":"authorization_code","code":"x"}`}, 400, codeUnsupportedGrantType, ""},
		{"should refuse a missing username", req{"POST", p, h(basic(app1, key1), ctJSON), `{"grant_type":"password","password":"taro-pass"}`}, 400, codeInvalidRequest, ""},
		{"should refuse a missing password", req{"POST", p, h(basic(app1, key1), ctJSON), `{"grant_type":"password","username":"taro"}`}, 400, codeInvalidRequest, ""},
		{"should refuse a username that is not a string", req{"POST", p, h(basic(app1, key1), ctJSON), `{"grant_type":"password","username":12,"password":"x"}`}, 400, codeInvalidRequest, ""},
		{"should refuse malformed JSON", req{"POST", p, h(basic(app1, key1), ctJSON), `{"grant_type":`}, 400, codeInvalidJSON, ""},
		{"should refuse a JSON array", req{"POST", p, h(basic(app1, key1), ctJSON), `["password"]`}, 400, codeInvalidJSON, ""},
		{"should refuse text/plain", req{"POST", p, h(basic(app1, key1), "text/plain"), seedBody}, 415, codeUnsupportedMediaType, ""},
		{"should refuse a missing Content-Type", req{"POST", p, h(basic(app1, key1), ""), seedBody}, 415, codeUnsupportedMediaType, ""},
		{"should refuse a form parameter given twice", req{"POST", p, h(basic(app1, key1), form), "grant_type=password&username=taro&username=jiro&password=x"}, 400, codeInvalidRequest, ""},
		{"should refuse a password in the URL", req{"POST", p + "?password=taro-pass", h(basic(app1, key1), ctJSON), seedBody}, 400, codeInvalidRequest, ""},
		{"should refuse an expiresAt in the past", req{"POST", p, h(basic(app1, key1), ctJSON), `{"grant_type":"password","username":"taro","password":"taro-pass","expiresAt":` + past + `}`}, 400, codeInvalidRequest, ""},
		{"should refuse an expiresAt string", req{"POST", p, h(basic(app1, key1), ctJSON), `{"grant_type":"password","username":"taro","password":"taro-pass","expiresAt":"` + future + `"}`}, 400, codeInvalidRequest, ""},
		{"should refuse a fractional expiresAt", req{"POST", p, h(basic(app1, key1), ctJSON), `{"grant_type":"password","username":"taro","password":"taro-pass","expiresAt":1.5e12}`}, 400, codeInvalidRequest, ""},
		{"should refuse an expiresAt beyond the maximum lifetime", req{"POST", p, h(basic(app1, key1), ctJSON), `{"grant_type":"password","username":"taro","password":"taro-pass","expiresAt":` + tooFar + `}`}, 400, codeInvalidRequest, ""},
		{"should refuse an unknown user", req{"POST", p, h(basic(app1, key1), ctJSON), `{"grant_type":"password","username":"nobody","password":"x"}`}, 400, codeInvalidGrant, ""},
		{"should refuse a wrong password", req{"POST", p, h(basic(app1, key1), ctJSON), `{"grant_type":"password","username":"taro","password":"wrong"}`}, 400, codeInvalidGrant, ""},
		{"should refuse a disabled user", req{"POST", p, h(basic(app1, key1), ctJSON), `{"grant_type":"password","username":"yumi","password":"yumi-pass"}`}, 400, codeInvalidGrant, ""},
		{"should refuse an unverified email", req{"POST", p, h(basic(app1, key1), ctJSON), `{"grant_type":"password","username":"jiro@example.jp","password":"jiro-pass"}`}, 400, codeInvalidGrant, ""},
		{"should refuse a wrong client secret", req{"POST", p, h("", ctJSON), `{"grant_type":"client_credentials","client_id":"client-one","client_secret":"nope"}`}, 400, codeInvalidClient, ""},
		{"should refuse another app's client", req{"POST", p, h("", ctJSON), `{"grant_type":"client_credentials","client_id":"client-two","client_secret":"secret-two"}`}, 400, codeInvalidClient, ""},
		{"should refuse a missing client secret", req{"POST", p, h("", ctJSON), `{"grant_type":"client_credentials","client_id":"client-one"}`}, 400, codeInvalidRequest, ""},
		{"should refuse an anonymous token with a wrong key of a strict app", req{"POST", p2, h("", ctJSON), `{"grant_type":"client_credentials","client_id":"app2","client_secret":"nope"}`}, 400, codeInvalidClient, ""},
		{"should refuse a refresh where refresh tokens are off", req{"POST", p, h(basic(app1, key1), ctJSON), `{"grant_type":"refresh_token","refresh_token":"x"}`}, 400, codeUnsupportedGrantType, ""},
		{"should refuse an unknown refresh token", req{"POST", p2, h(basic(app2, key2), ctJSON), `{"grant_type":"refresh_token","refresh_token":"x"}`}, 403, codeWrongRefreshToken, ""},
		{"should refuse a refresh without refresh_token", req{"POST", p2, h(basic(app2, key2), ctJSON), `{"grant_type":"refresh_token"}`}, 400, codeInvalidRequest, ""},
		{"should refuse a refresh without app credentials", req{"POST", p2, h("", ctJSON), `{"grant_type":"refresh_token","refresh_token":"x"}`}, 401, codeUnauthorized, ""},
		{"should refuse a body over the cap", req{"POST", p, h(basic(app1, key1), ctJSON), `{"grant_type":"password","username":"` + strings.Repeat("x", 2000) + `"}`}, 413, "REQUEST_ENTITY_TOO_LARGE", ""},
		{"should refuse GET with 405", req{"GET", p, h(basic(app1, key1), ctJSON), ""}, 405, "METHOD_NOT_ALLOWED", ""},
	})
}

func TestSiteTokenEndpoint(t *testing.T) {
	t.Parallel()
	p := "/api/oauth2/token"
	runTokenTable(t, []tokenCase{
		{"should log in with headers and no grant_type (JS SDK)", req{"POST", p, kiiHeaders(app1, key1), `{"username":"taro","password":"taro-pass"}`}, 200, "", taroID},
		{"should mint an admin token with headers and no grant_type", req{"POST", p, kiiHeaders(app1, key1), `{"client_id":"client-one","client_secret":"secret-one"}`}, 200, "", client1},
		{"should accept an explicit grant_type", req{"POST", p, kiiHeaders(app1, key1), seedBody}, 200, "", taroID},
		{"should accept Basic app credentials", req{"POST", p, h(basic(app1, key1), ctJSON), `{"username":"taro","password":"taro-pass"}`}, 200, "", taroID},
		{"should accept a form body", req{"POST", p, kiiHeaders(app1, key1, "Content-Type", "application/x-www-form-urlencoded"), "username=taro&password=taro-pass"}, 200, "", taroID},
		{"should find the app from a body client_id", req{"POST", p, h("", ctJSON), `{"client_id":"client-one","client_secret":"secret-one"}`}, 200, "", client1},
		{"should find the app from Basic ClientID:ClientSecret", req{"POST", p, h(basic(client1, secret1), ctJSON), `{"grant_type":"client_credentials"}`}, 200, "", client1},
		{"should log in with the strict app's right key", req{"POST", p, kiiHeaders(app2, key2), `{"username":"kenji","password":"kenji-pass"}`}, 200, "", kenjiID},
		{"should ignore disable_cache", req{"POST", p + "?disable_cache=1", kiiHeaders(app1, key1, "X-Kii-SDK", "sn=jsa;sv=2.4.19"), `{"username":"taro","password":"taro-pass"}`}, 200, "", taroID},

		{"should refuse a login without app credentials", req{"POST", p, h("", ctJSON), `{"username":"taro","password":"taro-pass"}`}, 401, codeUnauthorized, ""},
		{"should refuse an unknown app", req{"POST", p, kiiHeaders("zz99zz99", "k"), `{"username":"taro","password":"taro-pass"}`}, 404, codeAppNotFound, ""},
		{"should refuse the strict app's wrong key", req{"POST", p, kiiHeaders(app2, "nope"), `{"username":"kenji","password":"kenji-pass"}`}, 401, codeUnauthorized, ""},
		{"should refuse a body naming no grant", req{"POST", p, kiiHeaders(app1, key1), `{}`}, 400, codeInvalidRequest, ""},
		{"should refuse a missing password", req{"POST", p, kiiHeaders(app1, key1), `{"username":"taro"}`}, 400, codeInvalidRequest, ""},
		{"should refuse an unknown grant_type", req{"POST", p, kiiHeaders(app1, key1), `{"grant_type":"magic"}`}, 400, codeUnsupportedGrantType, ""},
		{"should refuse a wrong password", req{"POST", p, kiiHeaders(app1, key1), `{"username":"taro","password":"nope"}`}, 400, codeInvalidGrant, ""},
		{"should refuse a wrong client secret", req{"POST", p, kiiHeaders(app1, key1), `{"client_id":"client-one","client_secret":"nope"}`}, 400, codeInvalidClient, ""},
		{"should refuse malformed JSON", req{"POST", p, kiiHeaders(app1, key1), `{`}, 400, codeInvalidJSON, ""},
		{"should refuse text/plain", req{"POST", p, kiiHeaders(app1, key1, "Content-Type", "text/plain"), `{}`}, 415, codeUnsupportedMediaType, ""},
		{"should refuse GET with 405", req{"GET", p, kiiHeaders(app1, key1), ""}, 405, "METHOD_NOT_ALLOWED", ""},
	})
}

// TestUsernameForms logs in with every username form of the login guide.
func TestUsernameForms(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, username, password, wantID string
	}{
		{"should take a login name", "taro", taroPass, taroID},
		{"should take an international phone number", "+819012341234", taroPass, taroID},
		{"should take an email address", "taro@example.jp", taroPass, taroID},
		{"should take an email address in any case", "Taro@Example.JP", taroPass, taroID},
		{"should take EMAIL:addr", "EMAIL:taro@example.jp", taroPass, taroID},
		{"should take PHONE:+81…", "PHONE:+819012341234", taroPass, taroID},
		{"should take PHONE:JP-local", "PHONE:JP-9012341234", taroPass, taroID},
		{"should drop one leading 0 of PHONE:JP-0…", "PHONE:JP-09012341234", taroPass, taroID},
		{"should match a phone registered in local form by E.164", "+819023456789", hanakoPass, hanakoID},
		{"should match a phone registered in local form by PHONE:JP-", "PHONE:JP-9023456789", hanakoPass, hanakoID},
		{"should read bare local digits as a login name, not a phone", "09023456789", hanakoPass, ""},
		{"should not match PHONE: with local digits and no country", "PHONE:09023456789", hanakoPass, ""},
		{"should not match PHONE: with a country without a calling code", "PHONE:ZZ-9023456789", hanakoPass, ""},
		{"should log in by login name although the email is unverified", "jiro", jiroPass, jiroID},
		{"should not match a login name in another case", "Taro", taroPass, ""},
		{"should not match a phone of another country", "PHONE:US-9012341234", taroPass, ""},
		{"should not match an unverified email", "jiro@example.jp", jiroPass, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			w := e.do(t, req{"POST", "/api/oauth2/token", kiiHeaders(app1, key1),
				`{"username":"` + tc.username + `","password":"` + tc.password + `"}`})
			if tc.wantID == "" {
				assert.Equal(t, http.StatusBadRequest, w.Code)
				assert.Equal(t, codeInvalidGrant, errorCodeOf(t, w))
				return
			}
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			assert.Equal(t, tc.wantID, decode(t, w)["id"])
		})
	}
}

// TestLoginFailuresLookAlike: unknown user, wrong password, disabled user
// and unverified address get byte-identical bodies, and the devlog tells
// them apart (docs/providers/kii.md, "Token endpoint").
func TestLoginFailuresLookAlike(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	attempts := []struct{ username, password, reason string }{
		{"nobody", "x", reasonUserNotFound},
		{"taro", "wrong", reasonWrongPass},
		{"yumi", yumiPass, reasonDisabled},
		{"jiro@example.jp", jiroPass, reasonNotVerified},
	}
	var bodies []string
	for _, a := range attempts {
		w := e.do(t, req{"POST", "/api/apps/app1/oauth2/token", h(basic(app1, key1), ctJSON),
			`{"grant_type":"password","username":"` + a.username + `","password":"` + a.password + `"}`})
		require.Equal(t, http.StatusBadRequest, w.Code)
		bodies = append(bodies, w.Body.String())
	}
	for _, b := range bodies[1:] {
		assert.Equal(t, bodies[0], b, "failures must not be distinguishable")
	}
	assert.JSONEq(t, `{"errorCode":"invalid_grant","error_description":"`+msgInvalidGrant+`","error":"invalid_grant"}`, bodies[0])

	log := e.store.Devlog(app1)
	require.Len(t, log, len(attempts))
	for i, a := range attempts {
		assert.Equal(t, a.reason, log[i].Reason)
		assert.Equal(t, a.username, log[i].Username)
		assert.Equal(t, app1, log[i].AppID)
		assert.Equal(t, t0, log[i].Time)
	}
	assert.Empty(t, e.store.Devlog(app2), "should filter by app")
}

// TestTokenExpiry follows expiresAt on the emulator clock.
func TestTokenExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	at := t0.Add(time.Hour).UnixMilli()
	w := e.do(t, req{"POST", "/api/apps/app1/oauth2/token", h(basic(app1, key1), ctJSON),
		`{"grant_type":"password","username":"taro","password":"taro-pass","expiresAt":` + strconv.FormatInt(at, 10) + `}`})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	body := decode(t, w)
	assert.EqualValues(t, 3600, body["expires_in"], "seconds left from now")
	tok := body["access_token"].(string)
	me := req{"GET", "/api/apps/app1/users/me", h(bearer(tok), ""), ""}

	_, err := e.clk.Advance(time.Hour - time.Millisecond)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, e.do(t, me).Code, "should be valid just before expiresAt")

	_, err = e.clk.Advance(time.Millisecond)
	require.NoError(t, err)
	w = e.do(t, me)
	assert.Equal(t, http.StatusForbidden, w.Code)
	assert.Equal(t, codeWrongToken, errorCodeOf(t, w))

	// A token without expiresAt never expires.
	forever := e.login(t, app1, key1, "taro", taroPass)
	_, err = e.clk.Advance(100 * 365 * 24 * time.Hour)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, e.do(t, req{"GET", "/api/apps/app1/users/me", h(bearer(forever), ""), ""}).Code)
}

func TestExpiresInRoundsDown(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// The login guide's example: at 2015-12-01 12:00 UTC, expiresAt 1449057600000
	// (the next noon) gives expires_in 86400.
	w := e.do(t, req{"POST", "/api/oauth2/token", kiiHeaders(app1, key1), `{"username":"taro","password":"taro-pass","expiresAt":1449057600000}`})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.EqualValues(t, 86400, decode(t, w)["expires_in"])
	w = e.do(t, req{"POST", "/api/oauth2/token", kiiHeaders(app1, key1), `{"username":"taro","password":"taro-pass","expiresAt":` + strconv.FormatInt(t0.UnixMilli()+1999, 10) + `}`})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.EqualValues(t, 1, decode(t, w)["expires_in"])
}

// TestRefreshToken: off by default; when enabled, login returns one, a
// refresh issues a new pair and consumes the old one.
func TestRefreshToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.do(t, req{"POST", "/api/apps/app1/oauth2/token", h(basic(app1, key1), ctJSON), seedBody})
	require.Equal(t, http.StatusOK, w.Code)
	assert.NotContains(t, decode(t, w), "refresh_token", "refresh tokens are off by default")

	tokenPath := "/api/apps/app2/oauth2/token"
	w = e.do(t, req{"POST", tokenPath, h(basic(app2, key2), ctJSON), `{"grant_type":"password","username":"kenji","password":"kenji-pass","expiresAt":` + strconv.FormatInt(t0.Add(time.Minute).UnixMilli(), 10) + `}`})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	first := decode(t, w)
	refresh1, access1 := first["refresh_token"].(string), first["access_token"].(string)
	require.Len(t, refresh1, 43)

	// The refresh token outlives its access token.
	_, err := e.clk.Advance(2 * time.Minute)
	require.NoError(t, err)
	me := func(tok string) int {
		return e.do(t, req{"GET", "/api/apps/app2/users/me", h(bearer(tok), ""), ""}).Code
	}
	assert.Equal(t, http.StatusForbidden, me(access1), "expired")

	refresh := func(rt string) *httptest.ResponseRecorder {
		return e.do(t, req{"POST", tokenPath, h(basic(app2, key2), ctJSON), `{"grant_type":"refresh_token","refresh_token":"` + rt + `"}`})
	}
	r2 := refresh(refresh1)
	require.Equal(t, http.StatusOK, r2.Code, r2.Body.String())
	second := decode(t, r2)
	assert.Equal(t, kenjiID, second["id"])
	assert.EqualValues(t, 60, second["expires_in"], "a refresh keeps the lifetime the client chose")
	access2, refresh2 := second["access_token"].(string), second["refresh_token"].(string)
	assert.NotEqual(t, refresh1, refresh2)
	assert.Equal(t, http.StatusOK, me(access2))

	r3 := refresh(refresh1)
	assert.Equal(t, http.StatusForbidden, r3.Code, "a refresh token works once")
	assert.JSONEq(t, `{"errorCode":"WRONG_REFRESH_TOKEN","message":"`+msgWrongRefreshToken+`"}`, r3.Body.String())

	// The site-level endpoint infers the refresh grant.
	w = e.do(t, req{"POST", "/api/oauth2/token", kiiHeaders(app2, key2), `{"refresh_token":"` + refresh2 + `"}`})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Equal(t, http.StatusForbidden, me(access2), "the old pair dies on refresh")
	refresh3 := decode(t, w)["refresh_token"].(string)

	// A password change revokes refresh tokens too.
	admin := e.adminToken(t, app2, client2, secret2)
	w = e.do(t, req{"PUT", "/api/apps/app2/users/" + kenjiID + "/password", h(bearer(admin), ctJSON), `{"newPassword":"new-pass"}`})
	require.Equal(t, http.StatusNoContent, w.Code, w.Body.String())
	assert.Equal(t, http.StatusForbidden, refresh(refresh3).Code)
}

// TestLoginThrottling: off by default; with the knob, the limit-th wrong
// password in a row locks the user out for the lockout, right password or
// not, with the same body as any failure (docs/providers/kii.md, "Login
// throttling").
func TestLoginThrottling(t *testing.T) {
	t.Parallel()
	try := func(e *env, password string) *httptest.ResponseRecorder {
		return e.do(t, req{"POST", "/api/oauth2/token", kiiHeaders(app1, key1), `{"username":"taro","password":"` + password + `"}`})
	}
	t.Run("should not throttle by default", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		for range 20 {
			require.Equal(t, http.StatusBadRequest, try(e, "wrong").Code)
		}
		assert.Equal(t, http.StatusOK, try(e, taroPass).Code)
	})
	t.Run("should lock out after the limit", func(t *testing.T) {
		t.Parallel()
		e := newEnvConfig(t, testFixture, Config{LoginFailureLimit: 3, LoginLockout: time.Minute})
		require.Equal(t, http.StatusBadRequest, try(e, "wrong").Code)
		require.Equal(t, http.StatusBadRequest, try(e, "wrong").Code)
		require.Equal(t, http.StatusOK, try(e, taroPass).Code, "a success resets the count")
		wrong := ""
		for range 3 {
			w := try(e, "wrong")
			require.Equal(t, http.StatusBadRequest, w.Code)
			wrong = w.Body.String()
		}
		w := try(e, taroPass)
		assert.Equal(t, http.StatusBadRequest, w.Code, "locked out")
		assert.Equal(t, wrong, w.Body.String(), "indistinguishable from a wrong password")
		log := e.store.Devlog(app1)
		assert.Equal(t, reasonThrottled, log[len(log)-1].Reason)
		assert.Equal(t, http.StatusOK, e.do(t, req{"POST", "/api/oauth2/token", kiiHeaders(app1, key1), `{"username":"hanako","password":"hanako-pass"}`}).Code, "other users are not affected")

		_, err := e.clk.Advance(time.Minute)
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, try(e, taroPass).Code, "the lockout ends on the emulator clock")
	})
	t.Run("should take the limit and lockout from the app's fixture", func(t *testing.T) {
		t.Parallel()
		fx := strings.Replace(testFixture, `"name": "テスト",`, `"name": "テスト", "loginFailureLimit": 2, "loginLockoutSeconds": 30,`, 1)
		e := newEnvWith(t, fx)
		for range 2 {
			require.Equal(t, http.StatusBadRequest, try(e, "wrong").Code)
		}
		assert.Equal(t, http.StatusBadRequest, try(e, taroPass).Code, "locked out")
		_, err := e.clk.Advance(30 * time.Second)
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, try(e, taroPass).Code, "the app's lockout, not the default")
		exp := e.inst.State.Export().(Fixtures)
		require.NotNil(t, exp.Apps[0].LoginFailureLimit)
		assert.Equal(t, 2, *exp.Apps[0].LoginFailureLimit, "exported")
		assert.EqualValues(t, 30, exp.Apps[0].LoginLockoutSeconds, "exported")
	})
	t.Run("should let the app's fixture turn Config's throttling off", func(t *testing.T) {
		t.Parallel()
		fx := strings.Replace(testFixture, `"name": "テスト",`, `"name": "テスト", "loginFailureLimit": 0,`, 1)
		e := newEnvConfig(t, fx, Config{LoginFailureLimit: 1})
		for range 5 {
			require.Equal(t, http.StatusBadRequest, try(e, "wrong").Code)
		}
		assert.Equal(t, http.StatusOK, try(e, taroPass).Code)
		w := e.do(t, req{"POST", "/api/oauth2/token", kiiHeaders(app2, key2), `{"username":"kenji","password":"wrong"}`})
		require.Equal(t, http.StatusBadRequest, w.Code)
		w = e.do(t, req{"POST", "/api/oauth2/token", kiiHeaders(app2, key2), `{"username":"kenji","password":"kenji-pass"}`})
		assert.Equal(t, http.StatusBadRequest, w.Code, "the other app keeps Config's limit")
	})
}

package kii

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/httpx"
	"github.com/fakeapi/fakeapi/internal/ids"
	"github.com/fakeapi/fakeapi/internal/provider"
)

// Test apps: app1 is a default app (AppKey not checked, no refresh tokens);
// app2 checks its key and has refresh tokens.
const (
	app1, key1, client1, secret1 = "app1", "key-one", "client-one", "secret-one"
	app2, key2, client2, secret2 = "app2", "key/two+2", "client-two", "secret-two"

	taroID, hanakoID, jiroID, yumiID, kenjiID = "u-taro", "u-hanako", "u-jiro", "u-yumi", "u-kenji"
	taroPass, hanakoPass, jiroPass, yumiPass  = "taro-pass", "hanako-pass", "jiro-pass", "yumi-pass"
	kenjiPass                                 = "kenji-pass"
)

// testFixture is small and hand-written so each test reads on its own.
const testFixture = `{
  "apps": [
    {"appID": "app1", "appKey": "key-one", "clientID": "client-one", "clientSecret": "secret-one", "site": "JP", "name": "テスト",
     "users": [
       {"userID": "u-taro", "internalUserID": 1048577, "loginName": "taro", "displayName": "山田太郎", "country": "JP", "locale": "ja",
        "emailAddress": "taro@example.jp", "phoneNumber": "+819012341234", "password": "taro-pass", "custom": {"pref": "東京都"}},
       {"userID": "u-hanako", "loginName": "hanako", "displayName": "佐藤花子", "country": "jp",
        "emailAddress": "hanako@example.jp", "phoneNumber": "09023456789", "password": "hanako-pass"},
       {"userID": "u-jiro", "loginName": "jiro", "emailAddress": "jiro@example.jp", "emailAddressVerified": false, "password": "jiro-pass"},
       {"userID": "u-yumi", "loginName": "yumi", "emailAddress": "yumi@example.jp", "password": "yumi-pass", "disabled": true}
     ]},
    {"appID": "app2", "appKey": "key/two+2", "clientID": "client-two", "clientSecret": "secret-two", "site": "SG",
     "strictAppKey": true, "refreshTokenEnabled": true,
     "users": [
       {"userID": "u-kenji", "loginName": "kenji", "emailAddress": "kenji@example.com", "password": "kenji-pass"}
     ]}
  ]
}`

// t0 is the emulator clock's start in tests: 2015-12-01 12:00 UTC, the
// login guide's expiresAt example.
var t0 = time.Date(2015, 12, 1, 12, 0, 0, 0, time.UTC)

// env is one provider instance on a controlled clock and seeded ids.
type env struct {
	inst  *provider.Instance
	h     http.Handler // Handler behind the body cap, as the root serves it
	clk   *clock.Controlled
	store *memStore
}

func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvWith(t, testFixture)
}

func newEnvWith(t testing.TB, fixtures string) *env {
	t.Helper()
	return newEnvConfig(t, fixtures, Config{})
}

func newEnvConfig(t testing.TB, fixtures string, cfg Config) *env {
	t.Helper()
	clk := clock.NewControlled(func() time.Time { return t0 })
	d := provider.Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Clock: clk, IDs: ids.Seeded(1)}
	inst, err := Open(d, cfg, "kii.json", []byte(fixtures))
	require.NoError(t, err)
	return &env{inst: inst, h: httpx.LimitBody(1024)(inst.Handler), clk: clk, store: inst.State.(stateAdmin).s}
}

// req is one request of a table.
type req struct {
	method, path string
	header       map[string]string
	body         string
}

func (e *env) do(t testing.TB, rq req) *httptest.ResponseRecorder {
	t.Helper()
	var body io.Reader
	if rq.body != "" {
		body = strings.NewReader(rq.body)
	}
	r := httptest.NewRequest(rq.method, "http://localhost:8080"+rq.path, body)
	for k, v := range rq.header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

// login logs a user of app1 in through the login guide's request and returns the
// access token.
func (e *env) login(t testing.TB, appID, key, username, password string) string {
	t.Helper()
	w := e.do(t, req{"POST", "/api/apps/" + appID + "/oauth2/token", h(basic(appID, key), ctJSON),
		`{"grant_type":"password","username":"` + username + `","password":"` + password + `"}`})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	return decode(t, w)["access_token"].(string)
}

// adminToken mints an app-admin token through client_credentials.
func (e *env) adminToken(t testing.TB, appID, clientID, secret string) string {
	t.Helper()
	w := e.do(t, req{"POST", "/api/apps/" + appID + "/oauth2/token", map[string]string{"Content-Type": ctJSON},
		`{"grant_type":"client_credentials","client_id":"` + clientID + `","client_secret":"` + secret + `"}`})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	return decode(t, w)["access_token"].(string)
}

func basic(id, key string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+key))
}

// h builds a header map: an Authorization value and a Content-Type.
func h(auth, ct string) map[string]string {
	m := map[string]string{}
	if auth != "" {
		m["Authorization"] = auth
	}
	if ct != "" {
		m["Content-Type"] = ct
	}
	return m
}

// kiiHeaders are the JS SDK's app headers.
func kiiHeaders(appID, key string, extra ...string) map[string]string {
	m := map[string]string{"X-Kii-AppID": appID, "X-Kii-AppKey": key, "Content-Type": ctJSON}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i]] = extra[i+1]
	}
	return m
}

func bearer(tok string) string { return "Bearer " + tok }

func decode(t testing.TB, w *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &m), "body: %s", w.Body.String())
	return m
}

// errorCodeOf returns the errorCode of an error body ("" when none).
func errorCodeOf(t testing.TB, w *httptest.ResponseRecorder) string {
	t.Helper()
	if w.Body.Len() == 0 {
		return ""
	}
	code, _ := decode(t, w)["errorCode"].(string)
	return code
}

// testDeps are provider dependencies for tests that open a fixture
// themselves.
func testDeps() provider.Deps {
	return provider.Deps{Log: slog.New(slog.DiscardHandler), Clock: clock.NewControlled(func() time.Time { return t0 }), IDs: ids.Seeded(1)}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

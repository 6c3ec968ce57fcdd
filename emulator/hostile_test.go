package emulator_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/emulator"
	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/oauth1"
)

// The error shapes of docs/providers/*.md and the admin API.
const (
	fmtIIJmio     = "iijmio"      // {"returnCode": "…"}
	fmtIIJmioPage = "iijmio-page" // HTML error page, no redirect
	fmtKii        = "kii"         // {"errorCode": …} or an OAuth {"error": …}
	fmtAssist     = "assist"      // {"error": "…", "error_description": "…"}
	fmtAssistPage = "assist-page" // HTML error page, no redirect
	fmtMixi       = "mixi"        // text/plain "<status> - <reason>", or 401 with WWW-Authenticate: OAuth
	fmtMixiPage   = "mixi-page"   // HTML error page, no redirect
	fmtAdmin      = "admin"       // {"error": "…"}
)

// hostile is one malformed or hostile request.
type hostile struct {
	name   string
	method string
	target string // path and query, under the provider prefixes
	body   string
	hdr    []string
	format string
	status int // 0: any 4xx

	// sign signs the request as mixi app 13579 (nonce from the case name);
	// signWith overrides the consumer secret, signAt the timestamp.
	sign     bool
	signWith string
	signAt   int64
	// mod changes the built request (lengths, bodies httptest cannot express).
	mod func(r *http.Request)
	// setup runs before the state snapshot (a first use, for replays).
	setup func(t *testing.T, h http.Handler)
}

const evil = "https://evil.example/cb"

var (
	bigBody   = `{"x":"` + strings.Repeat("a", 2<<20) + `"}`
	long      = strings.Repeat("x", 100_000)
	script    = `<script>alert(1)</script>`
	iijmioPut = append([]string{"Content-Type", "application/json"}, iijmioHeaders...)
	jsonCT    = []string{"Content-Type", "application/json"}
	formCT    = []string{"Content-Type", "application/x-www-form-urlencoded"}
	hostileT0 = time.Date(2026, 1, 15, 3, 0, 0, 0, time.UTC)
)

const (
	hostileKiiToken    = "hostileKiiUserTokenForTaroYamada00000000000"
	hostileAssistToken = "0badc0de0badc0de0badc0de0badc0de"
	usedCode           = "0000000000000000000000000000000000000abc"
	pendingCode        = "0000000000000000000000000000000000000def"
	minatoClient       = "0c4d8e2f6a1b5c9d3e7f"
	minatoSecret       = "e1d2c3b4a5968778695a4b3c2d1e0f1a2b3c4d5e"
)

func chunked(r *http.Request) { r.ContentLength = -1 }

func declared(n int64) func(*http.Request) { return func(r *http.Request) { r.ContentLength = n } }

// truncated is a client that declares its whole body and sends half of it
// before the connection drops: the server's body reader fails.
func truncated(r *http.Request) {
	data, _ := io.ReadAll(r.Body)
	r.ContentLength = int64(len(data))
	r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(data[:len(data)/2]), errReader{io.ErrUnexpectedEOF}))
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func q(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v.Encode()
}

func hostileCases() []hostile {
	authz := "/iijmio/mobile/d/v1/authorization/?"
	assistAuthz := "/assist/api/oauth/authorize.php?"
	token := "/assist/api/oauth/token.php"
	bearer := []string{"Authorization", "Bearer " + hostileAssistToken}
	bearerJSON := append([]string{"Content-Type", "application/json"}, bearer...)
	order := func(mod string) string {
		return `{"order_date":"2026-01-15 10:00:00","order_name01":"山田"` + mod + `,"details":[{"product_name":"りんご","price":100,"quantity":1}]}`
	}
	exchange := func(kv ...string) string {
		return q(append([]string{"grant_type", "authorization_code", "redirect_uri", assistRedirect, "client_id", assistClient, "client_secret", assistSecret}, kv...)...)
	}
	kiiToken := kiiBase + "/oauth2/token"
	kiiUser := []string{"Authorization", "Bearer " + hostileKiiToken, "Content-Type", "application/json"}
	people := "/mixi/os/0.8/people/@me/@friends?xoauth_requestor_id=1000001"
	appdata := "/mixi/os/0.8/appdata/@me/@self/@app?xoauth_requestor_id=1000001"
	invite := "/mixi/invite:friends?"
	inviteForm := func(cb string, kv ...string) string {
		return q(append([]string{"callback", cb, "opensocial_app_id", "13579", "opensocial_owner_id", "1000001", "message", "hi"}, kv...)...)
	}
	manyKeys := map[string]string{}
	for i := range 100 {
		manyKeys["k"+strconv.Itoa(i)] = "v"
	}
	many, _ := json.Marshal(manyKeys)

	return []hostile{
		// ---- IIJmio API ----
		{name: "iijmio PUT coupon: truncated JSON", method: "PUT", target: iijmioCoupon, body: `{"couponInfo":`, hdr: iijmioPut, format: fmtIIJmio, status: 400},
		{name: "iijmio PUT coupon: couponUse as a string", method: "PUT", target: iijmioCoupon, body: `{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdo10000001","couponUse":"true"}]}]}`, hdr: iijmioPut, format: fmtIIJmio, status: 400},
		{name: "iijmio PUT coupon: couponInfo an object", method: "PUT", target: iijmioCoupon, body: `{"couponInfo":{"hdoInfo":[]}}`, hdr: iijmioPut, format: fmtIIJmio, status: 400},
		{name: "iijmio PUT coupon: invalid UTF-8 service code", method: "PUT", target: iijmioCoupon, body: "{\"couponInfo\":[{\"hdoInfo\":[{\"hdoServiceCode\":\"hdo\xff\xfe\",\"couponUse\":true}]}]}", hdr: iijmioPut, format: fmtIIJmio, status: 400},
		{name: "iijmio PUT coupon: another user's line", method: "PUT", target: iijmioCoupon, body: `{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdo20000001","couponUse":true}]}]}`, hdr: iijmioPut, format: fmtIIJmio, status: 400},
		{name: "iijmio PUT coupon: one good line, one bad (all or nothing)", method: "PUT", target: iijmioCoupon, body: `{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdo10000004","couponUse":true},{"hdoServiceCode":"hdo99999999","couponUse":true}]}]}`, hdr: iijmioPut, format: fmtIIJmio, status: 400},
		{name: "iijmio PUT coupon: duplicate key, a null one last", method: "PUT", target: iijmioCoupon, body: `{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdo10000004","couponUse":true}]}],"couponInfo":null}`, hdr: iijmioPut, format: fmtIIJmio, status: 400},
		{name: "iijmio PUT coupon: body over 1 MiB, declared", method: "PUT", target: iijmioCoupon, body: bigBody, hdr: iijmioPut, format: fmtIIJmio, status: 413},
		{name: "iijmio PUT coupon: body over 1 MiB, chunked", method: "PUT", target: iijmioCoupon, body: bigBody, hdr: iijmioPut, mod: chunked, format: fmtIIJmio, status: 413},
		{name: "iijmio PUT coupon: truncated body", method: "PUT", target: iijmioCoupon, body: `{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdo10000004","couponUse":true}]}]}`, hdr: iijmioPut, mod: truncated, format: fmtIIJmio, status: 400},
		{name: "iijmio PUT coupon: JSON array", method: "PUT", target: iijmioCoupon, body: `[]`, hdr: iijmioPut, format: fmtIIJmio, status: 400},
		{name: "iijmio PUT coupon: two JSON values", method: "PUT", target: iijmioCoupon, body: `{"couponInfo":[]}{"couponInfo":[]}`, hdr: iijmioPut, format: fmtIIJmio, status: 400},
		{name: "iijmio GET coupon: Bearer prefix on the token", method: "GET", target: iijmioCoupon, hdr: []string{"X-IIJmio-Developer", iijmioDeveloper, "X-IIJmio-Authorization", "Bearer " + iijmioToken}, format: fmtIIJmio, status: 403},
		{name: "iijmio GET coupon: no headers", method: "GET", target: iijmioCoupon, format: fmtIIJmio, status: 403},
		{name: "iijmio GET coupon: duplicated token header, junk first", method: "GET", target: iijmioCoupon, hdr: []string{"X-IIJmio-Developer", iijmioDeveloper, "X-IIJmio-Authorization", "junk", "X-IIJmio-Authorization", iijmioToken}, format: fmtIIJmio, status: 403},
		{name: "iijmio GET coupon: CRLF in the token header", method: "GET", target: iijmioCoupon, hdr: []string{"X-IIJmio-Developer", iijmioDeveloper, "X-IIJmio-Authorization", "tok\r\nX-Evil: 1"}, format: fmtIIJmio, status: 403},
		{name: "iijmio GET coupon: 100 kB token", method: "GET", target: iijmioCoupon, hdr: []string{"X-IIJmio-Developer", iijmioDeveloper, "X-IIJmio-Authorization", long}, format: fmtIIJmio, status: 403},
		{name: "iijmio GET coupon: unknown developer", method: "GET", target: iijmioCoupon, hdr: []string{"X-IIJmio-Developer", script, "X-IIJmio-Authorization", iijmioToken}, format: fmtIIJmio, status: 403},
		{name: "iijmio: path traversal to the admin API", method: "GET", target: "/iijmio/mobile/d/v1/../../../_fakeapi/state", format: fmtIIJmio, status: 404},
		{name: "iijmio: path traversal to reset", method: "POST", target: "/iijmio/../_fakeapi/reset", format: fmtIIJmio, status: 404},
		{name: "iijmio: encoded dot segments", method: "GET", target: "/iijmio/mobile/d/v1/coupon/%2e%2e/%2e%2e/%2e%2e/_fakeapi/state", hdr: iijmioHeaders, format: fmtIIJmio, status: 404},
		{name: "iijmio: DELETE coupon", method: "DELETE", target: iijmioCoupon, hdr: iijmioHeaders, format: fmtIIJmio, status: 405},
		{name: "iijmio: encoded NUL in the path", method: "GET", target: "/iijmio/mobile/d/v1/coupon%00/", hdr: iijmioHeaders, format: fmtIIJmio, status: 404},
		// ---- IIJmio authorization pages ----
		{name: "iijmio authorize: open redirect to another host", method: "GET", target: authz + q("response_type", "token", "client_id", iijmioDeveloper, "redirect_uri", evil, "state", "s"), format: fmtIIJmioPage, status: 400},
		{name: "iijmio authorize: scheme-relative redirect", method: "GET", target: authz + q("response_type", "token", "client_id", iijmioDeveloper, "redirect_uri", "//evil.example/callback", "state", "s"), format: fmtIIJmioPage, status: 400},
		{name: "iijmio authorize: loopback look-alike host", method: "GET", target: authz + q("response_type", "token", "client_id", iijmioDeveloper, "redirect_uri", "http://127.0.0.1.evil.example/callback", "state", "s"), format: fmtIIJmioPage, status: 400},
		{name: "iijmio authorize: userinfo trick", method: "GET", target: authz + q("response_type", "token", "client_id", iijmioDeveloper, "redirect_uri", "http://127.0.0.1@evil.example/callback", "state", "s"), format: fmtIIJmioPage, status: 400},
		{name: "iijmio authorize: javascript: redirect", method: "GET", target: authz + q("response_type", "token", "client_id", iijmioDeveloper, "redirect_uri", "javascript:alert(1)", "state", "s"), format: fmtIIJmioPage, status: 400},
		{name: "iijmio authorize: client_id twice", method: "GET", target: authz + q("response_type", "token", "client_id", iijmioDeveloper, "client_id", "AutoSwitchDev000002", "redirect_uri", "http://127.0.0.1/callback", "state", "s"), format: fmtIIJmioPage, status: 400},
		{name: "iijmio authorize: script in state, unknown client", method: "GET", target: authz + q("response_type", "token", "client_id", script, "redirect_uri", "http://127.0.0.1/callback", "state", script), format: fmtIIJmioPage, status: 400},
		{name: "iijmio authorize: 100 kB state, unknown client", method: "GET", target: authz + q("response_type", "token", "client_id", "nope", "state", long), format: fmtIIJmioPage, status: 400},
		{name: "iijmio authorize: login POST without CSRF token", method: "POST", target: "/iijmio/mobile/d/v1/authorization/", body: q("step", "login", "username", "mio-taro", "password", "taro-pass-01"), hdr: formCT, format: fmtIIJmioPage, status: 403},
		{name: "iijmio authorize: consent POST with a forged transaction", method: "POST", target: "/iijmio/mobile/d/v1/authorization/", body: q("step", "consent", "txn", "forged", "csrf_token", "forged", "decision", "allow"), hdr: formCT, format: fmtIIJmioPage, status: 403},
		{name: "iijmio authorize: invalid UTF-8 form", method: "POST", target: "/iijmio/mobile/d/v1/authorization/", body: "step=login&username=\xff\xfe&password=x", hdr: formCT, format: fmtIIJmioPage},
		// ---- IIJmio admin ----
		{name: "iijmio admin tokens: truncated JSON", method: "POST", target: "/_fakeapi/iijmio/tokens", body: `{"mioId":`, hdr: jsonCT, format: fmtAdmin, status: 400},
		{name: "iijmio admin tokens: script as mioId", method: "POST", target: "/_fakeapi/iijmio/tokens", body: `{"mioId":"` + script + `","developerId":"` + iijmioDeveloper + `"}`, hdr: jsonCT, format: fmtAdmin},
		{name: "iijmio admin usage: mb as a string", method: "POST", target: "/_fakeapi/iijmio/usage", body: `{"serviceCode":"hdo10000001","mb":"10"}`, hdr: jsonCT, format: fmtAdmin, status: 400},
		{name: "iijmio admin usage: mb 1e99", method: "POST", target: "/_fakeapi/iijmio/usage", body: `{"serviceCode":"hdo10000001","mb":1e99}`, hdr: jsonCT, format: fmtAdmin, status: 400},
		{name: "iijmio admin usage: negative mb", method: "POST", target: "/_fakeapi/iijmio/usage", body: `{"serviceCode":"hdo10000001","mb":-5}`, hdr: jsonCT, format: fmtAdmin, status: 400},
		{name: "iijmio admin apps: javascript: redirect URI", method: "POST", target: "/_fakeapi/iijmio/apps", body: `{"appName":"x","redirectUris":["javascript:alert(1)"]}`, hdr: jsonCT, format: fmtAdmin, status: 400},
		{name: "iijmio admin apps: fragment in the redirect URI", method: "POST", target: "/_fakeapi/iijmio/apps", body: `{"appName":"x","redirectUris":["https://a.example/cb#x"]}`, hdr: jsonCT, format: fmtAdmin, status: 400},
		{name: "iijmio admin: revoke an unknown token", method: "DELETE", target: "/_fakeapi/iijmio/tokens/" + url.PathEscape("../../state"), format: fmtAdmin, status: 404},

		// ---- Kii ----
		{name: "kii token: truncated JSON", method: "POST", target: kiiToken, body: `{"grant_type":`, hdr: kiiHeaders, format: fmtKii, status: 400},
		{name: "kii token: password as a number", method: "POST", target: kiiToken, body: `{"grant_type":"password","username":"user_123456","password":123}`, hdr: kiiHeaders, format: fmtKii, status: 400},
		{name: "kii token: no grant_type on the app path", method: "POST", target: kiiToken, body: `{"username":"user_123456","password":"123ABC"}`, hdr: kiiHeaders, format: fmtKii, status: 400},
		{name: "kii token: form parameter twice", method: "POST", target: kiiToken, body: "grant_type=password&grant_type=password&username=user_123456&password=123ABC", hdr: []string{"X-Kii-AppID", kiiApp, "X-Kii-AppKey", kiiAppKey, "Content-Type", "application/x-www-form-urlencoded"}, format: fmtKii, status: 400},
		{name: "kii token: password in the URL", method: "POST", target: kiiToken + "?password=123ABC", body: `{"grant_type":"password","username":"user_123456"}`, hdr: kiiHeaders, format: fmtKii, status: 400},
		{name: "kii token: unknown grant", method: "POST", target: kiiToken, body: `{"grant_type":"` + script + `"}`, hdr: kiiHeaders, format: fmtKii, status: 400},
		{name: "kii token: invalid UTF-8 grant", method: "POST", target: kiiToken, body: "{\"grant_type\":\"pass\xffword\"}", hdr: kiiHeaders, format: fmtKii, status: 400},
		{name: "kii token: body over 1 MiB", method: "POST", target: kiiToken, body: bigBody, hdr: kiiHeaders, format: fmtKii, status: 413},
		{name: "kii token: body over 1 MiB, chunked", method: "POST", target: kiiToken, body: bigBody, hdr: kiiHeaders, mod: chunked, format: fmtKii, status: 413},
		{name: "kii token: text/plain", method: "POST", target: kiiToken, body: `{}`, hdr: []string{"X-Kii-AppID", kiiApp, "X-Kii-AppKey", kiiAppKey, "Content-Type", "text/plain"}, format: fmtKii, status: 415},
		{name: "kii token: truncated body", method: "POST", target: kiiToken, body: `{"grant_type":"client_credentials","client_id":"` + kiiApp + `","client_secret":"` + kiiAppKey + `"}`, hdr: kiiHeaders, mod: truncated, format: fmtKii, status: 400},
		{name: "kii token: Basic and X-Kii-AppID disagree", method: "POST", target: kiiToken, body: `{"grant_type":"password","username":"user_123456","password":"123ABC"}`, hdr: []string{"X-Kii-AppID", "7c3e91b4", "Authorization", "Basic ZGEwYjZhMjU6eA==", "Content-Type", "application/json"}, format: fmtKii, status: 401},
		{name: "kii token: reused refresh token", method: "POST", target: kiiToken, body: `{"grant_type":"refresh_token","refresh_token":"hostileRefreshToken"}`, hdr: kiiHeaders, format: fmtKii, status: 403,
			setup: func(t *testing.T, h http.Handler) {
				w := serve(h, http.MethodPost, kiiToken, `{"grant_type":"refresh_token","refresh_token":"hostileRefreshToken"}`, kiiHeaders...)
				require.Equal(t, http.StatusOK, w.Code, "the first use: %s", w.Body)
			}},
		{name: "kii register: invalid UTF-8 login name", method: "POST", target: kiiBase + "/users", body: "{\"loginName\":\"ab\xffc\",\"password\":\"pass-1234\"}", hdr: kiiHeaders, format: fmtKii, status: 400},
		{name: "kii register: 100 kB login name", method: "POST", target: kiiBase + "/users", body: `{"loginName":"` + long + `","password":"pass-1234"}`, hdr: kiiHeaders, format: fmtKii, status: 400},
		{name: "kii register: script as login name", method: "POST", target: kiiBase + "/users", body: `{"loginName":"` + strings.ReplaceAll(script, `"`, `\"`) + `","password":"pass-1234"}`, hdr: kiiHeaders, format: fmtKii, status: 400},
		{name: "kii register: password too short", method: "POST", target: kiiBase + "/users", body: `{"loginName":"hostile_1","password":"x"}`, hdr: kiiHeaders, format: fmtKii, status: 400},
		{name: "kii register: displayName a number", method: "POST", target: kiiBase + "/users", body: `{"loginName":"hostile_2","password":"pass-1234","displayName":5}`, hdr: kiiHeaders, format: fmtKii, status: 400},
		{name: "kii register: an existing login name", method: "POST", target: kiiBase + "/users", body: `{"loginName":"taro.yamada","password":"pass-1234"}`, hdr: kiiHeaders, format: fmtKii, status: 409},
		{name: "kii register: an existing email in another case", method: "POST", target: kiiBase + "/users", body: `{"loginName":"hostile_3","emailAddress":"TARO@EXAMPLE.JP","password":"pass-1234"}`, hdr: kiiHeaders, format: fmtKii, status: 409},
		{name: "kii register: JSON array", method: "POST", target: kiiBase + "/users", body: `[{"loginName":"hostile_4"}]`, hdr: kiiHeaders, format: fmtKii, status: 400},
		{name: "kii register: 70 kB custom field", method: "POST", target: kiiBase + "/users", body: `{"loginName":"hostile_5","password":"pass-1234","bio":"` + strings.Repeat("b", 70_000) + `"}`, hdr: kiiHeaders, format: fmtKii, status: 400},
		{name: "kii register: no app credentials", method: "POST", target: kiiBase + "/users", body: `{"loginName":"hostile_6","password":"pass-1234"}`, hdr: jsonCT, format: fmtKii, status: 401},
		{name: "kii register: duplicate JSON key smuggling a second name", method: "POST", target: kiiBase + "/users", body: `{"loginName":"hostile_7","loginName":"` + long[:70] + `","password":"pass-1234"}`, hdr: kiiHeaders, format: fmtKii, status: 400},
		{name: "kii users/me: unknown token", method: "GET", target: kiiBase + "/users/me", hdr: []string{"Authorization", "Bearer nope"}, format: fmtKii, status: 403},
		{name: "kii users/me: CRLF in the token", method: "GET", target: kiiBase + "/users/me", hdr: []string{"Authorization", "Bearer x\r\nX-Evil: 1"}, format: fmtKii, status: 403},
		{name: "kii users: encoded traversal in the user segment", method: "GET", target: kiiBase + "/users/..%2F..%2F..%2F_fakeapi%2Fstate", hdr: []string{"Authorization", "Bearer " + hostileKiiToken}, format: fmtKii, status: 404},
		{name: "kii: dot segments to the admin API", method: "GET", target: "/kii/api/apps/../../../_fakeapi/state", format: fmtKii, status: 404},
		{name: "kii: unknown app", method: "GET", target: "/kii/api/apps/" + url.PathEscape(script) + "/users/me", hdr: []string{"Authorization", "Bearer " + hostileKiiToken}, format: fmtKii, status: 404},
		{name: "kii password: no token", method: "PUT", target: kiiBase + "/users/me/password", body: `{"oldPassword":"a","newPassword":"bbbbbb"}`, hdr: jsonCT, format: fmtKii, status: 401},
		{name: "kii password: truncated JSON", method: "PUT", target: kiiBase + "/users/me/password", body: `{"oldPassword":`, hdr: kiiUser, format: fmtKii, status: 400},
		{name: "kii password: new password a number", method: "PUT", target: kiiBase + "/users/me/password", body: `{"oldPassword":"taro-pass-1","newPassword":12345678}`, hdr: kiiUser, format: fmtKii, status: 400},
		{name: "kii: DELETE on the token endpoint", method: "DELETE", target: kiiToken, hdr: kiiHeaders, format: fmtKii, status: 405},
		{name: "kii admin tokens: script as user", method: "POST", target: "/_fakeapi/kii/apps/" + kiiApp + "/tokens", body: `{"user":"LOGIN_NAME:` + strings.ReplaceAll(script, `"`, `\"`) + `"}`, hdr: jsonCT, format: fmtAdmin, status: 404},
		{name: "kii admin disabled: a string", method: "PUT", target: "/_fakeapi/kii/apps/" + kiiApp + "/users/LOGIN_NAME:hanako/disabled", body: `{"disabled":"yes"}`, hdr: jsonCT, format: fmtAdmin, status: 400},

		// ---- Assist token endpoint ----
		{name: "assist token: GET", method: "GET", target: token + "?" + exchange("code", pendingCode), format: fmtAssist, status: 405},
		{name: "assist token: JSON body", method: "POST", target: token, body: `{"grant_type":"authorization_code"}`, hdr: jsonCT, format: fmtAssist, status: 400},
		{name: "assist token: code twice", method: "POST", target: token, body: exchange("code", pendingCode, "code", usedCode), hdr: formCT, format: fmtAssist, status: 400},
		{name: "assist token: secret in the URL", method: "POST", target: token + "?client_secret=" + assistSecret, body: exchange("code", pendingCode), hdr: formCT, format: fmtAssist, status: 400},
		{name: "assist token: a used code presented by another client", method: "POST", target: token, body: q("grant_type", "authorization_code", "code", usedCode, "redirect_uri", assistRedirect, "client_id", minatoClient, "client_secret", minatoSecret), hdr: formCT, format: fmtAssist, status: 400},
		{name: "assist token: unknown code", method: "POST", target: token, body: exchange("code", strings.Repeat("f", 40)), hdr: formCT, format: fmtAssist, status: 400},
		{name: "assist token: wrong secret", method: "POST", target: token, body: q("grant_type", "authorization_code", "code", pendingCode, "client_id", assistClient, "client_secret", "wrong"), hdr: formCT, format: fmtAssist, status: 401},
		{name: "assist token: redirect URI of another host", method: "POST", target: token, body: q("grant_type", "authorization_code", "code", usedCode, "redirect_uri", evil, "client_id", minatoClient, "client_secret", minatoSecret), hdr: formCT, format: fmtAssist, status: 400},
		{name: "assist token: body over 1 MiB", method: "POST", target: token, body: "code=" + strings.Repeat("a", 2<<20), hdr: formCT, format: fmtAssist, status: 413},
		{name: "assist token: invalid UTF-8 form", method: "POST", target: token, body: "grant_type=authorization_code&code=\xff\xfe&client_id=" + assistClient + "&client_secret=" + assistSecret, hdr: formCT, format: fmtAssist, status: 400},
		{name: "assist token: password grant", method: "POST", target: token, body: q("grant_type", "password", "username", "test-admin", "password", "Tencho#2024", "client_id", assistClient, "client_secret", assistSecret), hdr: formCT, format: fmtAssist, status: 400},
		// ---- Assist orders ----
		{name: "assist orders: no Authorization", method: "GET", target: assistOrders, format: fmtAssist, status: 401},
		{name: "assist orders: two Authorization headers", method: "GET", target: assistOrders, hdr: append(append([]string{}, bearer...), "Authorization", "Bearer other"), format: fmtAssist, status: 400},
		{name: "assist orders: access_token in the query only", method: "GET", target: assistOrders + "?access_token=" + hostileAssistToken, format: fmtAssist, status: 401},
		{name: "assist orders: serial_order_id as a PHP array", method: "GET", target: assistOrders + "?serial_order_id[]=1&serial_order_id[]=2", hdr: bearer, format: fmtAssist, status: 400},
		{name: "assist orders: serial_order_id not a number", method: "GET", target: assistOrders + "?serial_order_id=1%20OR%201=1", hdr: bearer, format: fmtAssist, status: 400},
		{name: "assist orders: limit beyond int64", method: "GET", target: assistOrders + "?limit=99999999999999999999999", hdr: bearer, format: fmtAssist, status: 400},
		{name: "assist orders: order_status out of range", method: "GET", target: assistOrders + "?order_status=1,9", hdr: bearer, format: fmtAssist, status: 400},
		{name: "assist orders POST: truncated JSON", method: "POST", target: assistOrders, body: `{"order_date":`, hdr: bearerJSON, format: fmtAssist, status: 400},
		{name: "assist orders POST: invalid UTF-8", method: "POST", target: assistOrders, body: order(",\"message\":\"\xff\""), hdr: bearerJSON, format: fmtAssist, status: 400},
		{name: "assist orders POST: price as a string", method: "POST", target: assistOrders, body: `{"order_date":"2026-01-15 10:00:00","order_name01":"山田","details":[{"product_name":"りんご","price":"100","quantity":1}]}`, hdr: bearerJSON, format: fmtAssist, status: 400},
		{name: "assist orders POST: script in message, no name", method: "POST", target: assistOrders, body: `{"order_date":"2026-01-15 10:00:00","message":"` + script + `","details":[{"product_name":"x"}]}`, hdr: bearerJSON, format: fmtAssist, status: 400},
		{name: "assist orders POST: server-set id", method: "POST", target: assistOrders, body: order(`,"serial_order_id":1`), hdr: bearerJSON, format: fmtAssist, status: 400},
		{name: "assist orders POST: body over 1 MiB", method: "POST", target: assistOrders, body: order(`,"note":"` + strings.Repeat("n", 2<<20) + `"`), hdr: bearerJSON, format: fmtAssist, status: 413},
		{name: "assist orders POST: truncated body", method: "POST", target: assistOrders, body: order(""), hdr: bearerJSON, mod: truncated, format: fmtAssist, status: 400},
		{name: "assist orders POST: text/plain", method: "POST", target: assistOrders, body: order(""), hdr: append([]string{"Content-Type", "text/plain"}, bearer...), format: fmtAssist, status: 415},
		{name: "assist orders PUT: unknown order", method: "PUT", target: assistOrders + "?serial_order_id=999999", body: `{"order_name01":"x"}`, hdr: bearerJSON, format: fmtAssist, status: 404},
		{name: "assist orders DELETE: negative id", method: "DELETE", target: assistOrders + "?serial_order_id=-1", hdr: bearer, format: fmtAssist, status: 400},
		{name: "assist orders: PATCH", method: "PATCH", target: assistOrders, hdr: bearer, format: fmtAssist, status: 405},
		{name: "assist: dot segments to the admin API", method: "GET", target: "/assist/api/v1/../../../_fakeapi/state", format: fmtAssist, status: 404},
		{name: "assist: another shop's directory by dot segments", method: "GET", target: "/assist/shop01/../shop02/api/v1/orders.php", hdr: bearer, format: fmtAssist, status: 404},
		// ---- Assist authorization page ----
		{name: "assist authorize: open redirect to another host", method: "GET", target: assistAuthz + q("client_id", assistClient, "response_type", "code", "redirect_uri", evil, "state", "s"), format: fmtAssistPage, status: 400},
		{name: "assist authorize: no redirect_uri", method: "GET", target: assistAuthz + q("client_id", assistClient, "response_type", "code"), format: fmtAssistPage, status: 400},
		{name: "assist authorize: userinfo trick", method: "GET", target: assistAuthz + q("client_id", assistClient, "response_type", "code", "redirect_uri", "http://127.0.0.1:8081@evil.example/callback"), format: fmtAssistPage, status: 400},
		{name: "assist authorize: script in state, unknown client", method: "GET", target: assistAuthz + q("client_id", script, "response_type", "code", "redirect_uri", assistRedirect, "state", script), format: fmtAssistPage, status: 400},
		{name: "assist authorize: login POST without CSRF token", method: "POST", target: "/assist/api/oauth/authorize.php", body: q("step", "login", "login_id", "test-admin", "password", "Tencho#2024"), hdr: formCT, format: fmtAssistPage, status: 403},
		// ---- Assist admin ----
		{name: "assist admin apps: javascript: redirect URL", method: "POST", target: "/_fakeapi/assist/apps", body: `{"shop":"test-shop","name":"x","redirectUrl":"javascript:alert(1)"}`, hdr: jsonCT, format: fmtAdmin, status: 400},
		{name: "assist admin apps: client id chosen by the caller", method: "POST", target: "/_fakeapi/assist/apps", body: `{"shop":"test-shop","name":"x","redirectUrl":"https://a.example/cb","clientId":"mine"}`, hdr: jsonCT, format: fmtAdmin, status: 400},
		{name: "assist admin apps: an IP list entry that is no address", method: "POST", target: "/_fakeapi/assist/apps", body: `{"shop":"test-shop","name":"x","redirectUrl":"https://a.example/cb","ipAllowList":["` + script + `"]}`, hdr: jsonCT, format: fmtAdmin, status: 400},
		{name: "assist admin apps: edit an unknown app", method: "PUT", target: "/_fakeapi/assist/apps/nope", body: `{"name":"x"}`, hdr: jsonCT, format: fmtAdmin, status: 404},

		// ---- mixi OAuth ----
		{name: "mixi people: unsigned", method: "GET", target: people, format: fmtMixi, status: 401},
		{name: "mixi people: malformed OAuth header", method: "GET", target: people, hdr: []string{"Authorization", `OAuth oauth_consumer_key="`}, format: fmtMixi, status: 401},
		{name: "mixi people: oauth_nonce twice", method: "GET", target: people, hdr: []string{"Authorization", `OAuth oauth_consumer_key="` + mixiKey + `", oauth_nonce="a", oauth_nonce="b", oauth_signature_method="HMAC-SHA1", oauth_timestamp="1", oauth_version="1.0", oauth_signature="x"`}, format: fmtMixi, status: 401},
		{name: "mixi people: wrong consumer secret", method: "GET", target: people, sign: true, signWith: "wrong", format: fmtMixi, status: 401},
		{name: "mixi people: timestamp outside the window", method: "GET", target: people, sign: true, signAt: hostileT0.Unix() - 3600, format: fmtMixi, status: 401},
		{name: "mixi people: replayed nonce", method: "GET", target: people, sign: true, format: fmtMixi, status: 401,
			setup: func(t *testing.T, h http.Handler) {
				w := serve(h, http.MethodGet, people, "", "Authorization", mixiAuth(t, http.MethodGet, people, mixiSecret, "mixi people: replayed nonce", hostileT0.Unix()))
				require.Equal(t, http.StatusOK, w.Code, "the first use: %s", w.Body)
			}},
		{name: "mixi people: HMAC-SHA256 claimed", method: "GET", target: people, hdr: []string{"Authorization", `OAuth oauth_consumer_key="` + mixiKey + `", oauth_nonce="n", oauth_signature_method="HMAC-SHA256", oauth_timestamp="` + strconv.FormatInt(hostileT0.Unix(), 10) + `", oauth_version="1.0", oauth_signature="x"`}, format: fmtMixi, status: 401},
		{name: "mixi people: count not a number", method: "GET", target: people + "&count=abc", sign: true, format: fmtMixi, status: 400},
		{name: "mixi people: oauth_nonce in the query and the header", method: "GET", target: people + "&oauth_nonce=other", sign: true, format: fmtMixi, status: 401},
		{name: "mixi people: negative startIndex", method: "GET", target: people + "&startIndex=-1", sign: true, format: fmtMixi, status: 400},
		{name: "mixi people: count beyond the limit", method: "GET", target: people + "&count=99999999999999999999", sign: true, format: fmtMixi, status: 400},
		{name: "mixi people: unknown format", method: "GET", target: people + "&format=" + url.QueryEscape(script), sign: true, format: fmtMixi, status: 400},
		{name: "mixi people: unknown filterBy", method: "GET", target: people + "&filterBy=evil", sign: true, format: fmtMixi, status: 400},
		{name: "mixi people: no requestor", method: "GET", target: "/mixi/os/0.8/people/@me/@self", sign: true, format: fmtMixi, status: 400},
		{name: "mixi people: unknown requestor", method: "GET", target: "/mixi/os/0.8/people/@me/@self?xoauth_requestor_id=99999999", sign: true, format: fmtMixi, status: 400},
		{name: "mixi people: non-friend's friends", method: "GET", target: "/mixi/os/0.8/people/1000006/@friends?xoauth_requestor_id=1000001", sign: true, format: fmtMixi, status: 403},
		{name: "mixi: encoded traversal", method: "GET", target: "/mixi/os/0.8/people/..%2F..%2F..%2F_fakeapi%2Fstate?xoauth_requestor_id=1000001", sign: true, format: fmtMixi},
		{name: "mixi: dot segments to the admin API", method: "GET", target: "/mixi/os/0.8/../../../_fakeapi/state", format: fmtMixi, status: 404},
		// ---- mixi appdata and requests ----
		{name: "mixi appdata: a number value", method: "POST", target: appdata, body: `{"k":1}`, hdr: jsonCT, sign: true, format: fmtMixi, status: 400},
		{name: "mixi appdata: invalid UTF-8 value", method: "POST", target: appdata, body: "{\"k\":\"\xff\"}", hdr: jsonCT, sign: true, format: fmtMixi, status: 400},
		{name: "mixi appdata: script as key", method: "POST", target: appdata, body: `{"<script>":"x"}`, hdr: jsonCT, sign: true, format: fmtMixi, status: 400},
		{name: "mixi appdata: 100 keys", method: "POST", target: appdata, body: string(many), hdr: jsonCT, sign: true, format: fmtMixi, status: 400},
		{name: "mixi appdata: 20 kB value", method: "POST", target: appdata, body: `{"k":"` + strings.Repeat("v", 20_000) + `"}`, hdr: jsonCT, sign: true, format: fmtMixi, status: 400},
		{name: "mixi appdata: truncated JSON", method: "POST", target: appdata, body: `{"k":`, hdr: jsonCT, sign: true, format: fmtMixi, status: 400},
		{name: "mixi appdata: body over 1 MiB", method: "POST", target: appdata, body: bigBody, hdr: jsonCT, sign: true, format: fmtMixi, status: 413},
		{name: "mixi appdata: another user's data", method: "POST", target: "/mixi/os/0.8/appdata/1000002/@self/@app?xoauth_requestor_id=1000001", body: `{"k":"v"}`, hdr: jsonCT, sign: true, format: fmtMixi, status: 403},
		{name: "mixi appdata: body hash mismatch", method: "POST", target: appdata, body: `{"k":"v"}`, hdr: jsonCT, format: fmtMixi, status: 401, mod: func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "OAuth ", `OAuth oauth_body_hash="AAAA", `, 1))
		}, sign: true},
		{name: "mixi requests: no requestIds", method: "DELETE", target: "/mixi/os/0.8/requests/@me/@self?xoauth_requestor_id=1000001", sign: true, format: fmtMixi, status: 400},
		{name: "mixi requests: an id of someone else's inbox", method: "DELETE", target: "/mixi/os/0.8/requests/@me/@self?requestIds=4f1c2b3a5d6e7f8091a2b3c4&xoauth_requestor_id=1000002", sign: true, format: fmtMixi, status: 400},
		// ---- mixi invite pages ----
		{name: "mixi invite: callback on another host", method: "POST", target: "/mixi/invite:friends", body: inviteForm(evil), hdr: formCT, format: fmtMixiPage, status: 400},
		{name: "mixi invite: javascript: callback", method: "POST", target: "/mixi/invite:friends", body: inviteForm("javascript:alert(1)"), hdr: formCT, format: fmtMixiPage, status: 400},
		{name: "mixi invite: userinfo trick", method: "POST", target: "/mixi/invite:friends", body: inviteForm("http://localhost@evil.example/"), hdr: formCT, format: fmtMixiPage, status: 400},
		{name: "mixi invite: scheme-relative callback", method: "GET", target: invite + q("callback", "//evil.example/x", "opensocial_app_id", "13579", "opensocial_owner_id", "1000001"), format: fmtMixiPage, status: 400},
		{name: "mixi invite: script in description, unknown app", method: "POST", target: "/mixi/invite:friends", body: q("callback", "http://localhost/cb", "opensocial_app_id", script, "opensocial_owner_id", "1000001", "message", script, "description", script), hdr: formCT, format: fmtMixiPage, status: 400},
		{name: "mixi invite: owner without the app", method: "POST", target: "/mixi/invite:friends", body: q("callback", "http://localhost/cb", "opensocial_app_id", "13579", "opensocial_owner_id", "1000003", "message", "hi"), hdr: formCT, format: fmtMixiPage, status: 400},
		{name: "mixi invite: select POST without CSRF token", method: "POST", target: "/mixi/invite/friends/select", body: q("action", "next", "recipient", "1000002"), hdr: formCT, format: fmtMixiPage, status: 403},
		{name: "mixi invite: confirm POST with a forged transaction", method: "POST", target: "/mixi/invite/friends/confirm", body: q("answer", "yes", "txn", "forged", "csrf_token", "forged"), hdr: formCT, format: fmtMixiPage, status: 403},
		// ---- mixi admin ----
		{name: "mixi admin sign: truncated JSON", method: "POST", target: "/_fakeapi/mixi/sign", body: `{"url":`, hdr: jsonCT, format: fmtAdmin, status: 400},
		{name: "mixi admin sign: unknown consumer", method: "POST", target: "/_fakeapi/mixi/sign", body: `{"url":"http://localhost/x","consumerKey":"nope"}`, hdr: jsonCT, format: fmtAdmin, status: 404},
		{name: "mixi admin installs: unknown user", method: "POST", target: "/_fakeapi/mixi/installs", body: `{"app":"13579","user":"` + strings.ReplaceAll(script, `"`, `\"`) + `","installed":true}`, hdr: jsonCT, format: fmtAdmin, status: 404},
		{name: "mixi admin installs: installed as a string", method: "POST", target: "/_fakeapi/mixi/installs", body: `{"app":"13579","user":"1000003","installed":"true"}`, hdr: jsonCT, format: fmtAdmin, status: 400},

		// ---- the root's admin API ----
		{name: "admin state: truncated JSON", method: "PUT", target: "/_fakeapi/state", body: `{"kii":`, hdr: jsonCT, format: fmtAdmin, status: 400},
		{name: "admin state: unknown provider", method: "PUT", target: "/_fakeapi/state", body: `{"evil":{}}`, hdr: jsonCT, format: fmtAdmin, status: 400},
		{name: "admin state: wrong type deep inside", method: "PUT", target: "/_fakeapi/state", body: `{"kii":{"apps":3}}`, hdr: jsonCT, format: fmtAdmin, status: 400},
		{name: "admin state: one good part, one bad (all or nothing)", method: "PUT", target: "/_fakeapi/state", body: `{"iijmio":{"developers":[],"users":[]},"kii":{"apps":3}}`, hdr: jsonCT, format: fmtAdmin, status: 400},
		{name: "admin state: invalid UTF-8", method: "PUT", target: "/_fakeapi/state", body: "{\"kii\":{\"apps\":[{\"appID\":\"\xff\"}]}}", hdr: jsonCT, format: fmtAdmin, status: 400},
		{name: "admin state: declared over the cap", method: "PUT", target: "/_fakeapi/state", body: `{}`, hdr: jsonCT, mod: declared(1 << 40), format: fmtAdmin, status: 413},
		{name: "admin state: truncated body", method: "PUT", target: "/_fakeapi/state", body: `{"iijmio":{"developers":[],"users":[]}}`, hdr: jsonCT, mod: truncated, format: fmtAdmin, status: 400},
		{name: "admin state: unknown provider in the query", method: "GET", target: "/_fakeapi/state?provider=" + url.QueryEscape("../../etc/passwd"), format: fmtAdmin, status: 400},
		{name: "admin faults: truncated JSON", method: "POST", target: "/_fakeapi/faults", body: `{"status":`, hdr: jsonCT, format: fmtAdmin, status: 400},
		{name: "admin faults: a 200 status", method: "POST", target: "/_fakeapi/faults", body: `{"status":200}`, hdr: jsonCT, format: fmtAdmin, status: 400},
		{name: "admin faults: a year of latency", method: "POST", target: "/_fakeapi/faults", body: `{"latency":"8760h"}`, hdr: jsonCT, format: fmtAdmin, status: 400},
		{name: "admin faults: path with the prefix", method: "POST", target: "/_fakeapi/faults", body: `{"path":"iijmio/x","status":500}`, hdr: jsonCT, format: fmtAdmin, status: 400},
		{name: "admin faults: unknown field", method: "POST", target: "/_fakeapi/faults", body: `{"status":500,"evil":true}`, hdr: jsonCT, format: fmtAdmin, status: 400},
		{name: "admin clock: backwards", method: "POST", target: "/_fakeapi/clock", body: `{"advance":"-1h"}`, hdr: jsonCT, format: fmtAdmin, status: 400},
		{name: "admin clock: set in the past", method: "POST", target: "/_fakeapi/clock", body: `{"set":"2001-01-01T00:00:00Z"}`, hdr: jsonCT, format: fmtAdmin, status: 400},
		{name: "admin clock: advance and set together", method: "POST", target: "/_fakeapi/clock", body: `{"advance":"1h","set":"2030-01-01T00:00:00Z"}`, hdr: jsonCT, format: fmtAdmin, status: 400},
		{name: "admin clock: advance a number", method: "POST", target: "/_fakeapi/clock", body: `{"advance":5}`, hdr: jsonCT, format: fmtAdmin, status: 400},
		{name: "admin journal: negative limit", method: "GET", target: "/_fakeapi/journal?limit=-1", format: fmtAdmin, status: 400},
		{name: "admin reset: unknown provider", method: "POST", target: "/_fakeapi/reset?provider=" + url.QueryEscape(script), format: fmtAdmin, status: 400},
		{name: "admin: dot segments to reset", method: "POST", target: "/_fakeapi/journal/../reset", format: fmtAdmin, status: 404},
		{name: "admin reset: cross-site browser POST", method: "POST", target: "/_fakeapi/reset", hdr: []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"}, format: fmtAdmin, status: 403},
		{name: "admin state: cross-site browser PUT", method: "PUT", target: "/_fakeapi/state", body: `{}`, hdr: []string{"Sec-Fetch-Site", "cross-site", "Content-Type", "application/json"}, format: fmtAdmin, status: 403},
		{name: "admin: PATCH state", method: "PATCH", target: "/_fakeapi/state", body: `{}`, hdr: jsonCT, format: fmtAdmin, status: 405},
		{name: "admin: unknown route", method: "GET", target: "/_fakeapi/" + url.PathEscape(script), format: fmtAdmin, status: 404},
		{name: "root: no such provider", method: "GET", target: "/evil/../../etc/passwd", format: fmtAdmin, status: 404},
		{name: "root: CRLF in X-Request-Id", method: "GET", target: kiiBase + "/users/me", hdr: []string{"X-Request-Id", "rid\r\nX-Evil: 1"}, format: fmtKii, status: 401},
		{name: "root: 200-byte X-Request-Id", method: "GET", target: kiiBase + "/users/me", hdr: []string{"X-Request-Id", strings.Repeat("r", 200)}, format: fmtKii, status: 401},
	}
}

// hostileEmulator is the emulator of the table: frozen clock, and the
// runtime state the cases rely on (an Assist grant, token, a used and a
// pending code; a Kii user token and refresh token).
func hostileEmulator(t *testing.T) *emulator.Emulator {
	t.Helper()
	clk := clock.NewControlled(func() time.Time { return hostileT0 })
	clk.Freeze(true)
	e := newEmulator(t, func(c *emulator.Config) { c.Clock, c.HasSeed, c.Seed = clk, true, 8 })
	now := hostileT0.In(time.FixedZone("JST", 9*3600))
	issued, expires := now.Format("2006-01-02 15:04:05"), now.Add(10*time.Minute).Format("2006-01-02 15:04:05")
	doc := exportState(t, e)
	st := doc["assist"].(map[string]any)
	st["grants"] = []map[string]string{{"clientId": assistClient, "grantedBy": "test-admin", "grantedAt": issued, "scope": "read_sales"}}
	st["tokens"] = []map[string]string{{"accessToken": hostileAssistToken, "clientId": assistClient, "scope": "read_sales", "issuedAt": issued}}
	st["codes"] = []map[string]string{
		{"code": usedCode, "clientId": assistClient, "redirectUri": assistRedirect, "scope": "read_sales", "issuedAt": issued, "expiresAt": expires},
		{"code": pendingCode, "clientId": assistClient, "redirectUri": assistRedirect, "scope": "read_sales", "issuedAt": issued, "expiresAt": expires},
	}
	kii := doc["kii"].(map[string]any)
	for _, app := range kii["apps"].([]any) {
		am := app.(map[string]any)
		if am["appID"] != kiiApp {
			continue
		}
		var taro string
		for _, u := range am["users"].([]any) {
			if um := u.(map[string]any); um["loginName"] == "taro.yamada" {
				taro = um["userID"].(string)
			}
		}
		require.NotEmpty(t, taro)
		am["tokens"] = []map[string]any{
			{"accessToken": hostileKiiToken, "kind": "user", "userID": taro},
			{"accessToken": "hostileKiiRefreshedAccessToken000000000000", "kind": "user", "userID": taro, "refreshToken": "hostileRefreshToken"},
		}
	}
	importState(t, e, map[string]any{"assist": st, "kii": kii})
	w := serve(e, http.MethodPost, "/assist/api/oauth/token.php", q("grant_type", "authorization_code", "code", usedCode, "redirect_uri", assistRedirect, "client_id", assistClient, "client_secret", assistSecret), formCT...)
	require.Equal(t, http.StatusOK, w.Code, "spending the used code: %s", w.Body)
	return e
}

func mixiAuth(tb testing.TB, method, target, secret, nonce string, ts int64) string {
	tb.Helper()
	h, err := oauth1.Signer{ConsumerKey: mixiKey, ConsumerSecret: secret}.Header(method, "http://example.com"+target, nil, nonce, ts)
	require.NoError(tb, err)
	return h
}

// stateWithoutNonces is the exported state minus mixi's used nonces: an
// authentic request burns its nonce even when it then fails (a replay must
// be refused), which is bookkeeping, not a change a client made.
func stateWithoutNonces(tb testing.TB, e *emulator.Emulator) string {
	tb.Helper()
	data, err := e.ExportState()
	require.NoError(tb, err)
	var doc map[string]map[string]json.RawMessage
	require.NoError(tb, json.Unmarshal(data, &doc))
	delete(doc["mixi"], "nonces")
	out, err := json.Marshal(doc)
	require.NoError(tb, err)
	return string(out)
}

// TestHostileRequestsShouldGetTheProvidersOwn4xx sends every request of the
// table to one emulator, in order: each must be answered with a 4xx in the
// addressed provider's own error format (no 5xx, no panic, which the root
// would turn into a 500), must not redirect anywhere, must not echo a script
// or a header line, and must leave the exported state as it was.
func TestHostileRequestsShouldGetTheProvidersOwn4xx(t *testing.T) {
	e := hostileEmulator(t)
	cases := hostileCases()
	require.GreaterOrEqual(t, len(cases), 100)
	seen := map[string]bool{}
	for _, c := range cases {
		require.False(t, seen[c.name], "duplicate case name %q", c.name)
		seen[c.name] = true
		t.Run("should refuse "+c.name, func(t *testing.T) {
			if c.setup != nil {
				c.setup(t, e)
			}
			before := stateWithoutNonces(t, e)
			r := httptest.NewRequest(c.method, c.target, strings.NewReader(c.body))
			if c.body == "" {
				r.Body, r.ContentLength = http.NoBody, 0
			}
			for i := 0; i+1 < len(c.hdr); i += 2 {
				r.Header.Add(c.hdr[i], c.hdr[i+1])
			}
			if c.sign {
				secret, ts := mixiSecret, hostileT0.Unix()
				if c.signWith != "" {
					secret = c.signWith
				}
				if c.signAt != 0 {
					ts = c.signAt
				}
				r.Header.Set("Authorization", mixiAuth(t, c.method, c.target, secret, c.name, ts))
			}
			if c.mod != nil {
				c.mod(r)
			}
			w := httptest.NewRecorder()
			e.ServeHTTP(w, r)

			body := w.Body.String()
			require.GreaterOrEqual(t, w.Code, 400, "%s", body)
			require.Less(t, w.Code, 500, "%s", body)
			if c.status != 0 {
				assert.Equal(t, c.status, w.Code, "%s", body)
			}
			assertFormat(t, c.format, w)
			assert.Empty(t, w.Header().Get("Location"), "an error should redirect nowhere")
			if strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
				assert.NotContains(t, body, "<script>alert", "no script should be echoed into a page")
			}
			assert.Empty(t, w.Header().Get("X-Evil"), "no header should be injected")
			for k, vs := range w.Header() {
				for _, v := range vs {
					assert.NotContains(t, v, "\n", "header %s", k)
					assert.NotContains(t, v, "\r", "header %s", k)
				}
			}
			assertSameState(t, before, stateWithoutNonces(t, e))
		})
	}
}

func assertFormat(t *testing.T, format string, w *httptest.ResponseRecorder) {
	t.Helper()
	ct := w.Header().Get("Content-Type")
	var obj map[string]any
	isJSON := json.Unmarshal(w.Body.Bytes(), &obj) == nil
	switch format {
	case fmtIIJmio:
		assert.Equal(t, "application/json", ct)
		if assert.True(t, isJSON, "body %q", w.Body) {
			assert.IsType(t, "", obj["returnCode"], "IIJmio errors carry returnCode: %s", w.Body)
		}
	case fmtKii:
		assert.Contains(t, ct, "json")
		if assert.True(t, isJSON, "body %q", w.Body) {
			_, code := obj["errorCode"]
			_, oauth := obj["error"]
			assert.True(t, code || oauth, "Kii errors carry errorCode or error: %s", w.Body)
		}
	case fmtAssist:
		assert.Contains(t, ct, "application/json")
		if assert.True(t, isJSON, "body %q", w.Body) {
			assert.IsType(t, "", obj["error"], "Assist errors carry error: %s", w.Body)
			assert.IsType(t, "", obj["error_description"], "Assist errors carry error_description: %s", w.Body)
		}
	case fmtMixi:
		if w.Code == http.StatusUnauthorized {
			assert.True(t, strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "OAuth "), "mixi 401s carry WWW-Authenticate: OAuth")
			assert.Contains(t, w.Body.String(), "oauth_problem=")
			return
		}
		assert.Equal(t, "text/plain; charset=utf-8", ct)
		assert.True(t, strings.HasPrefix(w.Body.String(), strconv.Itoa(w.Code)+" - "), "mixi errors read '<status> - <reason>': %q", w.Body)
	case fmtIIJmioPage, fmtAssistPage, fmtMixiPage:
		assert.True(t, strings.HasPrefix(ct, "text/html"), "an HTML error page, got %q", ct)
	case fmtAdmin:
		assert.Contains(t, ct, "application/json")
		if assert.True(t, isJSON, "body %q", w.Body) {
			assert.IsType(t, "", obj["error"], "admin errors carry error: %s", w.Body)
		}
	default:
		t.Fatalf("unknown format %q", format)
	}
}

// TestSlowAndMalformedClientsShouldNotHoldTheServer runs the emulator
// behind an http.Server configured like cmd/fakeapi's (ReadHeaderTimeout,
// MaxHeaderBytes; the timeout shortened from 10s to keep the test fast):
// a client that sends its headers slowly is cut off at the timeout while
// others are served, and requests net/http refuses before any handler runs
// get its 4xx. Nothing changes the state.
func TestSlowAndMalformedClientsShouldNotHoldTheServer(t *testing.T) {
	t.Parallel()
	const headerTimeout = 300 * time.Millisecond
	e := hostileEmulator(t)
	srv := httptest.NewUnstartedServer(e)
	srv.Config.ReadHeaderTimeout = headerTimeout
	srv.Config.MaxHeaderBytes = 64 << 10 // cmd/fakeapi's
	srv.Start()
	t.Cleanup(srv.Close)
	addr := srv.Listener.Addr().String()
	before := stateWithoutNonces(t, e)

	t.Run("should cut off a client that sends its headers slowly", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		defer conn.Close()
		start := time.Now()
		_, err = io.WriteString(conn, "PUT "+iijmioCoupon+" HTTP/1.1\r\nHost: x\r\nX-IIJmio-Developer: "+iijmioDeveloper+"\r\n")
		require.NoError(t, err)
		// Trickle a header byte by byte, slower than the timeout allows.
		for _, b := range []byte("X-Slow: 1234567890") {
			if _, err := conn.Write([]byte{b}); err != nil {
				break
			}
			time.Sleep(50 * time.Millisecond)
			if time.Since(start) > 3*headerTimeout {
				break
			}
		}
		// Meanwhile another client is served.
		ok := send(t, srv.Client(), http.MethodGet, srv.URL+iijmioCoupon, "", iijmioHeaders...)
		assert.Equal(t, http.StatusOK, ok.status)
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
		data, err := io.ReadAll(conn)
		assert.Less(t, time.Since(start), 5*time.Second, "the server should close the connection at its header timeout")
		if len(data) > 0 {
			// Some Go versions answer before closing; never with a 5xx.
			resp, rerr := http.ReadResponse(bufio.NewReader(bytes.NewReader(data)), nil)
			if assert.NoError(t, rerr) {
				assert.Less(t, resp.StatusCode, 500)
				assert.GreaterOrEqual(t, resp.StatusCode, 400)
			}
		}
		if err != nil {
			var ne net.Error
			assert.False(t, assertTimeout(err, &ne), "the server, not our deadline, should end the connection: %v", err)
		}
	})

	raw := []struct {
		name    string
		request string
		status  int
	}{
		{"should refuse headers over MaxHeaderBytes", "GET " + iijmioCoupon + " HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 70<<10) + "\r\n\r\n", http.StatusRequestHeaderFieldsTooLarge},
		{"should refuse a request line over MaxHeaderBytes", "GET /iijmio/" + strings.Repeat("a", 70<<10) + " HTTP/1.1\r\nHost: x\r\n\r\n", http.StatusRequestHeaderFieldsTooLarge},
		{"should refuse a NUL in a header value", "GET " + iijmioCoupon + " HTTP/1.1\r\nHost: x\r\nX-Request-Id: a\x00b\r\n\r\n", http.StatusBadRequest},
		// net/http joins an obs-fold line to the header before it; the
		// request reaches IIJmio, which refuses it for want of a token.
		{"should not let a folded header line become a header", "GET " + iijmioCoupon + " HTTP/1.1\r\nHost: x\r\nX-Request-Id: a\r\n Set-Cookie: evil=1\r\n\r\n", http.StatusForbidden},
		{"should refuse two Content-Length headers that differ", "PUT " + iijmioCoupon + " HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}", http.StatusBadRequest},
		// Transfer-Encoding wins over Content-Length (RFC 9112 §6.3): one
		// request, answered once; the 4 bytes are not read as a body.
		{"should read Content-Length with Transfer-Encoding as one chunked request", "PUT " + iijmioCoupon + " HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n", http.StatusForbidden},
		{"should refuse a request without Host", "GET " + iijmioCoupon + " HTTP/1.1\r\n\r\n", http.StatusBadRequest},
		{"should refuse a space in the header name", "GET " + iijmioCoupon + " HTTP/1.1\r\nHost: x\r\nX Evil: 1\r\n\r\n", http.StatusBadRequest},
	}
	for _, c := range raw {
		t.Run(c.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			require.NoError(t, err)
			defer conn.Close()
			require.NoError(t, conn.SetDeadline(time.Now().Add(5*time.Second)))
			_, err = io.WriteString(conn, c.request)
			require.NoError(t, err)
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			require.NoError(t, err)
			_ = resp.Body.Close()
			if c.status != 0 {
				assert.Equal(t, c.status, resp.StatusCode)
			}
			assert.GreaterOrEqual(t, resp.StatusCode, 400)
			assert.Less(t, resp.StatusCode, 500)
			assert.Empty(t, resp.Header.Values("Set-Cookie"), "no header should be injected")
		})
	}
	assertSameState(t, before, stateWithoutNonces(t, e))
}

// assertSameState compares two exports, showing where they part.
func assertSameState(t *testing.T, before, after string) {
	t.Helper()
	if before == after {
		return
	}
	i := 0
	for i < len(before) && i < len(after) && before[i] == after[i] {
		i++
	}
	from := max(0, i-200)
	t.Errorf("the exported state should be unchanged; it differs at byte %d:\nbefore: …%s…\nafter:  …%s…",
		i, before[from:min(len(before), i+200)], after[from:min(len(after), i+200)])
}

func assertTimeout(err error, ne *net.Error) bool {
	if e, ok := err.(net.Error); ok {
		*ne = e
		return e.Timeout()
	}
	return false
}

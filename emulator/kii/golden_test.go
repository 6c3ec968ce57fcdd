package kii

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/internal/golden"
)

// goldenHeaders are the response headers recorded in golden files.
var goldenHeaders = []string{"Content-Type", "Location", "Allow", "Cache-Control", "Access-Control-Allow-Origin"}

// dump renders a response as status, recorded headers and the exact body.
func dump(w *httptest.ResponseRecorder) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "HTTP %d\n", w.Code)
	for _, k := range goldenHeaders {
		if v := w.Header().Get(k); v != "" {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	b.WriteString("\n")
	b.Write(w.Body.Bytes())
	b.WriteString("\n")
	return b.Bytes()
}

// TestGolden pins exact bytes (key order, spacing, content types) of each
// response shape; regenerate with go test ./emulator/kii/ -run TestGolden -update.
func TestGolden(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		run  func(t *testing.T, e *env) *httptest.ResponseRecorder
		// fixture, when set, replaces testFixture.
		fixture string
	}{
		{"token_seed", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"POST", "/api/apps/app1/oauth2/token", h(basic(app1, key1), ctJSON), seedBody})
		}, ""},
		{"token_refresh_enabled", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"POST", "/api/oauth2/token", kiiHeaders(app2, key2), `{"username":"kenji","password":"kenji-pass","expiresAt":1449057600000}`})
		}, ""},
		{"token_admin", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"POST", "/api/oauth2/token", kiiHeaders(app1, key1), `{"client_id":"client-one","client_secret":"secret-one"}`})
		}, ""},
		{"token_invalid_grant", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"POST", "/api/apps/app1/oauth2/token", h(basic(app1, key1), ctJSON), `{"grant_type":"password","username":"taro","password":"nope"}`})
		}, ""},
		{"token_invalid_request", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"POST", "/api/apps/app1/oauth2/token", h(basic(app1, key1), ctJSON), `{"username":"taro","password":"taro-pass"}`})
		}, ""},
		{"token_wrong_refresh", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"POST", "/api/apps/app2/oauth2/token", h(basic(app2, key2), ctJSON), `{"grant_type":"refresh_token","refresh_token":"used"}`})
		}, ""},
		{"app_not_found", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"POST", "/api/apps/zz99zz99/oauth2/token", h(basic("zz99zz99", "k"), ctJSON), seedBody})
		}, ""},
		{"register", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"POST", "/api/apps/app1/users", kiiHeaders(app1, key1, "Content-Type", ctRegReq),
				`{"loginName":"saburo","displayName":"田中三郎","country":"jp","locale":"ja","emailAddress":"saburo@example.jp","phoneNumber":"+819011112222","password":"pass1234","hobby":"料理"}`})
		}, ""},
		{"register_and_authorize", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"POST", "/api/apps/app1/users", kiiHeaders(app1, key1, "Content-Type", ctRegAuth), `{"loginName":"saburo","password":"pass1234"}`})
		}, ""},
		{"user_already_exists", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"POST", "/api/apps/app1/users", kiiHeaders(app1, key1), `{"loginName":"taro","password":"pass1234"}`})
		}, ""},
		{"password_too_short", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"POST", "/api/apps/app1/users", kiiHeaders(app1, key1), `{"loginName":"saburo","password":"abc"}`})
		}, ""},
		{"invalid_input_data", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"POST", "/api/apps/app1/users", kiiHeaders(app1, key1), `{"loginName":"a b","emailAddress":"nope","password":"pass1234"}`})
		}, ""},
		{"invalid_json", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"POST", "/api/apps/app1/users", kiiHeaders(app1, key1), `{"loginName":`})
		}, ""},
		{"unsupported_media_type", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"POST", "/api/apps/app1/users", kiiHeaders(app1, key1, "Content-Type", "text/plain"), `{}`})
		}, ""},
		{"user_me", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"GET", "/api/apps/app1/users/me", h(bearer(e.login(t, app1, key1, "taro", taroPass)), ctJSON), ""})
		}, ""},
		{"user_other", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"GET", "/api/apps/app1/users/" + taroID, h(bearer(e.login(t, app1, key1, "hanako", hanakoPass)), ""), ""})
		}, ""},
		{"user_not_found", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"GET", "/api/apps/app1/users/LOGIN_NAME:nobody", h(bearer(e.login(t, app1, key1, "taro", taroPass)), ""), ""})
		}, ""},
		{"wrong_token", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"GET", "/api/apps/app1/users/me", h(bearer("W2EeRv_WVcO4xFsD326QwZpVqrBYed2FBEuwW8rOqOI"), ""), ""})
		}, ""},
		{"unauthorized", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"GET", "/api/apps/app1/users/me", kiiHeaders(app1, key1), ""})
		}, ""},
		{"wrong_password", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"PUT", "/api/apps/app1/users/me/password", h(bearer(e.login(t, app1, key1, "taro", taroPass)), ctPassword), `{"oldPassword":"nope","newPassword":"new-pass"}`})
		}, ""},
		{"status", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"GET", "/api/apps/app1/users/" + yumiID + "/status", h(bearer(e.adminToken(t, app1, client1, secret1)), ""), ""})
		}, ""},
		{"not_found", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"GET", "/api/apps/app1/buckets", nil, ""})
		}, ""},
		{"method_not_allowed", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"GET", "/api/apps/app1/oauth2/token", nil, ""})
		}, ""},
		{"too_large", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"POST", "/api/oauth2/token", kiiHeaders(app1, key1), `{"username":"` + strings.Repeat("x", 2000) + `"}`})
		}, ""},
		// The user lifecycle (docs/providers/kii.md, "Pseudo users",
		// "Updating users", "Verification and password reset", "Outbox").
		{"register_pseudo", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"POST", "/api/apps/app1/users", kiiHeaders(app1, key1, "Content-Type", ctRegAuth), `{}`})
		}, ""},
		{"user_update", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"POST", "/api/apps/app1/users/me", h(bearer(e.login(t, app1, key1, "taro", taroPass)), ctUserUpdate), `{"displayName":"山田太郎","level":3}`})
		}, ""},
		{"user_pending", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			tok := e.login(t, "vapp", "k", "mio", "mio-pass")
			e.do(t, req{"PUT", "/api/apps/vapp/users/me/email-address", h(bearer(tok), ctEmailChange), `{"emailAddress":"mio.new@example.jp"}`})
			e.do(t, req{"PUT", "/api/apps/vapp/users/me/phone-number", h(bearer(tok), ctPhoneChange), `{"phoneNumber":"09077778888"}`})
			return e.do(t, req{"GET", "/api/apps/vapp/users/me", h(bearer(tok), ""), ""})
		}, lifecycleFixture},
		{"invalid_verification_code", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			tok := e.login(t, "vapp", "k", "mio", "mio-pass")
			e.do(t, req{"PUT", "/api/apps/vapp/users/me/phone-number", h(bearer(tok), ctPhoneChange), `{"phoneNumber":"09077778888"}`})
			return e.do(t, req{"POST", "/api/apps/vapp/users/me/phone-number/verify", h(bearer(tok), ctVerification), `{"verificationCode":"000000"}`})
		}, lifecycleFixture},
		{"user_address_not_found", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"POST", "/api/apps/app1/users/LOGIN_NAME:jiro/password/request-reset", kiiHeaders(app1, key1, "Content-Type", ctResetRequest), `{"notificationMethod":"EMAIL"}`})
		}, ""},
		{"pin_code_expired", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			e.do(t, req{"POST", "/api/apps/app1/users/LOGIN_NAME:taro/password/request-reset", kiiHeaders(app1, key1, "Content-Type", ctResetRequest), `{"notificationMethod":"SMS","smsResetMethod":"PIN"}`})
			pin := e.lastTo(t, "+819012341234").Code
			_, err := e.clk.Advance(codeLifetime)
			require.NoError(t, err)
			return e.do(t, req{"POST", "/api/apps/app1/users/LOGIN_NAME:taro/password/complete-reset", kiiHeaders(app1, key1, "Content-Type", ctResetPIN), `{"pinCode":"` + pin + `","newPassword":"new-pass"}`})
		}, ""},
		{"outbox", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			e.do(t, req{"POST", "/api/apps/vapp/users", kiiHeaders("vapp", "k"), `{"loginName":"rin","emailAddress":"rin@example.jp","phoneNumber":"09055556666","country":"JP","password":"rin-pass"}`})
			e.do(t, req{"POST", "/api/apps/vapp/users/LOGIN_NAME:mio/password/request-reset", kiiHeaders("vapp", "k", "Content-Type", ctResetRequest), `{"notificationMethod":"SMS","smsResetMethod":"PIN"}`})
			w := httptest.NewRecorder()
			e.inst.Admin.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/outbox?app=vapp", nil))
			return w
		}, lifecycleFixture},
		{"devlog", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			e.do(t, req{"POST", "/api/oauth2/token", kiiHeaders(app1, key1), `{"username":"yumi","password":"yumi-pass"}`})
			w := httptest.NewRecorder()
			e.inst.Admin.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/devlog?app=app1", nil))
			return w
		}, ""},
	}
	for _, tc := range cases {
		t.Run("should match "+tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			if tc.fixture != "" {
				e = newEnvWith(t, tc.fixture)
			}
			golden.Assert(t, tc.name, dump(tc.run(t, e)))
		})
	}
}

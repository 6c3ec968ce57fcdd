package kii

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

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
	}{
		{"token_seed", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"POST", "/api/apps/app1/oauth2/token", h(basic(app1, key1), ctJSON), seedBody})
		}},
		{"token_refresh_enabled", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"POST", "/api/oauth2/token", kiiHeaders(app2, key2), `{"username":"kenji","password":"kenji-pass","expiresAt":1449057600000}`})
		}},
		{"token_admin", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"POST", "/api/oauth2/token", kiiHeaders(app1, key1), `{"client_id":"client-one","client_secret":"secret-one"}`})
		}},
		{"token_invalid_grant", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"POST", "/api/apps/app1/oauth2/token", h(basic(app1, key1), ctJSON), `{"grant_type":"password","username":"taro","password":"nope"}`})
		}},
		{"token_invalid_request", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"POST", "/api/apps/app1/oauth2/token", h(basic(app1, key1), ctJSON), `{"username":"taro","password":"taro-pass"}`})
		}},
		{"token_wrong_refresh", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"POST", "/api/apps/app2/oauth2/token", h(basic(app2, key2), ctJSON), `{"grant_type":"refresh_token","refresh_token":"used"}`})
		}},
		{"app_not_found", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"POST", "/api/apps/zz99zz99/oauth2/token", h(basic("zz99zz99", "k"), ctJSON), seedBody})
		}},
		{"register", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"POST", "/api/apps/app1/users", kiiHeaders(app1, key1, "Content-Type", ctRegReq),
				`{"loginName":"saburo","displayName":"田中三郎","country":"jp","locale":"ja","emailAddress":"saburo@example.jp","phoneNumber":"+819011112222","password":"pass1234","hobby":"料理"}`})
		}},
		{"register_and_authorize", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"POST", "/api/apps/app1/users", kiiHeaders(app1, key1, "Content-Type", ctRegAuth), `{"loginName":"saburo","password":"pass1234"}`})
		}},
		{"user_already_exists", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"POST", "/api/apps/app1/users", kiiHeaders(app1, key1), `{"loginName":"taro","password":"pass1234"}`})
		}},
		{"password_too_short", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"POST", "/api/apps/app1/users", kiiHeaders(app1, key1), `{"loginName":"saburo","password":"abc"}`})
		}},
		{"invalid_input_data", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"POST", "/api/apps/app1/users", kiiHeaders(app1, key1), `{"loginName":"a b","emailAddress":"nope","password":"pass1234"}`})
		}},
		{"invalid_json", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"POST", "/api/apps/app1/users", kiiHeaders(app1, key1), `{"loginName":`})
		}},
		{"unsupported_media_type", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"POST", "/api/apps/app1/users", kiiHeaders(app1, key1, "Content-Type", "text/plain"), `{}`})
		}},
		{"user_me", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"GET", "/api/apps/app1/users/me", h(bearer(e.login(t, app1, key1, "taro", taroPass)), ctJSON), ""})
		}},
		{"user_other", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"GET", "/api/apps/app1/users/" + taroID, h(bearer(e.login(t, app1, key1, "hanako", hanakoPass)), ""), ""})
		}},
		{"user_not_found", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"GET", "/api/apps/app1/users/LOGIN_NAME:nobody", h(bearer(e.login(t, app1, key1, "taro", taroPass)), ""), ""})
		}},
		{"wrong_token", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"GET", "/api/apps/app1/users/me", h(bearer("W2EeRv_WVcO4xFsD326QwZpVqrBYed2FBEuwW8rOqOI"), ""), ""})
		}},
		{"unauthorized", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"GET", "/api/apps/app1/users/me", kiiHeaders(app1, key1), ""})
		}},
		{"wrong_password", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"PUT", "/api/apps/app1/users/me/password", h(bearer(e.login(t, app1, key1, "taro", taroPass)), ctPassword), `{"oldPassword":"nope","newPassword":"new-pass"}`})
		}},
		{"status", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"GET", "/api/apps/app1/users/" + yumiID + "/status", h(bearer(e.adminToken(t, app1, client1, secret1)), ""), ""})
		}},
		{"not_found", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"GET", "/api/apps/app1/buckets", nil, ""})
		}},
		{"method_not_allowed", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"GET", "/api/apps/app1/oauth2/token", nil, ""})
		}},
		{"too_large", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			return e.do(t, req{"POST", "/api/oauth2/token", kiiHeaders(app1, key1), `{"username":"` + strings.Repeat("x", 2000) + `"}`})
		}},
		{"devlog", func(t *testing.T, e *env) *httptest.ResponseRecorder {
			e.do(t, req{"POST", "/api/oauth2/token", kiiHeaders(app1, key1), `{"username":"yumi","password":"yumi-pass"}`})
			w := httptest.NewRecorder()
			e.inst.Admin.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/devlog?app=app1", nil))
			return w
		}},
	}
	for _, tc := range cases {
		t.Run("should match "+tc.name, func(t *testing.T) {
			t.Parallel()
			golden.Assert(t, tc.name, dump(tc.run(t, newEnv(t))))
		})
	}
}

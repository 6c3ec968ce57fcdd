package kii

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/internal/golden"
)

// TestRoutes walks both routers and compares with testdata/routes.golden,
// catching a route registered under the wrong method or path (R3).
func TestRoutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var b strings.Builder
	walk := func(title string, r chi.Routes) {
		fmt.Fprintf(&b, "# %s\n", title)
		var lines []string
		require.NoError(t, chi.Walk(r, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
			lines = append(lines, fmt.Sprintf("%-40s %s\n", route, method))
			return nil
		}))
		// chi keeps a path's methods in a map: sort for a stable file.
		slices.Sort(lines)
		b.WriteString(strings.Join(lines, ""))
	}
	walk("Kii API (under /kii and the Kii site hosts)", newRouter(slog.New(slog.DiscardHandler), e.store, e.clk, nil))
	walk("admin (under /_fakeapi/kii)", newAdmin(e.store, e.clk, nil))
	golden.Assert(t, "routes", []byte(b.String()))
}

// loginPattern is the route loginRoute dispatches itself.
const loginPattern = "/api/apps/{appID}/oauth2/token"

// checkLoginRoute fails unless loginRoute takes exactly the POSTs chi
// routes to the login route, with chi's appID.
func checkLoginRoute(t *testing.T, mux *chi.Mux, method, path string) {
	t.Helper()
	r := &http.Request{Method: method, URL: &url.URL{Path: path}, Header: http.Header{}}
	r = r.WithContext(context.Background())
	appID, ok := loginRoute(r)
	rctx := chi.NewRouteContext()
	chiPath := path
	if chiPath == "" {
		chiPath = "/" // as chi's routeHTTP
	}
	pattern := mux.Find(rctx, method, chiPath)
	if chiLogin := pattern == loginPattern; ok != chiLogin || (ok && appID != rctx.URLParam("appID")) {
		t.Fatalf("%s %q: loginRoute = %q, %v; chi routes to %q with appID %q", method, path, appID, ok, pattern, rctx.URLParam("appID"))
	}
}

// TestLoginRouteShouldBeChis: the login route is dispatched before chi
// exactly when chi would dispatch it, and never for escaped paths or under
// a parent chi router.
func TestLoginRouteShouldBeChis(t *testing.T) {
	t.Parallel()
	mux := newRouter(slog.New(slog.DiscardHandler), nil, nil, nil)
	for _, p := range []string{"/api/apps/app1/oauth2/token", "/api/apps//oauth2/token", "/api/apps/a/b/oauth2/token",
		"/api/apps/app1/oauth2/token/", "/api/apps/app1/oauth2/tokens", "/api/apps/app1/users", "/api/oauth2/token",
		"/api/apps/./oauth2/token", "/api/apps/a%2Fb/oauth2/token", "/api/apps/日本/oauth2/token", "/API/apps/x/oauth2/token", "", "/"} {
		for _, m := range []string{"POST", "GET", "PUT", "post", "OPTIONS"} {
			checkLoginRoute(t, mux, m, p)
		}
	}
	r := httptest.NewRequest("POST", "/api/apps/a%2Fb/oauth2/token", nil)
	_, ok := loginRoute(r)
	require.False(t, ok, "an escaped path is chi's (it routes on RawPath)")
	r = httptest.NewRequest("POST", "/api/apps/app1/oauth2/token", nil)
	r = r.WithContext(context.WithValue(r.Context(), chi.RouteCtxKey, chi.NewRouteContext()))
	_, ok = loginRoute(r)
	require.False(t, ok, "under a parent chi router, chi routes")
}

func FuzzLoginRoute(f *testing.F) {
	for _, p := range []string{"/api/apps/app1/oauth2/token", "/api/apps//oauth2/token", "/api/apps/a/b/oauth2/token", "/api/apps/{appID}/oauth2/token"} {
		f.Add("POST", p)
	}
	mux := newRouter(slog.New(slog.DiscardHandler), nil, nil, nil)
	f.Fuzz(func(t *testing.T, method, path string) {
		checkLoginRoute(t, mux, method, path)
	})
}

// TestLoginShouldAnswerAsThroughChi: the same logins answered through the
// shortcut and through chi (forced by a parent routing context) give the
// same status, headers and body.
func TestLoginShouldAnswerAsThroughChi(t *testing.T) {
	t.Parallel()
	direct, viaChi := newEnv(t), newEnv(t)
	for _, rq := range []req{
		{"POST", "/api/apps/app1/oauth2/token", h(basic(app1, key1), ctJSON), seedBody},
		{"POST", "/api/apps/app2/oauth2/token", kiiHeaders(app2, key2), `{"grant_type":"password","username":"kenji","password":"kenji-pass"}`},
		{"POST", "/api/apps/app2/oauth2/token", kiiHeaders(app2, "wrong"), `{"grant_type":"password","username":"kenji","password":"kenji-pass"}`},
		{"POST", "/api/apps/nope/oauth2/token", h(basic("nope", key1), ctJSON), seedBody},
		{"POST", "/api/apps//oauth2/token", h(basic(app1, key1), ctJSON), seedBody},
		{"POST", "/api/apps/app1/oauth2/token", h(basic(app1, key1), ctJSON), `{"grant_type":"password","username":"taro","password":"x"}`},
		{"POST", "/api/apps/app1/oauth2/token", h(basic(app2, key2), ctJSON), seedBody},
		{"POST", "/api/apps/app1/oauth2/token", h(basic(app1, key1), "text/plain"), seedBody},
	} {
		w1 := direct.do(t, rq)
		r := httptest.NewRequest(rq.method, "http://localhost:8080"+rq.path, strings.NewReader(rq.body))
		for k, v := range rq.header {
			r.Header.Set(k, v)
		}
		r = r.WithContext(context.WithValue(r.Context(), chi.RouteCtxKey, chi.NewRouteContext()))
		w2 := httptest.NewRecorder()
		viaChi.h.ServeHTTP(w2, r)
		require.Equal(t, w2.Code, w1.Code, rq.path)
		require.Equal(t, w2.Header(), w1.Header(), rq.path)
		require.Equal(t, w2.Body.String(), w1.Body.String(), rq.path)
	}
}

package assist

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"
)

const appRedirect = "https://app.example.jp/getAuth.php"

func authorizeQuery(kv ...string) string {
	v := url.Values{"client_id": {"client-any"}, "redirect_uri": {appRedirect}, "response_type": {"code"}, "scope": {"read_sales"}, "state": {"st-1"}}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "<delete>" {
			v.Del(kv[i])
			continue
		}
		v.Set(kv[i], kv[i+1])
	}
	return v.Encode()
}

func TestAuthorizeGet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		path     string
		query    string
		status   int
		code     string // error_code on the page, or error= in the redirect
		location string // prefix of Location for redirects
		action   string // login form action for 200
	}{
		{"should show the login page", authorizePath, authorizeQuery(), 200, "", "", "/assist/api/oauth/authorize.php"},
		{"should serve the path without /api", authorizePathAlt, authorizeQuery(), 200, "", "", "/assist/oauth/authorize.php"},
		{"should serve the shop directory path", "/shop01" + authorizePath, authorizeQuery(), 200, "", "", "/assist/shop01/api/oauth/authorize.php"},
		{"should accept any scope and no state", authorizePath, authorizeQuery("scope", "write_everything", "state", "<delete>"), 200, "", "", "/assist/api/oauth/authorize.php"},
		{"should show an error page for an unknown client", authorizePath, authorizeQuery("client_id", "nope", "redirect_uri", "https://evil.example/"), 400, "invalid_client", "", ""},
		{"should show an error page without client_id", authorizePath, authorizeQuery("client_id", "<delete>"), 400, "invalid_request", "", ""},
		{"should show an error page for another redirect_uri", authorizePath, authorizeQuery("redirect_uri", "https://evilapp.example.jp/getAuth.php"), 400, "invalid_request", "", ""},
		{"should show an error page for a redirect_uri with a trailing slash", authorizePath, authorizeQuery("redirect_uri", appRedirect+"/"), 400, "invalid_request", "", ""},
		{"should accept the registered loopback URI exactly", authorizePath, authorizeQuery("client_id", "client-loop", "redirect_uri", "http://127.0.0.1/callback"), 200, "", "", "/assist/api/oauth/authorize.php"},
		{"should show an error page for a registered loopback URI on another port", authorizePath, authorizeQuery("client_id", "client-loop", "redirect_uri", "http://127.0.0.1:8081/callback"), 400, "invalid_request", "", ""},
		{"should show an error page without redirect_uri", authorizePath, authorizeQuery("redirect_uri", "<delete>"), 400, "invalid_request", "", ""},
		{"should redirect invalid_request without response_type", authorizePath, authorizeQuery("response_type", "<delete>"), 302, "invalid_request", appRedirect + "?", ""},
		{"should redirect unsupported_response_type for token", authorizePath, authorizeQuery("response_type", "token"), 302, "unsupported_response_type", appRedirect + "?", ""},
		{"should redirect invalid_request for a bad PKCE challenge", authorizePath, authorizeQuery("code_challenge", "short"), 302, "invalid_request", appRedirect + "?", ""},
	}
	e := newEnv(t, Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := e.serve(httptest.NewRequest(http.MethodGet, "/assist"+tt.path+"?"+tt.query, nil))
			require.Equal(t, tt.status, w.Code, w.Body.String())
			switch tt.status {
			case 302:
				loc, err := url.Parse(w.Header().Get("Location"))
				require.NoError(t, err)
				assert.True(t, strings.HasPrefix(loc.String(), tt.location), loc.String())
				assert.Equal(t, tt.code, loc.Query().Get("error"))
				assert.NotEmpty(t, loc.Query().Get("error_description"))
				assert.Equal(t, "st-1", loc.Query().Get("state"))
				assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
			case 400:
				assert.Empty(t, w.Header().Get("Location"), "should never redirect")
				doc := page(t, w.Body)
				assert.Equal(t, tt.code, text(byID(doc, "error_code")))
				assert.NotEmpty(t, text(byID(doc, "error_message")))
				assert.NotContains(t, w.Body.String(), "evil", "should not link to the unvalidated URI")
			case 200:
				assert.Equal(t, "DENY", w.Header().Get("X-Frame-Options"))
				assert.Equal(t, "frame-ancestors 'none'", w.Header().Get("Content-Security-Policy"))
				assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
				doc := page(t, w.Body)
				form := byID(doc, "login_form")
				require.NotNil(t, form)
				assert.Equal(t, tt.action, attr(form, "action"))
				assert.Equal(t, "post", attr(form, "method"))
				for _, id := range []string{"login_id", "password", "login_submit"} {
					assert.NotNil(t, byID(doc, id), id)
				}
				assert.Equal(t, "password", attr(byID(doc, "password"), "type"))
				h := hidden(doc, "login_form")
				assert.NotEmpty(t, h.Get("csrf_token"))
				assert.NotEmpty(t, h.Get("txn"))
				assert.NotContains(t, h, "redirect_uri", "the form must not carry the redirect URI")
				cookie := w.Result().Cookies()[0]
				assert.Equal(t, sessionCookie, cookie.Name)
				assert.True(t, cookie.HttpOnly)
				assert.Equal(t, http.SameSiteLaxMode, cookie.SameSite)
				assert.Equal(t, strings.TrimSuffix(strings.TrimSuffix(tt.action, authorizePath), authorizePathAlt), cookie.Path)
			}
		})
	}
	t.Run("should answer PUT with an HTML 405 and Allow", func(t *testing.T) {
		w := e.serve(httptest.NewRequest(http.MethodPut, "/assist"+authorizePath, nil))
		assert.Equal(t, 405, w.Code)
		assert.Equal(t, "GET, POST", w.Header().Get("Allow"))
		assert.Equal(t, "text/html; charset=utf-8", w.Header().Get("Content-Type"))
	})
}

// TestAuthorizeLoopbackAnyPort: with Config.LoopbackRedirectAnyPort a
// registered loopback リダイレクトURL matches on any valid port, never on a
// port no server can listen on (docs/providers/assist.md, "Authorization").
func TestAuthorizeLoopbackAnyPort(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{LoopbackRedirectAnyPort: true})
	for _, tt := range []struct {
		uri    string
		status int
	}{
		{"http://127.0.0.1/callback", 200},
		{"http://127.0.0.1:8081/callback", 200},
		{"http://127.0.0.1:65535/callback", 200},
		{"http://127.0.0.1:0/callback", 400},
		{"http://127.0.0.1:65536/callback", 400},
		{"http://127.0.0.1:99999/callback", 400},
		{"http://127.0.0.1:8081/other", 400},
		{"http://localhost:8081/callback", 400},
	} {
		t.Run(tt.uri, func(t *testing.T) {
			w := e.serve(httptest.NewRequest(http.MethodGet, "/assist"+authorizePath+"?"+
				authorizeQuery("client_id", "client-loop", "redirect_uri", tt.uri), nil))
			assert.Equal(t, tt.status, w.Code, w.Body.String())
			assert.Empty(t, w.Header().Get("Location"))
		})
	}
	t.Run("should still match a non-loopback URI exactly", func(t *testing.T) {
		w := e.serve(httptest.NewRequest(http.MethodGet, "/assist"+authorizePath+"?"+
			authorizeQuery("redirect_uri", "https://app.example.jp:8443/getAuth.php"), nil))
		assert.Equal(t, http.StatusBadRequest, w.Code)
	})
}

// flow drives the pages with a browser against an httptest server.
type flow struct {
	t   *testing.T
	srv *httptest.Server
	c   *http.Client
}

func newFlow(t *testing.T, e *env) *flow {
	srv := httptest.NewServer(e.h)
	t.Cleanup(srv.Close)
	return &flow{t: t, srv: srv, c: browser(t)}
}

func (f *flow) get(target string) (*http.Response, *html.Node) {
	f.t.Helper()
	if strings.HasPrefix(target, "/") {
		target = f.srv.URL + target
	}
	res, err := f.c.Get(target)
	require.NoError(f.t, err)
	defer res.Body.Close()
	return res, page(f.t, res.Body)
}

func (f *flow) post(action string, v url.Values) (*http.Response, *html.Node) {
	f.t.Helper()
	res, err := f.c.PostForm(f.srv.URL+action, v)
	require.NoError(f.t, err)
	defer res.Body.Close()
	return res, page(f.t, res.Body)
}

// login submits the login form of doc.
func (f *flow) login(doc *html.Node, id, pw string) (*http.Response, *html.Node) {
	f.t.Helper()
	form := byID(doc, "login_form")
	require.NotNil(f.t, form, "no login form")
	v := hidden(doc, "login_form")
	v.Set("login_id", id)
	v.Set("password", pw)
	return f.post(attr(form, "action"), v)
}

// consent submits the consent form of doc with decision.
func (f *flow) consent(doc *html.Node, decision string) *http.Response {
	f.t.Helper()
	form := byID(doc, "consent_form")
	require.NotNil(f.t, form, "no consent form")
	v := hidden(doc, "consent_form")
	v.Set("decision", decision)
	res, _ := f.post(attr(form, "action"), v)
	return res
}

// authorize runs GET → login (when asked) → consent allow and returns the
// redirect.
func (f *flow) authorize(path, query, login, pw string) *url.URL {
	f.t.Helper()
	_, doc := f.get("/assist" + path + "?" + query)
	if byID(doc, "login_form") != nil {
		res, _ := f.login(doc, login, pw)
		require.Equal(f.t, http.StatusSeeOther, res.StatusCode)
		_, doc = f.get(res.Header.Get("Location"))
	}
	res := f.consent(doc, "allow")
	require.Equal(f.t, http.StatusFound, res.StatusCode)
	loc, err := url.Parse(res.Header.Get("Location"))
	require.NoError(f.t, err)
	return loc
}

func TestAuthorizeFlow(t *testing.T) {
	t.Parallel()
	t.Run("should log in once per browser session, then consent and redirect with code and state", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, Config{})
		f := newFlow(t, e)
		st := "a&b=c#d+e%f ü"
		_, doc := f.get("/assist" + authorizePath + "?" + authorizeQuery("state", st))
		assert.Contains(t, text(byID(doc, "login_notice")), "受注連携テスト")

		res, doc2 := f.login(doc, "admin", "wrong")
		assert.Equal(t, 200, res.StatusCode)
		assert.Equal(t, pageLoginFailed, text(byID(doc2, "login_error")))
		assert.Equal(t, "admin", attr(byID(doc2, "login_id"), "value"))
		assert.NotEqual(t, hidden(doc, "login_form").Get("csrf_token"), hidden(doc2, "login_form").Get("csrf_token"), "new CSRF token")

		res, _ = f.login(doc, "admin", "pass-word") // the old, rotated CSRF token
		assert.Equal(t, 403, res.StatusCode)

		res, _ = f.login(doc2, "admin", "pass-word")
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		assert.Equal(t, "/assist"+authorizePath+"?"+authorizeQuery("state", st), res.Header.Get("Location"))

		_, doc = f.get(res.Header.Get("Location"))
		for _, id := range []string{"consent_form", "consent_allow", "consent_deny"} {
			assert.NotNil(t, byID(doc, id), id)
		}
		assert.Contains(t, text(byID(doc, "consent_app")), "受注連携テスト")
		assert.Contains(t, text(byID(doc, "consent_app")), "テスト店")
		assert.Equal(t, "read_sales", text(byID(doc, "consent_scope")))
		stale := hidden(doc, "consent_form")
		res = f.consent(doc, "allow")
		require.Equal(t, http.StatusFound, res.StatusCode)
		assert.Equal(t, "no-store", res.Header.Get("Cache-Control"))
		loc, err := url.Parse(res.Header.Get("Location"))
		require.NoError(t, err)
		assert.Equal(t, appRedirect, loc.Scheme+"://"+loc.Host+loc.Path)
		assert.Regexp(t, `^[0-9a-f]{40}$`, loc.Query().Get("code"))
		assert.Equal(t, st, loc.Query().Get("state"), "state echoed verbatim")
		assert.True(t, strings.HasPrefix(loc.RawQuery, "code="), "code then state")

		stale.Set("decision", "allow")
		res, _ = f.post("/assist"+authorizePath, stale)
		assert.Equal(t, 403, res.StatusCode, "a consent is answered once")

		_, doc = f.get("/assist" + authorizePathAlt + "?" + authorizeQuery())
		assert.Nil(t, byID(doc, "login_form"), "no second login in the same browser session")
		assert.NotNil(t, byID(doc, "consent_form"))

		_, ok := e.inst.State.(*state).st.Grant("client-any")
		assert.True(t, ok)
	})
	t.Run("should redirect access_denied when the admin refuses", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, Config{})
		f := newFlow(t, e)
		_, doc := f.get("/assist" + authorizePath + "?" + authorizeQuery())
		res, _ := f.login(doc, "admin", "pass-word")
		_, doc = f.get(res.Header.Get("Location"))
		res = f.consent(doc, "deny")
		require.Equal(t, http.StatusFound, res.StatusCode)
		loc, _ := url.Parse(res.Header.Get("Location"))
		assert.Equal(t, "access_denied", loc.Query().Get("error"))
		assert.NotEmpty(t, loc.Query().Get("error_description"))
		assert.Equal(t, "st-1", loc.Query().Get("state"))
		assert.Empty(t, loc.Query().Get("code"))
	})
	t.Run("should ask again for another shop's app", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, Config{})
		f := newFlow(t, e)
		f.authorize(authorizePath, authorizeQuery(), "admin", "pass-word")
		_, doc := f.get("/assist" + authorizePath + "?" + authorizeQuery("client_id", "client-b", "redirect_uri", "https://b.example.jp/cb"))
		require.NotNil(t, byID(doc, "login_form"))
		res, _ := f.login(doc, "admin", "pass-word")
		assert.Equal(t, 200, res.StatusCode, "shop-a's admin cannot log in to shop-b")
	})
	t.Run("should refuse posts without session, CSRF token or transaction", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, Config{})
		f := newFlow(t, e)
		_, doc := f.get("/assist" + authorizePath + "?" + authorizeQuery())
		good := hidden(doc, "login_form")
		good.Set("login_id", "admin")
		good.Set("password", "pass-word")
		for name, mutate := range map[string]func(url.Values){
			"no CSRF token":    func(v url.Values) { v.Del("csrf_token") },
			"wrong CSRF token": func(v url.Values) { v.Set("csrf_token", "x") },
			"unknown txn":      func(v url.Values) { v.Set("txn", "x") },
		} {
			v := url.Values{}
			for k, x := range good {
				v[k] = x
			}
			mutate(v)
			res, doc := f.post("/assist"+authorizePath, v)
			assert.Equal(t, 403, res.StatusCode, name)
			assert.Equal(t, pageForbidden, text(byID(doc, "error_message")), name)
		}
		res, err := http.PostForm(f.srv.URL+"/assist"+authorizePath, good) // no cookie
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, 403, res.StatusCode)
		good.Set("step", "other")
		res2, _ := f.post("/assist"+authorizePath, good)
		assert.Equal(t, 400, res2.StatusCode)
	})
	t.Run("should show the error page when the app is deleted mid-flow", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, Config{})
		f := newFlow(t, e)
		_, doc := f.get("/assist" + authorizePath + "?" + authorizeQuery())
		res, _ := f.login(doc, "admin", "pass-word")
		_, doc = f.get(res.Header.Get("Location"))
		require.Equal(t, 204, adminDo(t, e, http.MethodDelete, "/_fakeapi/assist/apps/client-any", "").Code)
		res = f.consent(doc, "allow")
		assert.Equal(t, 400, res.StatusCode)
		assert.Empty(t, res.Header.Get("Location"))
	})
	t.Run("should redirect server_error for an injected fault after validation, else show a page", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, Config{})
		w := httptest.NewRecorder()
		e.inst.WriteError(w, httptest.NewRequest(http.MethodGet, "/assist"+authorizePath+"?"+authorizeQuery(), nil), 503)
		require.Equal(t, 302, w.Code)
		loc, _ := url.Parse(w.Header().Get("Location"))
		assert.Equal(t, "temporarily_unavailable", loc.Query().Get("error"))
		w = httptest.NewRecorder()
		e.inst.WriteError(w, httptest.NewRequest(http.MethodGet, "/assist"+authorizePath+"?client_id=nope", nil), 500)
		assert.Equal(t, 500, w.Code)
		assert.Empty(t, w.Header().Get("Location"))
		w = httptest.NewRecorder()
		e.inst.WriteError(w, httptest.NewRequest(http.MethodGet, "/assist"+ordersPath, nil), 500)
		assert.Equal(t, `{"error":"server_error","error_description":"The server encountered an unexpected condition"}`, w.Body.String())
	})
}

package iijmio

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"
)

func TestAuthorizeErrorPages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		query string
		code  string
		msg   string
	}{
		{"should refuse a missing client_id", "response_type=token&redirect_uri=" + qe(tRedirect) + "&state=s", "invalid_request", msgNoClient},
		{"should refuse an unknown client_id", "response_type=token&client_id=nobody&redirect_uri=" + qe(tRedirect) + "&state=s", "invalid_client", msgUnknownClient},
		{"should refuse a duplicated client_id", "response_type=token&client_id=" + tDev + "&client_id=" + tDev + "&redirect_uri=" + qe(tRedirect) + "&state=s", "invalid_request", msgDuplicate},
		{"should refuse a duplicated redirect_uri", "response_type=token&client_id=" + tDev + "&redirect_uri=" + qe(tRedirect) + "&redirect_uri=https://evil.example/&state=s", "invalid_request", msgDuplicate},
		{"should refuse a missing redirect_uri", "response_type=token&client_id=" + tDev + "&state=s", "invalid_request", msgNoRedirect},
		{"should refuse an unregistered redirect_uri", "response_type=token&client_id=" + tDev + "&redirect_uri=https://evil.example/cb&state=s", "invalid_request", msgBadRedirect},
		{"should not add a trailing slash", "response_type=token&client_id=" + tDev + "&redirect_uri=" + qe(tRedirect+"/") + "&state=s", "invalid_request", msgBadRedirect},
		{"should not fold case", "response_type=token&client_id=" + tDev + "&redirect_uri=" + qe("https://APP.example.jp/cb") + "&state=s", "invalid_request", msgBadRedirect},
		{"should not accept an extra query", "response_type=token&client_id=" + tDev + "&redirect_uri=" + qe(tRedirect+"?x=1") + "&state=s", "invalid_request", msgBadRedirect},
		{"should not accept a host-suffix match", "response_type=token&client_id=" + tDev + "&redirect_uri=" + qe("https://evilapp.example.jp/cb") + "&state=s", "invalid_request", msgBadRedirect},
		{"should not accept a port on a non-loopback URI", "response_type=token&client_id=" + tDev + "&redirect_uri=" + qe("https://app.example.jp:8443/cb") + "&state=s", "invalid_request", msgBadRedirect},
		{"should not accept localhost for a 127.0.0.1 registration", "response_type=token&client_id=" + tDev + "&redirect_uri=" + qe("http://localhost:4000/loop") + "&state=s", "invalid_request", msgBadRedirect},
		{"should not accept a loopback look-alike host", "response_type=token&client_id=" + tDev + "&redirect_uri=" + qe("http://127.0.0.1.evil.example/loop") + "&state=s", "invalid_request", msgBadRedirect},
		{"should not accept another loopback path", "response_type=token&client_id=" + tDev + "&redirect_uri=" + qe("http://127.0.0.1:4000/other") + "&state=s", "invalid_request", msgBadRedirect},
		{"should not accept another port on a loopback registration by default", "response_type=token&client_id=" + tDev + "&redirect_uri=" + qe("http://127.0.0.1:54321/loop") + "&state=s", "invalid_request", msgBadRedirect},
		{"should not accept a port on a port-less loopback registration by default", "response_type=token&client_id=" + tDev + "&redirect_uri=" + qe("http://127.0.0.1:80/loop") + "&state=s", "invalid_request", msgBadRedirect},
		{"should not accept another developer's redirect URI", "response_type=token&client_id=" + tDev + "&redirect_uri=" + qe("https://other.example.jp/cb") + "&state=s", "invalid_request", msgBadRedirect},
		{"should check the client before anything else", "response_type=code&client_id=nobody", "invalid_client", msgUnknownClient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			w := e.do("GET", "/iijmio"+authorizePath+"?"+tt.query, "")
			assert.Equal(t, http.StatusBadRequest, w.Code)
			assert.Empty(t, w.Header().Get("Location"), "should never redirect")
			assert.Equal(t, "text/html; charset=utf-8", w.Header().Get("Content-Type"))
			assert.Equal(t, "DENY", w.Header().Get("X-Frame-Options"))
			doc := parseHTML(t, w.Body.String())
			require.NotNil(t, byID(doc, "error-code"))
			assert.Equal(t, tt.code, text(byID(doc, "error-code")))
			assert.Equal(t, tt.msg, text(byID(doc, "message")))
			assert.Empty(t, findAll(doc, func(n *html.Node) bool { return n.Data == "a" || n.Data == "meta" && hasAttr(n, "http-equiv") }),
				"should carry no link or refresh to anywhere")
		})
	}
}

func hasAttr(n *html.Node, key string) bool { _, ok := attr(n, key); return ok }

func TestAuthorizeErrorRedirects(t *testing.T) {
	t.Parallel()
	base := "client_id=" + tDev + "&redirect_uri=" + qe(tRedirect)
	tests := []struct {
		name     string
		query    string
		location string
	}{
		{"should want response_type", base + "&state=xyz",
			tRedirect + "#error=invalid_request&error_description=" + qe(descMissingResponseType) + "&state=xyz"},
		{"should want response_type=token", base + "&response_type=code&state=xyz",
			tRedirect + "#error=unsupported_response_type&error_description=" + qe(descBadResponseType) + "&state=xyz"},
		{"should want a state and echo none", base + "&response_type=token",
			tRedirect + "#error=invalid_request&error_description=" + qe(descMissingState)},
		{"should treat an empty state as missing", base + "&response_type=token&state=",
			tRedirect + "#error=invalid_request&error_description=" + qe(descMissingState)},
		{"should refuse a duplicated response_type", base + "&response_type=token&response_type=token&state=xyz",
			tRedirect + "#error=invalid_request&error_description=" + qe(descDuplicate) + "&state=xyz"},
		{"should refuse a duplicated state", base + "&response_type=token&state=a&state=b",
			tRedirect + "#error=invalid_request&error_description=" + qe(descDuplicate)},
		{"should redirect errors to a bare app id as registered", "client_id=" + tDev + "&redirect_uri=jp.example.app&response_type=code&state=1",
			"jp.example.app#error=unsupported_response_type&error_description=" + qe(descBadResponseType) + "&state=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			w := e.do("GET", "/iijmio"+authorizePath+"?"+tt.query, "")
			assert.Equal(t, http.StatusFound, w.Code)
			assert.Equal(t, tt.location, w.Header().Get("Location"))
			assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
		})
	}
}

func TestAuthorizeLoginPage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, prefix, redirect, action, cookiePath string
	}{
		{"should show the login page under the prefix", "/iijmio", tRedirect, "/iijmio" + authorizePath, "/iijmio"},
		{"should show the login page under the real host", "http://api.iijmio.jp", tRedirect, authorizePath, "/"},
		{"should accept the loopback registration exactly", "/iijmio", "http://127.0.0.1/loop", "/iijmio" + authorizePath, "/iijmio"},
		{"should accept a bare app id", "/iijmio", "jp.example.app", "/iijmio" + authorizePath, "/iijmio"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			w := e.do("GET", tt.prefix+authorizePath+"?"+authQuery(tDev, tt.redirect, "st").Encode(), "")
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			assert.Equal(t, "DENY", w.Header().Get("X-Frame-Options"))
			assert.Equal(t, "frame-ancestors 'none'", w.Header().Get("Content-Security-Policy"))
			assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
			cookies := w.Result().Cookies()
			require.Len(t, cookies, 1)
			assert.Equal(t, sessionCookie, cookies[0].Name)
			assert.Equal(t, tt.cookiePath, cookies[0].Path)
			assert.True(t, cookies[0].HttpOnly)

			doc := parseHTML(t, w.Body.String())
			form := byID(doc, "loginForm")
			require.NotNil(t, form)
			action, _ := attr(form, "action")
			method, _ := attr(form, "method")
			assert.Equal(t, tt.action, action, "should post to the authorization path itself")
			assert.Equal(t, "post", method)
			user := byID(doc, "username")
			require.NotNil(t, user)
			name, _ := attr(user, "name")
			assert.Equal(t, "username", name)
			pass := byID(doc, "password")
			require.NotNil(t, pass)
			name, _ = attr(pass, "name")
			typ, _ := attr(pass, "type")
			assert.Equal(t, "password", name)
			assert.Equal(t, "password", typ)
			assert.Len(t, findAll(doc, tagWithAttr("a", "id", "submit")), 1, "hinata's a[id*=submit] must match once")
			require.NotNil(t, byID(doc, "submit"))
			assert.Equal(t, "a", byID(doc, "submit").Data)
			hidden := hiddenFields(form)
			assert.NotEmpty(t, hidden.Get("csrf_token"))
			assert.NotEmpty(t, hidden.Get("txn"))
			assert.Equal(t, "login", hidden.Get("step"))
			assert.Contains(t, text(doc), "「テスト<アプリ>」", "should show the app name, escaped in the source")
			assert.NotContains(t, w.Body.String(), "テスト<アプリ>")
		})
	}
}

// startLogin runs GET authorize and returns the browser and the login page.
func startLogin(t *testing.T, e *env, state string) (*browser, string) {
	t.Helper()
	b := newBrowser(t, e)
	res, page := b.get(b.authorizeURL(authQuery(tDev, tRedirect, state)))
	require.Equal(t, http.StatusOK, res.StatusCode)
	return b, page
}

func TestLoginPost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		fields func(hidden url.Values) url.Values
		status int
	}{
		{"should refuse a missing CSRF token", func(h url.Values) url.Values { h.Del("csrf_token"); return h }, 403},
		{"should refuse a wrong CSRF token", func(h url.Values) url.Values { h.Set("csrf_token", "x"+h.Get("csrf_token")); return h }, 403},
		{"should refuse an unknown transaction", func(h url.Values) url.Values { h.Set("txn", "nope"); return h }, 403},
		{"should refuse a consent step before login", func(h url.Values) url.Values { h.Set("step", "consent"); h.Set("decision", "allow"); return h }, 403},
		{"should refuse an unknown step", func(h url.Values) url.Values { h.Set("step", "admin"); return h }, 400},
		{"should refuse a repeated field", func(h url.Values) url.Values { h.Add("username", "other"); return h }, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			b, page := startLogin(t, e, "s")
			fields := hiddenFields(byID(parseHTML(t, page), "loginForm"))
			fields.Set("username", tUser)
			fields.Set("password", tPass)
			res, err := b.c.PostForm(b.srv.URL+"/iijmio"+authorizePath, tt.fields(fields))
			require.NoError(t, err)
			body := readAll(t, res)
			assert.Equal(t, tt.status, res.StatusCode, body)
			assert.Equal(t, "text/html; charset=utf-8", res.Header.Get("Content-Type"))
			assert.NotNil(t, byID(parseHTML(t, body), "error-code"), "should show the error page")
		})
	}

	t.Run("should refuse a post without the session cookie", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		_, page := startLogin(t, e, "s")
		fields := hiddenFields(byID(parseHTML(t, page), "loginForm"))
		fields.Set("username", tUser)
		fields.Set("password", tPass)
		w := e.do("POST", "/iijmio"+authorizePath, fields.Encode(), "Content-Type", "application/x-www-form-urlencoded")
		assert.Equal(t, http.StatusForbidden, w.Code)
	})
}

func TestWrongPasswordShowsLoginAgain(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, user, pass string }{
		{"should refuse a wrong password", tUser, "nope"},
		{"should refuse an unknown mioID with the same message", "nobody", tPass},
		{"should refuse an empty password", tUser, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			b, page := startLogin(t, e, "s")
			oldCSRF := hiddenFields(byID(parseHTML(t, page), "loginForm")).Get("csrf_token")
			res, again := b.submit(page, "loginForm", url.Values{"username": {tt.user}, "password": {tt.pass}})
			assert.Equal(t, http.StatusOK, res.StatusCode)
			assert.Equal(t, b.srv.URL+"/iijmio"+authorizePath, res.Request.URL.String(), "should not navigate anywhere")
			doc := parseHTML(t, again)
			require.NotNil(t, byID(doc, "error"))
			assert.Equal(t, msgBadLogin, text(byID(doc, "error")))
			v, _ := attr(byID(doc, "username"), "value")
			assert.Equal(t, tt.user, v, "should keep the mioID")
			v, _ = attr(byID(doc, "password"), "value")
			assert.Empty(t, v, "should never echo the password")
			newCSRF := hiddenFields(byID(doc, "loginForm")).Get("csrf_token")
			assert.NotEqual(t, oldCSRF, newCSRF, "should rotate the CSRF token")

			// The old token is dead; the page's new one logs in.
			res, _ = b.submit(page, "loginForm", url.Values{"username": {tUser}, "password": {tPass}})
			assert.Equal(t, http.StatusForbidden, res.StatusCode)
			res, consent := b.submit(again, "loginForm", url.Values{"username": {tUser}, "password": {tPass}})
			assert.Equal(t, http.StatusOK, res.StatusCode)
			assert.NotNil(t, byID(parseHTML(t, consent), "confirm"))
		})
	}
}

func TestLoginRedirectsWith303ToConsent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, page := startLogin(t, e, "s")
	b.c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, _ := b.submit(page, "loginForm", url.Values{"username": {tUser}, "password": {tPass}})
	assert.Equal(t, http.StatusSeeOther, res.StatusCode)
	loc := res.Header.Get("Location")
	assert.True(t, strings.HasPrefix(loc, "/iijmio"+authorizePath+"?txn="), loc)

	res, consent := b.get(b.srv.URL + loc)
	require.Equal(t, http.StatusOK, res.StatusCode)
	doc := parseHTML(t, consent)
	assert.Equal(t, "テスト<アプリ>が以下の機能の許可を求めています。", text(byID(doc, "title")))
	var items []string
	for _, li := range findAll(doc, func(n *html.Node) bool { return n.Data == "li" }) {
		items = append(items, text(li))
	}
	assert.Equal(t, []string{"クーポン残量の取得", "クーポンのON/OFF状態の取得", "クーポンのON/OFFの切り替え", "データ利用量の取得"}, items)
	assert.Len(t, findAll(doc, tagWithAttr("a", "id", "confir")), 1, "hinata's a[id*=confir] must match once")
	require.NotNil(t, byID(doc, "confirm"))
	assert.Equal(t, "許可する", text(byID(doc, "confirm")))
	require.NotNil(t, byID(doc, "cancel"))
	assert.Equal(t, "a", byID(doc, "cancel").Data)

	// The consent page is bound to the browser session.
	other := newBrowser(t, e)
	res, _ = other.get(b.srv.URL + loc)
	assert.Equal(t, http.StatusForbidden, res.StatusCode, "should not show another session's consent")
}

func TestConsent(t *testing.T) {
	t.Parallel()
	state := "a&b=c#d+e%f g/é"
	t.Run("should redirect access_denied with the state when refused", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		b, page := startLogin(t, e, state)
		_, consent := b.submit(page, "loginForm", url.Values{"username": {tUser}, "password": {tPass}})
		res, _ := b.submit(consent, "consentForm", url.Values{"decision": {"deny"}})
		assert.Equal(t, http.StatusFound, res.StatusCode)
		assert.Equal(t, tRedirect+"#error=access_denied&error_description="+qe(descAccessDenied)+"&state="+qe(state), res.Header.Get("Location"))
		frag := fragment(t, res.Header.Get("Location"))
		assert.Equal(t, state, frag.Get("state"), "should round-trip the state")
	})
	t.Run("should issue a token in IIJmio's fragment order", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		b, page := startLogin(t, e, state)
		_, consent := b.submit(page, "loginForm", url.Values{"username": {tUser}, "password": {tPass}})
		res, _ := b.submit(consent, "consentForm", url.Values{"decision": {"allow"}})
		assert.Equal(t, http.StatusFound, res.StatusCode)
		assert.Equal(t, "no-store", res.Header.Get("Cache-Control"))
		assert.Equal(t, "no-cache", res.Header.Get("Pragma"))
		loc := res.Header.Get("Location")
		base, frag, ok := strings.Cut(loc, "#")
		require.True(t, ok)
		assert.Equal(t, tRedirect, base)
		parts := strings.Split(frag, "&")
		require.Len(t, parts, 4)
		assert.Regexp(t, `^access_token=[A-Za-z0-9]{32}$`, parts[0])
		assert.Equal(t, "state="+qe(state), parts[1])
		assert.Equal(t, "token_type=Bearer", parts[2])
		assert.Equal(t, "expires_in=7776000", parts[3], "kakikubo/miopon2019 reads split('&')[3]")

		// The consent cannot be answered twice.
		res, _ = b.submit(consent, "consentForm", url.Values{"decision": {"allow"}})
		assert.Equal(t, http.StatusForbidden, res.StatusCode)
	})
	t.Run("should refuse a consent without a decision", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		b, page := startLogin(t, e, "s")
		_, consent := b.submit(page, "loginForm", url.Values{"username": {tUser}, "password": {tPass}})
		res, _ := b.submit(consent, "consentForm", nil)
		assert.Equal(t, http.StatusBadRequest, res.StatusCode)
		res, _ = b.submit(consent, "consentForm", url.Values{"decision": {"allow"}})
		assert.Equal(t, http.StatusFound, res.StatusCode, "should keep the transaction after a bad form")
	})
	t.Run("should refuse a login step on a logged-in transaction", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		b, page := startLogin(t, e, "s")
		_, consent := b.submit(page, "loginForm", url.Values{"username": {tUser}, "password": {tPass}})
		res, _ := b.submit(consent, "consentForm", url.Values{"step": {"login"}, "username": {tUser2}, "password": {"other-pass"}})
		assert.Equal(t, http.StatusForbidden, res.StatusCode)
	})
	t.Run("should expire the transaction after 10 minutes", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		b, page := startLogin(t, e, "s")
		_, consent := b.submit(page, "loginForm", url.Values{"username": {tUser}, "password": {tPass}})
		_, err := e.clk.Advance(10 * time.Minute)
		require.NoError(t, err)
		res, _ := b.submit(consent, "consentForm", url.Values{"decision": {"allow"}})
		assert.Equal(t, http.StatusForbidden, res.StatusCode)
	})
	t.Run("should show an error page when the app vanished meanwhile", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		b, page := startLogin(t, e, "s")
		_, consent := b.submit(page, "loginForm", url.Values{"username": {tUser}, "password": {tPass}})
		require.Equal(t, http.StatusNoContent, e.do("DELETE", "/_fakeapi/iijmio/apps/"+tDev, "").Code)
		res, body := b.submit(consent, "consentForm", url.Values{"decision": {"allow"}})
		assert.Equal(t, http.StatusBadRequest, res.StatusCode)
		assert.Empty(t, res.Header.Get("Location"))
		assert.Equal(t, msgGone, text(byID(parseHTML(t, body), "message")))
	})
}

func fragment(t *testing.T, loc string) url.Values {
	t.Helper()
	_, frag, ok := strings.Cut(loc, "#")
	require.True(t, ok, loc)
	v, err := url.ParseQuery(frag)
	require.NoError(t, err)
	return v
}

func TestBareAppIDRedirectResolvesTo404(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := newBrowser(t, e)
	b.c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, page := b.get(b.authorizeURL(authQuery(tDev, "jp.example.app", "s")))
	require.Equal(t, http.StatusOK, res.StatusCode)
	res, _ = b.submit(page, "loginForm", url.Values{"username": {tUser}, "password": {tPass}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	_, consent := b.get(b.srv.URL + res.Header.Get("Location"))
	res, _ = b.submit(consent, "consentForm", url.Values{"decision": {"allow"}})
	require.Equal(t, http.StatusFound, res.StatusCode)
	loc := res.Header.Get("Location")
	assert.True(t, strings.HasPrefix(loc, "jp.example.app#access_token="), "should carry the app id as registered: %s", loc)

	// A browser resolves it against the form's URL, as on the real site
	// (docs/providers/iijmio.md, "Redirect URIs").
	target := res.Request.URL.ResolveReference(&url.URL{Path: "jp.example.app"})
	assert.Equal(t, "/iijmio/mobile/d/v1/authorization/jp.example.app", target.Path)
	res, body := b.get(target.String())
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
	assert.Equal(t, `{"returnCode": "Requested resource is not found"}`, body)
}

func TestUserTextIsEscaped(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	evil := `<script>alert("x")</script>`
	w := e.do("POST", "/_fakeapi/iijmio/apps", `{"appName":"`+strings.ReplaceAll(evil, `"`, `\"`)+`","redirectUris":["https://evil.example/cb"]}`)
	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	var app Developer
	require.NoError(t, jsonUnmarshal(w.Body.Bytes(), &app))

	b := newBrowser(t, e)
	res, page := b.get(b.authorizeURL(authQuery(app.DeveloperID, "https://evil.example/cb", `"><script>alert(1)</script>`)))
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.NotContains(t, page, evil)
	assert.Contains(t, text(parseHTML(t, page)), evil)
	_, consent := b.submit(page, "loginForm", url.Values{"username": {evil}, "password": {"x"}})
	assert.NotContains(t, consent, evil, "should escape the echoed mioID")
	_, consent = b.submit(consent, "loginForm", url.Values{"username": {tUser}, "password": {tPass}})
	assert.NotContains(t, consent, evil)
	assert.Equal(t, evil+"が以下の機能の許可を求めています。", text(byID(parseHTML(t, consent), "title")))

	w = e.do("GET", "/iijmio"+authorizePath+"?client_id="+qe(`<img src=x onerror=alert(1)>`), "")
	assert.NotContains(t, w.Body.String(), `<img src=x`)
	assert.Equal(t, `<img src=x onerror=alert(1)>`, text(byID(parseHTML(t, w.Body.String()), "error-detail")))
}

func TestMatchRedirect(t *testing.T) {
	t.Parallel()
	reg := []string{"https://app.example.jp/cb", "http://127.0.0.1/loop", "http://[::1]:8080/v6", "http://127.0.0.1:8888", "jp.example.app"}
	tests := []struct {
		uri              string
		exact, otherPort bool // the default; with LoopbackRedirectAnyPort
	}{
		{"https://app.example.jp/cb", true, true},
		{"jp.example.app", true, true},
		{"http://127.0.0.1/loop", true, true},
		{"http://[::1]:8080/v6", true, true},
		{"http://127.0.0.1:8888", true, true},
		{"http://127.0.0.1:1/loop", false, true},
		{"http://127.0.0.1:80/loop", false, true},
		{"http://127.0.0.1:65535/loop", false, true},
		{"http://[::1]/v6", false, true},
		{"http://[::1]:9/v6", false, true},
		{"http://127.0.0.1:9999", false, true},
		{"http://127.0.0.1", false, true},
		{"http://127.0.0.1:0/loop", false, false},
		{"http://127.0.0.1:00/loop", false, false},
		{"http://127.0.0.1:08080/loop", false, false},
		{"http://127.0.0.1:65536/loop", false, false},
		{"http://127.0.0.1:99999/loop", false, false},
		{"http://[::1]:0/v6", false, false},
		{"http://127.0.0.1:9999/", false, false},
		{"http://127.0.0.1:/loop", false, false},
		{"http://127.0.0.1:123456/loop", false, false},
		{"http://127.0.0.1:80x/loop", false, false},
		{"https://127.0.0.1/loop", false, false},
		{"http://127.0.0.1.evil/loop", false, false},
		{"http://127.0.0.1@evil/loop", false, false},
		{"http://[::1]:9/v6/", false, false},
		{"jp.example.app/", false, false},
		{"JP.example.app", false, false},
		{"", false, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.exact, matchRedirect(reg, tt.uri, false), "uri %q, exact matching", tt.uri)
		assert.Equal(t, tt.otherPort, matchRedirect(reg, tt.uri, true), "uri %q, loopback ports free", tt.uri)
	}
	assert.False(t, matchRedirect([]string{"http://127.0.0.1:0/cb"}, "http://127.0.0.1:8080/cb", true),
		"a registration with an impossible port opens no other port")
	assert.True(t, matchRedirect([]string{"http://127.0.0.1:0/cb"}, "http://127.0.0.1:0/cb", false),
		"a registered string still matches itself")
}

// TestLoopbackRedirectAnyPort: with Config.LoopbackRedirectAnyPort a
// loopback registration matches a request on any valid port, and the flow
// redirects to the port the client asked for; impossible ports are still
// refused (docs/providers/iijmio.md, "Redirect URIs").
func TestLoopbackRedirectAnyPort(t *testing.T) {
	t.Parallel()
	anyPort := func(c *Config) { c.LoopbackRedirectAnyPort = true }
	e := newEnv(t, anyPort)
	b := newBrowser(t, e)
	res := b.authorize(authQuery(tDev, "http://127.0.0.1:54321/loop", "st"), tUser, tPass)
	require.Equal(t, http.StatusFound, res.StatusCode)
	assert.True(t, strings.HasPrefix(res.Header.Get("Location"), "http://127.0.0.1:54321/loop#access_token="), res.Header.Get("Location"))
	for _, port := range []string{"0", "65536", "99999"} {
		w := e.do("GET", "/iijmio"+authorizePath+"?"+authQuery(tDev, "http://127.0.0.1:"+port+"/loop", "st").Encode(), "")
		assert.Equal(t, http.StatusBadRequest, w.Code, "port %s", port)
		assert.Empty(t, w.Header().Get("Location"), "port %s", port)
		assert.Equal(t, msgBadRedirect, text(byID(parseHTML(t, w.Body.String()), "message")))
	}

	w := newEnv(t).do("GET", "/iijmio"+authorizePath+"?"+authQuery(tDev, "http://127.0.0.1:54321/loop", "st").Encode(), "")
	assert.Equal(t, http.StatusBadRequest, w.Code, "off by default")
}

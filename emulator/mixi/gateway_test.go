package mixi

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/fixture"
	"github.com/fakeapi/fakeapi/internal/golden"
	"github.com/fakeapi/fakeapi/internal/httpx"
	"github.com/fakeapi/fakeapi/internal/ids"
	"github.com/fakeapi/fakeapi/internal/journal"
	"github.com/fakeapi/fakeapi/internal/provider"
	"github.com/fakeapi/fakeapi/internal/websession"
)

// gwEnv is the provider behind a real listener under /mixi, as the root
// mounts it, with a journal.
type gwEnv struct {
	srv     *httptest.Server
	inst    *provider.Instance
	journal *journal.Journal
	clk     *clock.Controlled
}

func newGatewayEnv(t *testing.T, cfg Config) *gwEnv {
	t.Helper()
	clk := clock.NewControlled(func() time.Time { return testNow })
	clk.Freeze(true)
	j := journal.New(100)
	inst, err := Open(provider.Deps{Log: slog.New(slog.DiscardHandler), Clock: clk, IDs: ids.Seeded(3), Journal: j}, cfg, "mixi.json", []byte(testFixture))
	require.NoError(t, err)
	e := &gwEnv{inst: inst, journal: j, clk: clk}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/_fakeapi/mixi" || strings.HasPrefix(r.URL.Path, "/_fakeapi/mixi/") {
			r2 := r.Clone(r.Context())
			r2.URL.Path = strings.TrimPrefix(r.URL.Path, "/_fakeapi/mixi")
			r2.URL.RawPath = ""
			inst.Admin.ServeHTTP(w, r2)
			return
		}
		p, ok := strings.CutPrefix(r.URL.Path, "/mixi/")
		if !ok { // a real host name
			inst.Handler.ServeHTTP(w, r)
			return
		}
		r2 := r.Clone(r.Context())
		r2.URL.Path, r2.URL.RawPath = "/"+p, strings.TrimPrefix(r.URL.RawPath, "/mixi")
		w.Header().Set("X-Request-Id", "rid-"+p)
		inst.Handler.ServeHTTP(w, httpx.WithBase(r2, "/mixi"))
	}))
	t.Cleanup(e.srv.Close)
	return e
}

// setSAP registers the SAP and lifecycle URLs of app 13579.
func (e *gwEnv) setSAP(t *testing.T, sap, lifecycle string) {
	t.Helper()
	body := fmt.Sprintf(`{"sapUrl":%q,"lifecycleUrl":%q}`, sap, lifecycle)
	req, err := http.NewRequest(http.MethodPut, e.srv.URL+"/_fakeapi/mixi/apps/"+appID+"/sap", strings.NewReader(body))
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
}

// recordingSAP answers every request with handle and remembers it.
type recordingSAP struct {
	*httptest.Server
	mu   sync.Mutex // guards reqs
	reqs []*http.Request
}

func newRecordingSAP(t *testing.T, handle http.HandlerFunc) *recordingSAP {
	t.Helper()
	s := &recordingSAP{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.reqs = append(s.reqs, r.Clone(r.Context()))
		s.mu.Unlock()
		handle(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *recordingSAP) last(t *testing.T) *http.Request {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	require.NotEmpty(t, s.reqs)
	return s.reqs[len(s.reqs)-1]
}

func htmlOK(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, body)
	}
}

// TestSAPSignatureBaseString pins the base string and header of a gateway
// request byte for byte: the query and oauth_* parameters, sorted and
// encoded by RFC 5849's rules, and nothing of a body. The expected base
// string is written out by hand and its signature computed here with
// crypto/hmac.
func TestSAPSignatureBaseString(t *testing.T) {
	t.Parallel()
	app := App{ID: appID, ConsumerKey: appKey, ConsumerSecret: appSecret}
	u, err := url.Parse("http://127.0.0.1:8000/app/gift.php?kind=rose%20red&guid=ON&opensocial_app_id=13579&opensocial_owner_id=1000001")
	require.NoError(t, err)
	const want = "POST&http%3A%2F%2F127.0.0.1%3A8000%2Fapp%2Fgift.php&guid%3DON%26kind%3Drose%2520red" +
		"%26oauth_consumer_key%3Dtestkey13579%26oauth_nonce%3Dabc123%26oauth_signature_method%3DHMAC-SHA1" +
		"%26oauth_timestamp%3D1290254400%26oauth_version%3D1.0%26opensocial_app_id%3D13579%26opensocial_owner_id%3D1000001"
	sig, err := signSAPRequest(http.MethodPost, u, app, "abc123", testNow.Unix())
	require.NoError(t, err)
	assert.Equal(t, want, sig.Base)
	mac := hmac.New(sha1.New, []byte(appSecret+"&"))
	mac.Write([]byte(want))
	assert.Equal(t, `OAuth oauth_consumer_key="testkey13579", oauth_nonce="abc123", oauth_signature_method="HMAC-SHA1", `+
		`oauth_timestamp="1290254400", oauth_version="1.0", oauth_signature="`+url.QueryEscape(base64.StdEncoding.EncodeToString(mac.Sum(nil)))+`"`,
		sig.Header)

	// The default port is not part of the base string URI.
	u2, _ := url.Parse("https://SAP.example.jp:443/a?x=1")
	sig2, err := signSAPRequest(http.MethodGet, u2, app, "n", 1)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(sig2.Base, "GET&https%3A%2F%2Fsap.example.jp%2Fa&"), sig2.Base)
}

func TestSAPTarget(t *testing.T) {
	t.Parallel()
	sap, _ := url.Parse("http://127.0.0.1:8000/app/index.php?mode=top")
	tests := []struct {
		name, rest, query string
		page, sent        string // the page URL (without the query sent) and the query sent
		ok                bool
	}{
		{name: "should fetch the SAP URL itself for the top page", query: "guid=ON",
			page: "http://127.0.0.1:8000/app/index.php?mode=top", sent: "mode=top&guid=ON", ok: true},
		{name: "should map a path under the SAP URL's directory", rest: "shop/item.php", query: "id=3",
			page: "http://127.0.0.1:8000/app/shop/item.php", sent: "id=3", ok: true},
		{name: "should keep an escaped path as sent", rest: "a%20b.php",
			page: "http://127.0.0.1:8000/app/a%20b.php", ok: true},
		{name: "should never leave the SAP's host for a path that looks like a host", rest: "/evil.example/x",
			page: "http://127.0.0.1:8000/app//evil.example/x", ok: true},
		{name: "should drop opensocial_* and oauth_* parameters the phone sent", rest: "x", query: "opensocial_owner_id=1000006&a=1&oauth_signature=x&opensocial_app_id=1",
			page: "http://127.0.0.1:8000/app/x", sent: "a=1", ok: true},
		{name: "should fetch a ?url= on the SAP's origin", query: "guid=ON&url=" + url.QueryEscape("http://127.0.0.1:8000/other/p.php?k=v"),
			page: "http://127.0.0.1:8000/other/p.php?guid=ON", sent: "k=v&guid=ON", ok: true},
		{name: "should refuse a ?url= on another host", query: "url=" + url.QueryEscape("http://169.254.169.254/latest/meta-data/")},
		{name: "should refuse a ?url= on another port", query: "url=" + url.QueryEscape("http://127.0.0.1:8001/app/")},
		{name: "should refuse a ?url= with user info", query: "url=" + url.QueryEscape("http://u:p@127.0.0.1:8000/app/")},
		{name: "should treat url as the app's own parameter below the top page", rest: "share.php", query: "url=" + url.QueryEscape("http://example.com/"),
			page: "http://127.0.0.1:8000/app/share.php", sent: "url=" + url.QueryEscape("http://example.com/"), ok: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			page, sent, ok := sapTarget(sap, tt.rest, tt.query)
			require.Equal(t, tt.ok, ok)
			if !ok {
				return
			}
			assert.Equal(t, tt.page, page.String())
			assert.Equal(t, tt.sent, sent)
		})
	}
}

func TestRewriteRefs(t *testing.T) {
	t.Parallel()
	sap, _ := url.Parse("http://127.0.0.1:8000/app/index.php")
	page, _ := url.Parse("http://127.0.0.1:8000/app/shop/list.php?p=2")
	rw := newRewriter(sap, page, "/mixi/ma/13579", func(id string) string { return "/mixi/ma/" + id })
	tests := []struct{ in, want string }{
		{"item.php?id=1", "/mixi/ma/13579/shop/item.php?id=1"},
		{"../index.php", "/mixi/ma/13579/index.php"},
		{"/app/top.php#news", "/mixi/ma/13579/top.php#news"},
		{"?p=3", "/mixi/ma/13579/shop/list.php?p=3"},
		{"?guid=ON&url=http%3A%2F%2F127.0.0.1%3A8000%2Fapp%2Fx.php", "/mixi/ma/13579/?guid=ON&url=http%3A%2F%2F127.0.0.1%3A8000%2Fapp%2Fx.php"},
		{"http://127.0.0.1:8000/app/a.php", "/mixi/ma/13579/a.php"},
		{"HTTP://127.0.0.1:8000/app/a.php", "/mixi/ma/13579/a.php"},
		{"//127.0.0.1:8000/app/a.php", "/mixi/ma/13579/a.php"},
		{"http://127.0.0.1:8000/img/logo.gif", "/mixi/ma/13579/?url=" + url.QueryEscape("http://127.0.0.1:8000/img/logo.gif")},
		{"http://ma.mixi.net/13579/?a=1", "/mixi/ma/13579/?a=1"},
		{"http://ma.mixi.net/24680/", "/mixi/ma/24680/"},
		{"invite:friends?callback=http%3A%2F%2F127.0.0.1%3A8000%2Fapp%2Fdone&guid=ON", "/mixi/ma/13579/invite:friends?callback=http%3A%2F%2F127.0.0.1%3A8000%2Fapp%2Fdone&guid=ON"},
		{"invite:friends?callback=done.php&guid=ON", "/mixi/ma/13579/invite:friends?callback=" + url.QueryEscape("http://127.0.0.1:8000/app/shop/done.php") + "&guid=ON"},
	}
	for _, tt := range tests {
		got, ok := rw.ref(tt.in)
		assert.True(t, ok, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
	}
	for _, keep := range []string{"", "#top", "http://mixi.jp/", "https://127.0.0.1:8000/app/", "mailto:a@example.jp", "tel:0120", "javascript:void(0)", "http://ma.mixi.net/", "http://127.0.0.1:8001/app/"} {
		_, ok := rw.ref(keep)
		assert.False(t, ok, "%q stays", keep)
	}
}

func TestRewriteHTML(t *testing.T) {
	t.Parallel()
	sap, _ := url.Parse("http://127.0.0.1:8000/app/")
	rw := func() *rewriter {
		return newRewriter(sap, sap, "/mixi/ma/13579", func(id string) string { return "/mixi/ma/" + id })
	}
	// A Shift_JIS page without links comes back byte for byte.
	sjis := []byte("<?xml version=\"1.0\" encoding=\"Shift_JIS\"?>\n<html><body>\x82\xb1\x82\xf1\x82\xc9\x82\xbf\x82\xcd<!-- <a href=\"x\"> --><script>var a='<a href=\"y\">';</script></body></html>")
	assert.Equal(t, sjis, rw().html(sjis))

	in := `<HTML><body><A HREF='gift.php?a=1&amp;b=2' accesskey="1">x</A>` +
		`<a href=list.php>y</a><img src="/app/i.gif" alt="&quot;"><form method="post" action="invite:friends?callback=http%3A%2F%2F127.0.0.1%3A8000%2Fapp%2Fdone&guid=ON">` +
		`<a href="http://mixi.jp/">m</a><base href="sub/"><a href="p.php">p</a></body></HTML>`
	want := `<HTML><body><A HREF="/mixi/ma/13579/gift.php?a=1&amp;b=2" accesskey="1">x</A>` +
		`<a href="/mixi/ma/13579/list.php">y</a><img src="/mixi/ma/13579/i.gif" alt="&quot;"><form method="post" action="/mixi/ma/13579/invite:friends?callback=http%3A%2F%2F127.0.0.1%3A8000%2Fapp%2Fdone&amp;guid=ON">` +
		`<a href="http://mixi.jp/">m</a><base href="/mixi/ma/13579/sub/"><a href="/mixi/ma/13579/sub/p.php">p</a></body></HTML>`
	assert.Equal(t, want, string(rw().html([]byte(in))))
}

// TestGatewayFixtureURLs: sapUrl and lifecycleUrl are http(s) URLs, checked
// with the position of the bad value.
func TestGatewayFixtureURLs(t *testing.T) {
	t.Parallel()
	for _, bad := range []struct{ value, msg string }{
		{"file:///etc/passwd", "want an http or https URL"},
		{"gopher://127.0.0.1:70/", "want an http or https URL"},
		{"/app/", "want an http or https URL"},
		{"http:///app", "want an absolute URL with a host"},
		{"http://u:p@127.0.0.1/", "must not carry user info"},
		{"http://127.0.0.1/#top", "must not carry a fragment"},
	} {
		doc := strings.Replace(testFixture, `"callbackHosts": ["farm.example.jp"]}`, `"callbackHosts": ["farm.example.jp"], "sapUrl": "`+bad.value+`"}`, 1)
		_, err := fixture.Load[Fixtures]("mixi.json", []byte(doc))
		require.Error(t, err, bad.value)
		assert.Regexp(t, `^mixi\.json:4:\d+: apps\[1\]\.sapUrl: `+bad.msg, err.Error())
	}
	doc := strings.Replace(testFixture, `"callbackHosts": ["farm.example.jp"]}`, `"callbackHosts": ["farm.example.jp"], "sapUrl": "https://farm.example.jp/m/", "lifecycleUrl": "http://127.0.0.1:9/life"}`, 1)
	e := newEnvWith(t, doc)
	app, err := e.inst.State.(state).s.GatewayApp(app2ID)
	require.NoError(t, err)
	assert.Equal(t, "https://farm.example.jp/m/", app.SAPURL)
	assert.Equal(t, "http://127.0.0.1:9/life", app.LifecycleURL)
}

// TestGatewayAdminSAP: the admin API registers the URLs, checks them, and
// reset and export see them.
func TestGatewayAdminSAP(t *testing.T) {
	t.Parallel()
	e := newGatewayEnv(t, Config{})
	put := func(path, body string) (int, string) {
		req, _ := http.NewRequest(http.MethodPut, e.srv.URL+"/_fakeapi/mixi"+path, strings.NewReader(body))
		return body0(t)(http.DefaultClient.Do(req))
	}
	code, b := put("/apps/13579/sap", `{"sapUrl":"ftp://127.0.0.1/"}`)
	assert.Equal(t, http.StatusBadRequest, code, b)
	code, _ = put("/apps/99999/sap", `{"sapUrl":"http://127.0.0.1/"}`)
	assert.Equal(t, http.StatusNotFound, code)
	code, _ = put("/apps/13579/sap", `{}`)
	assert.Equal(t, http.StatusBadRequest, code)
	code, b = put("/apps/13579/sap", `{"sapUrl":"http://127.0.0.1:8000/app/"}`)
	assert.Equal(t, http.StatusOK, code)
	assert.JSONEq(t, `{"appId":"13579","sapUrl":"http://127.0.0.1:8000/app/","lifecycleUrl":""}`, b)
	code, b = put("/apps/13579/sap", `{"lifecycleUrl":"http://127.0.0.1:8000/life"}`)
	assert.Equal(t, http.StatusOK, code)
	assert.JSONEq(t, `{"appId":"13579","sapUrl":"http://127.0.0.1:8000/app/","lifecycleUrl":"http://127.0.0.1:8000/life"}`, b, "a member left out stays")
	code, b = body0(t)(http.Get(e.srv.URL + "/_fakeapi/mixi/apps/13579/sap"))
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, b, `"sapUrl":"http://127.0.0.1:8000/app/"`)

	exported := e.inst.State.Export().(Fixtures)
	assert.Equal(t, "http://127.0.0.1:8000/app/", exported.Apps[0].SAPURL, "the export carries it")
	e.inst.State.Reset()
	app, err := e.inst.State.(state).s.GatewayApp(appID)
	require.NoError(t, err)
	assert.Empty(t, app.SAPURL, "reset puts the fixture's back")
}

func body0(t *testing.T) func(*http.Response, error) (int, string) {
	return func(resp *http.Response, err error) (int, string) {
		t.Helper()
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(b)
	}
}

// gatewayGet fetches a gateway page without following redirects.
func (e *gwEnv) get(t *testing.T, c *http.Client, path string) htmlPage {
	t.Helper()
	return fetch(t, c, http.MethodGet, e.srv.URL+"/mixi/ma/13579"+path, nil)
}

// TestGatewayBounds: a slow server gets the timeout's 504 page, a huge one
// the 502 page, as does one that cannot be reached; none of them hangs or
// fills the emulator.
func TestGatewayBounds(t *testing.T) {
	t.Parallel()
	e := newGatewayEnv(t, Config{SAPTimeout: 200 * time.Millisecond})
	slow := newRecordingSAP(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	e.setSAP(t, slow.URL+"/", "")
	start := time.Now()
	p := e.get(t, browser(t), "/")
	assert.Less(t, time.Since(start), 3*time.Second, "the timeout bounds the wait")
	assert.Equal(t, http.StatusGatewayTimeout, p.status)
	assert.Equal(t, fmt.Sprintf(textSAPTimeout, 200*time.Millisecond), text(byID(t, p, "error")))
	var hop *journal.Entry
	for _, en := range e.journal.List(journal.Filter{}) {
		if en.Host == strings.TrimPrefix(slow.URL, "http://") {
			hop = &en
		}
	}
	require.NotNil(t, hop, "the hop is journaled")
	assert.Equal(t, 0, hop.Status, "nothing was answered")
	assert.Equal(t, "rid-ma/13579/", hop.RequestID)

	// The size bound must be what stops the huge answer, not the 200 ms
	// timeout, however slow the machine running the test: these two cases
	// get the default timeout.
	e = newGatewayEnv(t, Config{})
	huge := newRecordingSAP(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		chunk := strings.Repeat("x", 64<<10)
		for range maxSAPResponse/len(chunk) + 2 {
			if _, err := io.WriteString(w, chunk); err != nil {
				return
			}
		}
	})
	e.setSAP(t, huge.URL+"/", "")
	p = e.get(t, browser(t), "/")
	assert.Equal(t, http.StatusBadGateway, p.status)
	assert.Equal(t, textSAPTooLarge, text(byID(t, p, "error")))

	gone := newRecordingSAP(t, htmlOK(""))
	gone.Close()
	e.setSAP(t, gone.URL+"/", "")
	p = e.get(t, browser(t), "/")
	assert.Equal(t, http.StatusBadGateway, p.status)
	assert.Equal(t, textSAPUnreachable, text(byID(t, p, "error")))
}

func TestGatewayErrors(t *testing.T) {
	t.Parallel()
	e := newGatewayEnv(t, Config{})
	p := e.get(t, browser(t), "/")
	assert.Equal(t, http.StatusBadGateway, p.status, "no sapUrl yet")
	assert.Equal(t, textNoSAP, text(byID(t, p, "error")))
	p = fetch(t, browser(t), http.MethodGet, e.srv.URL+"/mixi/ma/99999/", nil)
	assert.Equal(t, http.StatusNotFound, p.status)
	assert.Equal(t, textUnknownApp, text(byID(t, p, "error")))

	sap := newRecordingSAP(t, htmlOK("<p>ok</p>"))
	e.setSAP(t, sap.URL+"/app/", "")
	p = fetch(t, browser(t), http.MethodGet, e.srv.URL+"/mixi/ma/13579/?url="+url.QueryEscape("http://127.0.0.2:1/"), nil)
	assert.Equal(t, http.StatusBadRequest, p.status, "not the app's server")
	assert.Equal(t, textSAPBadURL, text(byID(t, p, "error")))
	p = fetch(t, browser(t), http.MethodGet, e.srv.URL+"/mixi/ma/13579/x?a=%zz", nil)
	assert.Equal(t, http.StatusBadRequest, p.status, "a query that cannot be signed")
	assert.Equal(t, textBadQuery, text(byID(t, p, "error")))
	p = fetch(t, browser(t), http.MethodGet, e.srv.URL+"/mixi/ma/13579/x?a=1;b=2", nil)
	assert.Equal(t, http.StatusOK, p.status, "a semicolon is the app's business")
	assert.Equal(t, "a=1;b=2&opensocial_app_id=13579&opensocial_owner_id=1000001", sap.last(t).URL.RawQuery)
	req, _ := http.NewRequest(http.MethodPut, e.srv.URL+"/mixi/ma/13579/x", nil)
	code, _ := body0(t)(http.DefaultClient.Do(req))
	assert.Equal(t, http.StatusMethodNotAllowed, code)
}

// TestGatewayRedirectsAndHeaders: a redirect of the app's server is
// rewritten into the gateway and followed by the browser; a phone's forged
// opensocial_owner_id never reaches the app.
func TestGatewayRedirectsAndHeaders(t *testing.T) {
	t.Parallel()
	e := newGatewayEnv(t, Config{})
	sap := newRecordingSAP(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/app/go":
			http.Redirect(w, r, "/app/next.php?x=1", http.StatusFound)
		case "/app/away":
			http.Redirect(w, r, "http://mixi.jp/home.pl", http.StatusFound)
		default:
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Set("Set-Cookie", "a=b")
			_, _ = io.WriteString(w, "plain <a href=\"/app/x\">")
		}
	})
	e.setSAP(t, sap.URL+"/app/", "")
	c := browser(t)
	p := e.get(t, c, "/go")
	assert.Equal(t, http.StatusFound, p.status)
	assert.Equal(t, "/mixi/ma/13579/next.php?x=1", p.location)
	p = e.get(t, c, "/away")
	assert.Equal(t, "http://mixi.jp/home.pl", p.location)

	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/mixi/ma/13579/t?opensocial_owner_id=1000006&guid=ON", nil)
	req.Header.Set("User-Agent", "DoCoMo/2.0 P903i(c100;TB;W24H12)")
	req.Header.Set("Cookie", "sid=1")
	req.Header.Set("X-Jphone-Name", "V903T")
	req.Header.Set("X-Jphone-Uid", "a1234567890abcde")
	req.Header.Set("X-Up-Devcap-Screendepth", "16")
	req.Header.Set("X-Up-Subno", "12345678901234_ab.ezweb.ne.jp")
	req.Header.Set("X-S-Display-Info", "240*320/16/C/N")
	req.Header.Set("Accept-Language", "ja")
	code, b := body0(t)(c.Do(req))
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, `plain <a href="/app/x">`, b, "only HTML is rewritten")
	got := sap.last(t)
	assert.Equal(t, []string{sakura}, got.URL.Query()["opensocial_owner_id"])
	// mixi's list of what reaches the SAP: the phone's headers but its
	// unique ids, and the phone's address (docs/providers/mixi.md).
	assert.Equal(t, "DoCoMo/2.0 P903i(c100;TB;W24H12)", got.Header.Get("User-Agent"))
	assert.Equal(t, "V903T", got.Header.Get("X-Jphone-Name"))
	assert.Equal(t, "16", got.Header.Get("X-Up-Devcap-Screendepth"))
	assert.Equal(t, "240*320/16/C/N", got.Header.Get("X-S-Display-Info"))
	assert.NotEmpty(t, got.Header.Get("X-Forwarded-For"))
	for _, gone := range []string{"Cookie", "X-Jphone-Uid", "X-Up-Subno", "Accept-Language"} {
		assert.Empty(t, got.Header.Get(gone), gone)
	}
}

// TestGatewayLoginAndInstall: a browser logs in as a fixture user; one who
// has not added the app is offered to add it, and is then served as that
// user; logout goes back to the default viewer.
func TestGatewayLoginAndInstall(t *testing.T) {
	t.Parallel()
	e := newGatewayEnv(t, Config{})
	sap := newRecordingSAP(t, htmlOK(`<p id="ok">ok</p>`))
	e.setSAP(t, sap.URL+"/app/", "")
	c := browser(t)

	login := fetch(t, c, http.MethodGet, e.srv.URL+"/mixi/ma/login?next="+url.QueryEscape("/mixi/ma/13579/page?a=1"), nil)
	require.Equal(t, http.StatusOK, login.status, login.raw)
	byID(t, login, "current-default")
	assert.Equal(t, "/mixi/ma/13579/", attr(byID(t, login, "app-13579"), "href"))
	form := byID(t, login, "login-form")
	f := hidden(form)
	f.Set("user", "1000099")
	again := fetch(t, c, http.MethodPost, e.srv.URL+attr(form, "action"), f)
	assert.Equal(t, textNoSuchMember, text(byID(t, again, "error")))
	f.Set("user", misaki)
	done := fetch(t, c, http.MethodPost, e.srv.URL+attr(form, "action"), f)
	require.Equal(t, http.StatusSeeOther, done.status, done.raw)
	assert.Equal(t, "/mixi/ma/13579/page?a=1", done.location)

	// みさき has not added the app: the gateway asks, and sends nothing yet.
	ask := fetch(t, c, http.MethodGet, e.srv.URL+done.location, nil)
	require.Equal(t, http.StatusOK, ask.status, ask.raw)
	assert.Equal(t, "みさき ("+misaki+")", text(byID(t, ask, "install-user")))
	sap.mu.Lock()
	assert.Empty(t, sap.reqs)
	sap.mu.Unlock()
	inst := byID(t, ask, "install-form")
	iv := hidden(inst)
	iv.Set("answer", "yes")
	added := fetch(t, c, http.MethodPost, e.srv.URL+attr(inst, "action"), iv)
	require.Equal(t, http.StatusSeeOther, added.status, added.raw)
	assert.Equal(t, "/mixi/ma/13579/page?a=1", added.location)
	page := fetch(t, c, http.MethodGet, e.srv.URL+added.location, nil)
	require.Equal(t, http.StatusOK, page.status, page.raw)
	assert.Equal(t, misaki, sap.last(t).URL.Query().Get("opensocial_owner_id"))

	// Logged out, the browser is the default viewer again.
	login = fetch(t, c, http.MethodGet, e.srv.URL+"/mixi/ma/login", nil)
	assert.Equal(t, misaki, text(byID(t, login, "current-id")))
	out := fetch(t, c, http.MethodPost, e.srv.URL+attr(byID(t, login, "logout-form"), "action"), hidden(byID(t, login, "logout-form")))
	require.Equal(t, http.StatusSeeOther, out.status)
	fetch(t, c, http.MethodGet, e.srv.URL+"/mixi/ma/13579/", nil)
	assert.Equal(t, sakura, sap.last(t).URL.Query().Get("opensocial_owner_id"))

	// A post without the session's CSRF token changes nothing.
	forged := fetch(t, browser(t), http.MethodPost, e.srv.URL+"/mixi/ma/login", url.Values{"user": {taro}})
	assert.Equal(t, http.StatusForbidden, forged.status)
}

// TestGatewayHostRoutes pins the gateway's routes under Host ma.mixi.net.
func TestGatewayHostRoutes(t *testing.T) {
	t.Parallel()
	f, err := fixture.Load[Fixtures]("mixi.json", []byte(testFixture))
	require.NoError(t, err)
	clk := clock.NewControlled(nil)
	src := ids.Seeded(1)
	st := newMemStore(f.built)
	gw := newGateway(gatewayDeps{log: slog.New(slog.DiscardHandler), st: st, clk: clk, ids: src, sessions: websession.New[inviteTxn](sessionCookie, clk, src)})
	golden.Assert(t, "routes_gateway_host", []byte(strings.Join(walk(t, gatewayHostRoutes(slog.New(slog.DiscardHandler), gw)), "\n")+"\n"))
}

// TestLocalNext: the page a login or an add-app form returns to is a path of
// the gateway, never another site.
func TestLocalNext(t *testing.T) {
	t.Parallel()
	for next, ok := range map[string]bool{
		"/13579/page?a=1": true, "/login": true, "//evil.example/": false, "/\\evil.example/": false,
		"http://evil.example/": false, "/13579/\r\nSet-Cookie:x": false, "": false,
	} {
		assert.Equal(t, ok, localNext(next, "/"), "%q", next)
	}
	assert.False(t, localNext("/mixi/other", "/mixi/ma/"), "outside the gateway")
}

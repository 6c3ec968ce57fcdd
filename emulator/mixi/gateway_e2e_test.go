package mixi_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"github.com/fakeapi/fakeapi/emulator/emulatortest"
)

// The default fixture's app 13579 and its default viewer (docs/providers/mixi.md,
// "Test accounts").
const (
	gwApp    = "13579"
	gwSecret = "8d2e7b1c9a4f6e3d0b5a7c2e9f1d4b6a8c3e5f70"
	gwViewer = "1000001"
)

// ---------------------------------------------------------------------------
// An app server as a mixi mobile app's was written around 2010. It knows
// nothing of the emulator: it trusts opensocial_owner_id because it checks
// every request's signature, with the rules of the PHP OAuth library
// (OAuth.php: OAuthUtil::urlencode_rfc3986, get_normalized_http_url,
// get_signable_parameters) as mixi's variant needs them: the query and the
// Authorization header's parameters are signed, the POST body is not. That
// is the check of Mars_Mixi2LeggedOAuthProvider::isAuthorized and of
// hattori/opensocial-wap's oauth_rack_request_proxy_for_mixi.rb.

// rawurlencode is PHP's rawurlencode with "~" kept, OAuth.php's
// urlencode_rfc3986.
func rawurlencode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// splitHeader is OAuthUtil::split_header: name="value" pairs after "OAuth".
func splitHeader(h string) map[string]string {
	out := map[string]string{}
	h = strings.TrimPrefix(h, "OAuth ")
	for _, part := range strings.Split(h, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		v, _ = url.PathUnescape(strings.Trim(v, `"`))
		out[k] = v
	}
	return out
}

// verify2010 checks r as the app server did; withPost adds the form body's
// parameters, as a plain RFC 5849 verifier (oauthlib, OAuth.php's
// from_request with $_POST) does.
func verify2010(r *http.Request, body []byte, secret string, withPost bool) (string, bool) {
	oauth := splitHeader(r.Header.Get("Authorization"))
	params := map[string][]string{}
	for k, v := range r.URL.Query() { // $_GET
		params[k] = append(params[k], v...)
	}
	if withPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		post, _ := url.ParseQuery(string(body))
		for k, v := range post {
			params[k] = append(params[k], v...)
		}
	}
	for k, v := range oauth {
		if k != "realm" && k != "oauth_signature" {
			params[k] = append(params[k], v)
		}
	}
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return rawurlencode(keys[i]) < rawurlencode(keys[j]) })
	var pairs []string
	for _, k := range keys {
		vs := append([]string(nil), params[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			pairs = append(pairs, rawurlencode(k)+"="+rawurlencode(v))
		}
	}
	host := strings.ToLower(r.Host)
	host = strings.TrimSuffix(host, ":80")
	normalized := "http://" + host + r.URL.EscapedPath()
	base := rawurlencode(r.Method) + "&" + rawurlencode(normalized) + "&" + rawurlencode(strings.Join(pairs, "&"))
	mac := hmac.New(sha1.New, []byte(rawurlencode(secret)+"&"))
	mac.Write([]byte(base))
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	return base, hmac.Equal([]byte(want), []byte(oauth["oauth_signature"]))
}

// sapHit is one request the app server received and what it made of it.
type sapHit struct {
	Method, Path string
	Query        url.Values
	Form         url.Values
	Header       http.Header
	Mixi, Plain  bool // verified with mixi's rules; with a plain RFC 5849 verifier
}

// sap2010 is the app server: its top page links around and carries seed
// 003's form as written; done is the invite:friends callback page.
type sap2010 struct {
	*httptest.Server
	mu   sync.Mutex // guards hits
	hits []sapHit
}

// xmlDecl opens the top page (html/template would escape it).
const xmlDecl = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

var sapTop = template.Must(template.New("top").Parse(`<!DOCTYPE html PUBLIC "-//i-mode group (ja)//DTD XHTML i-XHTML(Locale/Ver.=ja/2.3) 1.0//EN" "i-xhtml_4ja_10.dtd">
<html><head><title>ギフトブーケ</title></head><body>
<p id="viewer">{{.Viewer}}</p>
<a id="relative" href="gift.php?kind=rose">バラ</a>
<a id="rooted" href="/app/list.php">一覧</a>
<a id="absolute" href="{{.Self}}/app/about.php">説明</a>
<a id="outside" href="{{.Self}}/other/x.php">外</a>
<a id="top" href="http://ma.mixi.net/13579/">トップ</a>
<a id="external" href="http://mixi.jp/">mixi</a>
<form id="post" action="post.php" method="POST"><input type="hidden" name="item" value="bouquet"><input type="submit"></form>
<form id="seed003" action="invite:friends?callback={{.Callback}}&guid=ON" method="POST"> <input type="hidden" name="recipients" value="1000002,1000004" /> <input type="hidden" name="message" value="花束を贈りますので受け取ってください" /> <input type="hidden" name="filter_type" value="joined" /> <input type="hidden" name="image" value="http://server.name/image.gif,image/gif" /> <input type="hidden" name="url" value="http://mixi.jp/run_appli.pl?id=13579&appParams=%7B%22uid%22%3A%221569%22%7D" /> <input type="hidden" name="mobile_url" value="http://ma.mixi.net/13579/?appParams=%7B%22uid%22%3A%221569%22%7D" /> <input type="submit" value="送信!" /> </form>
</body></html>`))

func newSAP2010(t *testing.T, secret string) *sap2010 {
	t.Helper()
	s := &sap2010{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		_, mixiOK := verify2010(r, body, secret, false)
		_, plainOK := verify2010(r, body, secret, true)
		form, _ := url.ParseQuery(string(body))
		s.mu.Lock()
		s.hits = append(s.hits, sapHit{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Form: form, Header: r.Header.Clone(), Mixi: mixiOK, Plain: plainOK})
		s.mu.Unlock()
		if !mixiOK {
			http.Error(w, "invalid signature", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/xhtml+xml; charset=UTF-8")
		w.Header().Set("Set-Cookie", "sid=should-not-pass")
		switch r.URL.Path {
		case "/app/":
			cb := url.QueryEscape(s.URL + "/app/done?from=invite")
			_, _ = io.WriteString(w, xmlDecl)
			_ = sapTop.Execute(w, map[string]any{"Viewer": r.URL.Query().Get("opensocial_owner_id"), "Self": s.URL, "Callback": template.URL(cb)})
		default:
			fmt.Fprintf(w, `<html><body><p id="path">%s</p><p id="viewer">%s</p></body></html>`, r.URL.Path, r.URL.Query().Get("opensocial_owner_id"))
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *sap2010) Hits() []sapHit {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sapHit(nil), s.hits...)
}

func (s *sap2010) last(t *testing.T) sapHit {
	t.Helper()
	hits := s.Hits()
	require.NotEmpty(t, hits, "the app server got no request")
	return hits[len(hits)-1]
}

// ---------------------------------------------------------------------------

type gwPage struct {
	status   int
	location string
	header   http.Header
	doc      *html.Node
	raw      string
}

// phone is a browser with a cookie jar that stops at each redirect.
func phone(t *testing.T, srv *emulatortest.Server) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	c := srv.Client()
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c
}

func open(t *testing.T, c *http.Client, method, u string, form url.Values) gwPage {
	t.Helper()
	var resp *http.Response
	var err error
	if method == http.MethodGet {
		resp, err = c.Get(u)
	} else {
		resp, err = c.PostForm(u, form)
	}
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	p := gwPage{status: resp.StatusCode, location: resp.Header.Get("Location"), header: resp.Header, raw: string(b)}
	p.doc, err = html.Parse(bytes.NewReader(b))
	require.NoError(t, err)
	return p
}

func (p gwPage) byID(t *testing.T, id string) *html.Node {
	t.Helper()
	var found *html.Node
	var rec func(*html.Node)
	rec = func(n *html.Node) {
		for _, a := range n.Attr {
			if a.Key == "id" && a.Val == id {
				found = n
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			rec(c)
		}
	}
	rec(p.doc)
	require.NotNil(t, found, "#%s in %d %s", id, p.status, p.raw)
	return found
}

func attrOf(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func textOf(n *html.Node) string {
	var b strings.Builder
	var rec func(*html.Node)
	rec = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			rec(c)
		}
	}
	rec(n)
	return strings.TrimSpace(b.String())
}

// inputs are the named inputs of a form, as a browser would post them.
func inputs(form *html.Node) url.Values {
	v := url.Values{}
	var rec func(*html.Node)
	rec = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "input" && attrOf(n, "name") != "" && attrOf(n, "type") != "checkbox" {
			v.Add(attrOf(n, "name"), attrOf(n, "value"))
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			rec(c)
		}
	}
	rec(form)
	return v
}

func adminJSON(t *testing.T, srv *emulatortest.Server, method, path string, in any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, srv.URL+"/_fakeapi/mixi"+path, rd)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return resp.StatusCode, out
}

// TestGatewayEndToEnd serves an app through the gateway the way phones used
// it: pages of the app's server for the default viewer, signed as mixi
// signed them; links that stay in the gateway; a form POST, which mixi's
// verifier accepts and a plain RFC 5849 verifier rejects; seed 003's
// invite:friends form as written, whose callback reaches the app's server
// through the gateway, signed; both hops in the journal.
func TestGatewayEndToEnd(t *testing.T) {
	t.Parallel()
	srv := emulatortest.Start(t)
	sap := newSAP2010(t, gwSecret)
	status, got := adminJSON(t, srv, http.MethodPut, "/apps/"+gwApp+"/sap", map[string]string{"sapUrl": sap.URL + "/app/"})
	require.Equal(t, http.StatusOK, status, got)
	assert.Equal(t, sap.URL+"/app/", got["sapUrl"])
	c := phone(t, srv)
	gw := srv.Mixi() + "/ma/" + gwApp

	// The top page, fetched and signed for the default viewer.
	top := open(t, c, http.MethodGet, gw+"/?guid=ON", nil)
	require.Equal(t, http.StatusOK, top.status, top.raw)
	assert.Equal(t, gwViewer, textOf(top.byID(t, "viewer")))
	hit := sap.last(t)
	assert.True(t, hit.Mixi, "the 2010 verifier accepts the gateway's signature")
	assert.Equal(t, "/app/", hit.Path)
	assert.Equal(t, url.Values{"guid": {"ON"}, "opensocial_app_id": {gwApp}, "opensocial_owner_id": {gwViewer}}, hit.Query)
	oauth := splitHeader(hit.Header.Get("Authorization"))
	assert.Equal(t, "HMAC-SHA1", oauth["oauth_signature_method"])
	assert.Equal(t, "1.0", oauth["oauth_version"])
	assert.Equal(t, "3f5c2a9e1b7d4c6a8e0f", oauth["oauth_consumer_key"])
	assert.Empty(t, hit.Header.Get("Cookie"), "cookies do not cross the gateway")
	assert.Empty(t, top.header.Get("Set-Cookie"), "nor back")
	assert.Equal(t, "application/xhtml+xml; charset=UTF-8", top.header.Get("Content-Type"))
	assert.True(t, strings.HasPrefix(top.raw, `<?xml version="1.0" encoding="UTF-8"?>`), "the page's own bytes stay: %.80s", top.raw)

	// Links to the app's server and to ma.mixi.net stay in the gateway.
	base := "/mixi/ma/" + gwApp
	for id, want := range map[string]string{
		"relative": base + "/gift.php?kind=rose",
		"rooted":   base + "/list.php",
		"absolute": base + "/about.php",
		"outside":  base + "/?url=" + url.QueryEscape(sap.URL+"/other/x.php"),
		"top":      base + "/",
		"external": "http://mixi.jp/",
	} {
		assert.Equal(t, want, attrOf(top.byID(t, id), "href"), id)
	}
	assert.Equal(t, base+"/post.php", attrOf(top.byID(t, "post"), "action"))

	page := open(t, c, http.MethodGet, srv.URL+attrOf(top.byID(t, "relative"), "href"), nil)
	assert.Equal(t, "/app/gift.php", textOf(page.byID(t, "path")))
	assert.Equal(t, "rose", sap.last(t).Query.Get("kind"))
	page = open(t, c, http.MethodGet, srv.URL+attrOf(top.byID(t, "outside"), "href"), nil)
	assert.Equal(t, "/other/x.php", textOf(page.byID(t, "path")), "the ?url= form reaches the SAP's own host")

	// A form POST: mixi left its parameters out of the signature, so the
	// 2010 verifier accepts it and a plain RFC 5849 verifier does not.
	post := open(t, c, http.MethodPost, srv.URL+attrOf(top.byID(t, "post"), "action"), inputs(top.byID(t, "post")))
	require.Equal(t, http.StatusOK, post.status, post.raw)
	hit = sap.last(t)
	assert.Equal(t, "bouquet", hit.Form.Get("item"))
	assert.True(t, hit.Mixi, "mixi's variant: POST parameters not signed")
	assert.False(t, hit.Plain, "a verifier that signs the form body rejects mixi's request")

	// Seed 003's form, exactly as written: invite:friends in the gateway.
	form := top.byID(t, "seed003")
	action := attrOf(form, "action")
	assert.Equal(t, base+"/invite:friends?callback="+url.QueryEscape(sap.URL+"/app/done?from=invite")+"&guid=ON", action)
	sel := open(t, c, http.MethodPost, srv.URL+action, inputs(form))
	require.Equal(t, http.StatusOK, sel.status, sel.raw)
	selForm := sel.byID(t, "invite-select")
	f := inputs(selForm)
	f.Set("action", "next")
	f["recipient"] = []string{"1000002", "1000004"}
	conf := open(t, c, http.MethodPost, srv.URL+attrOf(selForm, "action"), f)
	require.Equal(t, http.StatusOK, conf.status, conf.raw)
	cf := inputs(conf.byID(t, "invite-confirm"))
	cf.Set("answer", "yes")
	done := open(t, c, http.MethodPost, srv.URL+attrOf(conf.byID(t, "invite-confirm"), "action"), cf)
	require.Equal(t, http.StatusFound, done.status, done.raw)
	require.True(t, strings.HasPrefix(done.location, srv.URL+base+"/done?from=invite&request_member=1000002,1000004&request_id="), done.location)

	// The callback goes to the app's server through the gateway, signed.
	sap.mu.Lock()
	before := len(sap.hits)
	sap.mu.Unlock()
	back := open(t, c, http.MethodGet, done.location, nil)
	require.Equal(t, http.StatusOK, back.status, back.raw)
	require.Len(t, sap.Hits(), before+1)
	hit = sap.last(t)
	assert.True(t, hit.Mixi)
	assert.Equal(t, "/app/done", hit.Path)
	assert.Equal(t, "invite", hit.Query.Get("from"))
	assert.Equal(t, "1000002,1000004", hit.Query.Get("request_member"))
	assert.Regexp(t, `^[0-9a-f]{24}$`, hit.Query.Get("request_id"))
	assert.Equal(t, gwViewer, hit.Query.Get("opensocial_owner_id"))

	// The journal has both hops of that request: the browser's to the
	// gateway and the gateway's to the app's server, under one request id.
	var gwEntry, sapEntry *emulatortest.Entry
	entries := srv.Journal("mixi")
	for i := range entries {
		e := &entries[i]
		switch {
		case e.Path == "/ma/"+gwApp+"/done":
			gwEntry = e
		case e.Path == "/app/done":
			sapEntry = e
		}
	}
	require.NotNil(t, gwEntry, "the gateway request is journaled")
	require.NotNil(t, sapEntry, "the request to the app's server is journaled")
	assert.Equal(t, gwEntry.RequestID, sapEntry.RequestID)
	assert.Equal(t, strings.TrimPrefix(sap.URL, "http://"), sapEntry.Host)
	assert.Equal(t, "OAuth ***", sapEntry.Headers["Authorization"], "the signature is masked")
	assert.Contains(t, sapEntry.Query, "opensocial_owner_id="+gwViewer)
	assert.Equal(t, http.StatusOK, sapEntry.Status)
	assert.Less(t, sapEntry.Seq, gwEntry.Seq, "the hop ends before the gateway answers")
}

// TestGatewayUnderTheRealHost: http://ma.mixi.net/{appId}/ is the same
// gateway, with its links at the host's root.
func TestGatewayUnderTheRealHost(t *testing.T) {
	t.Parallel()
	srv := emulatortest.Start(t, emulatortest.WithMixiSAPTimeout(5*time.Second))
	sap := newSAP2010(t, gwSecret)
	status, _ := adminJSON(t, srv, http.MethodPut, "/apps/"+gwApp+"/sap", map[string]string{"sapUrl": sap.URL + "/app/"})
	require.Equal(t, http.StatusOK, status)
	c := phone(t, srv)

	top := open(t, c, http.MethodGet, "http://ma.mixi.net/"+gwApp+"/", nil)
	require.Equal(t, http.StatusOK, top.status, top.raw)
	assert.True(t, sap.last(t).Mixi)
	assert.Equal(t, "/"+gwApp+"/gift.php?kind=rose", attrOf(top.byID(t, "relative"), "href"))
	assert.Equal(t, "/"+gwApp+"/", attrOf(top.byID(t, "top"), "href"))
	action := attrOf(top.byID(t, "seed003"), "action")
	sel := open(t, c, http.MethodPost, "http://ma.mixi.net"+action, inputs(top.byID(t, "seed003")))
	require.Equal(t, http.StatusOK, sel.status, sel.raw)
	assert.Equal(t, "/invite/friends/select", attrOf(sel.byID(t, "invite-select"), "action"), "the invite pages of this host")

	slash := open(t, c, http.MethodGet, "http://ma.mixi.net/"+gwApp, nil)
	assert.Equal(t, http.StatusMovedPermanently, slash.status)
	assert.Equal(t, "/"+gwApp+"/", slash.location)
}

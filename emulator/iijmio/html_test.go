package iijmio

import (
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"
)

// parseHTML parses a page; tests look at nodes, not substrings.
func parseHTML(t testing.TB, body string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	require.NoError(t, err)
	return doc
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// findAll returns the elements for which match is true, in document order.
func findAll(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func byID(n *html.Node, id string) *html.Node {
	found := findAll(n, func(n *html.Node) bool { v, _ := attr(n, "id"); return v == id })
	if len(found) != 1 {
		return nil
	}
	return found[0]
}

// tagWithAttr is a[id*=submit]-style matching: tag and a substring of attr.
func tagWithAttr(tag, key, sub string) func(*html.Node) bool {
	return func(n *html.Node) bool {
		v, ok := attr(n, key)
		return n.Data == tag && ok && strings.Contains(v, sub)
	}
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// hiddenFields returns the named hidden inputs of a form.
func hiddenFields(form *html.Node) url.Values {
	v := url.Values{}
	for _, in := range findAll(form, func(n *html.Node) bool { return n.Data == "input" }) {
		typ, _ := attr(in, "type")
		name, hasName := attr(in, "name")
		if typ == "hidden" && hasName && name != "" {
			val, _ := attr(in, "value")
			v.Set(name, val)
		}
	}
	return v
}

// browser is a plain Go HTTP client with a cookie jar against the provider
// on an httptest server; it follows redirects on the server (the 303 after
// login) and stops at any other destination (the client's redirect URI).
type browser struct {
	t   testing.TB
	srv *httptest.Server
	c   *http.Client
}

func newBrowser(t testing.TB, e *env) *browser {
	t.Helper()
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	host := strings.TrimPrefix(srv.URL, "http://")
	c := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Host != host {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	return &browser{t: t, srv: srv, c: c}
}

// authorizeURL is the authorization URL under /iijmio for query params.
func (b *browser) authorizeURL(q url.Values) string {
	return b.srv.URL + "/iijmio" + authorizePath + "?" + q.Encode()
}

func (b *browser) get(u string) (*http.Response, string) {
	b.t.Helper()
	res, err := b.c.Get(u)
	require.NoError(b.t, err)
	defer res.Body.Close()
	return res, readAll(b.t, res)
}

// submit posts a page's form with the hidden fields plus extra.
func (b *browser) submit(page, formID string, extra url.Values) (*http.Response, string) {
	b.t.Helper()
	doc := parseHTML(b.t, page)
	form := byID(doc, formID)
	require.NotNil(b.t, form, "form #%s", formID)
	action, _ := attr(form, "action")
	fields := hiddenFields(form)
	for k, v := range extra {
		fields[k] = v
	}
	res, err := b.c.PostForm(b.srv.URL+action, fields)
	require.NoError(b.t, err)
	defer res.Body.Close()
	return res, readAll(b.t, res)
}

func authQuery(dev, redirect, state string) url.Values {
	return url.Values{"response_type": {"token"}, "client_id": {dev}, "redirect_uri": {redirect}, "state": {state}}
}

// authorize runs GET authorize → login → consent(allow) and returns the
// final response (the 302 to the redirect URI).
func (b *browser) authorize(q url.Values, user, pass string) *http.Response {
	b.t.Helper()
	res, page := b.get(b.authorizeURL(q))
	require.Equal(b.t, http.StatusOK, res.StatusCode, page)
	res, page = b.submit(page, "loginForm", url.Values{"username": {user}, "password": {pass}})
	require.Equal(b.t, http.StatusOK, res.StatusCode, page)
	res, _ = b.submit(page, "consentForm", url.Values{"decision": {"allow"}})
	return res
}

package emulator

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"
)

// page is a parsed HTML page: its elements by id and its text.
type page struct {
	ids   map[string]*html.Node
	text  string
	nodes []*html.Node // every element, in document order
}

func parsePage(t *testing.T, body string) page {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	require.NoError(t, err)
	p := page{ids: map[string]*html.Node{}}
	var texts []string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.ElementNode:
			p.nodes = append(p.nodes, n)
			if id := attr(n, "id"); id != "" {
				p.ids[id] = n
			}
		case html.TextNode:
			texts = append(texts, n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	p.text = strings.Join(texts, " ")
	return p
}

// all returns the elements with the tag that have the attribute (any value
// when val is "").
func (p page) all(tag, key, val string) []*html.Node {
	var out []*html.Node
	for _, n := range p.nodes {
		if n.Data != tag {
			continue
		}
		for _, a := range n.Attr {
			if a.Key == key && (val == "" || a.Val == val) {
				out = append(out, n)
			}
		}
	}
	return out
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasClass(n *html.Node, class string) bool {
	return strings.Contains(" "+attr(n, "class")+" ", " "+class+" ")
}

// The first view is complete without the script: what it shows, the forms
// that work without it, and the escaping of what requests put there.
func TestDashboard(t *testing.T) {
	t.Parallel()
	e := newFake(t)
	do(t, e, http.MethodGet, "/assist/api/v1/orders.php?q=<b>x</b>", "")
	do(t, e, http.MethodPost, "/_fakeapi/faults", `{"provider":"kii","path":"*/<i>token</i>","status":503,"times":2}`)
	w := do(t, e, http.MethodGet, "/_fakeapi/", "", "Host", "localhost:8080")
	require.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, "text/html; charset=utf-8", w.Header().Get("Content-Type"))
	assert.Equal(t, "DENY", w.Header().Get("X-Frame-Options"))
	assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
	p := parsePage(t, w.Body.String())

	for _, id := range []string{"clock", "clock-frozen", "clock-offset", "live", "journal", "detail", "providers", "accounts",
		"reset-form", "reset", "clock-advance-form", "clock-set-form", "clock-freeze", "fault-form", "faults", "fault-count",
		"state-download", "state-form", "state-file"} {
		assert.Contains(t, p.ids, id)
	}

	// Scripts and styles come from the emulator only: nothing from the
	// network, no inline script for an injected string to ride on.
	csp := p.all("meta", "http-equiv", "Content-Security-Policy")
	require.Len(t, csp, 1)
	assert.Contains(t, attr(csp[0], "content"), "script-src 'self'")
	assert.Contains(t, attr(csp[0], "content"), "default-src 'none'")
	scripts := p.all("script", "src", "")
	require.Len(t, scripts, 1)
	assert.Equal(t, "/_fakeapi/dashboard.js", attr(scripts[0], "src"))
	for _, n := range p.nodes {
		if n.Data == "script" {
			assert.Nil(t, n.FirstChild, "no inline script")
		}
		for _, a := range n.Attr {
			assert.False(t, strings.HasPrefix(a.Key, "on"), "no inline handler %s on <%s>", a.Key, n.Data)
			assert.False(t, strings.Contains(a.Val, "://") && a.Key != "content" && !strings.Contains(a.Val, "localhost:8080"),
				"no outside address in <%s %s=%q>", n.Data, a.Key, a.Val)
		}
	}

	// The journal, newest first, with the prefix and the query.
	rows := p.all("tr", "data-seq", "")
	require.Len(t, rows, 1)
	assert.Contains(t, p.text, "/assist /api/v1/orders.php?q=<b>x</b>", "the query is text, not markup")
	assert.NotContains(t, w.Body.String(), "<b>x</b>")

	// Reset: all, and one button per provider, as forms.
	form := p.ids["reset-form"]
	assert.Equal(t, "post", attr(form, "method"))
	assert.Equal(t, "/_fakeapi/reset", attr(form, "action"))
	for _, name := range []string{"iijmio", "kii", "assist", "mixi"} {
		forms := p.all("form", "action", "/_fakeapi/reset?provider="+name)
		require.Len(t, forms, 1, name)
		assert.Equal(t, "post", attr(forms[0], "method"))
		assert.Contains(t, p.ids, "reset-"+name)
		assert.Len(t, p.all("a", "href", "/_fakeapi/state?provider="+name), 1, "a download of %s's state", name)
	}
	assert.Equal(t, "/_fakeapi/state", attr(p.ids["state-download"], "href"))
	assert.Equal(t, "fakeapi-state.json", attr(p.ids["state-download"], "download"))

	// Accounts and base URLs with the exact value on their copy buttons.
	assert.Contains(t, p.text, "http://localhost:8080/assist")
	assert.Contains(t, p.text, "taro<script>", "the account name is text, not markup")
	assert.NotContains(t, w.Body.String(), "taro<script>", "should be escaped in the bytes")
	var copies []string
	for _, n := range p.all("button", "data-copy", "") {
		assert.True(t, hasClass(n, "copy"))
		copies = append(copies, attr(n, "data-copy"))
	}
	assert.Contains(t, copies, "taro<script>")
	assert.Contains(t, copies, "pw")
	assert.Contains(t, copies, "http://localhost:8080/kii")

	// The live fault rule, listed with its delete button.
	faults := p.all("tr", "data-id", "")
	require.Len(t, faults, 1)
	assert.Equal(t, "1", strings.TrimSpace(p.ids["fault-count"].FirstChild.Data))
	assert.Contains(t, p.text, "*/<i>token</i>")
	assert.NotContains(t, w.Body.String(), "<i>token</i>")
	assert.Len(t, p.all("button", "data-id", attr(faults[0], "data-id")), 1)

	assert.Equal(t, "true", attr(p.ids["clock-freeze"], "aria-pressed"), "newFake's clock is frozen")
	_, shown := attrOK(p.ids["clock-frozen"], "hidden")
	assert.False(t, shown)

	// The reset form posts and comes back to the page.
	w = do(t, e, http.MethodPost, "/_fakeapi/reset?provider=kii", "x=1", "Content-Type", "application/x-www-form-urlencoded")
	assert.Equal(t, http.StatusSeeOther, w.Code)
	assert.Equal(t, "/_fakeapi/", w.Header().Get("Location"))
}

func attrOK(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// The script and style sheet are served from the binary, behind the admin
// token like the page, reachable with the cookie ?token= sets.
func TestDashboardAssets(t *testing.T) {
	t.Parallel()
	e := newFake(t)
	for path, ctype := range map[string]string{
		"/_fakeapi/dashboard.js":  "text/javascript; charset=utf-8",
		"/_fakeapi/dashboard.css": "text/css; charset=utf-8",
	} {
		w := do(t, e, http.MethodGet, path, "")
		require.Equal(t, http.StatusOK, w.Code, path)
		assert.Equal(t, ctype, w.Header().Get("Content-Type"), path)
		assert.Equal(t, "nosniff", w.Header().Get("X-Content-Type-Options"), path)
		assert.NotEmpty(t, w.Body.String(), path)
	}

	locked := newFake(t, func(c *Config) { c.AdminToken = "s3cret" })
	assert.Equal(t, http.StatusUnauthorized, do(t, locked, http.MethodGet, "/_fakeapi/dashboard.js", "").Code)
	w := do(t, locked, http.MethodGet, "/_fakeapi/?token=s3cret", "")
	require.Equal(t, http.StatusOK, w.Code)
	cookies := w.Result().Cookies()
	require.Len(t, cookies, 1)
	for _, path := range []string{"/_fakeapi/dashboard.js", "/_fakeapi/dashboard.css", "/_fakeapi/journal?limit=50", "/_fakeapi/clock", "/_fakeapi/faults"} {
		assert.Equal(t, http.StatusOK, do(t, locked, http.MethodGet, path, "", "Cookie", cookies[0].String()).Code, path)
	}
}

// Everything the script shows comes from requests; it must reach the page as
// text. A guard against a future edit that builds markup from data.
func TestDashboardScriptBuildsNoMarkup(t *testing.T) {
	t.Parallel()
	src, err := templateFS.ReadFile("templates/dashboard.js")
	require.NoError(t, err)
	markup := regexp.MustCompile(`\.(innerHTML|outerHTML)\s*[+]?=[^=]|insertAdjacentHTML|document\.write|\beval\(|new Function|createContextualFragment`)
	assert.Empty(t, markup.FindAllString(string(src), -1))
	assert.NotContains(t, string(src), "http://", "the script fetches only the emulator's own paths")
	assert.NotContains(t, string(src), "https://")
}

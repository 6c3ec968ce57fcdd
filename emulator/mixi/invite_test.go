package mixi

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"
)

// browser is an http.Client with a cookie jar that stops at redirects, so
// the test reads the callback Location as the app server would receive it.
func browser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type htmlPage struct {
	status   int
	location string
	ctype    string
	doc      *html.Node
	raw      string
}

func fetch(t *testing.T, c *http.Client, method, u string, form url.Values) htmlPage {
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
	p := htmlPage{status: resp.StatusCode, location: resp.Header.Get("Location"), ctype: resp.Header.Get("Content-Type"), raw: string(b)}
	if strings.HasPrefix(p.ctype, "text/html") {
		p.doc, err = html.Parse(strings.NewReader(p.raw))
		require.NoError(t, err)
	}
	return p
}

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, name string) bool {
	for _, a := range n.Attr {
		if a.Key == name {
			return true
		}
	}
	return false
}

func find(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var rec func(*html.Node)
	rec = func(n *html.Node) {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			rec(c)
		}
	}
	rec(n)
	return out
}

func byID(t *testing.T, p htmlPage, id string) *html.Node {
	t.Helper()
	require.NotNil(t, p.doc, "not an HTML htmlPage: %d %s", p.status, p.raw)
	nodes := find(p.doc, func(n *html.Node) bool { return attr(n, "id") == id })
	require.Len(t, nodes, 1, "element #%s in %s", id, p.raw)
	return nodes[0]
}

func text(n *html.Node) string {
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

// hidden returns the hidden inputs of a form.
func hidden(form *html.Node) url.Values {
	v := url.Values{}
	for _, in := range find(form, func(n *html.Node) bool { return n.Data == "input" && attr(n, "type") == "hidden" }) {
		v.Set(attr(in, "name"), attr(in, "value"))
	}
	return v
}

type box struct {
	id, value string
	checked   bool
}

func checkboxes(p htmlPage) []box {
	var out []box
	for _, n := range find(p.doc, func(n *html.Node) bool { return n.Data == "input" && attr(n, "type") == "checkbox" }) {
		out = append(out, box{attr(n, "id"), attr(n, "value"), hasAttr(n, "checked")})
	}
	return out
}

const callbackURL = "http://app.example.jp/gift/done?from=invite"

func startURL(srv string) string {
	return srv + "/mixi/invite:friends?callback=" + url.QueryEscape(callbackURL) + "&guid=ON"
}

func inviteForm(extra map[string]string) url.Values {
	f := url.Values{
		"opensocial_app_id": {appID}, "opensocial_owner_id": {sakura},
		"message": {"花束を贈りますので受け取ってください"}, "image": {"http://app.example.jp/image.gif,image/gif"},
		"url": {"http://mixi.jp/run_appli.pl?id=13579&appParams=%7B%22uid%22%3A%221569%22%7D"}, "mobile_url": {"http://ma.mixi.net/13579/?a=1"},
	}
	for k, v := range extra {
		if v == "\x00" {
			f.Del(k)
			continue
		}
		f.Set(k, v)
	}
	return f
}

var requestIDPattern = regexp.MustCompile(`^[0-9a-f]{24}$`)

// The whole flow as a phone browser drives it: the app's form POST, the
// selection htmlPage, the confirmation, the redirect to the callback; then the
// request is listed by the admin API and deleted by a recipient.
func TestInviteEndToEnd(t *testing.T) {
	t.Parallel()
	srv, inst := emulatorServer(t)
	c := browser(t)

	sel := fetch(t, c, http.MethodPost, startURL(srv.URL), inviteForm(map[string]string{
		"recipients": "1000003,mixi.jp:1000002", "filter_type": "both", "description": "ギフトを贈りたい人を15人までで選択してください!",
	}))
	require.Equal(t, http.StatusOK, sel.status, sel.raw)
	assert.Equal(t, "ギフトを贈りたい人を15人までで選択してください!", text(byID(t, sel, "description")))
	assert.Equal(t, []box{
		{"friend-1000003", "1000003", true}, {"friend-1000002", "1000002", true},
		{"friend-1000004", "1000004", false}, {"friend-1000005", "1000005", false}, {"friend-1000007", "1000007", false},
		{"friend-1000008", "1000008", false}, {"friend-1000012", "1000012", false},
	}, checkboxes(sel), "recipients first and checked, then the other friends by id")
	form := byID(t, sel, "invite-select")
	assert.Equal(t, "/mixi/invite/friends/select", attr(form, "action"))
	byID(t, sel, "invite-next")
	byID(t, sel, "invite-cancel")

	f := hidden(form)
	f.Set("action", "next")
	f["recipient"] = []string{"1000003", "1000002", "1000004"}
	conf := fetch(t, c, http.MethodPost, srv.URL+attr(form, "action"), f)
	require.Equal(t, http.StatusOK, conf.status, conf.raw)
	assert.Equal(t, "みさき", text(byID(t, conf, "recipient-1000003")))
	assert.Equal(t, "花束を贈りますので受け取ってください", text(byID(t, conf, "message")))
	cform := byID(t, conf, "invite-confirm")
	assert.Equal(t, "/mixi/invite/friends/confirm", attr(cform, "action"))
	assert.Equal(t, "yes", attr(byID(t, conf, "confirm-yes"), "value"))
	assert.Equal(t, "no", attr(byID(t, conf, "confirm-no"), "value"))

	cf := hidden(cform)
	cf.Set("answer", "yes")
	done := fetch(t, c, http.MethodPost, srv.URL+attr(cform, "action"), cf)
	require.Equal(t, http.StatusFound, done.status, done.raw)
	loc, err := url.Parse(done.location)
	require.NoError(t, err)
	assert.Equal(t, "app.example.jp", loc.Host)
	assert.Equal(t, "/gift/done", loc.Path)
	assert.True(t, strings.HasPrefix(loc.RawQuery, "from=invite&request_member=1000003,1000002,1000004&request_id="), loc.RawQuery)
	reqID := loc.Query().Get("request_id")
	assert.Regexp(t, requestIDPattern, reqID)

	// The transaction is spent: posting the confirmation again is refused.
	again := fetch(t, c, http.MethodPost, srv.URL+attr(cform, "action"), cf)
	assert.Equal(t, http.StatusForbidden, again.status)
	assert.Empty(t, again.location)

	// GET /_fakeapi/mixi/requests lists it.
	list := adminGet(t, inst.Admin, "/requests?sender="+sakura)
	require.Len(t, list, 1)
	assert.Equal(t, reqID, list[0]["id"])
	assert.Equal(t, []any{"1000003", "1000002", "1000004"}, list[0]["recipients"])
	assert.Equal(t, "http://ma.mixi.net/13579/?a=1", list[0]["mobileUrl"])
	assert.Equal(t, "http://app.example.jp/image.gif,image/gif", list[0]["image"])

	// The recipient deletes it through the API.
	client := signedClient(t, srv.URL)
	code, b := client(http.MethodDelete, "/requests/@me/@self?requestIds="+reqID, kenta)
	assert.Equal(t, http.StatusOK, code, b)
	list = adminGet(t, inst.Admin, "/requests?sender="+sakura)
	assert.Equal(t, []any{"1000003", "1000002"}, list[0]["pending"])
}

func adminGet(t *testing.T, h http.Handler, path string) []map[string]any {
	t.Helper()
	w := httptestRecorder()
	h.ServeHTTP(w, newRequest(http.MethodGet, "http://localhost"+path, nil))
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var out struct {
		Requests []map[string]any `json:"requests"`
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &out))
	return out.Requests
}

// signedClient signs with the default app at the server's wall clock.
func signedClient(t *testing.T, base string) func(method, path, viewer string) (int, string) {
	return func(method, path, viewer string) (int, string) {
		t.Helper()
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		u := base + "/mixi/os/0.8" + path + sep + "xoauth_requestor_id=" + viewer
		req, err := http.NewRequest(method, u, nil)
		require.NoError(t, err)
		h, err := oauthSigner().Header(method, u, nil, "e2e-"+strconv.FormatInt(nonceSeq.Add(1), 10), wallNow())
		require.NoError(t, err)
		req.Header.Set("Authorization", h)
		return body(t)(http.DefaultClient.Do(req))
	}
}

func TestInviteStartErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		query    string // after /mixi/invite:friends
		form     map[string]string
		status   int
		location string // "" for a htmlPage
	}{
		{"should refuse an unregistered callback host without redirecting", "?callback=" + url.QueryEscape("http://evil.example.com/x"), nil, 400, ""},
		{"should refuse a missing callback", "", nil, 400, ""},
		{"should refuse a javascript callback", "?callback=" + url.QueryEscape("javascript:alert(1)"), nil, 400, ""},
		{"should refuse a callback with user info", "?callback=" + url.QueryEscape("http://app.example.jp@evil.example.com/"), nil, 400, ""},
		{"should refuse an unknown app", "?callback=" + url.QueryEscape(callbackURL), map[string]string{"opensocial_app_id": "999"}, 400, ""},
		{"should refuse an owner without the app", "?callback=" + url.QueryEscape(callbackURL), map[string]string{"opensocial_owner_id": misaki}, 400, ""},
		{"should refuse a missing owner", "?callback=" + url.QueryEscape(callbackURL), map[string]string{"opensocial_owner_id": "\x00"}, 400, ""},
		{"should redirect error=400 for a missing message", "?callback=" + url.QueryEscape(callbackURL), map[string]string{"message": "\x00"}, 302, callbackURL + "&result=false&error=400"},
		{"should redirect error=400 for a message over 500 characters", "?callback=" + url.QueryEscape(callbackURL), map[string]string{"message": strings.Repeat("花", 501)}, 302, callbackURL + "&result=false&error=400"},
		{"should redirect error=400 for an image without a MIME type", "?callback=" + url.QueryEscape(callbackURL), map[string]string{"image": "http://app.example.jp/a.gif"}, 302, callbackURL + "&result=false&error=400"},
		{"should redirect error=400 for an image that is not an image type", "?callback=" + url.QueryEscape(callbackURL), map[string]string{"image": "http://app.example.jp/a.gif,text/html"}, 302, callbackURL + "&result=false&error=400"},
		{"should redirect error=400 for a bad filter_type", "?callback=" + url.QueryEscape(callbackURL), map[string]string{"filter_type": "all"}, 302, callbackURL + "&result=false&error=400"},
		{"should redirect error=400 for a non-http url", "?callback=" + url.QueryEscape(callbackURL), map[string]string{"url": "ftp://mixi.jp/x"}, 302, callbackURL + "&result=false&error=400"},
		{"should redirect error=400 for a relative mobile_url", "?callback=" + url.QueryEscape(callbackURL), map[string]string{"mobile_url": "/13579/"}, 302, callbackURL + "&result=false&error=400"},
		{"should redirect error=400 for a recipient who is not a friend", "?callback=" + url.QueryEscape(callbackURL), map[string]string{"recipients": "1000006"}, 302, callbackURL + "&result=false&error=400"},
		{"should redirect error=400 for malformed recipients", "?callback=" + url.QueryEscape(callbackURL), map[string]string{"recipients": "1000002,,1000003"}, 302, callbackURL + "&result=false&error=400"},
		{"should redirect error=400 for more than 15 recipients", "?callback=" + url.QueryEscape(callbackURL), map[string]string{"recipients": strings.Repeat("1000002,", 15) + "1000002"}, 302, callbackURL + "&result=false&error=400"},
		{"should redirect error=400 for malformed target_users", "?callback=" + url.QueryEscape(callbackURL), map[string]string{"target_users": "abc"}, 302, callbackURL + "&result=false&error=400"},
		{"should redirect error=400 for malformed exclude_users", "?callback=" + url.QueryEscape(callbackURL), map[string]string{"exclude_users": "1000002;1000003"}, 302, callbackURL + "&result=false&error=400"},
		{"should use ? for a callback without a query", "?callback=" + url.QueryEscape("http://app.example.jp/done"), map[string]string{"filter_type": "x"}, 302, "http://app.example.jp/done?result=false&error=400"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := emulatorServer(t)
			p := fetch(t, browser(t), http.MethodPost, srv.URL+"/mixi/invite:friends"+tt.query, inviteForm(tt.form))
			require.Equal(t, tt.status, p.status, p.raw)
			assert.Equal(t, tt.location, p.location)
			if tt.location == "" {
				assert.Equal(t, textBadSetup, text(byID(t, p, "error")))
			}
		})
	}
}

func TestInviteListFilters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		form  map[string]string
		boxes []string
	}{
		{"should list friends with the app for joined", map[string]string{"filter_type": "joined"}, []string{"friend-1000002", "friend-1000004", "friend-1000008", "friend-1000012"}},
		{"should list friends without the app for not_joined", map[string]string{"filter_type": "not_joined"}, []string{"friend-1000003", "friend-1000005", "friend-1000007"}},
		{"should list only target_users, the recipient checked first", map[string]string{"target_users": "1000002,1000004", "recipients": "1000004"}, []string{"friend-1000004", "friend-1000002"}},
		{"should hide exclude_users", map[string]string{"exclude_users": "1000002,1000003,1000004,1000005"}, []string{"friend-1000007", "friend-1000008", "friend-1000012"}},
		{"should ignore non-friends in target_users", map[string]string{"target_users": "1000006,1000003"}, []string{"friend-1000003"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := emulatorServer(t)
			p := fetch(t, browser(t), http.MethodPost, startURL(srv.URL), inviteForm(tt.form))
			require.Equal(t, http.StatusOK, p.status, p.raw)
			var got []string
			for _, b := range checkboxes(p) {
				got = append(got, b.id)
			}
			assert.Equal(t, tt.boxes, got)
			assert.Equal(t, defaultDescription, text(byID(t, p, "description")))
		})
	}
}

// openSelection posts the app's form with a fresh browser and returns the
// selection htmlPage's form values.
func openSelection(t *testing.T, srv string) (*http.Client, htmlPage, url.Values) {
	t.Helper()
	c := browser(t)
	p := fetch(t, c, http.MethodPost, startURL(srv), inviteForm(nil))
	require.Equal(t, http.StatusOK, p.status, p.raw)
	return c, p, hidden(byID(t, p, "invite-select"))
}

func TestInvitePagesRefuseAndCancel(t *testing.T) {
	t.Parallel()
	srv, inst := emulatorServer(t)
	selectURL := srv.URL + "/mixi" + selectPath
	confirmURL := srv.URL + "/mixi" + confirmPath

	t.Run("should redirect error=403 when the user goes back to the app", func(t *testing.T) {
		c, _, f := openSelection(t, srv.URL)
		f.Set("action", "cancel")
		p := fetch(t, c, http.MethodPost, selectURL, f)
		require.Equal(t, http.StatusFound, p.status)
		assert.Equal(t, callbackURL+"&result=false&error=403", p.location)
	})
	t.Run("should redirect error=403 for いいえ", func(t *testing.T) {
		c, _, f := openSelection(t, srv.URL)
		f.Set("action", "next")
		f.Set("recipient", "1000002")
		conf := fetch(t, c, http.MethodPost, selectURL, f)
		cf := hidden(byID(t, conf, "invite-confirm"))
		cf.Set("answer", "no")
		p := fetch(t, c, http.MethodPost, confirmURL, cf)
		require.Equal(t, http.StatusFound, p.status)
		assert.Equal(t, callbackURL+"&result=false&error=403", p.location)
	})
	t.Run("should ask again when nobody is selected", func(t *testing.T) {
		c, _, f := openSelection(t, srv.URL)
		f.Set("action", "next")
		p := fetch(t, c, http.MethodPost, selectURL, f)
		require.Equal(t, http.StatusOK, p.status)
		assert.Equal(t, textNoneSelected, text(byID(t, p, "error")))
		byID(t, p, "invite-select")
	})
	t.Run("should refuse a friend who is not listed", func(t *testing.T) {
		c, _, f := openSelection(t, srv.URL)
		f.Set("action", "next")
		f["recipient"] = []string{"1000002", "1000006"}
		p := fetch(t, c, http.MethodPost, selectURL, f)
		require.Equal(t, http.StatusOK, p.status)
		assert.Equal(t, textNotListed, text(byID(t, p, "error")))
		assert.True(t, checkboxes(p)[0].checked, "the choice is kept")
	})
	t.Run("should refuse more than 15 friends", func(t *testing.T) {
		c, _, f := openSelection(t, srv.URL)
		f.Set("action", "next")
		for range 16 {
			f.Add("recipient", "1000002")
		}
		p := fetch(t, c, http.MethodPost, selectURL, f)
		require.Equal(t, http.StatusOK, p.status)
		assert.Equal(t, textTooMany, text(byID(t, p, "error")))
	})
	t.Run("should refuse a wrong CSRF token", func(t *testing.T) {
		c, _, f := openSelection(t, srv.URL)
		f.Set("csrf_token", "forged")
		f.Set("recipient", "1000002")
		p := fetch(t, c, http.MethodPost, selectURL, f)
		assert.Equal(t, http.StatusForbidden, p.status)
		assert.Empty(t, p.location)
		assert.Equal(t, textExpired, text(byID(t, p, "error")))
	})
	t.Run("should refuse a post without the session cookie", func(t *testing.T) {
		_, _, f := openSelection(t, srv.URL)
		f.Set("recipient", "1000002")
		p := fetch(t, browser(t), http.MethodPost, selectURL, f)
		assert.Equal(t, http.StatusForbidden, p.status)
	})
	t.Run("should refuse another session's transaction", func(t *testing.T) {
		_, _, f := openSelection(t, srv.URL)
		c2, _, f2 := openSelection(t, srv.URL)
		f2.Set("txn", f.Get("txn"))
		f2.Set("recipient", "1000002")
		p := fetch(t, c2, http.MethodPost, selectURL, f2)
		assert.Equal(t, http.StatusForbidden, p.status)
	})
	t.Run("should serve the colon-free path by GET", func(t *testing.T) {
		q := inviteForm(nil)
		q.Set("callback", callbackURL)
		p := fetch(t, browser(t), http.MethodGet, srv.URL+"/mixi/invite/friends?"+q.Encode(), nil)
		require.Equal(t, http.StatusOK, p.status, p.raw)
		byID(t, p, "invite-select")
	})
	t.Run("should store nothing for a cancelled flow", func(t *testing.T) {
		assert.Empty(t, adminGet(t, inst.Admin, "/requests?sender="+sakura))
	})
}

package browser_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/emulator/emulatortest"
)

// The default fixture's consumer secret of app 13579 (docs/providers/mixi.md,
// test accounts): the app's server knows it, as a real app's did.
const mixiSecret = "8d2e7b1c9a4f6e3d0b5a7c2e9f1d4b6a8c3e5f70"

// enc3986 is PHP's rawurlencode with "~" kept (OAuth.php's urlencode_rfc3986).
func enc3986(s string) string {
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

// mixiSigned checks a request from mixi's gateway as app servers of 2010
// did: the query and the Authorization header's oauth_* parameters signed
// with HMAC-SHA1 under "secret&", the POST body left out.
func mixiSigned(r *http.Request, secret string) bool {
	params := map[string][]string{}
	for k, v := range r.URL.Query() {
		params[k] = v
	}
	sig := ""
	for _, part := range strings.Split(strings.TrimPrefix(r.Header.Get("Authorization"), "OAuth "), ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		v, _ = url.PathUnescape(strings.Trim(v, `"`))
		switch k {
		case "oauth_signature":
			sig = v
		case "realm":
		default:
			params[k] = append(params[k], v)
		}
	}
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var pairs []string
	for _, k := range keys {
		vs := append([]string(nil), params[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			pairs = append(pairs, enc3986(k)+"="+enc3986(v))
		}
	}
	base := r.Method + "&" + enc3986("http://"+strings.ToLower(r.Host)+r.URL.EscapedPath()) + "&" + enc3986(strings.Join(pairs, "&"))
	mac := hmac.New(sha1.New, []byte(enc3986(secret)+"&"))
	mac.Write([]byte(base))
	return hmac.Equal([]byte(base64.StdEncoding.EncodeToString(mac.Sum(nil))), []byte(sig))
}

// giftTop is the app's top page: who is playing, and seed 003's form as the
// page prints it, with the hidden fields the test chose.
var giftTop = template.Must(template.New("top").Parse(`<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8"><title>ギフトブーケ</title></head><body>
<h1>ギフトブーケ</h1>
<p>ようこそ <span id="viewer">{{.Viewer}}</span> さん</p>
<form action="invite:friends?callback={{.Callback}}&guid=ON" method="POST"> <input type="hidden" name="recipients" value="1000006" /> <input type="hidden" name="message" value="花束を贈りますので受け取ってください" /> <input type="hidden" name="filter_type" value="joined" /> <input type="hidden" name="image" value="http://server.name/image.gif,image/gif" /> <input type="hidden" name="url" value="http://mixi.jp/run_appli.pl?id=13579&appParams=%7B%22uid%22%3A%221569%22%7D" /> <input type="hidden" name="mobile_url" value="http://ma.mixi.net/13579/?appParams=%7B%22uid%22%3A%221569%22%7D" /> <input type="submit" value="送信!" /> </form>
</body></html>`))

// giftDone is the invite:friends callback page of the app.
var giftDone = template.Must(template.New("done").Parse(`<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8"><title>送信完了</title></head><body>
<p id="members">{{.Members}}</p><p id="request-id">{{.RequestID}}</p><p id="from">{{.From}}</p>
<a id="back" href="http://ma.mixi.net/13579/">アプリのトップへ</a>
</body></html>`))

// giftServer is the app's server (the SAP) on 127.0.0.1: every request must
// carry mixi's signature, or it answers 401.
type giftServer struct {
	*httptest.Server
	mu   sync.Mutex // guards hits
	hits []*http.Request
}

func newGiftServer(t *testing.T) *giftServer {
	t.Helper()
	g := &giftServer{}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !mixiSigned(r, mixiSecret) {
			http.Error(w, "invalid signature", http.StatusUnauthorized)
			return
		}
		g.mu.Lock()
		g.hits = append(g.hits, r.Clone(r.Context()))
		g.mu.Unlock()
		q := r.URL.Query()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/gift/":
			_ = giftTop.Execute(w, map[string]any{"Viewer": q.Get("opensocial_owner_id"),
				"Callback": template.URL(url.QueryEscape(g.URL + "/gift/done?from=invite"))})
		case "/gift/done":
			_ = giftDone.Execute(w, map[string]string{"Members": q.Get("request_member"), "RequestID": q.Get("request_id"), "From": q.Get("from")})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(g.Close)
	return g
}

func (g *giftServer) paths() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []string
	for _, r := range g.hits {
		out = append(out, r.URL.Path+" as "+r.URL.Query().Get("opensocial_owner_id"))
	}
	return out
}

// TestMixiGatewayFlow clicks through an app behind mixi's mobile gateway in
// a real browser: the login as a fixture user, the app's page from its own
// server, seed 003's invite:friends form exactly as written, the friend
// selection and confirmation, and the callback that reaches the app's
// server through the gateway, signed, for the same user; the link back to
// the app (http://ma.mixi.net/13579/) stays in the emulator.
func TestMixiGatewayFlow(t *testing.T) {
	srv := emulatortest.Start(t)
	app := newGiftServer(t)
	body, err := json.Marshal(map[string]string{"sapUrl": app.URL + "/gift/"})
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPut, srv.URL+"/_fakeapi/mixi/apps/"+mixiApp+"/sap", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	b := newTab(t)
	const user = "1000004" // けんた: friends 1000001 and 1000006, both with the app
	b.run(t, "should log in and open the app as that user", func(t *testing.T) {
		require.EqualValues(t, http.StatusOK, b.navigate(t, "open the gateway's login page",
			srv.Mixi()+"/ma/login?next="+url.QueryEscape("/mixi/ma/"+mixiApp+"/")))
		b.do(t, "type the user id", chromedp.SendKeys(chromedp.ID("user"), user))
		require.EqualValues(t, http.StatusOK, b.click(t, "press ログイン", "login"))
		assert.Equal(t, user, text(t, b, "viewer"), "the app's server was called for the logged-in user")
		assert.Equal(t, srv.Mixi()+"/ma/"+mixiApp+"/", location(t, b))
	})

	b.run(t, "should run seed 003's form through invite:friends and back to the app's server", func(t *testing.T) {
		require.EqualValues(t, http.StatusOK, b.response(t, "press the form's 送信!",
			chromedp.Click(chromedp.CSS(`form input[type=submit][value="送信!"]`))))
		require.True(t, exists(t, b, "invite-select"), "the friend selection page opens")
		checked := get(t, b, "read the pre-selected friend", chromedp.Evaluate[bool](`document.getElementById('friend-1000006').checked`))
		assert.True(t, checked, "recipients are pre-selected")
		b.do(t, "choose a second friend", chromedp.Click(chromedp.ID("friend-1000001")))
		require.EqualValues(t, http.StatusOK, b.click(t, "press 確認画面へ", "invite-next"))
		assert.Equal(t, "しょう", text(t, b, "recipient-1000006"))
		assert.Equal(t, "さくら", text(t, b, "recipient-1000001"))
		require.EqualValues(t, http.StatusOK, b.click(t, "press はい", "confirm-yes"))

		assert.Equal(t, "1000006,1000001", text(t, b, "members"), "request_member reached the app's server")
		assert.Regexp(t, `^[0-9a-f]{24}$`, text(t, b, "request-id"))
		assert.Equal(t, "invite", text(t, b, "from"), "the callback keeps its own query")
		assert.True(t, strings.HasPrefix(location(t, b), srv.Mixi()+"/ma/"+mixiApp+"/done?from=invite&request_member="), location(t, b))
	})

	b.run(t, "should keep the link back to the app in the gateway", func(t *testing.T) {
		require.EqualValues(t, http.StatusOK, b.click(t, "press アプリのトップへ", "back"))
		assert.Equal(t, user, text(t, b, "viewer"))
		assert.Equal(t, srv.Mixi()+"/ma/"+mixiApp+"/", location(t, b))
	})

	// Every request reached the app's server signed (it answers 401
	// otherwise) and for the logged-in user.
	assert.Equal(t, []string{"/gift/ as " + user, "/gift/done as " + user, "/gift/ as " + user}, app.paths())

	// The journal shows both hops of the callback under one request id.
	hops := map[string]string{}
	for _, e := range srv.Journal("mixi") {
		if e.Path == "/ma/"+mixiApp+"/done" || e.Path == "/gift/done" {
			hops[e.Path] = e.RequestID
		}
	}
	require.Len(t, hops, 2, "%v", hops)
	assert.Equal(t, hops["/ma/"+mixiApp+"/done"], hops["/gift/done"])

	// The stored request names the sender the gateway acted for.
	resp, err = srv.Client().Get(srv.URL + "/_fakeapi/mixi/requests?sender=" + user)
	require.NoError(t, err)
	var list struct {
		Requests []struct {
			Recipients []string `json:"recipients"`
		} `json:"requests"`
	}
	require.NoError(t, decodeJSON(resp, &list))
	require.Len(t, list.Requests, 1)
	assert.Equal(t, []string{"1000006", "1000001"}, list.Requests[0].Recipients)
}

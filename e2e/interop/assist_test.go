package interop_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"
	"golang.org/x/oauth2"

	"github.com/fakeapi/fakeapi/e2e/internal/e2etest"
)

// Assist Tencho's default fixture (docs/providers/assist.md, test accounts).
const (
	assistClientID     = "3f9a1c0d5e7b2a4c6d8e" // 受注連携テストアプリ of テスト店
	assistClientSecret = "9b2e4f6a8c0d1e3f5a7b9c2d4e6f8a0b1c3d5e7f"
	assistRedirect     = "http://127.0.0.1:8081/callback" // as registered
	assistHost         = "asp101.assist-tencho.com"       // テスト店's domain
	assistLoginID      = "test-admin"
	assistPassword     = "Tencho#2024"
	// seed 002's example state.
	assistSeedState = "a397aabc602f7e296db23b0717edd1fda06c345f"

	assistBadCode = `{"error":"invalid_grant","error_description":"Authorization code doesn't exist or is invalid for the client"}`
)

// wantAssistToken is the seed's token response, exactly [doc]:
// {"access_token":"d461ab8…","token_type":"bearer","expires_in":null,"refresh_token":null,"scope":""}.
var wantAssistToken = regexp.MustCompile(`^\{"access_token":"([0-9a-f]{32})","token_type":"bearer","expires_in":null,"refresh_token":null,"scope":""\}$`)

// wantOrder5 is GET orders.php?serial_order_id=5 byte for byte: the
// sample order of Assist's FAQ (docs/providers/assist.md).
func wantOrder5(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("testdata/assist_orders_5.json")
	require.NoError(t, err)
	return string(b)
}

// htmlForm is a form on a page: its action and hidden fields.
type htmlForm struct {
	Action string
	Values url.Values
}

// findForm returns the form with the id from a page.
func findForm(t *testing.T, page, id string) htmlForm {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	require.NoError(t, err)
	attr := func(n *html.Node, k string) string {
		for _, a := range n.Attr {
			if a.Key == k {
				return a.Val
			}
		}
		return ""
	}
	var form *html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "form" && attr(n, "id") == id {
			form = n
		}
		for c := n.FirstChild; c != nil && form == nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	require.NotNil(t, form, "no form #%s in page:\n%s", id, page)
	f := htmlForm{Action: attr(form, "action"), Values: url.Values{}}
	var hidden func(*html.Node)
	hidden = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "input" && attr(n, "type") == "hidden" {
			f.Values.Add(attr(n, "name"), attr(n, "value"))
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			hidden(c)
		}
	}
	hidden(form)
	return f
}

// resolve makes ref absolute against base.
func resolve(t *testing.T, base, ref string) string {
	t.Helper()
	b, err := url.Parse(base)
	require.NoError(t, err)
	r, err := url.Parse(ref)
	require.NoError(t, err)
	return b.ResolveReference(r).String()
}

// assistCode runs the pages without a browser, as docs/providers/assist.md
// describes (cookie jar, no redirects followed): authorize → login →
// authorize → consent → the code from Location.
func assistCode(t *testing.T, base http.RoundTripper, authURL string) string {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	c := &http.Client{Transport: base, Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	// do sends req; it returns the status, body and Location.
	do := func(req *http.Request, err error) (int, string, string) {
		t.Helper()
		require.NoError(t, err)
		resp, err := c.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(b), resp.Header.Get("Location")
	}
	post := func(target string, v url.Values) (*http.Request, error) {
		req, err := http.NewRequest(http.MethodPost, target, strings.NewReader(v.Encode()))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		return req, err
	}
	status, body, _ := do(http.NewRequest(http.MethodGet, authURL, nil))
	require.Equal(t, http.StatusOK, status, body)
	login := findForm(t, body, "login_form")
	login.Values.Set("login_id", assistLoginID)
	login.Values.Set("password", assistPassword)
	status, body, next := do(post(resolve(t, authURL, login.Action), login.Values))
	require.Equal(t, http.StatusSeeOther, status, body)

	next = resolve(t, authURL, next)
	status, body, _ = do(http.NewRequest(http.MethodGet, next, nil))
	require.Equal(t, http.StatusOK, status, body)
	consent := findForm(t, body, "consent_form")
	consent.Values.Set("decision", "allow")
	status, body, next = do(post(resolve(t, next, consent.Action), consent.Values))
	require.Equal(t, http.StatusFound, status, body)
	loc, err := url.Parse(next)
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:8081", loc.Host, "the registered redirect URI")
	return loc.Query().Get("code")
}

// TestAssistWithXOAuth2 exchanges Assist codes with golang.org/x/oauth2 in
// every auth style and calls the orders API with the token; a code
// exchanged twice is refused, and the token of the first exchange keeps
// working unless -assist-revoke-on-code-replay asks for RFC 9700's
// revocation (docs/providers/assist.md, "Token").
func TestAssistWithXOAuth2(t *testing.T) {
	f := start(t, false)
	ctx, cancel := context.WithTimeout(context.WithValue(context.Background(), oauth2.HTTPClient, f.Client), 30*time.Second)
	defer cancel()
	config := func(style oauth2.AuthStyle, f *e2etest.Fakeapi) *oauth2.Config {
		return &oauth2.Config{ClientID: assistClientID, ClientSecret: assistClientSecret, RedirectURL: assistRedirect,
			Scopes: []string{"read_sales"},
			Endpoint: oauth2.Endpoint{
				AuthURL: f.Assist() + "/api/oauth/authorize.php", TokenURL: f.Assist() + "/api/oauth/token.php", AuthStyle: style,
			}}
	}
	orders := func(t *testing.T, f *e2etest.Fakeapi, c *http.Client) (int, string) {
		t.Helper()
		resp, err := c.Get(f.Assist() + "/api/v1/orders.php?serial_order_id=5")
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(b)
	}

	for _, c := range []struct {
		name  string
		style oauth2.AuthStyle
	}{
		{"in the Authorization header", oauth2.AuthStyleInHeader},
		{"in the form body", oauth2.AuthStyleInParams},
		{"as x/oauth2 auto-detects", oauth2.AuthStyleAutoDetect},
	} {
		t.Run("should exchange the code with Exchange, client credentials "+c.name, func(t *testing.T) {
			conf := config(c.style, f)
			code := assistCode(t, f.Client.Transport, conf.AuthCodeURL("state-"+c.name))
			require.Regexp(t, `^[0-9a-f]{40}$`, code)
			tok, err := conf.Exchange(ctx, code)
			require.NoError(t, err)
			assert.Regexp(t, `^[0-9a-f]{32}$`, tok.AccessToken)
			assert.Equal(t, "bearer", tok.TokenType)
			assert.Empty(t, tok.RefreshToken, "refresh_token is null [doc]")
			assert.True(t, tok.Expiry.IsZero(), "expires_in is null: the token never expires [doc]")

			status, body := orders(t, f, conf.Client(ctx, tok))
			assert.Equal(t, http.StatusOK, status)
			assert.Equal(t, wantOrder5(t), body)
		})
	}

	// replay exchanges a code twice at f and reads orders with the first
	// token.
	replay := func(t *testing.T, f *e2etest.Fakeapi) int {
		t.Helper()
		ctx := context.WithValue(ctx, oauth2.HTTPClient, f.Client)
		conf := config(oauth2.AuthStyleInParams, f)
		code := assistCode(t, f.Client.Transport, conf.AuthCodeURL("replay"))
		tok, err := conf.Exchange(ctx, code)
		require.NoError(t, err)
		_, err = conf.Exchange(ctx, code)
		var re *oauth2.RetrieveError
		require.True(t, errors.As(err, &re), "%v", err)
		assert.Equal(t, http.StatusBadRequest, re.Response.StatusCode)
		assert.Equal(t, assistBadCode, string(re.Body))
		status, _ := orders(t, f, conf.Client(ctx, tok))
		return status
	}
	t.Run("should refuse a code exchanged twice and keep the token it gave", func(t *testing.T) {
		assert.Equal(t, http.StatusOK, replay(t, f), "the first token still reads orders")
	})
	t.Run("should revoke the token of a code exchanged twice with -assist-revoke-on-code-replay", func(t *testing.T) {
		revoking := e2etest.Start(t, fakeapiBin, false, "-assist-revoke-on-code-replay")
		assert.Equal(t, http.StatusUnauthorized, replay(t, revoking), "the first token is revoked")
	})
}

// TestAssistSeedCurlReplay replays seed 002 with the system curl at the
// shop's real host name (https://asp101.assist-tencho.com, connected to the
// emulator): the seed's authorize URL (without /api, as written), login and
// consent through the forms, the PHP sample's token request
// (grant_type=client_credentials with the code), the sample orders call, and
// the documented one-time use of a code. Bodies are checked exactly.
func TestAssistSeedCurlReplay(t *testing.T) {
	f := start(t, true)
	curl := newCurler(t, f)
	site := "https://" + assistHost

	// 認証ページ表示: the seed's example URL with this app's values.
	authURL := site + "/oauth/authorize.php?client_id=" + assistClientID + "&redirect_uri=" + url.QueryEscape(assistRedirect) +
		"&response_type=code&scope=read_sales&state=" + assistSeedState
	var code string
	t.Run("should lead the seed's authorize URL through login and consent to the redirect URL with the code", func(t *testing.T) {
		page := curl.run(t, authURL)
		require.Equal(t, http.StatusOK, page.Status, page.Body)
		login := findForm(t, page.Body, "login_form")
		args := []string{}
		for k, vs := range login.Values {
			for _, v := range vs {
				args = append(args, "--data-urlencode", k+"="+v)
			}
		}
		args = append(args, "--data-urlencode", "login_id="+assistLoginID, "--data-urlencode", "password="+assistPassword)
		res := curl.run(t, append(args, resolve(t, authURL, login.Action))...)
		require.Equal(t, http.StatusSeeOther, res.Status, res.Body)

		page = curl.run(t, res.RedirectURL)
		require.Equal(t, http.StatusOK, page.Status, page.Body)
		consent := findForm(t, page.Body, "consent_form")
		args = []string{"--data-urlencode", "decision=allow"}
		for k, vs := range consent.Values {
			for _, v := range vs {
				args = append(args, "--data-urlencode", k+"="+v)
			}
		}
		res = curl.run(t, append(args, resolve(t, res.RedirectURL, consent.Action))...)
		require.Equal(t, http.StatusFound, res.Status, res.Body)

		// 認可コードを取得: https://{御社ツールドメイン名}/getAuth.php?code=xxxxxxxxx&state=zzzzzzzzz
		loc, err := url.Parse(res.RedirectURL)
		require.NoError(t, err)
		assert.Equal(t, assistRedirect, loc.Scheme+"://"+loc.Host+loc.Path)
		assert.Equal(t, assistSeedState, loc.Query().Get("state"))
		code = loc.Query().Get("code")
		assert.Regexp(t, `^[0-9a-f]{40}$`, code)
	})

	// アクセストークン取得: the PHP sample's parameters, as curl -d sends them.
	tokenRequest := func() curlResult {
		return curl.run(t, site+"/api/oauth/token.php",
			"-d", "client_id="+assistClientID, "-d", "client_secret="+assistClientSecret,
			"-d", "code="+code, "-d", "grant_type=client_credentials",
			"--data-urlencode", "redirect_uri="+assistRedirect)
	}
	var token string
	t.Run("should answer the seed's token request with the documented body", func(t *testing.T) {
		require.NotEmpty(t, code)
		res := tokenRequest()
		assert.Equal(t, http.StatusOK, res.Status)
		assert.Equal(t, "application/json", res.ContentType)
		m := wantAssistToken.FindStringSubmatch(res.Body)
		require.NotNil(t, m, "body %s", res.Body)
		token = m[1]
	})

	t.Run("should answer the seed's sample orders call with the reference order", func(t *testing.T) {
		require.NotEmpty(t, token)
		res := curl.run(t, "-H", "Authorization: Bearer "+token, site+"/api/v1/orders.php?serial_order_id=5")
		assert.Equal(t, http.StatusOK, res.Status)
		assert.Equal(t, wantOrder5(t), res.Body)
	})

	// The PHP sample exchanges $_GET['code'] again on every reload of its
	// page; the token it saved the first time keeps working.
	t.Run("should exchange a code only once (認可コードをアクセストークンに交換できるのは1度だけです) and keep the first token", func(t *testing.T) {
		require.NotEmpty(t, token)
		res := tokenRequest()
		assert.Equal(t, http.StatusBadRequest, res.Status)
		assert.Equal(t, assistBadCode, res.Body)
		orders := curl.run(t, "-H", "Authorization: Bearer "+token, site+"/api/v1/orders.php?serial_order_id=5")
		assert.Equal(t, http.StatusOK, orders.Status, "the replay leaves the first token alone")
		assert.Equal(t, wantOrder5(t), orders.Body)
	})
}

package browser_test

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/fakeapi/fakeapi/emulator/emulatortest"
)

// Assist Tencho's default fixture (docs/providers/assist.md, test accounts).
const (
	assistClientID     = "3f9a1c0d5e7b2a4c6d8e" // 受注連携テストアプリ: http://127.0.0.1:8081/callback
	assistClientSecret = "9b2e4f6a8c0d1e3f5a7b9c2d4e6f8a0b1c3d5e7f"
	assistAppName      = "受注連携テストアプリ"
	assistShopName     = "テスト店"
	assistLoginID      = "test-admin"
	assistPassword     = "Tencho#2024"
	// The page's text for an unregistered redirect URI (emulator/assist/pages.go).
	assistLoginFailedText = "ログインIDまたはパスワードが正しくありません。"
	assistBadRedirectText = "redirect_uri がアプリケーション登録時に入力したリダイレクトURLと一致しません。"
)

// TestAssistCodeFlow runs Assist Tencho's authorization-code flow in a real
// browser: login once per browser session, consent, the code at the
// redirect URI (then exchanged by golang.org/x/oauth2), and the error page
// for a redirect URI that was never registered.
//
// The callback server listens on a random port, so the registered loopback
// URL is matched on any port (-loopback-redirect-any-port); by default Assist
// wants the registered URL itself.
func TestAssistCodeFlow(t *testing.T) {
	srv := emulatortest.Start(t, emulatortest.WithLoopbackRedirectAnyPort())
	cb := newCallbackServer(t, nil)
	b := newTab(t)
	conf := &oauth2.Config{
		ClientID: assistClientID, ClientSecret: assistClientSecret, RedirectURL: cb.URL + "/callback",
		Scopes: []string{"read_sales"},
		Endpoint: oauth2.Endpoint{
			AuthURL:  srv.Assist() + "/api/oauth/authorize.php",
			TokenURL: srv.Assist() + "/api/oauth/token.php",
		},
	}
	allow := func(t *testing.T) seen {
		t.Helper()
		assert.Contains(t, text(t, b, "consent_app"), assistAppName)
		assert.Contains(t, text(t, b, "consent_app"), assistShopName)
		assert.Equal(t, "read_sales", text(t, b, "consent_scope"))
		require.EqualValues(t, http.StatusOK, b.click(t, "press 許可する", "consent_allow"))
		return readCallback(t, b)
	}

	var first string
	b.run(t, "should ask for the admin login the first time in a browser session", func(t *testing.T) {
		require.EqualValues(t, http.StatusOK, b.navigate(t, "open the authorization page", conf.AuthCodeURL("first-state")))
		require.True(t, exists(t, b, "login_form"), "a new browser session logs in first")
		assert.Contains(t, text(t, b, "login_notice"), assistAppName)
		b.do(t, "log in with a wrong password",
			chromedp.SendKeys(chromedp.ID("login_id"), assistLoginID),
			chromedp.SendKeys(chromedp.ID("password"), "not-the-password"))
		require.EqualValues(t, http.StatusOK, b.click(t, "press ログイン", "login_submit"))
		assert.Equal(t, assistLoginFailedText, text(t, b, "login_error"))
		b.do(t, "clear the form", chromedp.Clear(chromedp.ID("login_id")))
		b.do(t, "fill the login form",
			chromedp.SendKeys(chromedp.ID("login_id"), assistLoginID),
			chromedp.SendKeys(chromedp.ID("password"), assistPassword))
		require.EqualValues(t, http.StatusOK, b.click(t, "press ログイン", "login_submit"))
		require.True(t, exists(t, b, "consent_form"), "the login leads to the consent page")

		got := allow(t)
		assert.Regexp(t, `^[0-9a-f]{40}$`, got.Query["code"], got)
		assert.Equal(t, "first-state", got.Query["state"])
		first = got.Query["code"]
		assert.Equal(t, []string{"/callback?code=" + first + "&state=first-state"}, cb.Hits(), "the code arrives at the redirect URI")
	})

	b.run(t, "should give a code that golang.org/x/oauth2 exchanges for a working token", func(t *testing.T) {
		require.NotEmpty(t, first)
		ctx, cancel := context.WithTimeout(context.WithValue(context.Background(), oauth2.HTTPClient, srv.Client()), 10*time.Second)
		defer cancel()
		tok, err := conf.Exchange(ctx, first)
		require.NoError(t, err)
		assert.Regexp(t, `^[0-9a-f]{32}$`, tok.AccessToken)
		resp, err := conf.Client(ctx, tok).Get(srv.Assist() + "/api/v1/orders.php?serial_order_id=5")
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, resp.StatusCode, string(body))
		assert.Contains(t, string(body), `"serial_order_id":5,`)
	})

	b.run(t, "should skip the login the second time in the same browser session", func(t *testing.T) {
		require.EqualValues(t, http.StatusOK, b.navigate(t, "open the authorization page again", conf.AuthCodeURL("second-state")))
		assert.False(t, exists(t, b, "login_form"), "the session remembers the admin")
		require.True(t, exists(t, b, "consent_form"), "consent is asked every time")
		got := allow(t)
		assert.Regexp(t, `^[0-9a-f]{40}$`, got.Query["code"], got)
		assert.NotEqual(t, first, got.Query["code"])
		assert.Equal(t, "second-state", got.Query["state"])
	})

	b.run(t, "should send access_denied and the state when the admin refuses", func(t *testing.T) {
		require.EqualValues(t, http.StatusOK, b.navigate(t, "open the authorization page", conf.AuthCodeURL("deny-state")))
		require.EqualValues(t, http.StatusOK, b.click(t, "press 許可しない", "consent_deny"))
		got := readCallback(t, b)
		assert.Equal(t, "access_denied", got.Query["error"], got)
		assert.Equal(t, "deny-state", got.Query["state"])
		assert.NotContains(t, got.Query, "code")
	})

	b.run(t, "should show the error page and stay on it for an unregistered redirect URI", func(t *testing.T) {
		before := len(cb.Hits())
		bad := *conf
		bad.RedirectURL = cb.URL + "/elsewhere"
		u := bad.AuthCodeURL("bad-state")
		assert.EqualValues(t, http.StatusBadRequest, b.navigate(t, "open the authorization page with a bad redirect URI", u))
		assert.Equal(t, assistBadRedirectText, text(t, b, "error_message"))
		assert.Equal(t, "invalid_request", text(t, b, "error_code"))
		b.do(t, "give the page time to navigate, which it must not", chromedp.Sleep(500*time.Millisecond))
		assert.Equal(t, u, location(t, b), "the browser stays on the error page")
		assert.Len(t, cb.Hits(), before, "nothing reaches the client")
		links := get(t, b, "list the page's links", chromedp.Evaluate[int](`document.querySelectorAll('a[href], form, meta[http-equiv]').length`))
		assert.Zero(t, links, "the error page offers no way to the unvalidated URI")
	})
}

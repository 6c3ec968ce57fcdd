package browser_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/emulator/emulatortest"
)

// IIJmio's default fixture (docs/providers/iijmio.md, test accounts).
const (
	iijDeveloper = "MioponDemoApp000001" // registers http://127.0.0.1/callback
	iijAppName   = "クーポンスイッチ デモ"
	iijMioID     = "mio-taro"
	iijPassword  = "taro-pass-01"
	// The page's text for an unregistered redirect URI (emulator/iijmio/authorize.go).
	iijBadRedirectText = "redirect_uri がアプリケーションに登録されたリダイレクトURIと一致しません。"
)

// TestIIJmioImplicitFlow logs in and consents on IIJmio's pages in a real
// browser; the test's redirect page reads the token and state from
// location.hash with its own script, as a browser app does.
//
// The callback server listens on a random port, so the emulator runs with
// -loopback-redirect-any-port: by default redirect URIs match exactly.
func TestIIJmioImplicitFlow(t *testing.T) {
	srv := emulatortest.Start(t, emulatortest.WithLoopbackRedirectAnyPort())
	cb := newCallbackServer(t, nil)
	b := newTab(t)
	redirect := cb.URL + "/callback"
	authorize := func(state string) string {
		return srv.IIJmio() + "/mobile/d/v1/authorization/?" + url.Values{
			"response_type": {"token"}, "client_id": {iijDeveloper}, "redirect_uri": {redirect}, "state": {state},
		}.Encode()
	}
	login := func(t *testing.T, state, password string) {
		t.Helper()
		require.EqualValues(t, http.StatusOK, b.navigate(t, "open the authorization page", authorize(state)))
		b.do(t, "fill the login form",
			chromedp.SendKeys(chromedp.ID("username"), iijMioID),
			chromedp.SendKeys(chromedp.ID("password"), password))
		// a#submit submits the form from its inline script, as on the real page.
		b.click(t, "press ログイン", "submit")
	}

	b.run(t, "should show the error on the login page after a wrong password", func(t *testing.T) {
		login(t, "wrong-password", "not-the-password")
		assert.Equal(t, "mioIDまたはmioパスワードが正しくありません。", text(t, b, "error"))
		assert.True(t, exists(t, b, "username"), "the login form is shown again")
		assert.Empty(t, cb.Hits(), "nothing reaches the redirect URI")
	})

	// A state with every character that must survive form encoding in a fragment.
	const state = "st&te=1#2+3%4 あ"
	var token string
	b.run(t, "should hand the token and state to the redirect page's script", func(t *testing.T) {
		login(t, state, iijPassword)
		assert.Equal(t, iijAppName+"が以下の機能の許可を求めています。", text(t, b, "title"))
		require.EqualValues(t, http.StatusOK, b.click(t, "press 許可する", "confirm"))

		got := readCallback(t, b)
		assert.Regexp(t, `^[A-Za-z0-9]{32}$`, got.Hash["access_token"], got)
		assert.Equal(t, state, got.Hash["state"])
		assert.Equal(t, "Bearer", got.Hash["token_type"])
		assert.Equal(t, "7776000", got.Hash["expires_in"])
		assert.Empty(t, got.Query, "the implicit grant puts nothing in the query")
		assert.Equal(t, []string{"/callback"}, cb.Hits(), "the fragment never reaches the server")
		token = got.Hash["access_token"]
	})

	b.run(t, "should accept the page's token on the coupon API", func(t *testing.T) {
		require.NotEmpty(t, token)
		req, err := http.NewRequest(http.MethodGet, srv.IIJmio()+"/mobile/d/v1/coupon/", nil)
		require.NoError(t, err)
		req.Header.Set("X-IIJmio-Developer", iijDeveloper)
		req.Header.Set("X-IIJmio-Authorization", token)
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var body struct {
			ReturnCode string `json:"returnCode"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, "OK", body.ReturnCode)
	})

	b.run(t, "should send access_denied and the state when the user refuses", func(t *testing.T) {
		login(t, "deny-42", iijPassword)
		require.EqualValues(t, http.StatusOK, b.click(t, "press 許可しない", "cancel"))
		got := readCallback(t, b)
		assert.Equal(t, "access_denied", got.Hash["error"], got)
		assert.Equal(t, "deny-42", got.Hash["state"])
		assert.NotContains(t, got.Hash, "access_token")
	})

	b.run(t, "should show the error page and stay on it for an unregistered redirect URI", func(t *testing.T) {
		before := len(cb.Hits())
		u := srv.IIJmio() + "/mobile/d/v1/authorization/?" + url.Values{
			"response_type": {"token"}, "client_id": {iijDeveloper}, "redirect_uri": {cb.URL + "/elsewhere"}, "state": {"bad"},
		}.Encode()
		assert.EqualValues(t, http.StatusBadRequest, b.navigate(t, "open the authorization page with a bad redirect URI", u))
		assert.Equal(t, iijBadRedirectText, text(t, b, "message"))
		assert.Equal(t, "invalid_request", text(t, b, "error-code"))
		b.do(t, "give the page time to navigate, which it must not", chromedp.Sleep(500*time.Millisecond))
		assert.Equal(t, u, location(t, b), "the browser stays on the error page")
		assert.Len(t, cb.Hits(), before, "nothing reaches the client")
	})
}

package browser_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/emulator/emulatortest"
)

// iijReadyToken is the default fixture's ready token for mio-taro.
const iijReadyToken = "MioTaroDemoToken0000000000000001"

// journalRow is one row of the dashboard's request table.
type journalRow struct {
	Provider string `json:"provider"`
	Method   string `json:"method"`
	Path     string `json:"path"`
	Status   string `json:"status"`
}

// TestDashboard opens /_fakeapi/ in a real browser: it lists the providers
// with their live state, the test accounts and the latest requests, and its
// reset button (a same-origin form post through the admin API's
// cross-origin protection) puts the fixtures back.
func TestDashboard(t *testing.T) {
	srv := emulatortest.Start(t)
	b := newTab(t)

	couponGet := func(token string) int {
		req, err := http.NewRequest(http.MethodGet, srv.IIJmio()+"/mobile/d/v1/coupon/", nil)
		require.NoError(t, err)
		req.Header.Set("X-IIJmio-Developer", iijDeveloper)
		req.Header.Set("X-IIJmio-Authorization", token)
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	// State to see and then reset: a second IIJmio token, made without the pages.
	resp, err := srv.Client().Post(srv.URL+"/_fakeapi/iijmio/tokens", "application/json",
		strings.NewReader(`{"mioId":"mio-hanako","developerId":"`+iijDeveloper+`"}`))
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	var minted struct {
		AccessToken string `json:"access_token"`
	}
	require.NoError(t, decodeJSON(resp, &minted))
	require.Equal(t, http.StatusOK, couponGet(minted.AccessToken))
	now := srv.Advance(36 * time.Hour)

	iijTokens := func(t *testing.T) string {
		return get(t, b, "read the IIJmio token count", chromedp.TextContent(
			chromedp.CSS(`#providers tr[data-provider="iijmio"] .stat[data-name="tokens"] b`)))
	}

	b.run(t, "should show the providers, their live state, the accounts, the clock and the journal", func(t *testing.T) {
		require.EqualValues(t, http.StatusOK, b.navigate(t, "open the dashboard", srv.URL+"/_fakeapi/"))
		providers := get(t, b, "list the providers", chromedp.Evaluate[[]string](
			`Array.from(document.querySelectorAll('#providers tr[data-provider]')).map(r => r.dataset.provider)`))
		assert.Equal(t, []string{"iijmio", "kii", "assist", "mixi"}, providers)
		assert.Equal(t, "2", iijTokens(t), "the fixture's ready token and the one just made")

		accounts := text(t, b, "accounts")
		for _, id := range []string{"mio-taro", "user_123456", "test-admin", "3f5c2a9e1b7d4c6a8e0f"} {
			assert.Contains(t, accounts, id)
		}

		clock, err := time.Parse(time.RFC3339, text(t, b, "clock"))
		require.NoError(t, err)
		assert.WithinDuration(t, now, clock, time.Minute, "the emulator clock, moved 36 h ahead")

		rows := get(t, b, "read the journal", chromedp.Evaluate[[]journalRow](
			`Array.from(document.querySelectorAll('#journal tr.entry')).map(r => {
			   const c = r.querySelectorAll('td');
			   return {provider: c[2].textContent, method: c[3].textContent, path: c[4].textContent, status: c[5].textContent};
			 })`))
		assert.Contains(t, rows, journalRow{"iijmio", "GET", "/iijmio/mobile/d/v1/coupon/", "200"}, rows)
	})

	b.run(t, "should reset every provider when the reset button is pressed", func(t *testing.T) {
		require.True(t, exists(t, b, "reset-form"))
		require.EqualValues(t, http.StatusOK, b.click(t, "press the reset button", "reset"))
		assert.Equal(t, srv.URL+"/_fakeapi/", location(t, b), "back on the dashboard")
		assert.Equal(t, "1", iijTokens(t), "only the fixture's token is left")
		assert.Equal(t, http.StatusForbidden, couponGet(minted.AccessToken), "the token made before the reset is gone")
		assert.Equal(t, http.StatusOK, couponGet(iijReadyToken), "the fixture's token is back")
	})
}

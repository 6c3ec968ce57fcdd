package assist

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// TestEndToEndWithXOAuth2 runs the real client library: AuthCodeURL → login
// and consent through a browser with a cookie jar → Exchange → orders CRUD,
// then the replay and expiry cases.
func TestEndToEndWithXOAuth2(t *testing.T) {
	t.Parallel()
	// client-loop registers http://127.0.0.1/callback; with the option any
	// port matches (RFC 8252 loopback redirect).
	e := newEnv(t, Config{LoopbackRedirectAnyPort: true})
	f := newFlow(t, e)
	cfg := oauth2.Config{
		ClientID: "client-loop", ClientSecret: "secret-loop",
		Endpoint: oauth2.Endpoint{
			AuthURL:  f.srv.URL + "/assist/api/oauth/authorize.php",
			TokenURL: f.srv.URL + "/assist/api/oauth/token.php",
		},
		RedirectURL: "http://127.0.0.1:8081/callback",
		Scopes:      []string{"read_sales"},
	}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, f.srv.Client())

	// code runs the pages from AuthCodeURL and returns the callback's code.
	code := func(state string) string {
		_, doc := f.get(cfg.AuthCodeURL(state))
		if byID(doc, "login_form") != nil {
			res, _ := f.login(doc, "admin", "pass-word")
			require.Equal(t, http.StatusSeeOther, res.StatusCode)
			_, doc = f.get(res.Header.Get("Location"))
		}
		res := f.consent(doc, "allow")
		require.Equal(t, http.StatusFound, res.StatusCode)
		loc, err := url.Parse(res.Header.Get("Location"))
		require.NoError(t, err)
		assert.Equal(t, "127.0.0.1:8081", loc.Host)
		assert.Equal(t, state, loc.Query().Get("state"))
		return loc.Query().Get("code")
	}

	c1 := code("state-1")
	tok, err := cfg.Exchange(ctx, c1)
	require.NoError(t, err)
	assert.Regexp(t, `^[0-9a-f]{32}$`, tok.AccessToken)
	assert.Equal(t, "Bearer", tok.Type(), "lower-case bearer becomes Bearer")
	assert.True(t, tok.Expiry.IsZero(), "expires_in null: no expiry")
	assert.Empty(t, tok.RefreshToken)

	hc := cfg.Client(ctx, tok)
	base := f.srv.URL + "/assist" + ordersPath
	call := func(method, target string, body any) (int, map[string]any) {
		var rd *bytes.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		} else {
			rd = bytes.NewReader(nil)
		}
		req, _ := http.NewRequest(method, target, rd)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := hc.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		var m map[string]any
		require.NoError(t, json.NewDecoder(res.Body).Decode(&m))
		return res.StatusCode, m
	}

	status, m := call(http.MethodGet, base+"?serial_order_id=5", nil)
	require.Equal(t, 200, status)
	assert.Equal(t, "山田", m["orders"].([]any)[0].(map[string]any)["order_name01"])

	status, m = call(http.MethodPost, base, newOrder())
	require.Equal(t, 201, status, m)
	id := m["order"].(map[string]any)["serial_order_id"].(float64)
	target := base + "?serial_order_id=" + strconv.Itoa(int(id))

	status, m = call(http.MethodPut, target, map[string]any{"order_status": 6, "payment_date": "2024-04-10 09:45:00"})
	require.Equal(t, 200, status, m)
	assert.Equal(t, "入金済み", m["order"].(map[string]any)["order_status_name"])

	status, m = call(http.MethodGet, target, nil)
	require.Equal(t, 200, status)
	assert.Equal(t, "2024-04-10 09:45:00", m["orders"].([]any)[0].(map[string]any)["payment_date"])

	status, m = call(http.MethodDelete, target, nil)
	require.Equal(t, 200, status)
	assert.Equal(t, true, m["deleted"])
	status, m = call(http.MethodGet, target, nil)
	require.Equal(t, 200, status)
	assert.Equal(t, float64(0), m["total"])

	t.Run("should refuse a replayed code and keep its token", func(t *testing.T) {
		_, err := cfg.Exchange(ctx, c1)
		var re *oauth2.RetrieveError
		require.ErrorAs(t, err, &re)
		assert.Equal(t, "invalid_grant", re.ErrorCode)
		status, _ := call(http.MethodGet, base, nil)
		assert.Equal(t, 200, status)
	})
	t.Run("should refuse an expired code", func(t *testing.T) {
		c := code("state-2") // no login: same browser session
		_, err := e.clk.Advance(11 * time.Minute)
		require.NoError(t, err)
		_, err = cfg.Exchange(ctx, c)
		var re *oauth2.RetrieveError
		require.ErrorAs(t, err, &re)
		assert.Equal(t, "The authorization code has expired", re.ErrorDescription)
	})
	t.Run("should exchange with credentials in the body too", func(t *testing.T) {
		inParams := cfg
		inParams.Endpoint.AuthStyle = oauth2.AuthStyleInParams
		tok, err := inParams.Exchange(ctx, code("state-3"))
		require.NoError(t, err)
		assert.NotEmpty(t, tok.AccessToken)
	})
}

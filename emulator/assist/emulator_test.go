package assist_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/emulator/assist"
	"github.com/fakeapi/fakeapi/emulator/emulatortest"
)

// The default fixture's 受注連携テストアプリ of テスト店
// (docs/providers/assist.md, "Test accounts").
const (
	optClientID = "3f9a1c0d5e7b2a4c6d8e"
	optSecret   = "9b2e4f6a8c0d1e3f5a7b9c2d4e6f8a0b1c3d5e7f"
)

// TestLoopbackOptionReachesAssist drives -loopback-redirect-any-port
// through emulatortest and emulator.Config: the registered
// http://127.0.0.1:8081/callback matches exactly by default, on any valid
// port with the option (docs/providers/assist.md, "Authorization").
func TestLoopbackOptionReachesAssist(t *testing.T) {
	t.Parallel()
	status := func(srv *emulatortest.Server, redirect string) int {
		u := srv.Assist() + "/api/oauth/authorize.php?" + url.Values{
			"client_id": {optClientID}, "redirect_uri": {redirect}, "response_type": {"code"}, "state": {"s"},
		}.Encode()
		resp, err := srv.Client().Get(u)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	exact := emulatortest.Start(t)
	assert.Equal(t, http.StatusOK, status(exact, "http://127.0.0.1:8081/callback"))
	assert.Equal(t, http.StatusBadRequest, status(exact, "http://127.0.0.1:43117/callback"), "exact by default")

	anyPort := emulatortest.Start(t, emulatortest.WithLoopbackRedirectAnyPort())
	assert.Equal(t, http.StatusOK, status(anyPort, "http://127.0.0.1:8081/callback"))
	assert.Equal(t, http.StatusOK, status(anyPort, "http://127.0.0.1:43117/callback"))
	assert.Equal(t, http.StatusBadRequest, status(anyPort, "http://127.0.0.1:65536/callback"), "no impossible port")
}

// TestShopsAreTenantsThroughTheEmulator: with the default fixture, a token
// of テスト店 (asp101.assist-tencho.com, /shop01/) reads its orders under the
// /assist prefix, its host and its directory, and gets 401 invalid_token at
// みなと食品オンライン's host (asp102.assist-tencho.com) and directory
// (/shop02/), where it used to read テスト店's orders
// (docs/providers/assist.md, "Shops").
func TestShopsAreTenantsThroughTheEmulator(t *testing.T) {
	t.Parallel()
	const token = "00112233445566778899aabbccddeeff"
	srv := emulatortest.Start(t)
	fx := srv.AssistFixtures()
	fx.Grants = []assist.GrantFx{{ClientID: optClientID, GrantedBy: "test-admin", GrantedAt: "2024-04-01 09:00:00", Scope: "read_sales"}}
	fx.Tokens = []assist.TokenFx{{AccessToken: token, ClientID: optClientID, IssuedAt: "2024-04-01 09:00:01"}}
	srv.SeedAssist(fx)
	get := func(target string) (int, string) {
		req, err := http.NewRequest(http.MethodGet, target, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(body)
	}
	const order5 = `"mall_order_id":"123456-20240401-0000001"`
	for _, target := range []string{
		srv.Assist() + "/api/v1/orders.php?serial_order_id=5",
		srv.Assist() + "/shop01/api/v1/orders.php?serial_order_id=5",
		"https://asp101.assist-tencho.com/api/v1/orders.php?serial_order_id=5",
		"https://asp101.assist-tencho.com/shop01/api/v1/orders.php?serial_order_id=5",
	} {
		status, body := get(target)
		assert.Equal(t, http.StatusOK, status, target)
		assert.Contains(t, body, order5, target)
	}
	for _, target := range []string{
		srv.Assist() + "/shop02/api/v1/orders.php?serial_order_id=5",
		"https://asp102.assist-tencho.com/api/v1/orders.php?serial_order_id=5",
		"https://asp102.assist-tencho.com/shop02/api/v1/orders.php?serial_order_id=5",
		"https://asp101.assist-tencho.com/shop02/api/v1/orders.php?serial_order_id=5",
	} {
		status, body := get(target)
		assert.Equal(t, http.StatusUnauthorized, status, target)
		assert.Equal(t, `{"error":"invalid_token","error_description":"The access token provided is invalid"}`, body, target)
	}
}

// TestRevokeOnReplayOptionReachesAssist drives
// -assist-revoke-on-code-replay through emulatortest and emulator.Config:
// a used code exchanged again is invalid_grant, and the token of its first
// exchange keeps reading orders by default and is revoked with the option
// (docs/providers/assist.md, "Token").
func TestRevokeOnReplayOptionReachesAssist(t *testing.T) {
	t.Parallel()
	const (
		used  = "0123456789abcdef0123456789abcdef01234567"
		token = "00112233445566778899aabbccddeeff"
	)
	replayThenRead := func(srv *emulatortest.Server) int {
		fx := srv.AssistFixtures()
		fx.Grants = []assist.GrantFx{{ClientID: optClientID, GrantedBy: "test-admin", GrantedAt: "2024-04-01 09:00:00", Scope: "read_sales"}}
		fx.Codes = []assist.CodeFx{{Code: used, ClientID: optClientID, ExpiresAt: "2099-01-01 00:00:00", Used: true, Tokens: []string{token}}}
		fx.Tokens = []assist.TokenFx{{AccessToken: token, ClientID: optClientID, IssuedAt: "2024-04-01 09:00:01"}}
		srv.SeedAssist(fx)

		form := url.Values{"client_id": {optClientID}, "client_secret": {optSecret}, "code": {used}, "grant_type": {"client_credentials"}}
		resp, err := srv.Client().Post(srv.Assist()+"/api/oauth/token.php", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
		assert.Contains(t, string(body), `"error":"invalid_grant"`)

		req, err := http.NewRequest(http.MethodGet, srv.Assist()+"/api/v1/orders.php?serial_order_id=5", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err = srv.Client().Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	assert.Equal(t, http.StatusOK, replayThenRead(emulatortest.Start(t)), "the first token stays by default")
	assert.Equal(t, http.StatusUnauthorized, replayThenRead(emulatortest.Start(t, emulatortest.WithAssistRevokeOnCodeReplay())))
}

// TestOrdersHeadThroughTheEmulator: HEAD on orders.php reaches Assist
// through the emulator's root and is answered as GET without the body
// (docs/providers/assist.md, "Query strings and HEAD").
func TestOrdersHeadThroughTheEmulator(t *testing.T) {
	t.Parallel()
	const token = "00112233445566778899aabbccddeeff"
	srv := emulatortest.Start(t)
	fx := srv.AssistFixtures()
	fx.Grants = []assist.GrantFx{{ClientID: optClientID, GrantedBy: "test-admin", GrantedAt: "2024-04-01 09:00:00", Scope: "read_sales"}}
	fx.Tokens = []assist.TokenFx{{AccessToken: token, ClientID: optClientID, IssuedAt: "2024-04-01 09:00:01"}}
	srv.SeedAssist(fx)
	do := func(method string) (*http.Response, []byte) {
		req, err := http.NewRequest(method, "https://asp101.assist-tencho.com/shop01/api/v1/orders.php?serial_order_id=5", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp, b
	}
	get, body := do(http.MethodGet)
	head, headBody := do(http.MethodHead)
	require.Equal(t, http.StatusOK, get.StatusCode, string(body))
	assert.Equal(t, http.StatusOK, head.StatusCode)
	assert.Empty(t, headBody)
	assert.Equal(t, "application/json", head.Header.Get("Content-Type"))
	assert.Equal(t, get.Header.Get("Content-Length"), head.Header.Get("Content-Length"))
}

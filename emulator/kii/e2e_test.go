package kii

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// client talks to a running emulator the way one Kii client style does.
type client struct {
	t    *testing.T
	base string
	http *http.Client
	// login posts username/password and returns the response.
	login func(c *client, username, password string) (*http.Response, map[string]any)
}

func (c *client) send(method, path string, header map[string]string, body string) (*http.Response, map[string]any) {
	c.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r, err := http.NewRequest(method, c.base+path, rd)
	require.NoError(c.t, err)
	for k, v := range header {
		// Set the names as written: the server must match them case-insensitively.
		r.Header[k] = []string{v}
	}
	resp, err := c.http.Do(r)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	var m map[string]any
	if len(raw) > 0 {
		require.NoError(c.t, json.Unmarshal(raw, &m), "body %s", raw)
	}
	return resp, m
}

// seedLogin is the login guide's curl: Basic, JSON, grant_type=password, on the
// app-scoped route.
func seedLogin(c *client, username, password string) (*http.Response, map[string]any) {
	body, _ := json.Marshal(map[string]string{"grant_type": "password", "username": username, "password": password})
	return c.send("POST", "/api/apps/app1/oauth2/token", map[string]string{"Authorization": basic(app1, key1), "Content-Type": "application/json"}, string(body))
}

// sdkLogin is the JS SDK's login: the site-level route, headers only (in
// lower case, as a browser may send them), no grant_type, disable_cache,
// X-Kii-SDK and Connection: close (docs/providers/kii.md, "Sources").
func sdkLogin(c *client, username, password string) (*http.Response, map[string]any) {
	body, _ := json.Marshal(map[string]string{"username": username, "password": password})
	return c.send("POST", "/api/oauth2/token?disable_cache=1449057600000", map[string]string{
		"x-kii-appid": app1, "x-kii-appkey": "ignored", "x-kii-sdk": "sn=jsa;sv=2.4.19", "content-type": "application/json", "Connection": "close",
	}, string(body))
}

// get is an SDK-style GET: Content-Type on a body-less GET, disable_cache.
func (c *client) get(path, token string) (*http.Response, map[string]any) {
	return c.send("GET", path+"?disable_cache=1", map[string]string{
		"Authorization": "Bearer " + token, "X-Kii-AppID": app1, "X-Kii-AppKey": key1, "Content-Type": "application/json", "X-Kii-SDK": "sn=jsa;sv=2.4.19",
	}, "")
}

// TestEndToEnd runs the whole user flow with the login guide's client style
// and with the JS SDK's: register → log in with each username form →
// users/me → change password → the old token is refused → log in with the
// new password → disable → that token is refused.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	for name, login := range map[string]func(*client, string, string) (*http.Response, map[string]any){
		"should pass the flow through the app-scoped route (seed curl)":                 seedLogin,
		"should pass the flow through /api/oauth2/token with headers and no grant_type": sdkLogin,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			srv := httptest.NewServer(e.h)
			t.Cleanup(srv.Close)
			c := &client{t: t, base: srv.URL, http: srv.Client(), login: login}
			endToEnd(t, c)
		})
	}
}

func endToEnd(t *testing.T, c *client) {
	// Register.
	resp, user := c.send("POST", "/api/apps/app1/users", map[string]string{
		"X-Kii-AppID": app1, "X-Kii-AppKey": key1, "Content-Type": "application/vnd.kii.RegistrationRequest+json",
	}, `{"loginName":"ichiro","displayName":"鈴木一郎","country":"JP","emailAddress":"ichiro@example.jp","phoneNumber":"+819055556666","password":"first-pass"}`)
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%v", user)
	userID := user["userID"].(string)
	assert.Equal(t, c.base+"/api/apps/app1/users/"+userID, resp.Header.Get("Location"))

	// Log in with each username form of the login guide.
	var token string
	for _, username := range []string{"ichiro", "+819055556666", "ichiro@example.jp", "EMAIL:ichiro@example.jp", "PHONE:+819055556666", "PHONE:JP-9055556666"} {
		resp, body := c.login(c, username, "first-pass")
		require.Equal(t, http.StatusOK, resp.StatusCode, "login as %s: %v", username, body)
		assert.Equal(t, userID, body["id"], username)
		assert.EqualValues(t, neverExpiresIn, body["expires_in"], username)
		assert.Equal(t, "bearer", body["token_type"])
		token = body["access_token"].(string)
	}

	// users/me.
	resp, me := c.get("/api/apps/app1/users/me", token)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%v", me)
	assert.Equal(t, userID, me["userID"])
	assert.Equal(t, "鈴木一郎", me["displayName"])

	// Change the password: every token dies, the one used included.
	resp, body := c.send("PUT", "/api/apps/app1/users/me/password", map[string]string{
		"Authorization": "Bearer " + token, "Content-Type": "application/vnd.kii.ChangePasswordRequest+json",
	}, `{"oldPassword":"first-pass","newPassword":"second-pass"}`)
	require.Equal(t, http.StatusNoContent, resp.StatusCode, "%v", body)
	resp, body = c.get("/api/apps/app1/users/me", token)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Equal(t, codeWrongToken, body["errorCode"])
	resp, body = c.login(c, "ichiro", "first-pass")
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Equal(t, codeInvalidGrant, body["errorCode"])

	// The new password works.
	resp, body = c.login(c, "ichiro", "second-pass")
	require.Equal(t, http.StatusOK, resp.StatusCode, "%v", body)
	token = body["access_token"].(string)
	resp, _ = c.get("/api/apps/app1/users/me", token)
	require.Equal(t, http.StatusOK, resp.StatusCode)

	// Disable with an app-admin token (the JS SDK's admin login: same
	// endpoint, client_id/client_secret, no grant_type).
	resp, body = c.send("POST", "/api/oauth2/token", map[string]string{"X-Kii-AppID": app1, "X-Kii-AppKey": key1, "Content-Type": "application/json"},
		`{"client_id":"client-one","client_secret":"secret-one"}`)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%v", body)
	admin := body["access_token"].(string)
	resp, body = c.send("PUT", "/api/apps/app1/users/"+userID+"/status", map[string]string{
		"Authorization": "Bearer " + admin, "Content-Type": "application/vnd.kii.UserStatusUpdateRequest+json",
	}, `{"disabled":true}`)
	require.Equal(t, http.StatusNoContent, resp.StatusCode, "%v", body)
	resp, body = c.get("/api/apps/app1/users/me", token)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Equal(t, codeWrongToken, body["errorCode"])
	resp, _ = c.login(c, "ichiro", "second-pass")
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
}

// TestOAuth2PasswordCredentials drives the form-body path with
// golang.org/x/oauth2, in each auth style; app2 has a strict key with '/'
// and '+', which x/oauth2 URL-escapes inside Basic.
func TestOAuth2PasswordCredentials(t *testing.T) {
	t.Parallel()
	styles := map[string]oauth2.AuthStyle{
		"should work with auto-detected auth": oauth2.AuthStyleAutoDetect,
		"should work with Basic":              oauth2.AuthStyleInHeader,
		"should work with in-params":          oauth2.AuthStyleInParams,
	}
	for name, style := range styles {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			srv := httptest.NewServer(e.h)
			t.Cleanup(srv.Close)
			ctx := context.WithValue(context.Background(), oauth2.HTTPClient, srv.Client())
			cfg := &oauth2.Config{ClientID: app2, ClientSecret: key2, Endpoint: oauth2.Endpoint{
				TokenURL: srv.URL + "/api/apps/app2/oauth2/token", AuthStyle: style,
			}}
			tok, err := cfg.PasswordCredentialsToken(ctx, "kenji", kenjiPass)
			require.NoError(t, err)
			assert.Len(t, tok.AccessToken, 43)
			assert.Equal(t, "Bearer", tok.Type())
			assert.NotEmpty(t, tok.RefreshToken, "app2 has refresh tokens enabled")
			assert.True(t, tok.Expiry.After(t0.AddDate(60, 0, 0)), "expires_in 2147483647 is ~68 years")
			assert.Equal(t, kenjiID, tok.Extra("id"))

			// The token works on the user API through x/oauth2's transport.
			resp, err := cfg.Client(ctx, tok).Get(srv.URL + "/api/apps/app2/users/me")
			require.NoError(t, err)
			defer resp.Body.Close()
			assert.Equal(t, http.StatusOK, resp.StatusCode)

			_, err = cfg.PasswordCredentialsToken(ctx, "kenji", "wrong")
			var re *oauth2.RetrieveError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, http.StatusBadRequest, re.Response.StatusCode)
			assert.Equal(t, codeInvalidGrant, re.ErrorCode)
		})
	}
}

// TestOAuth2ClientCredentials: an app-admin token with x/oauth2's
// clientcredentials package.
func TestOAuth2ClientCredentials(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := httptest.NewServer(e.h)
	t.Cleanup(srv.Close)
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, srv.Client())
	for _, path := range []string{"/api/apps/app1/oauth2/token", "/api/oauth2/token"} {
		cfg := clientcredentials.Config{ClientID: client1, ClientSecret: secret1, TokenURL: srv.URL + path}
		tok, err := cfg.Token(ctx)
		require.NoError(t, err, path)
		assert.Equal(t, client1, tok.Extra("id"))
		resp, err := cfg.Client(ctx).Get(srv.URL + "/api/apps/app1/users/" + yumiID + "/status")
		require.NoError(t, err)
		_ = resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode, path)
	}
}

// TestConcurrentRegistration: of many registrations of one login name,
// exactly one wins (run with -race).
func TestConcurrentRegistration(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const n = 32
	codes := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			w := e.do(t, req{"POST", "/api/apps/app1/users", kiiHeaders(app1, key1), `{"loginName":"same-name","password":"pass1234"}`})
			codes[i] = w.Code
		})
	}
	close(start)
	wg.Wait()
	won := 0
	for _, c := range codes {
		switch c {
		case http.StatusCreated:
			won++
		case http.StatusConflict:
		default:
			t.Errorf("unexpected status %d", c)
		}
	}
	assert.Equal(t, 1, won, "exactly one registration wins")
}

// TestConcurrentLogins exercises the store under -race: logins, reads and
// password changes at once.
func TestConcurrentLogins(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.adminToken(t, app1, client1, secret1)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			for range 20 {
				w := e.do(t, req{"POST", "/api/oauth2/token", kiiHeaders(app1, key1), `{"username":"hanako","password":"hanako-pass"}`})
				if w.Code != http.StatusOK {
					t.Errorf("login: %d %s", w.Code, w.Body)
					return
				}
				e.do(t, req{"GET", "/api/apps/app1/users/me", h(bearer(decode(t, w)["access_token"].(string)), ""), ""})
				if i == 0 {
					e.do(t, req{"PUT", "/api/apps/app1/users/" + taroID + "/password", h(bearer(admin), ctJSON), `{"newPassword":"taro-pass"}`})
				}
			}
		})
	}
	wg.Wait()
	assert.Equal(t, http.StatusOK, e.do(t, req{"GET", "/api/apps/app1/users/" + taroID, h(bearer(admin), ""), ""}).Code)
}

package interop_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// Kii's default fixture (docs/providers/kii.md, test accounts).
const (
	kiiAppID          = "da0b6a25" // こんだて日記, refresh tokens on
	kiiAppKey         = "8174099687a26621f4e2cdd7cc03b3da"
	kiiAdminID        = "3dcb6c7e23ef4de336838ac96953d9a5"
	kiiAdminSecret    = "d388a6c64117df521a2d812ad198d1ff9497a3e8c40641e76b30348f7ec5faa1"
	kiiSeedUserID     = "e4774cdd-a079-4f86-814e-8b9140bb6db4" // user_123456 / 123ABC, seed 001's example
	kiiTaroID         = "270c1b08-4f3f-446e-b578-7075158d9c53" // taro.yamada
	kiiNeverExpiresIn = 2147483647                             // [doc] seed 001

	// Kii's one body for every failed login [doc].
	kiiInvalidGrant = `{"errorCode":"invalid_grant","error_description":"The user was not found or a wrong password was provided","error":"invalid_grant"}`
)

// kiiToken is a Kii access or refresh token: 43 characters of base64url.
const kiiToken = `[A-Za-z0-9_-]{43}`

// kiiUser reads a user with a token and returns its loginName.
func kiiUser(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := c.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	var u struct {
		LoginName string `json:"loginName"`
	}
	if resp.StatusCode == http.StatusOK {
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&u))
	}
	return resp.StatusCode, u.LoginName
}

// TestKiiWithXOAuth2 logs in to Kii with golang.org/x/oauth2: the password
// grant in every auth style (Kii's token route takes form bodies), refresh
// through a TokenSource, a wrong password, and an app-admin token from
// x/oauth2/clientcredentials.
func TestKiiWithXOAuth2(t *testing.T) {
	f := start(t, false)
	tokenURL := f.Kii() + "/api/apps/" + kiiAppID + "/oauth2/token"
	me := f.Kii() + "/api/apps/" + kiiAppID + "/users/me"
	ctx, cancel := context.WithTimeout(context.WithValue(context.Background(), oauth2.HTTPClient, f.Client), 30*time.Second)
	defer cancel()
	config := func(style oauth2.AuthStyle) *oauth2.Config {
		return &oauth2.Config{ClientID: kiiAppID, ClientSecret: kiiAppKey,
			Endpoint: oauth2.Endpoint{TokenURL: tokenURL, AuthStyle: style}}
	}

	var first *oauth2.Token
	for _, c := range []struct {
		name  string
		style oauth2.AuthStyle
	}{
		{"in the Authorization header", oauth2.AuthStyleInHeader},
		{"in the form body", oauth2.AuthStyleInParams},
		{"as x/oauth2 auto-detects", oauth2.AuthStyleAutoDetect},
	} {
		t.Run("should log in with PasswordCredentialsToken, app credentials "+c.name, func(t *testing.T) {
			before := time.Now()
			tok, err := config(c.style).PasswordCredentialsToken(ctx, "taro.yamada", "taro-pass-1")
			require.NoError(t, err)
			assert.Regexp(t, "^"+kiiToken+"$", tok.AccessToken)
			assert.Regexp(t, "^"+kiiToken+"$", tok.RefreshToken, "こんだて日記 has refresh tokens")
			assert.Equal(t, "bearer", tok.TokenType)
			assert.Equal(t, kiiTaroID, tok.Extra("id"))
			assert.WithinDuration(t, before.Add(kiiNeverExpiresIn*time.Second), tok.Expiry, time.Minute)

			status, login := kiiUser(t, config(c.style).Client(ctx, tok), me)
			assert.Equal(t, http.StatusOK, status)
			assert.Equal(t, "taro.yamada", login)
			if first == nil {
				first = tok
			}
		})
	}

	t.Run("should refresh the token through an x/oauth2 TokenSource", func(t *testing.T) {
		require.NotNil(t, first)
		stale := *first
		stale.Expiry = time.Now().Add(-time.Minute) // x/oauth2 refreshes an expired token
		fresh, err := config(oauth2.AuthStyleInHeader).TokenSource(ctx, &stale).Token()
		require.NoError(t, err)
		assert.NotEqual(t, first.AccessToken, fresh.AccessToken)
		assert.NotEqual(t, first.RefreshToken, fresh.RefreshToken)
		status, login := kiiUser(t, config(oauth2.AuthStyleInHeader).Client(ctx, fresh), me)
		assert.Equal(t, http.StatusOK, status)
		assert.Equal(t, "taro.yamada", login)

		// The old pair died with the refresh [doc].
		status, _ = kiiUser(t, oauth2.NewClient(ctx, oauth2.StaticTokenSource(first)), me)
		assert.Equal(t, http.StatusForbidden, status, "the old access token")
		_, err = config(oauth2.AuthStyleInHeader).TokenSource(ctx, &stale).Token()
		var re *oauth2.RetrieveError
		require.True(t, errors.As(err, &re), "%v", err)
		assert.Equal(t, http.StatusForbidden, re.Response.StatusCode, "the old refresh token")
		assert.Contains(t, string(re.Body), `"errorCode":"WRONG_REFRESH_TOKEN"`)
	})

	t.Run("should refuse a wrong password with Kii's exact invalid_grant body", func(t *testing.T) {
		_, err := config(oauth2.AuthStyleInHeader).PasswordCredentialsToken(ctx, "taro.yamada", "wrong-pass")
		var re *oauth2.RetrieveError
		require.True(t, errors.As(err, &re), "%v", err)
		assert.Equal(t, http.StatusBadRequest, re.Response.StatusCode)
		assert.Equal(t, "invalid_grant", re.ErrorCode)
		assert.Equal(t, kiiInvalidGrant, string(re.Body))
	})

	t.Run("should give an app-admin token to x/oauth2 clientcredentials", func(t *testing.T) {
		cc := clientcredentials.Config{ClientID: kiiAdminID, ClientSecret: kiiAdminSecret, TokenURL: tokenURL}
		tok, err := cc.Token(ctx)
		require.NoError(t, err)
		assert.Equal(t, kiiAdminID, tok.Extra("id"))
		status, login := kiiUser(t, cc.Client(ctx), f.Kii()+"/api/apps/"+kiiAppID+"/users/LOGIN_NAME:hanako")
		assert.Equal(t, http.StatusOK, status)
		assert.Equal(t, "hanako", login)
	})
}

// TestKiiSeedCurlReplay replays seed 001's curl login with the system curl,
// against the real host name in the seed (https://api-jp.kii.com, connected
// to the emulator, its self-signed certificate trusted) and under the
// prefix, and checks the exact response bodies.
func TestKiiSeedCurlReplay(t *testing.T) {
	f := start(t, true)
	curl := newCurler(t, f)
	basic := base64.StdEncoding.EncodeToString([]byte(kiiAppID + ":" + kiiAppKey)) // {BASE64_ENCODED_APPID_AND_APPKEY}
	// The seed's body, whitespace and all.
	seedBody := func(password string) string {
		return "{\n        \"grant_type\": \"password\",\n        \"username\": \"user_123456\",\n        \"password\": \"" + password + "\"\n      }"
	}
	login := func(url, password string) curlResult {
		return curl.run(t, "-X", "POST",
			"-H", "Authorization: Basic "+basic,
			"-H", "Content-Type: application/json",
			url,
			"-d", seedBody(password))
	}
	// {"id" : {USER_ID}, "access_token" : {ACCESS_TOKEN}, "expires_in" : 2147483647, "token_type" : "bearer"}
	// [doc], plus the refresh token of an app that has them.
	wantLogin := regexp.MustCompile(`^` + regexp.QuoteMeta(`{"id":"`+kiiSeedUserID+`","access_token":"`) + `(` + kiiToken + `)` +
		regexp.QuoteMeta(`","expires_in":2147483647,"token_type":"bearer","refresh_token":"`) + kiiToken + regexp.QuoteMeta(`"}`) + `$`)

	for _, c := range []struct{ name, url string }{
		{"at the seed's own URL (https://api-jp.kii.com)", "https://api-jp.kii.com/api/apps/" + kiiAppID + "/oauth2/token"},
		{"under the emulator's prefix", f.Kii() + "/api/apps/" + kiiAppID + "/oauth2/token"},
	} {
		t.Run("should answer the seed's login "+c.name+" with the documented body", func(t *testing.T) {
			res := login(c.url, "123ABC")
			assert.Equal(t, http.StatusOK, res.Status)
			assert.Equal(t, "application/json", res.ContentType)
			m := wantLogin.FindStringSubmatch(res.Body)
			require.NotNil(t, m, "body %s", res.Body)

			// The token works for the user it names.
			me := curl.run(t, "-H", "Authorization: Bearer "+m[1], "https://api-jp.kii.com/api/apps/"+kiiAppID+"/users/me")
			assert.Equal(t, http.StatusOK, me.Status, me.Body)
			var u struct {
				UserID    string `json:"userID"`
				LoginName string `json:"loginName"`
			}
			require.NoError(t, json.Unmarshal([]byte(me.Body), &u))
			assert.Equal(t, kiiSeedUserID, u.UserID)
			assert.Equal(t, "user_123456", u.LoginName)
		})
	}

	t.Run("should refuse the seed's login with a wrong password with the documented 400", func(t *testing.T) {
		res := login("https://api-jp.kii.com/api/apps/"+kiiAppID+"/oauth2/token", "123ABD")
		assert.Equal(t, http.StatusBadRequest, res.Status)
		assert.Equal(t, kiiInvalidGrant, res.Body)
	})
}

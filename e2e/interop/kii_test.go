package interop_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/fakeapi/fakeapi/e2e/internal/e2etest"
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

// The official JS SDK (npm kii-cloud-sdk, pinned in node/package-lock.json)
// runs Kii's user lifecycle against the binary through node/kii.js:
// pseudo users, attribute updates, password resets finished through the
// outbox and the hosted reset page, and address verification
// (docs/providers/kii.md, "Pseudo users", "Updating users", "Verification
// and password reset", "Outbox", "Hosted pages").

// Default fixture apps besides こんだて日記 (docs/providers/kii.md, test
// accounts): さくら散歩 checks its AppKey and generates reset passwords; 旅のしおり
// verifies email addresses and phone numbers.
const (
	kiiSakuraAppID  = "7c3e91b4"
	kiiSakuraAppKey = "b10253764c8b233fb37542e23401c7b4"
	kiiTabiAppID    = "e52a0f19"
	kiiTabiAppKey   = "f576104eebeab09651d83acffc77c8b8"
)

// kiiStep is one SDK call of node/kii.js: op and its arguments.
type kiiStep map[string]any

// kiiSDKUser is the SDK's current user after a step.
type kiiSDKUser struct {
	ID            string         `json:"id"`
	Token         string         `json:"token"`
	Pseudo        bool           `json:"pseudo"`
	Username      string         `json:"username"`
	DisplayName   string         `json:"displayName"`
	Country       string         `json:"country"`
	Email         string         `json:"email"`
	EmailVerified bool           `json:"emailVerified"`
	PendingEmail  string         `json:"pendingEmail"`
	Phone         string         `json:"phone"`
	PhoneVerified bool           `json:"phoneVerified"`
	PendingPhone  string         `json:"pendingPhone"`
	Custom        map[string]any `json:"custom"`
}

type kiiSDKResult struct {
	Op    string      `json:"op"`
	OK    bool        `json:"ok"`
	Error string      `json:"error"`
	User  *kiiSDKUser `json:"user"`
}

// kiiSDK runs steps with the SDK initialised for an app of f, resuming as
// the user of token when it is not "". Each step must succeed unless its
// "fail" argument names the error code it must fail with.
type kiiSDK func(t *testing.T, appID, appKey, token string, steps ...kiiStep) []kiiSDKResult

// newKiiSDK checks for node and the installed SDK (npm ci in
// e2e/interop/node, as scripts/ci-deps.sh runs it).
func newKiiSDK(t *testing.T, f *e2etest.Fakeapi) kiiSDK {
	t.Helper()
	node, err := exec.LookPath("node")
	e2etest.Need(t, "node", err)
	_, err = os.Stat(filepath.Join("node", "node_modules", "kii-cloud-sdk", "package.json"))
	if err != nil {
		err = fmt.Errorf("npm module kii-cloud-sdk not installed (npm ci in e2e/interop/node): %w", err)
	}
	e2etest.Need(t, "npm kii-cloud-sdk", err)
	return func(t *testing.T, appID, appKey, token string, steps ...kiiStep) []kiiSDKResult {
		t.Helper()
		spec, err := json.Marshal(map[string]any{"site": f.Kii() + "/api", "appID": appID, "appKey": appKey, "token": token, "steps": steps})
		require.NoError(t, err)
		var stdout, stderr bytes.Buffer
		cmd := exec.Command(node, "kii.js")
		cmd.Dir = "node"
		cmd.Stdin = bytes.NewReader(spec)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		require.NoError(t, cmd.Run(), "%s: %s", cmd, stderr.String())
		var results []kiiSDKResult
		require.NoError(t, json.Unmarshal(stdout.Bytes(), &results), stdout.String())
		require.Len(t, results, len(steps))
		for i, r := range results {
			want, _ := steps[i]["fail"].(string)
			if want == "" {
				require.True(t, r.OK, "step %d %s: %s", i, r.Op, r.Error)
			} else {
				require.False(t, r.OK, "step %d %s should fail with %s", i, r.Op, want)
				require.Contains(t, r.Error, want, "step %d %s", i, r.Op)
			}
		}
		return results
	}
}

// kiiMessage is one entry of GET /_fakeapi/kii/outbox.
type kiiMessage struct {
	Channel  string `json:"channel"`
	To       string `json:"to"`
	Kind     string `json:"kind"`
	Body     string `json:"body"`
	Link     string `json:"link"`
	Code     string `json:"code"`
	Password string `json:"password"`
}

// kiiLastMessage is the newest message to an address.
func kiiLastMessage(t *testing.T, f *e2etest.Fakeapi, to string) kiiMessage {
	t.Helper()
	resp, err := f.Client.Get(f.Root + "/_fakeapi/kii/outbox?to=" + url.QueryEscape(to))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var msgs []kiiMessage
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&msgs))
	require.NotEmpty(t, msgs, "nothing sent to %s", to)
	return msgs[len(msgs)-1]
}

// kiiPage fetches a hosted page and returns its status and HTML.
func kiiPage(t *testing.T, f *e2etest.Fakeapi, method, link string, form url.Values) (int, string) {
	t.Helper()
	var resp *http.Response
	var err error
	if method == http.MethodPost {
		resp, err = f.Client.PostForm(link, form)
	} else {
		resp, err = f.Client.Get(link)
	}
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

// kiiResetByPage follows a reset link: the page's form, then the new
// password posted to it, as a person would.
func kiiResetByPage(t *testing.T, f *e2etest.Fakeapi, link, newPassword string) string {
	t.Helper()
	status, page := kiiPage(t, f, http.MethodGet, link, nil)
	require.Equal(t, http.StatusOK, status, page)
	form := findForm(t, page, "resetForm")
	if newPassword != "" {
		form.Values.Set("newPassword", newPassword)
		form.Values.Set("confirmPassword", newPassword)
	}
	status, page = kiiPage(t, f, http.MethodPost, resolve(t, link, form.Action), form.Values)
	require.Equal(t, http.StatusOK, status, page)
	return page
}

// TestKiiJSSDKPseudoUser: registerAsPseudoUser, then putIdentity makes the
// pseudo user a named user who logs in with the SDK.
func TestKiiJSSDKPseudoUser(t *testing.T) {
	f := start(t, false)
	sdk := newKiiSDK(t, f)
	res := sdk(t, kiiAppID, kiiAppKey, "",
		kiiStep{"op": "registerPseudo", "fields": map[string]any{"displayName": "ななし", "score": 10}},
		kiiStep{"op": "refresh"},
		kiiStep{"op": "putIdentity", "identity": map[string]any{"username": "sdk.pseudo", "emailAddress": "sdk.pseudo@example.jp"},
			"password": "pseudo-pass", "fields": map[string]any{"hobby": "料理"}, "remove": []string{"score"}},
		kiiStep{"op": "refresh"},
		kiiStep{"op": "authenticate", "identifier": "sdk.pseudo@example.jp", "password": "pseudo-pass"},
	)
	pseudo := res[1].User
	require.NotNil(t, pseudo)
	assert.True(t, pseudo.Pseudo, "the server says _hasPassword false")
	assert.Equal(t, "ななし", pseudo.DisplayName)
	assert.Equal(t, map[string]any{"score": float64(10)}, pseudo.Custom)
	assert.Regexp(t, "^"+kiiToken+"$", pseudo.Token)

	named := res[3].User
	assert.False(t, named.Pseudo)
	assert.Equal(t, pseudo.ID, named.ID)
	assert.Equal(t, "sdk.pseudo", named.Username)
	assert.Equal(t, "sdk.pseudo@example.jp", named.Email)
	assert.Equal(t, map[string]any{"hobby": "料理"}, named.Custom, "score removed, hobby added")
	assert.Equal(t, pseudo.ID, res[4].User.ID)

	// The pseudo user's token still works after the upgrade.
	sdk(t, kiiAppID, kiiAppKey, pseudo.Token, kiiStep{"op": "refresh"})
}

// TestKiiJSSDKUpdate: update() with user fields and fields to remove, and
// with a new email address, in an app that does not verify addresses.
func TestKiiJSSDKUpdate(t *testing.T) {
	f := start(t, false)
	sdk := newKiiSDK(t, f)
	res := sdk(t, kiiAppID, kiiAppKey, "",
		kiiStep{"op": "authenticate", "identifier": "taro.yamada", "password": "taro-pass-1"},
		kiiStep{"op": "refresh"},
		kiiStep{"op": "update", "fields": map[string]any{"displayName": "山田太郎 (更新)", "level": 3}, "remove": []string{"prefecture"}},
		kiiStep{"op": "refresh"},
		kiiStep{"op": "update", "identity": map[string]any{"emailAddress": "taro.new@example.jp"}, "fields": map[string]any{"country": "JP"}},
		kiiStep{"op": "refresh"},
		kiiStep{"op": "authenticate", "identifier": "taro.new@example.jp", "password": "taro-pass-1"},
		kiiStep{"op": "authenticate", "identifier": "taro@example.jp", "password": "taro-pass-1", "fail": "invalid_grant"},
	)
	assert.Equal(t, map[string]any{"prefecture": "東京都", "birthYear": float64(1988)}, res[1].User.Custom)
	u := res[3].User
	assert.Equal(t, "山田太郎 (更新)", u.DisplayName)
	assert.Equal(t, map[string]any{"birthYear": float64(1988), "level": float64(3)}, u.Custom)
	assert.Equal(t, "taro.new@example.jp", res[5].User.Email)
	assert.True(t, res[5].User.EmailVerified, "こんだて日記 does not verify addresses")
	assert.Equal(t, kiiTaroID, res[6].User.ID)
}

// TestKiiJSSDKPasswordReset: resets asked for through the SDK, finished
// through the outbox: the email link's hosted page, an SMS PIN with
// completeResetPassword, and さくら散歩's generated password.
func TestKiiJSSDKPasswordReset(t *testing.T) {
	f := start(t, false)
	sdk := newKiiSDK(t, f)

	t.Run("should reset by the mail's link and the hosted page", func(t *testing.T) {
		sdk(t, kiiAppID, kiiAppKey, "", kiiStep{"op": "resetWithMethod", "identifier": "hanako.sato@example.jp", "method": "EMAIL"})
		mail := kiiLastMessage(t, f, "hanako.sato@example.jp")
		assert.Equal(t, "PASSWORD_RESET", mail.Kind)
		require.True(t, strings.HasPrefix(mail.Link, f.Kii()+"/api/apps/"+kiiAppID+"/users/"), mail.Link)
		kiiResetByPage(t, f, mail.Link, "hanako-new-1")
		sdk(t, kiiAppID, kiiAppKey, "",
			kiiStep{"op": "authenticate", "identifier": "hanako", "password": "hanako-pass-2", "fail": "invalid_grant"},
			kiiStep{"op": "authenticate", "identifier": "hanako", "password": "hanako-new-1"},
		)
	})

	t.Run("should reset by an SMS PIN and completeResetPassword", func(t *testing.T) {
		res := sdk(t, kiiAppID, kiiAppKey, "",
			kiiStep{"op": "authenticate", "identifier": "taro.yamada", "password": "taro-pass-1"},
			kiiStep{"op": "resetWithMethod", "identifier": "+819012341234", "method": "SMS_PIN"},
		)
		old := res[0].User.Token
		pin := kiiLastMessage(t, f, "+819012341234")
		assert.Equal(t, "PASSWORD_RESET_PIN", pin.Kind)
		sdk(t, kiiAppID, kiiAppKey, "",
			kiiStep{"op": "completeReset", "identifier": "+819012341234", "pin": "000000x", "password": "taro-new-1", "fail": "INVALID_VERIFICATION_CODE"},
			kiiStep{"op": "completeReset", "identifier": "+819012341234", "pin": pin.Code, "password": "taro-new-1"},
			kiiStep{"op": "authenticate", "identifier": "taro.yamada", "password": "taro-new-1"},
		)
		// The reset killed the token of the earlier login.
		req, err := http.NewRequest(http.MethodGet, f.Kii()+"/api/apps/"+kiiAppID+"/users/me", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+old)
		resp, err := f.Client.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	})

	t.Run("should send a generated password in an app with that flow", func(t *testing.T) {
		sdk(t, kiiSakuraAppID, kiiSakuraAppKey, "", kiiStep{"op": "resetPassword", "email": "akiko@example.co.jp"})
		page := kiiResetByPage(t, f, kiiLastMessage(t, f, "akiko@example.co.jp").Link, "")
		assert.Contains(t, page, "新しいパスワードを送信しました")
		sent := kiiLastMessage(t, f, "akiko@example.co.jp")
		assert.Equal(t, "NEW_PASSWORD", sent.Kind)
		sdk(t, kiiSakuraAppID, kiiSakuraAppKey, "", kiiStep{"op": "authenticate", "identifier": "akiko.ito", "password": sent.Password})
	})
}

// TestKiiJSSDKVerification: in 旅のしおり, which verifies addresses, a
// registration's phone is verified with the SMS code and its email by the
// mail's link; changed addresses stay pending until verified, a resend
// sends a new code.
func TestKiiJSSDKVerification(t *testing.T) {
	f := start(t, false)
	sdk := newKiiSDK(t, f)
	res := sdk(t, kiiTabiAppID, kiiTabiAppKey, "",
		kiiStep{"op": "register", "username": "sdk.tabi", "email": "sdk.tabi@example.jp", "phone": "09012120000", "country": "JP", "password": "tabi-pass"},
		kiiStep{"op": "refresh"},
	)
	u := res[1].User
	assert.Equal(t, "+819012120000", u.Phone, "stored in international form")
	assert.False(t, u.EmailVerified)
	assert.False(t, u.PhoneVerified)
	sdk(t, kiiTabiAppID, kiiTabiAppKey, "",
		kiiStep{"op": "authenticate", "identifier": "sdk.tabi@example.jp", "password": "tabi-pass", "fail": "invalid_grant"})

	// The phone, by the SMS code.
	sms := kiiLastMessage(t, f, "+819012120000")
	assert.Equal(t, "PHONE_VERIFICATION", sms.Kind)
	res = sdk(t, kiiTabiAppID, kiiTabiAppKey, u.Token,
		kiiStep{"op": "verifyPhone", "code": "x" + sms.Code, "fail": "INVALID_VERIFICATION_CODE"},
		kiiStep{"op": "verifyPhone", "code": sms.Code},
		kiiStep{"op": "refresh"},
		kiiStep{"op": "resendPhone", "fail": "OPERATION_NOT_ALLOWED"},
	)
	assert.True(t, res[2].User.PhoneVerified)

	// The email, by the mail's link to Kii's page; a resend voids the
	// first link.
	first := kiiLastMessage(t, f, "sdk.tabi@example.jp")
	assert.Equal(t, "EMAIL_VERIFICATION", first.Kind)
	sdk(t, kiiTabiAppID, kiiTabiAppKey, u.Token, kiiStep{"op": "resendEmail"})
	second := kiiLastMessage(t, f, "sdk.tabi@example.jp")
	require.NotEqual(t, first.Link, second.Link)
	status, _ := kiiPage(t, f, http.MethodGet, first.Link, nil)
	assert.Equal(t, http.StatusForbidden, status, "the first link is void")
	status, page := kiiPage(t, f, http.MethodGet, second.Link, nil)
	require.Equal(t, http.StatusOK, status, page)
	res = sdk(t, kiiTabiAppID, kiiTabiAppKey, "",
		kiiStep{"op": "authenticate", "identifier": "sdk.tabi@example.jp", "password": "tabi-pass"},
		// Changes wait for their verification.
		kiiStep{"op": "changeEmail", "email": "sdk.tabi.new@example.jp"},
		kiiStep{"op": "changePhone", "phone": "+819034340000"},
		kiiStep{"op": "refresh"},
	)
	u = res[3].User
	assert.Equal(t, "sdk.tabi@example.jp", u.Email)
	assert.Equal(t, "sdk.tabi.new@example.jp", u.PendingEmail)
	assert.Equal(t, "+819012120000", u.Phone)
	assert.Equal(t, "+819034340000", u.PendingPhone)

	status, page = kiiPage(t, f, http.MethodGet, kiiLastMessage(t, f, "sdk.tabi.new@example.jp").Link, nil)
	require.Equal(t, http.StatusOK, status, page)
	res = sdk(t, kiiTabiAppID, kiiTabiAppKey, u.Token,
		kiiStep{"op": "verifyPhone", "code": kiiLastMessage(t, f, "+819034340000").Code},
		kiiStep{"op": "refresh"},
		kiiStep{"op": "authenticate", "identifier": "sdk.tabi.new@example.jp", "password": "tabi-pass"},
		kiiStep{"op": "authenticate", "identifier": "+819034340000", "password": "tabi-pass"},
	)
	u = res[1].User
	assert.Equal(t, "sdk.tabi.new@example.jp", u.Email)
	assert.Equal(t, "+819034340000", u.Phone)
	assert.Empty(t, u.PendingEmail)
	assert.Empty(t, u.PendingPhone)
}

package emulatortest_test

import (
	"slices"

	"bytes"
	"encoding/json"
	"github.com/fakeapi/fakeapi/emulator/kii"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fakeapi/fakeapi/emulator/emulatortest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStartGivesProviderURLs(t *testing.T) {
	t.Parallel()
	srv := emulatortest.Start(t)
	assert.False(t, strings.HasSuffix(srv.URL, "/"))
	assert.Equal(t, srv.URL+"/iijmio", srv.IIJmio())
	assert.Equal(t, srv.URL+"/kii", srv.Kii())
	assert.Equal(t, srv.URL+"/assist", srv.Assist())
	assert.Equal(t, srv.URL+"/mixi", srv.Mixi())
	resp, err := srv.Client().Get(srv.URL + "/_fakeapi/health")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestClockHelpers(t *testing.T) {
	t.Parallel()
	srv := emulatortest.Start(t)
	srv.Freeze(true)
	before := srv.Now()
	after := srv.Advance(36 * time.Hour)
	assert.Equal(t, 36*time.Hour, after.Sub(before))
	target := after.Add(time.Hour)
	srv.SetTime(target)
	assert.True(t, srv.Now().Equal(target))
}

func TestStateRoundTripAndBadImport(t *testing.T) {
	t.Parallel()
	srv := emulatortest.Start(t)
	doc := srv.ExportState("kii")
	require.Contains(t, string(doc), `"kii"`)
	require.NoError(t, srv.ImportState(doc))
	err := srv.ImportState([]byte(`{"kii": {"apps": "nope"}}`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "state:1:18: kii.apps")
	assert.JSONEq(t, string(doc), string(srv.ExportState("kii")), "a bad import should change nothing")
}

func TestFaultsAndJournal(t *testing.T) {
	t.Parallel()
	srv := emulatortest.Start(t)
	id := srv.AddFault(emulatortest.Fault{Provider: "mixi", Status: 500})
	resp, err := srv.Client().Get(srv.Mixi() + "/os/0.8/people/@me/@self")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	srv.RemoveFault(id)
	entries := srv.Journal("mixi")
	require.Len(t, entries, 1)
	assert.Equal(t, id, entries[0].Fault)
	srv.ClearJournal()
	assert.Empty(t, srv.Journal())
}

func TestRealHostClientKeepsHost(t *testing.T) {
	t.Parallel()
	srv := emulatortest.Start(t)
	resp, err := srv.Client().Get("https://shop1.assist-tencho.com/api/v1/orders.php")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "should reach Assist's orders API, which wants a token")
	entries := srv.Journal("assist")
	require.Len(t, entries, 1)
	assert.Equal(t, "shop1.assist-tencho.com", entries[0].Host)
	assert.Equal(t, "/api/v1/orders.php", entries[0].Path)
}

func TestHelpersPanicOutsideATest(t *testing.T) {
	t.Parallel()
	gone, err := emulatortest.New()
	require.NoError(t, err)
	gone.Close()
	assert.Panics(t, func() { gone.Reset() }, "should panic when the server is gone and there is no test to fail")
}

func TestDialerSendsEveryAddressToTheServer(t *testing.T) {
	t.Parallel()
	srv := emulatortest.Start(t)
	client := &http.Client{Transport: &http.Transport{DialContext: srv.Dialer()}}
	resp, err := client.Get("http://api.mixi-platform.com/os/0.8/people/@me/@self")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "should reach mixi, which wants OAuth 1.0")
	assert.Contains(t, resp.Header.Get("WWW-Authenticate"), "OAuth")
}

// The provider settings reach the providers: with Kii throttling at two
// failures, the right password is refused after two wrong ones.
func TestWithKiiLoginThrottleShouldReachKii(t *testing.T) {
	t.Parallel()
	srv := emulatortest.Start(t, emulatortest.WithKiiLoginThrottle(2, time.Hour))
	login := func(password string) int {
		body := `{"grant_type":"password","username":"taro.yamada","password":"` + password + `"}`
		req, err := http.NewRequest(http.MethodPost, srv.Kii()+"/api/apps/da0b6a25/oauth2/token", strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Kii-AppID", "da0b6a25")
		req.Header.Set("X-Kii-AppKey", "8174099687a26621f4e2cdd7cc03b3da")
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	require.Equal(t, http.StatusOK, login("taro-pass-1"))
	assert.Equal(t, http.StatusBadRequest, login("wrong"))
	assert.Equal(t, http.StatusBadRequest, login("wrong"))
	assert.Equal(t, http.StatusBadRequest, login("taro-pass-1"), "locked out after two failures")
}

// With Assist's strict JSON, an order body with raw non-ASCII text is
// refused where the default accepts it.
func TestWithAssistStrictJSONShouldReachAssist(t *testing.T) {
	t.Parallel()
	for _, strict := range []bool{false, true} {
		var opts []emulatortest.Option
		if strict {
			opts = append(opts, emulatortest.WithAssistStrictJSON())
		}
		srv := emulatortest.Start(t, opts...)
		tok := assistToken(t, srv)
		req, err := http.NewRequest(http.MethodPost, srv.Assist()+"/api/v1/orders.php", strings.NewReader(`{"order_date":"2024-04-10 09:30:00","order_name01":"木村","details":[{"product_name":"商品","price":1,"quantity":1}]}`))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		if strict {
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
		} else {
			assert.Equal(t, http.StatusCreated, resp.StatusCode)
		}
	}
}

// assistToken imports a grant and a token for the fixtures' first app and
// returns the token.
func assistToken(t *testing.T, srv *emulatortest.Server) string {
	t.Helper()
	var doc map[string]map[string]any
	require.NoError(t, json.Unmarshal(srv.ExportState("assist"), &doc))
	const tok = "0123456789abcdef0123456789abcdef"
	doc["assist"]["grants"] = []any{map[string]any{"clientId": "3f9a1c0d5e7b2a4c6d8e", "grantedBy": "test-admin", "grantedAt": "2024-04-01 09:00:00", "scope": "read_sales"}}
	doc["assist"]["tokens"] = []any{map[string]any{"accessToken": tok, "clientId": "3f9a1c0d5e7b2a4c6d8e", "scope": "read_sales", "issuedAt": "2024-04-01 09:00:01"}}
	data, err := json.Marshal(doc)
	require.NoError(t, err)
	require.NoError(t, srv.ImportState(data))
	return tok
}

// lockedBuffer is a log sink the server's goroutines write to.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// The token cap reaches Kii: past three logins the first token is
// evicted, and the log says so once.
func TestWithMaxTokensShouldReachKii(t *testing.T) {
	t.Parallel()
	var logs lockedBuffer
	srv := emulatortest.Start(t, emulatortest.WithMaxTokens(3), emulatortest.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	login := func() string {
		body := `{"grant_type":"password","username":"taro.yamada","password":"taro-pass-1"}`
		req, err := http.NewRequest(http.MethodPost, srv.Kii()+"/api/apps/da0b6a25/oauth2/token", strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Kii-AppID", "da0b6a25")
		req.Header.Set("X-Kii-AppKey", "8174099687a26621f4e2cdd7cc03b3da")
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		var out struct {
			AccessToken string `json:"access_token"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
		return out.AccessToken
	}
	me := func(tok string) int {
		req, err := http.NewRequest(http.MethodGet, srv.Kii()+"/api/apps/da0b6a25/users/me", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	var toks []string
	for range 5 {
		toks = append(toks, login())
	}
	assert.Equal(t, http.StatusForbidden, me(toks[0]), "evicted")
	assert.Equal(t, http.StatusOK, me(toks[4]))
	assert.Equal(t, 1, strings.Count(logs.String(), "kii: evicted 1 oldest tokens (cap 3 per app, -max-tokens)"), logs.String())
}

// The session cap reaches IIJmio's pages: with two sessions kept, a
// browser whose session was pushed out by two others gets a new cookie.
func TestWithMaxSessionsShouldReachIIJmio(t *testing.T) {
	t.Parallel()
	for _, limit := range []int{0, 2} {
		var opts []emulatortest.Option
		if limit > 0 {
			opts = append(opts, emulatortest.WithMaxSessions(limit))
		}
		srv := emulatortest.Start(t, opts...)
		authorize := srv.IIJmio() + "/mobile/d/v1/authorization/?response_type=token&client_id=MioponDemoApp000001" +
			"&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcallback&state=s"
		browser := func() *http.Client {
			jar, err := cookiejar.New(nil)
			require.NoError(t, err)
			c := srv.Client()
			c.Jar = jar
			return c
		}
		newCookie := func(c *http.Client) bool {
			resp, err := c.Get(authorize)
			require.NoError(t, err)
			resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode)
			return len(resp.Cookies()) > 0
		}
		first := browser()
		require.True(t, newCookie(first))
		require.False(t, newCookie(first), "the session is remembered")
		newCookie(browser())
		newCookie(browser())
		assert.Equal(t, limit > 0, newCookie(first), "limit %d", limit)
	}
}

// The token helpers give credentials without the providers' pages, and
// each provider answers them.
func TestTokenHelpersShouldGiveWorkingCredentials(t *testing.T) {
	t.Parallel()
	srv := emulatortest.Start(t)
	fx := srv.IIJmioFixtures()
	require.NotEmpty(t, fx.Developers)
	require.NotEmpty(t, fx.Users)
	tok := srv.IIJmioToken(fx.Users[0].MioID, fx.Developers[0].DeveloperID)
	req, err := http.NewRequest(http.MethodGet, srv.IIJmio()+"/mobile/d/v2/coupon/", nil)
	require.NoError(t, err)
	req.Header.Set("X-IIJmio-Developer", fx.Developers[0].DeveloperID)
	req.Header.Set("X-IIJmio-Authorization", tok)
	assert.Equal(t, http.StatusOK, status(t, srv.Client(), req))

	kiiTok := srv.KiiUserToken("da0b6a25", "LOGIN_NAME:taro.yamada")
	req, err = http.NewRequest(http.MethodGet, srv.Kii()+"/api/apps/da0b6a25/users/me", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+kiiTok)
	assert.Equal(t, http.StatusOK, status(t, srv.Client(), req))

	req, err = http.NewRequest(http.MethodGet, srv.Assist()+"/api/v1/orders.php?serial_order_id=5", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+srv.AssistToken("3f9a1c0d5e7b2a4c6d8e"))
	assert.Equal(t, http.StatusOK, status(t, srv.Client(), req))

	req, err = http.NewRequest(http.MethodGet, srv.Mixi()+"/os/0.8/people/@me/@self?xoauth_requestor_id=1000001", nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, status(t, srv.MixiClient(""), req))
	req, err = http.NewRequest(http.MethodGet, srv.Mixi()+"/os/0.8/people/@me/@self?xoauth_requestor_id=1000001", nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusUnauthorized, status(t, srv.Client(), req), "unsigned, the same request is refused")
}

func status(t *testing.T, c *http.Client, req *http.Request) int {
	t.Helper()
	resp, err := c.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

// Typed seeding round-trips a provider's own fixture types: a user added
// in Go logs in.
func TestSeedShouldTakeTheProvidersFixtureTypes(t *testing.T) {
	t.Parallel()
	srv := emulatortest.Start(t)
	fx := srv.KiiFixtures()
	require.NotEmpty(t, fx.Apps)
	users := fx.Apps[0].Users
	i := slices.IndexFunc(users, func(u kii.UserFixture) bool { return u.LoginName == "taro.yamada" })
	require.GreaterOrEqual(t, i, 0)
	u := users[i]
	u.UserID, u.LoginName, u.Password = "0d7c2f0e-1111-4222-8333-944455556666", "seeded_user", "seeded-pass-1"
	u.EmailAddress, u.PhoneNumber, u.InternalUserID = "", "", 0
	fx.Apps[0].Users = append(users, u)
	srv.SeedKii(fx)
	assert.Equal(t, 200, kiiLogin(t, srv, "seeded_user", "seeded-pass-1"))
	assert.Len(t, srv.KiiFixtures().Apps[0].Users, len(users)+1)
}

func kiiLogin(t *testing.T, srv *emulatortest.Server, user, password string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.Kii()+"/api/apps/da0b6a25/oauth2/token",
		strings.NewReader(`{"grant_type":"password","username":"`+user+`","password":"`+password+`"}`))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Kii-AppID", "da0b6a25")
	req.Header.Set("X-Kii-AppKey", "8174099687a26621f4e2cdd7cc03b3da")
	return status(t, srv.Client(), req)
}

// FailNext takes a method; the journal shows the provider's real path,
// the same path the rule names, with the bodies masked.
func TestFailNextAndJournalShouldShareOnePathFormat(t *testing.T) {
	t.Parallel()
	srv := emulatortest.Start(t)
	srv.FailNext("kii", http.MethodPost, "/api/apps/*/oauth2/token", http.StatusServiceUnavailable, 1)
	assert.Equal(t, http.StatusServiceUnavailable, kiiLogin(t, srv, "taro.yamada", "taro-pass-1"))
	assert.Equal(t, http.StatusOK, kiiLogin(t, srv, "taro.yamada", "taro-pass-1"), "the rule fired once")
	entries := srv.Journal("kii")
	require.Len(t, entries, 2)
	assert.Equal(t, "/api/apps/da0b6a25/oauth2/token", entries[0].Path)
	assert.Equal(t, "/kii", entries[0].Base)
	assert.NotEmpty(t, entries[0].Fault)
	assert.Contains(t, entries[1].RequestBody, `"password":"***"`)
	assert.NotContains(t, entries[1].RequestBody, "taro-pass-1")
	assert.Contains(t, entries[1].ResponseBody, `"access_token"`)

	get := func(method string) int {
		req, err := http.NewRequest(method, srv.Kii()+"/api/apps/da0b6a25/users/me", nil)
		require.NoError(t, err)
		return status(t, srv.Client(), req)
	}
	srv.FailNext("kii", http.MethodDelete, "/api/apps/*/users/me", http.StatusServiceUnavailable, 1)
	assert.NotEqual(t, http.StatusServiceUnavailable, get(http.MethodGet), "another method should not fire the rule")
	assert.Equal(t, http.StatusServiceUnavailable, get(http.MethodDelete))
}

// ExportState exports exactly the providers named.
func TestExportStateShouldExportTheNamedProviders(t *testing.T) {
	t.Parallel()
	srv := emulatortest.Start(t)
	for _, names := range [][]string{{"kii"}, {"kii", "iijmio"}, nil} {
		var doc map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(srv.ExportState(names...), &doc))
		want := names
		if want == nil {
			want = []string{"iijmio", "kii", "assist", "mixi"}
		}
		assert.Len(t, doc, len(want), "%v", names)
		for _, n := range want {
			assert.Contains(t, doc, n)
		}
	}
}

// With an admin token the helpers keep working; a bare admin call without
// it is refused.
func TestWithAdminTokenShouldGuardTheAdminAPI(t *testing.T) {
	t.Parallel()
	srv := emulatortest.Start(t, emulatortest.WithAdminToken("s3cret"))
	srv.Advance(time.Hour)
	srv.Reset("kii")
	resp, err := http.Get(srv.URL + "/_fakeapi/state")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}

// The OAuth 1.0 parameter bound reaches mixi: under a bound shorter than a
// real signature, a signed request is refused with parameter_rejected.
func TestWithOAuth1MaxParamShouldReachMixi(t *testing.T) {
	t.Parallel()
	srv := emulatortest.Start(t, emulatortest.WithOAuth1MaxParam(8))
	req, err := http.NewRequest(http.MethodGet, srv.Mixi()+"/os/0.8/people/@me/@self?xoauth_requestor_id=1000001", nil)
	require.NoError(t, err)
	resp, err := srv.MixiClient("").Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("WWW-Authenticate"), "parameter_rejected")
}

package kii

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/fixtures"
	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/ids"
	"github.com/fakeapi/fakeapi/internal/keytable"
	"github.com/fakeapi/fakeapi/internal/provider"
)

// TestEmbeddedFixtures: the shipped fixtures load and hold what the
// README promises: apps on different sites, a strict app, an app with
// refresh tokens, a disabled user, and the login guide's user_123456 / 123ABC.
func TestEmbeddedFixtures(t *testing.T) {
	t.Parallel()
	data, err := fixtures.FS.ReadFile("kii.json")
	require.NoError(t, err)
	f, err := Open(provider.Deps{Log: slog.New(slog.DiscardHandler), Clock: clock.NewControlled(nil), IDs: ids.Seeded(1)}, Config{}, "fixtures/kii.json", data)
	require.NoError(t, err)
	exp := f.State.Export().(Fixtures)
	sites := map[string]bool{}
	strict, refresh, disabled := false, false, false
	for _, a := range exp.Apps {
		sites[a.Site] = true
		strict = strict || a.StrictAppKey
		refresh = refresh || a.RefreshTokenEnabled
		assert.GreaterOrEqual(t, len(a.Users), 3, a.AppID)
		for _, u := range a.Users {
			disabled = disabled || u.Disabled
		}
	}
	assert.GreaterOrEqual(t, len(sites), 2)
	assert.True(t, strict && refresh && disabled)
	assert.NotEmpty(t, f.State.Accounts())

	// The login guide's curl works as written against the first app.
	w := newRecorder(f.Handler, req{"POST", "/api/apps/da0b6a25/oauth2/token", h(basic("da0b6a25", exp.Apps[0].AppKey), ctJSON),
		`{"grant_type":"password","username":"user_123456","password":"123ABC"}`})
	assert.Equal(t, http.StatusOK, w.Code, w.Body.String())
}

// TestExportRoundTrip: export → Prepare → commit gives the same state,
// tokens, refresh tokens and devlog included, and they keep working.
func TestExportRoundTrip(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// Some activity of every kind.
	w := e.do(t, req{"POST", "/api/apps/app1/users", kiiHeaders(app1, key1), `{"loginName":"saburo","phoneNumber":"09011112222","country":"jp","password":"pass1234","hobby":{"a":[1,2]}}`})
	require.Equal(t, http.StatusCreated, w.Code)
	expiring := e.do(t, req{"POST", "/api/oauth2/token", kiiHeaders(app1, key1), `{"username":"taro","password":"taro-pass","expiresAt":` + strconv.FormatInt(t0.Add(time.Hour).UnixMilli(), 10) + `}`})
	require.Equal(t, http.StatusOK, expiring.Code)
	userTok := decode(t, expiring)["access_token"].(string)
	w = e.do(t, req{"POST", "/api/oauth2/token", kiiHeaders(app2, key2), `{"username":"kenji","password":"kenji-pass"}`})
	require.Equal(t, http.StatusOK, w.Code)
	refresh := decode(t, w)["refresh_token"].(string)
	e.adminToken(t, app1, client1, secret1)
	e.do(t, req{"POST", "/api/oauth2/token", kiiHeaders(app1, key1), `{"username":"taro","password":"nope"}`})

	before := e.inst.State.Export()
	doc, err := json.Marshal(before)
	require.NoError(t, err)

	other := newEnv(t)
	commit, err := other.inst.State.Prepare("state.json", doc)
	require.NoError(t, err)
	assert.NotEqual(t, before, other.inst.State.Export(), "nothing changes before commit")
	commit()
	assert.Equal(t, before, other.inst.State.Export())

	// The imported tokens work, and the imported refresh token too.
	assert.Equal(t, http.StatusOK, other.do(t, req{"GET", "/api/apps/app1/users/me", h(bearer(userTok), ""), ""}).Code)
	w = other.do(t, req{"POST", "/api/oauth2/token", kiiHeaders(app2, key2), `{"refresh_token":"` + refresh + `"}`})
	assert.Equal(t, http.StatusOK, w.Code, w.Body.String())
	// The registered user logs in by local phone in the imported state.
	other.login(t, app1, key1, "+819011112222", "pass1234")
}

func TestReset(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.login(t, app1, key1, "taro", taroPass)
	require.Equal(t, http.StatusCreated, e.do(t, req{"POST", "/api/apps/app1/users", kiiHeaders(app1, key1), `{"loginName":"saburo","password":"pass1234"}`}).Code)
	e.inst.State.Reset()
	assert.Equal(t, http.StatusForbidden, e.do(t, req{"GET", "/api/apps/app1/users/me", h(bearer(tok), ""), ""}).Code, "tokens are gone")
	e.login(t, app1, key1, "taro", taroPass)
	w := e.do(t, req{"POST", "/api/apps/app1/users", kiiHeaders(app1, key1), `{"loginName":"saburo","password":"pass1234"}`})
	assert.Equal(t, http.StatusCreated, w.Code, "the registered user is gone")
	stats := e.inst.State.Summary()
	assert.Equal(t, []provider.Stat{{Name: "apps", Count: 2}, {Name: "users", Count: 6}, {Name: "tokens", Count: 1}, {Name: "devlog", Count: 0}, {Name: "outbox", Count: 0}}, stats)
}

// TestFixtureErrors: a bad fixture is refused with its file, line, column
// and path.
func TestFixtureErrors(t *testing.T) {
	t.Parallel()
	app := func(extra, users string) string {
		return `{"apps":[{"appID":"a1","appKey":"k","clientID":"c","clientSecret":"s","site":"JP"` + extra + `,"users":[` + users + `]}]}`
	}
	u := func(fields string) string { return `{"userID":"u1","password":"pass1234",` + fields + `}` }
	cases := []struct{ name, doc, want string }{
		{"should refuse an unknown field", `{"apps":[],"bogus":1}`, `unknown field "bogus"`},
		{"should refuse a bad site", strings.Replace(app("", ""), `"JP"`, `"MARS"`, 1), "apps[0].site"},
		{"should refuse a missing app key", strings.Replace(app("", ""), `"appKey":"k"`, `"appKey":""`, 1), "apps[0].appKey: required"},
		{"should refuse a duplicate app", `{"apps":[` + strings.Repeat(`{"appID":"a1","appKey":"k","clientID":"c","clientSecret":"s","site":"JP","users":[]},`, 1) + `{"appID":"a1","appKey":"k","clientID":"c2","clientSecret":"s","site":"JP","users":[]}]}`, `apps[1].appID: duplicate "a1"`},
		{"should refuse a duplicate client id", `{"apps":[{"appID":"a1","appKey":"k","clientID":"c","clientSecret":"s","site":"JP","users":[]},{"appID":"a2","appKey":"k","clientID":"c","clientSecret":"s","site":"JP","users":[]}]}`, `apps[1].clientID: duplicate`},
		{"should refuse a user without identifier", app("", u(`"displayName":"x"`)), "apps[0].users[0]: at least one"},
		{"should refuse a bad login name", app("", u(`"loginName":"a b"`)), "apps[0].users[0].loginName"},
		{"should refuse a bad email", app("", u(`"emailAddress":"nope"`)), "apps[0].users[0].emailAddress"},
		{"should refuse a local phone without country", app("", u(`"phoneNumber":"09012341234"`)), "apps[0].users[0].phoneNumber"},
		{"should refuse a short password", app("", `{"userID":"u1","loginName":"abc","password":"x"}`), "apps[0].users[0].password"},
		{"should refuse a duplicate user id", app("", u(`"loginName":"abc"`)+","+u(`"loginName":"abd"`)), `apps[0].users[1].userID: duplicate "u1"`},
		{"should refuse a duplicate login name", app("", u(`"loginName":"abc"`)+`,{"userID":"u2","password":"pass1234","loginName":"abc"}`), "apps[0].users[1].loginName: duplicate"},
		{"should refuse a duplicate email in another case", app("", u(`"emailAddress":"a@b.jp"`)+`,{"userID":"u2","password":"pass1234","emailAddress":"A@b.jp"}`), "apps[0].users[1].emailAddress: duplicate"},
		{"should refuse a duplicate phone across forms", app("", u(`"phoneNumber":"+819012341234"`)+`,{"userID":"u2","password":"pass1234","phoneNumber":"09012341234","country":"JP"}`), "apps[0].users[1].phoneNumber: duplicate"},
		{"should refuse a reserved custom field", app("", u(`"loginName":"abc","custom":{"_x":1}`)), "apps[0].users[0].custom._x"},
		{"should refuse a token of an unknown user", app(`,"tokens":[{"accessToken":"t","kind":"user","userID":"zz"}]`, u(`"loginName":"abc"`)), "apps[0].tokens[0].userID"},
		{"should refuse a bad token kind", app(`,"tokens":[{"accessToken":"t","kind":"root"}]`, u(`"loginName":"abc"`)), "apps[0].tokens[0].kind"},
		{"should refuse an access token longer than the token tables hold", app(`,"tokens":[{"accessToken":"`+strings.Repeat("t", keytable.KeySize+1)+`","kind":"admin"}]`, u(`"loginName":"abc"`)), "apps[0].tokens[0].accessToken: want at most 47 bytes, got 48"},
		{"should refuse a refresh token longer than the token tables hold", app(`,"tokens":[{"accessToken":"t","kind":"user","userID":"u1","refreshToken":"`+strings.Repeat("r", keytable.KeySize+1)+`"}]`, u(`"loginName":"abc"`)), "apps[0].tokens[0].refreshToken: want at most 47 bytes"},
		{"should refuse a negative login failure limit", app(`,"loginFailureLimit":-1`, ""), "apps[0].loginFailureLimit: must not be negative"},
		{"should refuse a negative lockout", app(`,"loginLockoutSeconds":-5`, ""), "apps[0].loginLockoutSeconds: must not be negative"},
		{"should refuse a lockout past time.Duration", app(`,"loginLockoutSeconds":9223372037`, ""), "apps[0].loginLockoutSeconds: must be at most"},
		{"should refuse a bad devlog reason", `{"apps":[],"devlog":[{"time":"2015-12-01T12:00:00Z","appID":"a","username":"u","reason":"OOPS"}]}`, "devlog[0].reason"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Open(provider.Deps{Clock: clock.NewControlled(nil), IDs: ids.Seeded(1), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, Config{}, "kii.json", []byte(tc.doc))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.True(t, strings.HasPrefix(err.Error(), "kii.json:1:"), "positioned: %v", err)
			_, err = newEnv(t).inst.State.Prepare("kii.json", []byte(tc.doc))
			assert.Error(t, err, "Prepare validates like Open")
		})
	}
}

// TestSecrets: the journal masks what Kii's traffic carries beyond the
// HTTP-wide secrets.
func TestSecrets(t *testing.T) {
	t.Parallel()
	sec := newEnv(t).inst.Secrets
	assert.Equal(t, []string{"X-Kii-AppKey"}, sec.Headers)
	for _, p := range []string{"password", "newPassword", "oldPassword", "client_secret", "refresh_token", "access_token", "appKey",
		"code", "verificationCode", "pinCode", "confirmPassword"} {
		assert.Contains(t, sec.Params, p)
	}
}

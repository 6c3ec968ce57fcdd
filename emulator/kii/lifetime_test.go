package kii

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lifetimeFixture: app "life" has a default lifetime of 60 minutes, a
// maximum of 180 and refresh tokens; app "plain" has refresh tokens and
// Kii's defaults (tokens never expire).
const lifetimeFixture = `{"apps": [
  {"appID": "life", "appKey": "k", "clientID": "life-client", "clientSecret": "s", "site": "JP",
   "refreshTokenEnabled": true, "defaultTokenLifetimeMinutes": 60, "maxTokenLifetimeMinutes": 180,
   "users": [{"userID": "u-a", "loginName": "alice", "password": "alice-pass"}]},
  {"appID": "plain", "appKey": "k", "clientID": "plain-client", "clientSecret": "s", "site": "JP",
   "refreshTokenEnabled": true,
   "users": [{"userID": "u-b", "loginName": "bob", "password": "bob-pass"}]}
]}`

// TestTokenLifetimePolicy: an app's default and maximum token lifetime
// (Kii's "Expiration Period" settings), and a refresh that keeps the
// lifetime the client chose (docs/providers/kii.md, "Token lifetime").
func TestTokenLifetimePolicy(t *testing.T) {
	t.Parallel()
	ms := func(d time.Duration) string { return strconv.FormatInt(t0.Add(d).UnixMilli(), 10) }
	login := func(t *testing.T, e *env, appID, user, pass, extra string) map[string]any {
		t.Helper()
		w := e.do(t, req{"POST", "/api/oauth2/token", kiiHeaders(appID, "k"), `{"username":"` + user + `","password":"` + pass + `"` + extra + `}`})
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		return decode(t, w)
	}
	refresh := func(t *testing.T, e *env, appID, rt, extra string) map[string]any {
		t.Helper()
		w := e.do(t, req{"POST", "/api/oauth2/token", kiiHeaders(appID, "k"), `{"refresh_token":"` + rt + `"` + extra + `}`})
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		return decode(t, w)
	}

	t.Run("should give a user token without expiresAt the app's default lifetime", func(t *testing.T) {
		t.Parallel()
		e := newEnvWith(t, lifetimeFixture)
		tok := login(t, e, "life", "alice", "alice-pass", "")
		assert.EqualValues(t, 3600, tok["expires_in"])
		_, err := e.clk.Advance(59 * time.Minute)
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, e.do(t, req{"GET", "/api/apps/life/users/me", h(bearer(tok["access_token"].(string)), ""), ""}).Code)
		_, err = e.clk.Advance(time.Minute)
		require.NoError(t, err)
		assert.Equal(t, http.StatusForbidden, e.do(t, req{"GET", "/api/apps/life/users/me", h(bearer(tok["access_token"].(string)), ""), ""}).Code)

		// A refresh follows the policy: the default again.
		next := refresh(t, e, "life", tok["refresh_token"].(string), "")
		assert.EqualValues(t, 3600, next["expires_in"])
	})

	t.Run("should leave app-admin tokens without expiresAt unexpiring", func(t *testing.T) {
		t.Parallel()
		e := newEnvWith(t, lifetimeFixture)
		w := e.do(t, req{"POST", "/api/oauth2/token", kiiHeaders("life", "k"), `{"client_id":"life-client","client_secret":"s"}`})
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		assert.EqualValues(t, neverExpiresIn, decode(t, w)["expires_in"])
	})

	t.Run("should keep the lifetime the client chose through refreshes", func(t *testing.T) {
		t.Parallel()
		e := newEnvWith(t, lifetimeFixture)
		tok := login(t, e, "life", "alice", "alice-pass", `,"expiresAt":`+ms(2*time.Hour))
		assert.EqualValues(t, 7200, tok["expires_in"])
		_, err := e.clk.Advance(90 * time.Minute)
		require.NoError(t, err)
		next := refresh(t, e, "life", tok["refresh_token"].(string), "")
		assert.EqualValues(t, 7200, next["expires_in"], "two hours from the refresh")
		again := refresh(t, e, "life", next["refresh_token"].(string), "")
		assert.EqualValues(t, 7200, again["expires_in"], "and from the next one")

		// A refresh that sets its own expiresAt chooses anew.
		chosen := refresh(t, e, "life", again["refresh_token"].(string), `,"expiresAt":`+ms(90*time.Minute+10*time.Minute))
		assert.EqualValues(t, 600, chosen["expires_in"])
		assert.EqualValues(t, 600, refresh(t, e, "life", chosen["refresh_token"].(string), "")["expires_in"])
	})

	t.Run("should keep a chosen lifetime in an app without a default, and never-expiring tokens unexpiring", func(t *testing.T) {
		t.Parallel()
		e := newEnvWith(t, lifetimeFixture)
		tok := login(t, e, "plain", "bob", "bob-pass", `,"expiresAt":`+ms(time.Hour))
		assert.EqualValues(t, 3600, refresh(t, e, "plain", tok["refresh_token"].(string), "")["expires_in"])
		forever := login(t, e, "plain", "bob", "bob-pass", "")
		assert.EqualValues(t, neverExpiresIn, forever["expires_in"])
		assert.EqualValues(t, neverExpiresIn, refresh(t, e, "plain", forever["refresh_token"].(string), "")["expires_in"])
	})

	t.Run("should refuse expiresAt beyond the app's maximum", func(t *testing.T) {
		t.Parallel()
		e := newEnvWith(t, lifetimeFixture)
		w := e.do(t, req{"POST", "/api/oauth2/token", kiiHeaders("life", "k"), `{"username":"alice","password":"alice-pass","expiresAt":` + ms(181*time.Minute) + `}`})
		assert.Equal(t, http.StatusBadRequest, w.Code)
		assert.Equal(t, codeInvalidRequest, errorCodeOf(t, w))
		login(t, e, "life", "alice", "alice-pass", `,"expiresAt":`+ms(180*time.Minute))
	})

	t.Run("should give RegistrationAndAuthorization's token the default lifetime", func(t *testing.T) {
		t.Parallel()
		e := newEnvWith(t, lifetimeFixture)
		w := e.do(t, req{"POST", "/api/apps/life/users", kiiHeaders("life", "k", "Content-Type", ctRegAuth), `{"loginName":"carol","password":"carol-pass"}`})
		require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
		tok := decode(t, w)["_accessToken"].(string)
		_, err := e.clk.Advance(time.Hour)
		require.NoError(t, err)
		assert.Equal(t, http.StatusForbidden, e.do(t, req{"GET", "/api/apps/life/users/me", h(bearer(tok), ""), ""}).Code)
	})

	t.Run("should keep the chosen lifetime through a state export and import", func(t *testing.T) {
		t.Parallel()
		e := newEnvWith(t, lifetimeFixture)
		tok := login(t, e, "life", "alice", "alice-pass", `,"expiresAt":`+ms(2*time.Hour))
		f := e.inst.State.Export().(Fixtures)
		assert.EqualValues(t, 60, f.Apps[0].DefaultTokenLifetimeMinutes)
		require.Len(t, f.Apps[0].Tokens, 1)
		assert.EqualValues(t, 2*time.Hour/time.Millisecond, f.Apps[0].Tokens[0].LifetimeMs)
		other := newEnvWith(t, lifetimeFixture)
		commit, err := other.inst.State.Prepare("state.json", mustJSON(t, f))
		require.NoError(t, err)
		commit()
		assert.EqualValues(t, 7200, refresh(t, other, "life", tok["refresh_token"].(string), "")["expires_in"])
	})
}

func TestTokenLifetimeFixtureRules(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, fields, path string }{
		{"should refuse a negative default", `"defaultTokenLifetimeMinutes": -1`, "apps[0].defaultTokenLifetimeMinutes"},
		{"should refuse a default beyond the maximum", `"defaultTokenLifetimeMinutes": 61, "maxTokenLifetimeMinutes": 60`, "apps[0].defaultTokenLifetimeMinutes"},
		{"should refuse a default beyond Kii's maximum", `"defaultTokenLifetimeMinutes": 35791395`, "apps[0].defaultTokenLifetimeMinutes"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			doc := `{"apps": [{"appID": "a", "appKey": "k", "clientID": "c", "clientSecret": "s", "site": "JP", ` + c.fields + `, "users": []}]}`
			_, err := Open(testDeps(), Config{}, "kii.json", []byte(doc))
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.path)
		})
	}
}

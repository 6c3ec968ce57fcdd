package kii

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/httpx"
	"github.com/fakeapi/fakeapi/internal/ids"
	"github.com/fakeapi/fakeapi/internal/provider"
)

// capFixture is app2 of testFixture (refresh tokens on) with one token
// of its own, which a cap must never evict.
const capFixture = `{
  "apps": [
    {"appID": "app2", "appKey": "key/two+2", "clientID": "client-two", "clientSecret": "secret-two", "site": "SG",
     "strictAppKey": true, "refreshTokenEnabled": true,
     "users": [
       {"userID": "u-kenji", "loginName": "kenji", "emailAddress": "kenji@example.com", "password": "kenji-pass"}
     ],
     "tokens": [{"accessToken": "fixture-access", "kind": "user", "userID": "u-kenji", "refreshToken": "fixture-refresh"}]}
  ]
}`

// newCapEnv opens capFixture with Config.MaxTokens set to maxTokens and
// the provider's log written to buf.
func newCapEnv(t *testing.T, maxTokens int, buf *bytes.Buffer) *env {
	t.Helper()
	clk := clock.NewControlled(func() time.Time { return t0 })
	d := provider.Deps{Log: slog.New(slog.NewTextHandler(buf, nil)), Clock: clk, IDs: ids.Seeded(1)}
	inst, err := Open(d, Config{MaxTokens: maxTokens}, "kii.json", []byte(capFixture))
	require.NoError(t, err)
	return &env{inst: inst, h: httpx.LimitBody(1024)(inst.Handler), clk: clk, store: inst.State.(stateAdmin).s}
}

// loginPair logs kenji in on app2 and returns the access and refresh
// tokens.
func (e *env) loginPair(t *testing.T) (access, refresh string) {
	t.Helper()
	w := e.do(t, req{"POST", "/api/apps/app2/oauth2/token", h(basic(app2, key2), ctJSON),
		`{"grant_type":"password","username":"kenji","password":"kenji-pass"}`})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	m := decode(t, w)
	return m["access_token"].(string), m["refresh_token"].(string)
}

func evictionLines(buf *bytes.Buffer) []string {
	var out []string
	for _, l := range strings.Split(buf.String(), "\n") {
		if strings.Contains(l, "oldest tokens") {
			out = append(out, l)
		}
	}
	return out
}

// TestTokenCapShouldEvictTheOldestIssuedPair floods logins past a cap of
// 5: the app keeps 5 issued tokens and the fixture's, the oldest issued
// access token gets WRONG_TOKEN and its refresh token WRONG_REFRESH_TOKEN,
// the refresh table keeps no orphan, and the log has one line at the first
// eviction and one, with the count, for the rest of the burst once a
// minute has passed.
func TestTokenCapShouldEvictTheOldestIssuedPair(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	e := newCapEnv(t, 5, &buf)
	type pair struct{ access, refresh string }
	var pairs []pair
	for range 105 {
		a, r := e.loginPair(t)
		pairs = append(pairs, pair{a, r})
	}
	tokens := e.store.cur.apps[app2].tokens
	assert.Equal(t, 6, tokens.access.Len(), "five issued and the fixture's")
	assert.Equal(t, 6, tokens.refresh.Len(), "every evicted access token took its refresh token")

	me := func(tok string) *httptest.ResponseRecorder {
		return e.do(t, req{"GET", "/api/apps/app2/users/me", kiiHeaders(app2, key2, "Authorization", bearer(tok)), ""})
	}
	w := me(pairs[0].access)
	assert.Equal(t, http.StatusForbidden, w.Code)
	assert.Equal(t, codeWrongToken, errorCodeOf(t, w))
	w = e.do(t, req{"POST", "/api/apps/app2/oauth2/token", h(basic(app2, key2), ctJSON),
		`{"grant_type":"refresh_token","refresh_token":"` + pairs[0].refresh + `"}`})
	assert.Equal(t, http.StatusForbidden, w.Code)
	assert.Equal(t, codeWrongRefreshToken, errorCodeOf(t, w))
	for _, tok := range []string{"fixture-access", pairs[len(pairs)-1].access, pairs[len(pairs)-5].access} {
		assert.Equal(t, http.StatusOK, me(tok).Code, tok)
	}

	lines := evictionLines(&buf)
	require.Len(t, lines, 1, "the first eviction is logged at once, the rest of the burst waits")
	assert.Contains(t, lines[0], `msg="kii: evicted 1 oldest tokens (cap 5 per app, -max-tokens)"`)
	_, err := e.clk.Advance(time.Minute)
	require.NoError(t, err)
	// A refresh replaces a pair: it evicts nobody, and it writes the count
	// that waited.
	last := pairs[len(pairs)-1]
	w = e.do(t, req{"POST", "/api/apps/app2/oauth2/token", h(basic(app2, key2), ctJSON),
		`{"grant_type":"refresh_token","refresh_token":"` + last.refresh + `"}`})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Equal(t, http.StatusOK, me(pairs[len(pairs)-5].access).Code, "a refresh at the cap evicts no other token")
	lines = evictionLines(&buf)
	require.Len(t, lines, 2)
	assert.Contains(t, lines[1], `msg="kii: evicted 99 oldest tokens (cap 5 per app, -max-tokens)"`)
	assert.Contains(t, lines[1], "evicted=99")
}

// TestTokenCapShouldDefault: without Config.MaxTokens each app's issued
// tokens are capped at DefaultMaxTokens.
func TestTokenCapShouldDefault(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	e := newCapEnv(t, 0, &buf)
	assert.Equal(t, DefaultMaxTokens, e.store.cur.apps[app2].tokens.access.Limit())
	e.inst.State.Reset()
	assert.Equal(t, DefaultMaxTokens, e.store.cur.apps[app2].tokens.access.Limit(), "after a reset too")
}

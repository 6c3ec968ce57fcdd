package iijmio

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/ids"
	"github.com/fakeapi/fakeapi/internal/provider"
)

// newCapEnv is newEnv with Config cfg and the provider's log written to
// buf.
func newCapEnv(t testing.TB, cfg Config, buf *bytes.Buffer) (*env, *memStore) {
	t.Helper()
	clk := clock.NewControlled(func() time.Time { return testNow })
	clk.Freeze(true)
	cfg.DisableRateLimits = true
	inst, err := Open(provider.Deps{Log: slog.New(slog.NewTextHandler(buf, nil)), Clock: clk, IDs: ids.Seeded(7)},
		cfg, "iijmio.json", []byte(testFixture))
	require.NoError(t, err)
	return &env{inst: inst, clk: clk}, inst.State.(*instanceState).st
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

// TestTokenCapShouldEvictTheOldestMinted mints 105 tokens under a cap of
// 5: five minted tokens stay with the fixture's, the oldest minted
// one gets 403 User Authorization Failure, the fixture tokens keep
// working, and the log has one line at the first eviction and one with
// the rest of the burst's count once a minute has passed.
func TestTokenCapShouldEvictTheOldestMinted(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	e, st := newCapEnv(t, Config{MaxTokens: 5}, &buf)
	var minted []string
	for range 105 {
		minted = append(minted, mintToken(t, e, tUser, tDev))
	}
	assert.Len(t, st.Tokens(), 7, "five minted and the fixture's two live ones")
	call := func(tok string) *http.Response {
		return e.do(http.MethodGet, "/iijmio"+pathCouponV2, "", headerDeveloper, tDev, headerAuthorization, tok).Result()
	}
	res := call(minted[0])
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
	assert.Equal(t, `{"returnCode": "User Authorization Failure"}`, readAll(t, res))
	for _, tok := range []string{tToken, minted[100], minted[104]} {
		assert.Equal(t, http.StatusOK, call(tok).StatusCode, tok)
	}
	assert.Equal(t, http.StatusForbidden, call(minted[99]).StatusCode)

	lines := evictionLines(&buf)
	require.Len(t, lines, 1, "the first eviction is logged at once, the rest of the burst waits")
	assert.Contains(t, lines[0], `msg="iijmio: evicted 1 oldest tokens (cap 5, -max-tokens)"`)
	_, err := e.clk.Advance(time.Minute)
	require.NoError(t, err)
	mintToken(t, e, tUser, tDev)
	lines = evictionLines(&buf)
	require.Len(t, lines, 2)
	assert.Contains(t, lines[1], `msg="iijmio: evicted 100 oldest tokens (cap 5, -max-tokens)"`)
	assert.Contains(t, lines[1], "evicted=100")
}

// TestMintShouldSweepExpiredTokensFromTheHead: minted tokens expire in
// issue order, so the next mint after their 90 days drops them without
// touching the fixture's, and revoking leaves no trace in the queue.
func TestMintShouldSweepExpiredTokensFromTheHead(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	e, st := newCapEnv(t, Config{}, &buf)
	for range 3000 {
		mintToken(t, e, tUser, tDev)
	}
	st.mu.Lock()
	assert.Len(t, st.st.tokens, 3003)
	st.mu.Unlock()
	_, err := e.clk.Advance(tokenTTL)
	require.NoError(t, err)
	last := mintToken(t, e, tUser, tDev)
	st.mu.Lock()
	assert.Len(t, st.st.tokens, 4, "the fixture's three, expired or not, and the new one")
	assert.Equal(t, []string{last}, st.st.issued[st.st.issuedHead:])
	assert.LessOrEqual(t, len(st.st.issued), 2048, "the queue's dead head is compacted")
	st.mu.Unlock()
	assert.Empty(t, evictionLines(&buf), "expiry is no eviction")

	w := e.do(http.MethodDelete, "/_fakeapi/iijmio/tokens/"+last, "")
	require.Equal(t, http.StatusNoContent, w.Code, w.Body.String())
	st.mu.Lock()
	assert.Empty(t, st.st.issued[st.st.issuedHead:])
	st.mu.Unlock()
}

// TestTokenCapShouldSpareImportedTokens: a state import pins its tokens,
// so the cap evicts only those minted after it.
func TestTokenCapShouldSpareImportedTokens(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	e, st := newCapEnv(t, Config{MaxTokens: 2}, &buf)
	first := mintToken(t, e, tUser, tDev)
	st.Replace(st.Export())
	for range 4 {
		mintToken(t, e, tUser, tDev)
	}
	toks := st.Tokens()
	assert.Len(t, toks, 5, "three imported (the fixture's two live ones and the minted one) and the two newest minted")
	assert.Equal(t, first, toks[2].AccessToken, "the import keeps its order, before the minted ones")
}

// TestSessionCapShouldComeFromConfig: Config.MaxSessions reaches the
// login pages' session manager.
func TestSessionCapShouldComeFromConfig(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	e, _ := newCapEnv(t, Config{MaxSessions: 3}, &buf)
	srv := e.inst.State.(*instanceState).srv
	for range 10 {
		w := e.do(http.MethodGet, "/iijmio/mobile/d/v1/authorization/?response_type=token&client_id="+tDev+
			"&redirect_uri=https%3A%2F%2Fapp.example.jp%2Fcb&state=s", "")
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	}
	sessions, txns := srv.sess.Len()
	assert.Equal(t, 3, sessions)
	assert.Equal(t, 3, txns)
}

// BenchmarkMintTokenWith20kLive mints with 20,000 live minted tokens in
// the store: the cost per mint does not depend on how many are alive
// (docs/providers/iijmio.md, "Token cap").
func BenchmarkMintTokenWith20kLive(b *testing.B) {
	clk := clock.NewControlled(func() time.Time { return testNow })
	clk.Freeze(true)
	inst, err := Open(provider.Deps{Clock: clk, IDs: ids.Seeded(7)}, Config{}, "iijmio.json", []byte(testFixture))
	require.NoError(b, err)
	st := inst.State.(*instanceState).st
	for range 20_000 {
		_, err := st.MintToken(tUser, tDev)
		require.NoError(b, err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := st.MintToken(tUser, tDev); err != nil {
			b.Fatal(err)
		}
	}
}

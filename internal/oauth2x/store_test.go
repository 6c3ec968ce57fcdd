package oauth2x

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSnapshotRestoreRoundTrip(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t)
	pending := issue(t, s, "app1", "https://app.example.com/cb", "shop-1", "scope", "read_sales")
	used := issue(t, s, "app1", "https://app.example.com/cb", "shop-1")
	rep := doToken(t, s, tokenRequest(exchangeForm(used)))
	require.Equal(t, http.StatusOK, rep.Status)

	snap := s.store.Snapshot()
	require.Len(t, snap.Codes, 2)
	require.Len(t, snap.Tokens, 1)

	s2, _ := newTestServer(t, func(c *Config) { c.RevokeOnCodeReplay = func() bool { return true } })
	s2.store.Restore(checked(t, snap))
	assert.Equal(t, snap, s2.store.Snapshot())

	// The restored state behaves: the pending code exchanges, the token
	// works, and replaying the used code revokes the token (with the
	// option that asks for it).
	assert.Equal(t, http.StatusOK, doToken(t, s2, tokenRequest(exchangeForm(pending))).Status)
	_, ok := s2.store.Access(rep.AccessToken)
	assert.True(t, ok)
	assert.Equal(t, errInvalidGrant, doToken(t, s2, tokenRequest(exchangeForm(used))).Error)
	_, ok = s2.store.Access(rep.AccessToken)
	assert.False(t, ok)
}

func TestRevokeAndCount(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t)
	for _, u := range []string{"a", "a", "b"} {
		code := issue(t, s, "app1", "https://app.example.com/cb", u)
		require.Equal(t, http.StatusOK, doToken(t, s, tokenRequest(exchangeForm(code))).Status)
	}
	pending := issue(t, s, "app1", "https://app.example.com/cb", "a")
	isA := func(_, user string) bool { return user == "a" }
	codes, tokens := s.store.Count(isA)
	assert.Equal(t, 1, codes)
	assert.Equal(t, 2, tokens)

	assert.Equal(t, 2, s.store.Revoke(isA))
	codes, tokens = s.store.Count(func(string, string) bool { return true })
	assert.Equal(t, 0, codes, "should drop the pending code too")
	assert.Equal(t, 1, tokens)
	assert.Equal(t, errInvalidGrant, doToken(t, s, tokenRequest(exchangeForm(pending))).Error)
}

func TestSweepDropsExpiredCodes(t *testing.T) {
	t.Parallel()
	s, clk := newTestServer(t)
	ctx := context.Background()
	for i := range 1024 {
		require.NoError(t, s.store.Create(ctx, codeToken(fmt.Sprint("old", i))))
	}
	_, err := clk.Advance(time.Hour)
	require.NoError(t, err)
	require.NoError(t, s.store.Create(ctx, codeToken("new")))
	s.store.mu.Lock()
	n := s.store.codes.Len()
	s.store.mu.Unlock()
	assert.Equal(t, 1, n)
}

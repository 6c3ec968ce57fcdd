package oauth2x

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/go-oauth2/oauth2/v4/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/keytable"
)

// TestSetLimitShouldEvictTheOldestIssued: past the limit the oldest
// issued codes, consumed codes and tokens go, restored ones stay, and each
// kind's evictions are logged on its own EvictionLog, the first at once.
func TestSetLimitShouldEvictTheOldestIssued(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := clock.NewControlled(func() time.Time { return testEpoch })
	s := NewTokenStore(clk)
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	s.SetLimit(3, keytable.NewEvictionLog(log, "test", "codes"), keytable.NewEvictionLog(log, "test", "tokens"))
	s.Restore(checked(t, Snapshot{
		Codes: []Code{
			{Code: "fixture-code", ClientID: "app1", IssuedAt: testEpoch, ExpiresAt: testEpoch.Add(codeTTL)},
			{Code: "fixture-used", ClientID: "app1", ExpiresAt: testEpoch.Add(codeTTL), Used: true, Tokens: []string{"a", "b"}},
		},
		Tokens: []Token{{AccessToken: "fixture-token", ClientID: "app1", IssuedAt: testEpoch}},
	}))
	for i := range 10 {
		require.NoError(t, s.Create(ctx, codeToken(fmt.Sprintf("code-%d", i))))
		require.NoError(t, s.Create(ctx, &models.Token{ClientID: "app1", Access: fmt.Sprintf("token-%d", i)}))
	}
	for i := 7; i < 10; i++ { // consume the three live codes: spent at its limit
		require.NoError(t, s.RemoveByCode(ctx, fmt.Sprintf("code-%d", i)))
	}
	require.NoError(t, s.Create(ctx, codeToken("code-10")))
	require.NoError(t, s.RemoveByCode(ctx, "code-10"))

	assert.Equal(t, 1+0, s.codes.Len(), "the fixture's code; the issued ones were consumed")
	assert.Equal(t, 1+3, s.spent.Len(), "the fixture's and the three newest consumed")
	assert.Equal(t, 1+3, s.access.Len())
	_, ok := s.Access("token-6")
	assert.False(t, ok, "the oldest issued token is gone")
	for _, tok := range []string{"fixture-token", "token-7", "token-9"} {
		_, ok := s.Access(tok)
		assert.True(t, ok, tok)
	}
	assert.Equal(t, codeUnknown, s.inspect("code-7").state, "the oldest consumed code is gone")
	assert.Equal(t, codeSpent, s.inspect("code-10").state)
	assert.Equal(t, codeSpent, s.inspect("fixture-used").state)
	assert.Equal(t, []string{"a", "b"}, s.issuedFrom("fixture-used"))
	assert.Equal(t, codeLive, s.inspect("fixture-code").state)

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 2, "one line per kind, at its first eviction")
	assert.Contains(t, lines[0], `msg="test: evicted 1 oldest codes"`)
	assert.Contains(t, lines[1], `msg="test: evicted 1 oldest tokens"`)

	_, err := clk.Advance(time.Minute)
	require.NoError(t, err)
	require.NoError(t, s.Create(ctx, &models.Token{ClientID: "app1", Access: "token-11"}))
	lines = strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 4)
	assert.Contains(t, lines[2], `msg="test: evicted 7 oldest codes"`, "six codes over the limit and one consumed code")
	assert.Contains(t, lines[3], `msg="test: evicted 7 oldest tokens"`)

	// A limit survives a restore.
	s.Restore(Checked{})
	for i := range 5 {
		require.NoError(t, s.Create(ctx, &models.Token{ClientID: "app1", Access: fmt.Sprintf("again-%d", i)}))
	}
	assert.Equal(t, 3, s.access.Len())
}

// A consumed code the limit evicts takes its list of extra tokens with it.
func TestEvictedSpentCodeShouldDropItsTokenList(t *testing.T) {
	t.Parallel()
	clk := clock.NewControlled(func() time.Time { return testEpoch })
	s := NewTokenStore(clk)
	s.Restore(checked(t, Snapshot{Codes: []Code{
		{Code: "used", ClientID: "app1", ExpiresAt: testEpoch.Add(codeTTL), Used: true, Tokens: []string{"a", "b"}},
	}}))
	s.mu.Lock()
	// Unpin the import's entry as an issued one would be, then cap.
	sc, e, ok := s.spent.Lookup(mustKey("used"), 0)
	require.True(t, ok)
	e.Pinned = false
	s.spent.Put(mustKey("used"), sc, e)
	s.mu.Unlock()
	s.SetLimit(1, nil, nil)
	require.NoError(t, s.Create(context.Background(), codeToken("c2")))
	require.NoError(t, s.RemoveByCode(context.Background(), "c2"))
	s.mu.Lock()
	defer s.mu.Unlock()
	assert.Empty(t, s.moreTokens)
}

func mustKey(s string) keytable.Key {
	k, ok := keytable.KeyOf(s)
	if !ok {
		panic(s)
	}
	return k
}

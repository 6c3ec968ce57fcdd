package oauth2x

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/go-oauth2/oauth2/v4"
	"github.com/go-oauth2/oauth2/v4/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/internal/clock"
)

// TestCompactStoreMatchesPlainStore drives the TokenStore and refStore (the
// same store with models.Token entries, as before compact.go) through the
// same random operations and compares every answer and the whole content
// after each: inline and long keys, interned strings and their rebuild,
// instants and their zones, spent codes with one token or several, sweeps,
// revocation, restore.
func TestCompactStoreMatchesPlainStore(t *testing.T) {
	t.Parallel()
	for seed := range uint64(8) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			t.Parallel()
			compareStores(t, seed, 4000)
		})
	}
}

func compareStores(t *testing.T, seed uint64, steps int) {
	rng := rand.New(rand.NewPCG(seed, 99))
	jst := time.FixedZone("JST", 9*3600)
	clk := clock.NewControlled(func() time.Time { return time.Date(2024, 4, 1, 12, 0, 0, 0, jst) })
	got, want := NewTokenStore(clk), newRefStore(clk)
	ctx := context.Background()

	n := 0
	fresh := func() string {
		n++
		switch rng.IntN(4) {
		case 0:
			return fmt.Sprintf("%040x", n) // Assist's code
		case 1:
			return fmt.Sprintf("%032x", n) // Assist's token
		case 2:
			return fmt.Sprintf("long-%060d", n) // longer than keyMax
		}
		return fmt.Sprintf("%047d", n) // exactly keyMax
	}
	var codes, tokens, refreshes []string
	pick := func(from []string) string {
		if len(from) == 0 || rng.IntN(10) == 0 {
			return "unknown"
		}
		return from[rng.IntN(len(from))]
	}
	oneOf := func(v ...string) string { return v[rng.IntN(len(v))] }
	compacted := false
	sizeBefore := 0

	for step := range steps {
		op := rng.IntN(16)
		ctxMsg := fmt.Sprintf("step %d op %d", step, op)
		client, user := oneOf("app1", "app2", "odd id/+&"), oneOf("u1", "u2", "")
		switch op {
		case 0, 1, 2: // a code, as IssueCode stores it
			c := fresh()
			codes = append(codes, c)
			tok := &models.Token{ClientID: client, UserID: user, RedirectURI: oneOf("https://app.example.com/cb", "http://127.0.0.1:8081/cb"),
				Scope: oneOf("", "read_sales", "a b"), Code: c, CodeCreateAt: clk.Now(), CodeExpiresIn: time.Duration(1+rng.IntN(20)) * time.Minute}
			if rng.IntN(3) == 0 {
				tok.CodeChallenge, tok.CodeChallengeMethod = fresh(), oneOf("S256", "plain", "")
			}
			require.Equal(t, want.Create(ctx, tok), got.Create(ctx, tok), ctxMsg)
		case 3, 4: // an exchange: consume, mint, link
			c := pick(codes)
			e1, e2 := want.RemoveByCode(ctx, c), got.RemoveByCode(ctx, c)
			require.Equal(t, e1, e2, ctxMsg)
			if e1 != nil {
				break
			}
			a := fresh()
			tokens = append(tokens, a)
			tok := &models.Token{ClientID: client, UserID: user, Access: a, AccessCreateAt: clk.Now()}
			if rng.IntN(3) == 0 {
				tok.AccessExpiresIn = time.Duration(1+rng.IntN(60)) * time.Minute
			}
			if rng.IntN(4) == 0 {
				tok.Refresh = fresh()
				refreshes = append(refreshes, tok.Refresh)
				if rng.IntN(2) == 0 {
					tok.RefreshExpiresIn = time.Duration(1+rng.IntN(60)) * time.Minute
				}
			}
			require.Equal(t, want.Create(ctx, tok), got.Create(ctx, tok), ctxMsg)
			want.link(c, a)
			got.link(c, a)
		case 5: // a second token linked to a code (only an import does that)
			c, a := pick(codes), pick(tokens)
			want.link(c, a)
			got.link(c, a)
		case 6:
			c := pick(codes)
			w, _ := want.GetByCode(ctx, c)
			g, _ := got.GetByCode(ctx, c)
			require.Equal(t, codeFields(w), codeFields(g), ctxMsg)
		case 7:
			a := pick(tokens)
			w, _ := want.GetByAccess(ctx, a)
			g, _ := got.GetByAccess(ctx, a)
			require.Equal(t, accessFields(w), accessFields(g), ctxMsg)
			wt, wok := want.Access(a)
			gt, gok := got.Access(a)
			require.Equal(t, wok, gok, ctxMsg)
			require.Equal(t, wt, gt, ctxMsg)
		case 8:
			r := pick(refreshes)
			w, _ := want.GetByRefresh(ctx, r)
			g, _ := got.GetByRefresh(ctx, r)
			require.Equal(t, accessFields(w), accessFields(g), ctxMsg)
			if rng.IntN(3) == 0 {
				require.Equal(t, want.RemoveByRefresh(ctx, r), got.RemoveByRefresh(ctx, r), ctxMsg)
			}
		case 9:
			a := pick(tokens)
			require.Equal(t, want.RemoveByAccess(ctx, a), got.RemoveByAccess(ctx, a), ctxMsg)
		case 10:
			c := pick(codes)
			require.Equal(t, want.inspect(c), got.inspect(c), ctxMsg)
			require.Equal(t, want.issuedFrom(c), got.issuedFrom(c), ctxMsg)
		case 11:
			match := func(c, u string) bool { return c == client && u == user }
			wc, wt := want.Count(match)
			gc, gt := got.Count(match)
			require.Equal(t, [2]int{wc, wt}, [2]int{gc, gt}, ctxMsg)
			if rng.IntN(8) == 0 {
				require.Equal(t, want.Revoke(match), got.Revoke(match), ctxMsg)
			}
		case 12, 13:
			_, err := clk.Advance(time.Duration(rng.IntN(300)) * time.Second)
			require.NoError(t, err)
		case 14:
			switch rng.IntN(20) {
			case 0:
				snap := want.Snapshot()
				want.Restore(snap)
				got.Restore(snap)
			case 1, 2: // the next Create sweeps (both) and rebuilds strs
				want.mu.Lock()
				want.nextSweep = 0
				want.mu.Unlock()
				got.mu.Lock()
				got.nextSweep, got.nextCompact = 0, 0
				got.mu.Unlock()
			}
		case 15:
			c := pick(codes)
			e1, e2 := want.RemoveByCode(ctx, c), got.RemoveByCode(ctx, c)
			require.Equal(t, e1, e2, ctxMsg)
		}
		require.Equal(t, want.Snapshot(), got.Snapshot(), ctxMsg)
		got.mu.Lock()
		size := len(got.strs.strs)
		got.mu.Unlock()
		compacted = compacted || size < sizeBefore && op != 14
		sizeBefore = size
	}
	assert.True(t, compacted, "should have rebuilt the string table at least once")
	require.Equal(t, want.Snapshot(), got.Snapshot())
}

// codeFields and accessFields are what go-oauth2's Manager reads of the
// stores' copies.
func codeFields(ti oauth2.TokenInfo) []any {
	if ti == nil {
		return nil
	}
	return []any{ti.GetClientID(), ti.GetUserID(), ti.GetRedirectURI(), ti.GetScope(), ti.GetCode(),
		ti.GetCodeChallenge(), ti.GetCodeChallengeMethod(), ti.GetCodeExpiresIn(), ti.GetAccessExpiresIn()}
}

func accessFields(ti oauth2.TokenInfo) []any {
	if ti == nil {
		return nil
	}
	return []any{ti.GetClientID(), ti.GetUserID(), ti.GetRedirectURI(), ti.GetScope(), ti.GetCode(), ti.GetAccess(),
		ti.GetAccessExpiresIn(), ti.GetRefresh(), ti.GetRefreshExpiresIn()}
}

func TestInstantKeepsTimeAndZone(t *testing.T) {
	t.Parallel()
	var l locs
	for _, tm := range []time.Time{
		{}, time.Unix(0, 0).UTC(), testEpoch, time.Date(2024, 4, 1, 21, 0, 0, 123456789, time.FixedZone("JST", 9*3600)),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.Local), time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC),
		time.Date(1500, 6, 1, 0, 0, 0, 0, time.UTC),
	} {
		assert.Equal(t, tm, l.time(l.instant(tm)), "%v", tm)
		assert.Equal(t, tm.IsZero(), l.instant(tm).isZero(), "%v", tm)
	}
	a, b := l.instant(testEpoch), l.instant(testEpoch.Add(time.Nanosecond))
	assert.True(t, a.before(b))
	assert.False(t, b.before(a))
	assert.False(t, a.before(a))
}

func TestTableKeepsLongAndShortApart(t *testing.T) {
	t.Parallel()
	tb := newTable[int](0)
	keys := []string{"", "a", strings.Repeat("x", keyMax), strings.Repeat("x", keyMax+1), strings.Repeat("y", 300)}
	for i, s := range keys {
		tb.set(s, i)
	}
	assert.Equal(t, 5, tb.len())
	assert.Len(t, tb.long, 2)
	for i, s := range keys {
		v, ok := tb.get(s)
		assert.True(t, ok)
		assert.Equal(t, i, v)
	}
	seen := map[string]int{}
	for r, v := range tb.all {
		seen[r.String()] = v
		if v%2 == 1 {
			tb.delRef(r)
		}
	}
	assert.Equal(t, map[string]int{keys[0]: 0, keys[1]: 1, keys[2]: 2, keys[3]: 3, keys[4]: 4}, seen)
	assert.Equal(t, 3, tb.len())
	_, ok := tb.get(keys[3])
	assert.False(t, ok)
	tb.del(keys[4])
	tb.del(keys[0])
	assert.Equal(t, 1, tb.len())
}

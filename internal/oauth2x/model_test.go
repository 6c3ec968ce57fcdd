package oauth2x

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-oauth2/oauth2/v4"
	"github.com/go-oauth2/oauth2/v4/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/internal/clock"
)

// modelStore is the plain model TokenStore must agree with: maps keyed by
// the strings, holding go-oauth2's own token values, swept of what expired
// on every Create.
type modelStore struct {
	clk    clock.Clock
	codes  map[string]modelCode
	spent  map[string]modelSpent
	access map[string]modelAccess
}

type modelCode struct {
	tok             models.Token
	issued, expires time.Time
}

type modelSpent struct {
	client  string
	expires time.Time
	tokens  []string
}

type modelAccess struct {
	tok             models.Token
	issued, expires time.Time // expires zero: never
}

func newModelStore(clk clock.Clock) *modelStore {
	m := &modelStore{clk: clk}
	m.reset()
	return m
}

func (m *modelStore) reset() {
	m.codes, m.spent, m.access = map[string]modelCode{}, map[string]modelSpent{}, map[string]modelAccess{}
}

func before(now, t time.Time) bool { return t.IsZero() || now.Before(t) }

// codeKnown: an expired code is still known for expiredCodeMemory.
func (m *modelStore) codeKnown(c modelCode, now time.Time) bool {
	return now.Before(c.expires.Add(expiredCodeMemory))
}

func (m *modelStore) Create(info oauth2.TokenInfo) error {
	for _, k := range []string{info.GetCode(), info.GetAccess()} {
		if len(k) > maxKeyLen {
			return errors.New("too long")
		}
	}
	now := m.clk.Now()
	for k, c := range m.codes {
		if !m.codeKnown(c, now) {
			delete(m.codes, k)
		}
	}
	for k, sc := range m.spent {
		if !now.Before(sc.expires) {
			delete(m.spent, k)
		}
	}
	for k, a := range m.access {
		if !before(now, a.expires) {
			delete(m.access, k)
		}
	}
	tok := *info.(*models.Token)
	if tok.Code != "" {
		m.codes[tok.Code] = modelCode{tok: tok, issued: now, expires: now.Add(tok.CodeExpiresIn)}
		return nil
	}
	a := modelAccess{tok: tok, issued: now}
	if tok.AccessExpiresIn > 0 {
		a.expires = now.Add(tok.AccessExpiresIn)
	}
	m.access[tok.Access] = a
	return nil
}

func (m *modelStore) GetByCode(code string) []any {
	c, ok := m.codes[code]
	now := m.clk.Now()
	if !ok || !now.Before(c.expires) {
		return nil
	}
	return []any{c.tok.ClientID, c.tok.UserID, c.tok.RedirectURI, c.tok.Scope, code, c.tok.CodeChallenge,
		string(c.tok.CodeChallengeMethod), managerNever, time.Duration(0)}
}

func (m *modelStore) RemoveByCode(code string) error {
	c, ok := m.codes[code]
	if !ok || !m.codeKnown(c, m.clk.Now()) {
		return errCodeConsumed
	}
	delete(m.codes, code)
	m.spent[code] = modelSpent{client: c.tok.ClientID, expires: c.expires}
	return nil
}

func (m *modelStore) liveAccess(access string) (modelAccess, bool) {
	a, ok := m.access[access]
	now := m.clk.Now()
	if !ok || !before(now, a.expires) {
		return modelAccess{}, false
	}
	return a, true
}

func (m *modelStore) RemoveByAccess(access string) { delete(m.access, access) }

func (m *modelStore) token(access string, a modelAccess) Token {
	return Token{AccessToken: access, ClientID: a.tok.ClientID, UserID: a.tok.UserID,
		Scope: a.tok.Scope, RedirectURI: a.tok.RedirectURI, IssuedAt: a.issued.UTC(), ExpiresAt: utc(a.expires)}
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC()
}

func (m *modelStore) Access(access string) (Token, bool) {
	a, ok := m.liveAccess(access)
	if !ok {
		return Token{}, false
	}
	return m.token(access, a), true
}

func (m *modelStore) Revoke(match func(clientID, userID string) bool) int {
	for k, c := range m.codes {
		if match(c.tok.ClientID, c.tok.UserID) {
			delete(m.codes, k)
		}
	}
	n := 0
	for k, a := range m.access {
		if match(a.tok.ClientID, a.tok.UserID) {
			delete(m.access, k)
			n++
		}
	}
	return n
}

func (m *modelStore) Count(match func(clientID, userID string) bool) (codes, tokens int) {
	now := m.clk.Now()
	for _, c := range m.codes {
		if now.Before(c.expires) && match(c.tok.ClientID, c.tok.UserID) {
			codes++
		}
	}
	for k, a := range m.access {
		if _, ok := m.liveAccess(k); ok && match(a.tok.ClientID, a.tok.UserID) {
			tokens++
		}
	}
	return codes, tokens
}

func (m *modelStore) inspect(code string) codeInfo {
	now := m.clk.Now()
	if c, ok := m.codes[code]; ok && m.codeKnown(c, now) {
		st := codeLive
		if !now.Before(c.expires) {
			st = codeExpired
		}
		return codeInfo{state: st, clientID: c.tok.ClientID, redirectURI: c.tok.RedirectURI, codeChallenge: c.tok.CodeChallenge}
	}
	if sc, ok := m.spent[code]; ok && now.Before(sc.expires) {
		return codeInfo{state: codeSpent, clientID: sc.client}
	}
	return codeInfo{state: codeUnknown}
}

func (m *modelStore) link(code, access string) {
	if sc, ok := m.spent[code]; ok {
		sc.tokens = append(slices.Clip(sc.tokens), access)
		m.spent[code] = sc
	}
}

func (m *modelStore) issuedFrom(code string) []string { return slices.Clone(m.spent[code].tokens) }

func (m *modelStore) Snapshot() Snapshot {
	now := m.clk.Now()
	var snap Snapshot
	for k, c := range m.codes {
		if now.Before(c.expires) {
			snap.Codes = append(snap.Codes, Code{Code: k, ClientID: c.tok.ClientID, UserID: c.tok.UserID, RedirectURI: c.tok.RedirectURI,
				Scope: c.tok.Scope, CodeChallenge: c.tok.CodeChallenge, CodeChallengeMethod: string(c.tok.CodeChallengeMethod),
				IssuedAt: utc(c.issued), ExpiresAt: utc(c.expires)})
		}
	}
	for k, sc := range m.spent {
		if now.Before(sc.expires) {
			snap.Codes = append(snap.Codes, Code{Code: k, ClientID: sc.client, ExpiresAt: utc(sc.expires), Used: true, Tokens: slices.Clone(sc.tokens)})
		}
	}
	for k := range m.access {
		if a, ok := m.liveAccess(k); ok {
			snap.Tokens = append(snap.Tokens, m.token(k, a))
		}
	}
	slices.SortFunc(snap.Codes, func(a, b Code) int {
		return cmp.Or(a.ExpiresAt.Compare(b.ExpiresAt), cmp.Compare(a.Code, b.Code))
	})
	slices.SortFunc(snap.Tokens, func(a, b Token) int {
		return cmp.Or(a.IssuedAt.Compare(b.IssuedAt), cmp.Compare(a.AccessToken, b.AccessToken))
	})
	return snap
}

func (m *modelStore) Restore(snap Snapshot) {
	m.reset()
	for _, c := range snap.Codes {
		if c.Used {
			m.spent[c.Code] = modelSpent{client: c.ClientID, expires: c.ExpiresAt, tokens: slices.Clone(c.Tokens)}
			continue
		}
		m.codes[c.Code] = modelCode{tok: models.Token{ClientID: c.ClientID, UserID: c.UserID, RedirectURI: c.RedirectURI, Scope: c.Scope,
			CodeChallenge: c.CodeChallenge, CodeChallengeMethod: c.CodeChallengeMethod},
			issued: c.IssuedAt, expires: c.ExpiresAt}
	}
	for _, t := range snap.Tokens {
		m.access[t.AccessToken] = modelAccess{tok: models.Token{ClientID: t.ClientID, UserID: t.UserID, RedirectURI: t.RedirectURI,
			Scope: t.Scope, Access: t.AccessToken}, issued: t.IssuedAt, expires: t.ExpiresAt}
	}
}

// TestTokenStoreAgreesWithTheModel drives the TokenStore and modelStore
// through the same random operations and compares every answer and the
// whole content after each: codes issued, exchanged, replayed and
// expiring, tokens with and without lifetimes, revocation, sweeps, interned strings and their rebuild, restores.
func TestTokenStoreAgreesWithTheModel(t *testing.T) {
	t.Parallel()
	for seed := range uint64(8) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			t.Parallel()
			checkStoreAgainstModel(t, seed, 4000)
		})
	}
}

func checkStoreAgainstModel(t *testing.T, seed uint64, steps int) {
	rng := rand.New(rand.NewPCG(seed, 99))
	jst := time.FixedZone("JST", 9*3600)
	clk := clock.NewControlled(func() time.Time { return time.Date(2024, 4, 1, 12, 0, 0, 0, jst) })
	got, want := NewTokenStore(clk), newModelStore(clk)
	ctx := context.Background()

	n := 0
	fresh := func() string {
		n++
		switch rng.IntN(8) {
		case 0, 1:
			return fmt.Sprintf("%040x", n) // Assist's code
		case 2, 3:
			return fmt.Sprintf("%032x", n) // Assist's token
		case 4:
			return fmt.Sprintf("long-%060d", n) // longer than maxKeyLen
		}
		return fmt.Sprintf("%047d", n) // exactly maxKeyLen
	}
	var codes, tokens []string
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
		msg := fmt.Sprintf("step %d op %d", step, op)
		client, user := oneOf("app1", "app2", "odd id/+&"), oneOf("u1", "u2", "")
		create := func(tok *models.Token) bool {
			werr, gerr := want.Create(tok), got.Create(ctx, tok)
			require.Equal(t, werr != nil, gerr != nil, "%s: Create %v, %v", msg, werr, gerr)
			return gerr == nil
		}
		switch op {
		case 0, 1, 2: // a code, as IssueCode stores it
			c := fresh()
			tok := &models.Token{ClientID: client, UserID: user, RedirectURI: oneOf("https://app.example.com/cb", "http://127.0.0.1:8081/cb"),
				Scope: oneOf("", "read_sales", "a b", fmt.Sprint("scope-", n)), Code: c, CodeCreateAt: clk.Now(),
				CodeExpiresIn: time.Duration(1+rng.IntN(20)) * time.Minute}
			if rng.IntN(3) == 0 {
				tok.CodeChallenge, tok.CodeChallengeMethod = fresh(), oneOf("S256", "plain", "")
			}
			if create(tok) {
				codes = append(codes, c)
			}
		case 3, 4: // an exchange: consume, mint, link
			c := pick(codes)
			e1, e2 := want.RemoveByCode(c), got.RemoveByCode(ctx, c)
			require.Equal(t, e1, e2, msg)
			if e1 != nil {
				break
			}
			a := fresh()
			tok := &models.Token{ClientID: client, UserID: user, Access: a, AccessCreateAt: clk.Now()}
			if rng.IntN(3) == 0 {
				tok.AccessExpiresIn = time.Duration(1+rng.IntN(60)) * time.Minute
			}
			if create(tok) {
				tokens = append(tokens, a)
				want.link(c, a)
				got.link(c, a)
			}
		case 5: // a second token linked to a code (only an import does that)
			c, a := pick(codes), pick(tokens)
			want.link(c, a)
			got.link(c, a)
		case 6:
			c := pick(codes)
			g, _ := got.GetByCode(ctx, c)
			require.Equal(t, want.GetByCode(c), codeFields(g), msg)
		case 7, 8:
			a := pick(tokens)
			g, _ := got.GetByAccess(ctx, a)
			require.Nil(t, g, msg)
			wt, wok := want.Access(a)
			gt, gok := got.Access(a)
			require.Equal(t, wok, gok, msg)
			require.Equal(t, wt, gt, msg)
		case 9:
			a := pick(tokens)
			want.RemoveByAccess(a)
			require.NoError(t, got.RemoveByAccess(ctx, a), msg)
		case 10:
			c := pick(codes)
			require.Equal(t, want.inspect(c), got.inspect(c), msg)
			require.Equal(t, want.issuedFrom(c), got.issuedFrom(c), msg)
		case 11:
			match := func(c, u string) bool { return c == client && u == user }
			wc, wt := want.Count(match)
			gc, gt := got.Count(match)
			require.Equal(t, [2]int{wc, wt}, [2]int{gc, gt}, msg)
			if rng.IntN(8) == 0 {
				require.Equal(t, want.Revoke(match), got.Revoke(match), msg)
			}
		case 12, 13:
			_, err := clk.Advance(time.Duration(rng.IntN(300)) * time.Second)
			require.NoError(t, err)
		case 14:
			switch rng.IntN(20) {
			case 0:
				snap := want.Snapshot()
				want.Restore(snap)
				got.Restore(checked(t, snap))
			case 1, 2: // the next Create rebuilds strs
				got.mu.Lock()
				got.nextCompact = 0
				got.mu.Unlock()
			}
		case 15:
			c := pick(codes)
			require.Equal(t, want.RemoveByCode(c), got.RemoveByCode(ctx, c), msg)
		}
		require.Equal(t, want.Snapshot(), got.Snapshot(), msg)
		got.mu.Lock()
		size := len(got.strs.strs)
		got.mu.Unlock()
		compacted = compacted || size < sizeBefore && op != 14
		sizeBefore = size
	}
	assert.True(t, compacted, "should have rebuilt the string table at least once")
}

// codeFields is what go-oauth2's Manager reads of the store's copy of a
// code.
func codeFields(ti oauth2.TokenInfo) []any {
	if ti == nil {
		return nil
	}
	return []any{ti.GetClientID(), ti.GetUserID(), ti.GetRedirectURI(), ti.GetScope(), ti.GetCode(),
		ti.GetCodeChallenge(), string(ti.GetCodeChallengeMethod()), ti.GetCodeExpiresIn(), ti.GetAccessExpiresIn()}
}

// A fixture or import whose code or token does not fit the store is
// refused whole by Checked, naming the entry, so Restore never sees it; a
// minted one that does not fit cannot be stored.
func TestRestoreRefusesKeysThatDoNotFit(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t)
	ctx := context.Background()
	fits, long := strings.Repeat("c", maxKeyLen), strings.Repeat("c", maxKeyLen+1)
	good := Snapshot{Codes: []Code{{Code: fits, ClientID: "app1", Used: true, Tokens: []string{fits}, ExpiresAt: testEpoch.Add(time.Minute)}},
		Tokens: []Token{{AccessToken: fits, ClientID: "app1", IssuedAt: testEpoch}}}
	s.store.Restore(checked(t, good))
	before := s.store.Snapshot()
	require.Len(t, before.Codes, 1)
	require.Len(t, before.Tokens, 1)

	tests := []struct {
		name string
		snap Snapshot
		err  string
	}{
		{"should refuse a long code", Snapshot{Codes: []Code{{Code: "ok"}, {Code: long}}},
			"codes[1].code: code of 48 bytes, longer than the 47 the token store keeps"},
		{"should refuse a long token of a used code", Snapshot{Codes: []Code{{Code: "ok", Used: true, Tokens: []string{"a", long}}}},
			"codes[0].tokens[1]: access token of 48 bytes, longer than the 47 the token store keeps"},
		{"should refuse a long access token", Snapshot{Tokens: []Token{{AccessToken: long}}},
			"tokens[0].accessToken: access token of 48 bytes, longer than the 47 the token store keeps"},
		{"should refuse a long access token after a good one", Snapshot{Tokens: []Token{{AccessToken: "a"}, {AccessToken: long}}},
			"tokens[1].accessToken: access token of 48 bytes, longer than the 47 the token store keeps"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.snap.Checked()
			assert.EqualError(t, err, tt.err)
			path, err := tt.snap.Check()
			assert.Equal(t, tt.err, path+": "+err.Error())
			assert.Equal(t, before, s.store.Snapshot(), "should change nothing")
		})
	}
	assert.Error(t, s.store.Create(ctx, codeToken(long)))
	assert.Error(t, s.store.Create(ctx, &models.Token{ClientID: "app1", Access: long}))
	assert.Equal(t, before, s.store.Snapshot())
}

// Exported times are UTC, whatever the clock's or the import's zone
// (docs/oauth.md, "Token store").
func TestSnapshotTimesAreUTC(t *testing.T) {
	t.Parallel()
	jst := time.FixedZone("JST", 9*3600)
	clk := clock.NewControlled(func() time.Time { return time.Date(2024, 4, 1, 21, 0, 0, 0, jst) })
	s := NewTokenStore(clk)
	require.NoError(t, s.Create(context.Background(), codeToken("c1")))
	require.NoError(t, s.Create(context.Background(), &models.Token{ClientID: "app1", Access: "a1", AccessExpiresIn: time.Hour}))
	snap := s.Snapshot()
	require.Len(t, snap.Codes, 1)
	require.Len(t, snap.Tokens, 1)
	assert.Equal(t, time.Date(2024, 4, 1, 12, 0, 0, 0, time.UTC), snap.Codes[0].IssuedAt)
	assert.Equal(t, time.Date(2024, 4, 1, 12, 10, 0, 0, time.UTC), snap.Codes[0].ExpiresAt)
	assert.Equal(t, time.Date(2024, 4, 1, 13, 0, 0, 0, time.UTC), snap.Tokens[0].ExpiresAt)
	s.Restore(checked(t, Snapshot{Tokens: []Token{{AccessToken: "a2", ClientID: "app1", IssuedAt: time.Date(2024, 4, 1, 21, 0, 0, 0, jst)}}}))
	tok, ok := s.Access("a2")
	require.True(t, ok)
	assert.Equal(t, time.UTC, tok.IssuedAt.Location())
	assert.True(t, tok.ExpiresAt.IsZero())
}

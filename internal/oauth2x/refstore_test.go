package oauth2x

// refStore is the TokenStore as it was before its entries became
// pointer-free (commit ea146fe): the plain computation the compact one is
// compared with.

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/go-oauth2/oauth2/v4"
	"github.com/go-oauth2/oauth2/v4/models"

	"github.com/fakeapi/fakeapi/internal/clock"
)

// refStore is go-oauth2's refStore on the injected clock (G17): a map
// guarded by one mutex, holding values, never pointers handed out. It also
// remembers consumed codes until they would have expired, with the access
// tokens they produced, so a replay can revoke them (G10).
type refStore struct {
	clk clock.Clock

	mu      sync.Mutex // guards codes, spent, access, refresh and nextSweep
	codes   map[string]refCode
	spent   map[string]refSpent
	access  map[string]refAccess
	refresh map[string]string // refresh token → access token
	// nextSweep is the size at which expired entries are dropped next, so
	// abandoned codes cannot grow memory and sweeping stays amortised O(1).
	nextSweep int

	// afterGetByCode, when set by a test, runs between the Manager's
	// GetByCode and RemoveByCode, widening the race G9 is about.
	afterGetByCode func()
}

type refCode struct {
	tok     models.Token
	issued  time.Time
	expires time.Time
}

type refSpent struct {
	clientID string
	expires  time.Time
	tokens   []string
}

type refAccess struct {
	tok     models.Token
	issued  time.Time
	expires time.Time // zero: never
	// refreshExpires is zero when the refresh token (if any) never expires.
	refreshExpires time.Time
}

// newRefStore returns an empty store on clk.
func newRefStore(clk clock.Clock) *refStore {
	s := &refStore{clk: clk}
	s.resetLocked()
	return s
}

func (s *refStore) resetLocked() {
	s.codes = map[string]refCode{}
	s.spent = map[string]refSpent{}
	s.access = map[string]refAccess{}
	s.refresh = map[string]string{}
	s.nextSweep = minSweep
}

// Create stores a code or an access token, stamped with the injected clock.
// A zero access lifetime means "never expires" (go-oauth2's buntdb store
// expires such tokens at once, G17).
func (s *refStore) Create(_ context.Context, info oauth2.TokenInfo) error {
	tok := refSnapshot(info)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clk.Now()
	s.sweepLocked(now)
	if tok.Code != "" {
		s.codes[tok.Code] = refCode{tok: tok, issued: now, expires: now.Add(tok.CodeExpiresIn)}
		return nil
	}
	if tok.Access == "" {
		return errors.New("oauth2x: token without code or access token")
	}
	e := refAccess{tok: tok, issued: now}
	if d := tok.AccessExpiresIn; d > 0 {
		e.expires = now.Add(d)
	}
	if tok.Refresh != "" {
		if d := tok.RefreshExpiresIn; d > 0 {
			e.refreshExpires = now.Add(d)
		}
		s.refresh[tok.Refresh] = tok.Access
	}
	s.access[tok.Access] = e
	return nil
}

// GetByCode returns a live, unexpired code (by the injected clock), or
// (nil, nil). The copy's lifetime is managerNever (G17).
func (s *refStore) GetByCode(_ context.Context, code string) (oauth2.TokenInfo, error) {
	s.mu.Lock()
	e, ok := s.codes[code]
	live := ok && s.clk.Now().Before(e.expires)
	hook := s.afterGetByCode
	s.mu.Unlock()
	if hook != nil {
		hook()
	}
	if !live {
		return nil, nil
	}
	t := e.tok
	t.CodeExpiresIn = managerNever
	return &t, nil
}

// RemoveByCode is compare-and-delete: only the first caller for a live code
// succeeds, the others get errCodeConsumed, so the Manager's get-then-delete
// cannot mint twice (G9). The code is remembered as spent until it would
// have expired.
func (s *refStore) RemoveByCode(_ context.Context, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.codes[code]
	if !ok {
		return errCodeConsumed
	}
	delete(s.codes, code)
	s.spent[code] = refSpent{clientID: e.tok.ClientID, expires: e.expires}
	return nil
}

// GetByAccess returns an unexpired access token (by the injected clock), or
// (nil, nil). The copy carries no lifetime, so the Manager's wall-clock
// checks cannot overrule the store (G17).
func (s *refStore) GetByAccess(_ context.Context, access string) (oauth2.TokenInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.liveAccessLocked(access)
	if !ok {
		return nil, nil
	}
	t := e.tok
	t.AccessExpiresIn, t.RefreshExpiresIn = 0, 0
	return &t, nil
}

// GetByRefresh returns the token of an unexpired refresh token, or (nil, nil).
func (s *refStore) GetByRefresh(_ context.Context, refresh string) (oauth2.TokenInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	access, ok := s.refresh[refresh]
	if !ok {
		return nil, nil
	}
	e, ok := s.access[access]
	if !ok || (!e.refreshExpires.IsZero() && !s.clk.Now().Before(e.refreshExpires)) {
		return nil, nil
	}
	t := e.tok
	t.AccessExpiresIn, t.RefreshExpiresIn = 0, 0
	return &t, nil
}

// RemoveByAccess deletes an access token and its refresh token.
func (s *refStore) RemoveByAccess(_ context.Context, access string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.removeAccessLocked(access)
	return nil
}

// RemoveByRefresh deletes a refresh token.
func (s *refStore) RemoveByRefresh(_ context.Context, refresh string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.refresh, refresh)
	return nil
}

func (s *refStore) removeAccessLocked(access string) bool {
	e, ok := s.access[access]
	if !ok {
		return false
	}
	delete(s.access, access)
	if e.tok.Refresh != "" {
		delete(s.refresh, e.tok.Refresh)
	}
	return true
}

func (s *refStore) liveAccessLocked(access string) (refAccess, bool) {
	e, ok := s.access[access]
	if !ok || (!e.expires.IsZero() && !s.clk.Now().Before(e.expires)) {
		return refAccess{}, false
	}
	return e, true
}

// Access returns the live access token, judged by the injected clock.
func (s *refStore) Access(access string) (Token, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.liveAccessLocked(access)
	if !ok {
		return Token{}, false
	}
	return e.token(), true
}

// Revoke removes the live codes and the access tokens for which match
// returns true (an app deleted, a grant revoked) and returns how many tokens
// went. Spent codes stay, so a replay is still recognised.
func (s *refStore) Revoke(match func(clientID, userID string) bool) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, e := range s.codes {
		if match(e.tok.ClientID, e.tok.UserID) {
			delete(s.codes, k)
		}
	}
	n := 0
	for k, e := range s.access {
		if match(e.tok.ClientID, e.tok.UserID) && s.removeAccessLocked(k) {
			n++
		}
	}
	return n
}

// Count returns how many live codes and access tokens match.
func (s *refStore) Count(match func(clientID, userID string) bool) (codes, tokens int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clk.Now()
	for _, e := range s.codes {
		if now.Before(e.expires) && match(e.tok.ClientID, e.tok.UserID) {
			codes++
		}
	}
	for _, e := range s.access {
		if (e.expires.IsZero() || now.Before(e.expires)) && match(e.tok.ClientID, e.tok.UserID) {
			tokens++
		}
	}
	return codes, tokens
}

func (s *refStore) inspect(code string) codeInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clk.Now()
	if e, ok := s.codes[code]; ok {
		st := codeLive
		if !now.Before(e.expires) {
			st = codeExpired
		}
		return codeInfo{state: st, clientID: e.tok.ClientID, redirectURI: e.tok.RedirectURI, codeChallenge: e.tok.CodeChallenge}
	}
	if sc, ok := s.spent[code]; ok && now.Before(sc.expires) {
		return codeInfo{state: codeSpent, clientID: sc.clientID}
	}
	return codeInfo{state: codeUnknown}
}

// link records that access was minted from code.
func (s *refStore) link(code, access string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sc, ok := s.spent[code]; ok {
		sc.tokens = append(slices.Clip(sc.tokens), access)
		s.spent[code] = sc
	}
}

// issuedFrom returns the access tokens minted from a spent code.
func (s *refStore) issuedFrom(code string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.spent[code].tokens)
}

// sweepLocked drops expired codes and spent codes once the maps have grown,
// doubling the threshold so the cost stays amortised.
func (s *refStore) sweepLocked(now time.Time) {
	if len(s.codes)+len(s.spent) < s.nextSweep {
		return
	}
	for k, e := range s.codes {
		if !now.Before(e.expires) {
			delete(s.codes, k)
		}
	}
	for k, sc := range s.spent {
		if !now.Before(sc.expires) {
			delete(s.spent, k)
		}
	}
	s.nextSweep = max(minSweep, 2*(len(s.codes)+len(s.spent)))
}

func (e refAccess) token() Token {
	return Token{
		AccessToken: e.tok.Access, RefreshToken: e.tok.Refresh,
		ClientID: e.tok.ClientID, UserID: e.tok.UserID, Scope: e.tok.Scope, RedirectURI: e.tok.RedirectURI,
		IssuedAt: e.issued, ExpiresAt: e.expires,
	}
}

// Snapshot returns the live content, sorted by issue time then value, so
// exports are stable.
func (s *refStore) Snapshot() Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clk.Now()
	var snap Snapshot
	for _, e := range s.codes {
		if now.Before(e.expires) {
			snap.Codes = append(snap.Codes, Code{
				Code: e.tok.Code, ClientID: e.tok.ClientID, UserID: e.tok.UserID, RedirectURI: e.tok.RedirectURI,
				Scope: e.tok.Scope, CodeChallenge: e.tok.CodeChallenge, CodeChallengeMethod: e.tok.CodeChallengeMethod,
				IssuedAt: e.issued, ExpiresAt: e.expires,
			})
		}
	}
	for k, sc := range s.spent {
		if now.Before(sc.expires) {
			snap.Codes = append(snap.Codes, Code{Code: k, ClientID: sc.clientID, ExpiresAt: sc.expires, Used: true, Tokens: slices.Clone(sc.tokens)})
		}
	}
	for _, e := range s.access {
		if e.expires.IsZero() || now.Before(e.expires) {
			snap.Tokens = append(snap.Tokens, e.token())
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

// Restore replaces the whole content with snap (state import, reset).
// Access tokens keep their issue and expiry times; refresh tokens never
// expire after a restore.
func (s *refStore) Restore(snap Snapshot) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resetLocked()
	for _, c := range snap.Codes {
		if c.Used {
			s.spent[c.Code] = refSpent{clientID: c.ClientID, expires: c.ExpiresAt, tokens: slices.Clone(c.Tokens)}
			continue
		}
		tok := models.Token{
			ClientID: c.ClientID, UserID: c.UserID, RedirectURI: c.RedirectURI, Scope: c.Scope,
			Code: c.Code, CodeChallenge: c.CodeChallenge, CodeChallengeMethod: c.CodeChallengeMethod,
			CodeCreateAt: c.IssuedAt, CodeExpiresIn: c.ExpiresAt.Sub(c.IssuedAt),
		}
		s.codes[c.Code] = refCode{tok: tok, issued: c.IssuedAt, expires: c.ExpiresAt}
	}
	for _, t := range snap.Tokens {
		tok := models.Token{
			ClientID: t.ClientID, UserID: t.UserID, RedirectURI: t.RedirectURI, Scope: t.Scope,
			Access: t.AccessToken, AccessCreateAt: t.IssuedAt, Refresh: t.RefreshToken, RefreshCreateAt: t.IssuedAt,
		}
		if !t.ExpiresAt.IsZero() {
			tok.AccessExpiresIn = t.ExpiresAt.Sub(t.IssuedAt)
		}
		s.access[t.AccessToken] = refAccess{tok: tok, issued: t.IssuedAt, expires: t.ExpiresAt}
		if t.RefreshToken != "" {
			s.refresh[t.RefreshToken] = t.AccessToken
		}
	}
}

// snapshot copies any TokenInfo into a value.
func refSnapshot(ti oauth2.TokenInfo) models.Token {
	return models.Token{
		ClientID: ti.GetClientID(), UserID: ti.GetUserID(), RedirectURI: ti.GetRedirectURI(), Scope: ti.GetScope(),
		Code: ti.GetCode(), CodeChallenge: ti.GetCodeChallenge(), CodeChallengeMethod: string(ti.GetCodeChallengeMethod()),
		CodeCreateAt: ti.GetCodeCreateAt(), CodeExpiresIn: ti.GetCodeExpiresIn(),
		Access: ti.GetAccess(), AccessCreateAt: ti.GetAccessCreateAt(), AccessExpiresIn: ti.GetAccessExpiresIn(),
		Refresh: ti.GetRefresh(), RefreshCreateAt: ti.GetRefreshCreateAt(), RefreshExpiresIn: ti.GetRefreshExpiresIn(),
	}
}

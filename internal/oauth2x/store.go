package oauth2x

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

// errCodeConsumed is RemoveByCode's answer for a code that is no longer live:
// the loser of a concurrent exchange gets it instead of a second token (G9).
var errCodeConsumed = errors.New("oauth2x: authorization code already consumed")

// managerNever is the lifetime put on the copies of codes handed to the
// Manager. The Manager re-checks code expiry on the wall clock; the store has
// already judged it with the injected clock, and a fake clock set in the past
// must not let the wall-clock check fire first (G17).
const managerNever = 100 * 365 * 24 * time.Hour

// TokenStore is go-oauth2's TokenStore on the injected clock (G17): a map
// guarded by one mutex, holding values, never pointers handed out. It also
// remembers consumed codes until they would have expired, with the access
// tokens they produced, so a replay can revoke them (G10).
type TokenStore struct {
	clk clock.Clock

	mu      sync.Mutex // guards codes, spent, access, refresh and nextSweep
	codes   map[string]codeEntry
	spent   map[string]spentCode
	access  map[string]accessEntry
	refresh map[string]string // refresh token → access token
	// nextSweep is the size at which expired entries are dropped next, so
	// abandoned codes cannot grow memory and sweeping stays amortised O(1).
	nextSweep int

	// afterGetByCode, when set by a test, runs between the Manager's
	// GetByCode and RemoveByCode, widening the race G9 is about.
	afterGetByCode func()
}

type codeEntry struct {
	tok     models.Token
	issued  time.Time
	expires time.Time
}

type spentCode struct {
	clientID string
	expires  time.Time
	tokens   []string
}

type accessEntry struct {
	tok     models.Token
	issued  time.Time
	expires time.Time // zero: never
	// refreshExpires is zero when the refresh token (if any) never expires.
	refreshExpires time.Time
}

var _ oauth2.TokenStore = (*TokenStore)(nil)

const minSweep = 1024

// NewTokenStore returns an empty store on clk.
func NewTokenStore(clk clock.Clock) *TokenStore {
	s := &TokenStore{clk: clk}
	s.resetLocked()
	return s
}

func (s *TokenStore) resetLocked() {
	s.codes = map[string]codeEntry{}
	s.spent = map[string]spentCode{}
	s.access = map[string]accessEntry{}
	s.refresh = map[string]string{}
	s.nextSweep = minSweep
}

// Create stores a code or an access token, stamped with the injected clock.
// A zero access lifetime means "never expires" (go-oauth2's buntdb store
// expires such tokens at once, G17).
func (s *TokenStore) Create(_ context.Context, info oauth2.TokenInfo) error {
	tok := snapshot(info)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clk.Now()
	s.sweepLocked(now)
	if tok.Code != "" {
		s.codes[tok.Code] = codeEntry{tok: tok, issued: now, expires: now.Add(tok.CodeExpiresIn)}
		return nil
	}
	if tok.Access == "" {
		return errors.New("oauth2x: token without code or access token")
	}
	e := accessEntry{tok: tok, issued: now}
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
func (s *TokenStore) GetByCode(_ context.Context, code string) (oauth2.TokenInfo, error) {
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
func (s *TokenStore) RemoveByCode(_ context.Context, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.codes[code]
	if !ok {
		return errCodeConsumed
	}
	delete(s.codes, code)
	s.spent[code] = spentCode{clientID: e.tok.ClientID, expires: e.expires}
	return nil
}

// GetByAccess returns an unexpired access token (by the injected clock), or
// (nil, nil). The copy carries no lifetime, so the Manager's wall-clock
// checks cannot overrule the store (G17).
func (s *TokenStore) GetByAccess(_ context.Context, access string) (oauth2.TokenInfo, error) {
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
func (s *TokenStore) GetByRefresh(_ context.Context, refresh string) (oauth2.TokenInfo, error) {
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
func (s *TokenStore) RemoveByAccess(_ context.Context, access string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.removeAccessLocked(access)
	return nil
}

// RemoveByRefresh deletes a refresh token.
func (s *TokenStore) RemoveByRefresh(_ context.Context, refresh string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.refresh, refresh)
	return nil
}

func (s *TokenStore) removeAccessLocked(access string) bool {
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

func (s *TokenStore) liveAccessLocked(access string) (accessEntry, bool) {
	e, ok := s.access[access]
	if !ok || (!e.expires.IsZero() && !s.clk.Now().Before(e.expires)) {
		return accessEntry{}, false
	}
	return e, true
}

// Access returns the live access token, judged by the injected clock.
func (s *TokenStore) Access(access string) (Token, bool) {
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
func (s *TokenStore) Revoke(match func(clientID, userID string) bool) int {
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
func (s *TokenStore) Count(match func(clientID, userID string) bool) (codes, tokens int) {
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

// codeState is what the token wrapper learns about a code before it lets the
// Manager consume it.
type codeState int

const (
	codeUnknown codeState = iota
	codeLive
	codeExpired
	codeSpent
)

type codeInfo struct {
	state         codeState
	clientID      string
	redirectURI   string
	codeChallenge string
}

func (s *TokenStore) inspect(code string) codeInfo {
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
func (s *TokenStore) link(code, access string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sc, ok := s.spent[code]; ok {
		sc.tokens = append(slices.Clip(sc.tokens), access)
		s.spent[code] = sc
	}
}

// issuedFrom returns the access tokens minted from a spent code.
func (s *TokenStore) issuedFrom(code string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.spent[code].tokens)
}

// sweepLocked drops expired codes and spent codes once the maps have grown,
// doubling the threshold so the cost stays amortised.
func (s *TokenStore) sweepLocked(now time.Time) {
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

// Token is an access token as providers see it.
type Token struct {
	AccessToken  string
	RefreshToken string
	ClientID     string
	UserID       string
	Scope        string
	RedirectURI  string
	IssuedAt     time.Time // by the injected clock
	ExpiresAt    time.Time // zero: never
}

// ExpiresIn is the lifetime left at now, 0 when the token never expires.
func (t Token) ExpiresIn(now time.Time) time.Duration {
	if t.ExpiresAt.IsZero() {
		return 0
	}
	return t.ExpiresAt.Sub(now)
}

func (e accessEntry) token() Token {
	return Token{
		AccessToken: e.tok.Access, RefreshToken: e.tok.Refresh,
		ClientID: e.tok.ClientID, UserID: e.tok.UserID, Scope: e.tok.Scope, RedirectURI: e.tok.RedirectURI,
		IssuedAt: e.issued, ExpiresAt: e.expires,
	}
}

// Code is an authorization code in a Snapshot.
type Code struct {
	Code                string
	ClientID            string
	UserID              string
	RedirectURI         string
	Scope               string
	CodeChallenge       string
	CodeChallengeMethod string
	IssuedAt            time.Time
	ExpiresAt           time.Time
	// Used marks a consumed code, kept until ExpiresAt so a replay is caught;
	// Tokens are the access tokens it produced.
	Used   bool
	Tokens []string
}

// Snapshot is the store's content, for state export and import.
type Snapshot struct {
	Codes  []Code
	Tokens []Token
}

// Snapshot returns the live content, sorted by issue time then value, so
// exports are stable.
func (s *TokenStore) Snapshot() Snapshot {
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
func (s *TokenStore) Restore(snap Snapshot) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resetLocked()
	for _, c := range snap.Codes {
		if c.Used {
			s.spent[c.Code] = spentCode{clientID: c.ClientID, expires: c.ExpiresAt, tokens: slices.Clone(c.Tokens)}
			continue
		}
		tok := models.Token{
			ClientID: c.ClientID, UserID: c.UserID, RedirectURI: c.RedirectURI, Scope: c.Scope,
			Code: c.Code, CodeChallenge: c.CodeChallenge, CodeChallengeMethod: c.CodeChallengeMethod,
			CodeCreateAt: c.IssuedAt, CodeExpiresIn: c.ExpiresAt.Sub(c.IssuedAt),
		}
		s.codes[c.Code] = codeEntry{tok: tok, issued: c.IssuedAt, expires: c.ExpiresAt}
	}
	for _, t := range snap.Tokens {
		tok := models.Token{
			ClientID: t.ClientID, UserID: t.UserID, RedirectURI: t.RedirectURI, Scope: t.Scope,
			Access: t.AccessToken, AccessCreateAt: t.IssuedAt, Refresh: t.RefreshToken, RefreshCreateAt: t.IssuedAt,
		}
		if !t.ExpiresAt.IsZero() {
			tok.AccessExpiresIn = t.ExpiresAt.Sub(t.IssuedAt)
		}
		s.access[t.AccessToken] = accessEntry{tok: tok, issued: t.IssuedAt, expires: t.ExpiresAt}
		if t.RefreshToken != "" {
			s.refresh[t.RefreshToken] = t.AccessToken
		}
	}
}

// snapshot copies any TokenInfo into a value.
func snapshot(ti oauth2.TokenInfo) models.Token {
	return models.Token{
		ClientID: ti.GetClientID(), UserID: ti.GetUserID(), RedirectURI: ti.GetRedirectURI(), Scope: ti.GetScope(),
		Code: ti.GetCode(), CodeChallenge: ti.GetCodeChallenge(), CodeChallengeMethod: string(ti.GetCodeChallengeMethod()),
		CodeCreateAt: ti.GetCodeCreateAt(), CodeExpiresIn: ti.GetCodeExpiresIn(),
		Access: ti.GetAccess(), AccessCreateAt: ti.GetAccessCreateAt(), AccessExpiresIn: ti.GetAccessExpiresIn(),
		Refresh: ti.GetRefresh(), RefreshCreateAt: ti.GetRefreshCreateAt(), RefreshExpiresIn: ti.GetRefreshExpiresIn(),
	}
}

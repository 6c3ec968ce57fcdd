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

// TokenStore is go-oauth2's TokenStore on the injected clock (G17): maps
// guarded by one mutex, holding values, never pointers handed out. It also
// remembers consumed codes until they would have expired, with the access
// tokens they produced, so a replay can revoke them (G10). Its entries hold
// no pointers (compact.go), so the collector never scans the big maps.
type TokenStore struct {
	clk clock.Clock

	mu     sync.Mutex // guards every field below
	codes  table[codeEntry]
	spent  table[spentCode]
	access table[accessEntry]
	// refresh maps refresh tokens to access tokens; only Config.Refresh
	// fills it.
	refresh map[string]string
	// spentLists holds the tokens of a spent code that produced more than
	// one, or one too long to keep inline (both only from an import).
	spentLists map[string][]string
	strs       strtab
	locs       locs
	// nextSweep is the size at which expired entries are dropped next, so
	// abandoned codes cannot grow memory and sweeping stays amortised O(1);
	// nextCompact is the same for strs.
	nextSweep, nextCompact int

	// afterGetByCode, when set by a test, runs between the Manager's
	// GetByCode and RemoveByCode, widening the race G9 is about.
	afterGetByCode func()
}

// shared are the strings of an entry that other entries share, as indices
// into the store's strtab.
type shared struct {
	client, user, redirect, scope uint32
}

type codeEntry struct {
	shared
	// The challenge is unique to its code; interning it still keeps the
	// entry pointer-free, and compaction drops it once the code is gone.
	challenge, method uint32
	issued, expires   instant
}

// spentCode.tokens: how the tokens a spent code produced are kept.
const (
	spentNone = iota
	spentOne  // in tok
	spentList // in spentLists
)

type spentCode struct {
	client  uint32
	tokens  uint8
	expires instant
	tok     key
}

type accessEntry struct {
	shared
	refresh uint32 // in strs; 0 (""): none
	issued  instant
	expires instant // zero: never
	// refreshExpires is zero when the refresh token (if any) never expires.
	refreshExpires instant
}

var _ oauth2.TokenStore = (*TokenStore)(nil)

const minSweep = 1024

var zeroInstant = instant{sec: zeroSec}

// NewTokenStore returns an empty store on clk.
func NewTokenStore(clk clock.Clock) *TokenStore {
	s := &TokenStore{clk: clk}
	s.resetLocked(0, 0, 0)
	return s
}

func (s *TokenStore) resetLocked(codes, spent, tokens int) {
	s.codes = newTable[codeEntry](codes)
	s.spent = newTable[spentCode](spent)
	s.access = newTable[accessEntry](tokens)
	s.refresh = map[string]string{}
	s.spentLists = map[string][]string{}
	s.strs = newStrtab()
	s.locs = nil
	s.nextSweep = minSweep
	s.nextCompact = minSweep
}

func (s *TokenStore) shared(clientID, userID, redirectURI, scope string) shared {
	return shared{client: s.strs.id(clientID), user: s.strs.id(userID), redirect: s.strs.id(redirectURI), scope: s.strs.id(scope)}
}

// Create stores a code or an access token, stamped with the injected clock.
// A zero access lifetime means "never expires" (go-oauth2's buntdb store
// expires such tokens at once, G17).
func (s *TokenStore) Create(_ context.Context, info oauth2.TokenInfo) error {
	code, access := info.GetCode(), info.GetAccess()
	if code == "" && access == "" {
		return errors.New("oauth2x: token without code or access token")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.clk.Now()
	s.sweepLocked(now(t))
	s.compactLocked()
	sh := s.shared(info.GetClientID(), info.GetUserID(), info.GetRedirectURI(), info.GetScope())
	if code != "" {
		s.codes.set(code, codeEntry{
			shared: sh, challenge: s.strs.id(info.GetCodeChallenge()), method: s.strs.id(string(info.GetCodeChallengeMethod())),
			issued: s.locs.instant(t), expires: s.locs.instant(t.Add(info.GetCodeExpiresIn())),
		})
		return nil
	}
	e := accessEntry{shared: sh, issued: s.locs.instant(t), expires: zeroInstant, refreshExpires: zeroInstant}
	if d := info.GetAccessExpiresIn(); d > 0 {
		e.expires = s.locs.instant(t.Add(d))
	}
	if rt := info.GetRefresh(); rt != "" {
		if d := info.GetRefreshExpiresIn(); d > 0 {
			e.refreshExpires = s.locs.instant(t.Add(d))
		}
		e.refresh = s.strs.id(rt)
		s.refresh[s.strs.str(e.refresh)] = access
	}
	s.access.set(access, e)
	return nil
}

// GetByCode returns a live, unexpired code (by the injected clock), or
// (nil, nil). The copy's lifetime is managerNever (G17).
func (s *TokenStore) GetByCode(_ context.Context, code string) (oauth2.TokenInfo, error) {
	var t *models.Token
	s.mu.Lock()
	if e, ok := s.codes.get(code); ok && now(s.clk.Now()).before(e.expires) {
		t = &models.Token{
			ClientID: s.strs.str(e.client), UserID: s.strs.str(e.user), RedirectURI: s.strs.str(e.redirect), Scope: s.strs.str(e.scope),
			Code: code, CodeChallenge: s.strs.str(e.challenge), CodeChallengeMethod: s.strs.str(e.method),
			CodeCreateAt: s.locs.time(e.issued), CodeExpiresIn: managerNever,
		}
	}
	hook := s.afterGetByCode
	s.mu.Unlock()
	if hook != nil {
		hook()
	}
	if t == nil {
		return nil, nil
	}
	return t, nil
}

// RemoveByCode is compare-and-delete: only the first caller for a live code
// succeeds, the others get errCodeConsumed, so the Manager's get-then-delete
// cannot mint twice (G9). The code is remembered as spent until it would
// have expired.
func (s *TokenStore) RemoveByCode(_ context.Context, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.codes.get(code)
	if !ok {
		return errCodeConsumed
	}
	s.codes.del(code)
	s.spent.set(code, spentCode{client: e.client, expires: e.expires})
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
	return s.modelLocked(access, e), nil
}

// GetByRefresh returns the token of an unexpired refresh token, or (nil, nil).
func (s *TokenStore) GetByRefresh(_ context.Context, refresh string) (oauth2.TokenInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	access, ok := s.refresh[refresh]
	if !ok {
		return nil, nil
	}
	e, ok := s.access.get(access)
	if !ok || (!e.refreshExpires.isZero() && !now(s.clk.Now()).before(e.refreshExpires)) {
		return nil, nil
	}
	return s.modelLocked(access, e), nil
}

// modelLocked is e as go-oauth2 sees it, without lifetimes.
func (s *TokenStore) modelLocked(access string, e accessEntry) *models.Token {
	t := &models.Token{
		ClientID: s.strs.str(e.client), UserID: s.strs.str(e.user), RedirectURI: s.strs.str(e.redirect), Scope: s.strs.str(e.scope),
		Access: access, AccessCreateAt: s.locs.time(e.issued), Refresh: s.strs.str(e.refresh),
	}
	if t.Refresh != "" {
		t.RefreshCreateAt = t.AccessCreateAt
	}
	return t
}

// RemoveByAccess deletes an access token and its refresh token.
func (s *TokenStore) RemoveByAccess(_ context.Context, access string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.access.get(access); ok {
		s.access.del(access)
		s.dropRefreshLocked(e)
	}
	return nil
}

// RemoveByRefresh deletes a refresh token.
func (s *TokenStore) RemoveByRefresh(_ context.Context, refresh string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.refresh, refresh)
	return nil
}

// dropRefreshLocked deletes the refresh token of a deleted access token.
func (s *TokenStore) dropRefreshLocked(e accessEntry) {
	if e.refresh != 0 {
		delete(s.refresh, s.strs.str(e.refresh))
	}
}

func (s *TokenStore) liveAccessLocked(access string) (accessEntry, bool) {
	e, ok := s.access.get(access)
	if !ok || (!e.expires.isZero() && !now(s.clk.Now()).before(e.expires)) {
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
	return s.tokenLocked(access, e), true
}

func (s *TokenStore) tokenLocked(access string, e accessEntry) Token {
	return Token{
		AccessToken: access, RefreshToken: s.strs.str(e.refresh),
		ClientID: s.strs.str(e.client), UserID: s.strs.str(e.user), Scope: s.strs.str(e.scope), RedirectURI: s.strs.str(e.redirect),
		IssuedAt: s.locs.time(e.issued), ExpiresAt: s.locs.time(e.expires),
	}
}

// Revoke removes the live codes and the access tokens for which match
// returns true (an app deleted, a grant revoked) and returns how many tokens
// went. Spent codes stay, so a replay is still recognised.
func (s *TokenStore) Revoke(match func(clientID, userID string) bool) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	for r, e := range s.codes.all {
		if match(s.strs.str(e.client), s.strs.str(e.user)) {
			s.codes.delRef(r)
		}
	}
	n := 0
	for r, e := range s.access.all {
		if match(s.strs.str(e.client), s.strs.str(e.user)) {
			s.access.delRef(r)
			s.dropRefreshLocked(e)
			n++
		}
	}
	return n
}

// Count returns how many live codes and access tokens match.
func (s *TokenStore) Count(match func(clientID, userID string) bool) (codes, tokens int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := now(s.clk.Now())
	for _, e := range s.codes.all {
		if n.before(e.expires) && match(s.strs.str(e.client), s.strs.str(e.user)) {
			codes++
		}
	}
	for _, e := range s.access.all {
		if (e.expires.isZero() || n.before(e.expires)) && match(s.strs.str(e.client), s.strs.str(e.user)) {
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
	n := now(s.clk.Now())
	if e, ok := s.codes.get(code); ok {
		st := codeLive
		if !n.before(e.expires) {
			st = codeExpired
		}
		return codeInfo{state: st, clientID: s.strs.str(e.client), redirectURI: s.strs.str(e.redirect), codeChallenge: s.strs.str(e.challenge)}
	}
	if sc, ok := s.spent.get(code); ok && n.before(sc.expires) {
		return codeInfo{state: codeSpent, clientID: s.strs.str(sc.client)}
	}
	return codeInfo{state: codeUnknown}
}

// link records that access was minted from code.
func (s *TokenStore) link(code, access string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sc, ok := s.spent.get(code)
	if !ok {
		return
	}
	if a, short := keyOf(access); sc.tokens == spentNone && short {
		sc.tokens, sc.tok = spentOne, a
	} else {
		s.spentLists[code] = append(s.spentTokensLocked(code, sc), access)
		sc.tokens, sc.tok = spentList, key{}
	}
	s.spent.set(code, sc)
}

// spentTokensLocked returns the tokens sc produced; the caller may append
// to the slice but not change it in place.
func (s *TokenStore) spentTokensLocked(code string, sc spentCode) []string {
	switch sc.tokens {
	case spentOne:
		return []string{sc.tok.String()}
	case spentList:
		return slices.Clip(s.spentLists[code])
	}
	return nil
}

// issuedFrom returns the access tokens minted from a spent code.
func (s *TokenStore) issuedFrom(code string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	sc, _ := s.spent.get(code)
	return slices.Clone(s.spentTokensLocked(code, sc))
}

// sweepLocked drops expired codes and spent codes once the maps have grown,
// doubling the threshold so the cost stays amortised.
func (s *TokenStore) sweepLocked(now instant) {
	if s.codes.len()+s.spent.len() < s.nextSweep {
		return
	}
	for r, e := range s.codes.all {
		if !now.before(e.expires) {
			s.codes.delRef(r)
		}
	}
	for r, sc := range s.spent.all {
		if !now.before(sc.expires) {
			if sc.tokens == spentList {
				delete(s.spentLists, r.String())
			}
			s.spent.delRef(r)
		}
	}
	s.nextSweep = max(minSweep, 2*(s.codes.len()+s.spent.len()))
}

// compactLocked rebuilds strs from the live entries once it has grown by
// more than it held plus the number of entries since the last rebuild, so
// strings of deleted entries (a PKCE challenge, a refresh token) do not
// accumulate, at an amortised O(1) per string added.
func (s *TokenStore) compactLocked() {
	if len(s.strs.strs) < s.nextCompact {
		return
	}
	old := s.strs
	s.strs = newStrtab()
	re := func(i uint32) uint32 { return s.strs.add(old.str(i)) }
	reShared := func(sh shared) shared {
		return shared{client: re(sh.client), user: re(sh.user), redirect: re(sh.redirect), scope: re(sh.scope)}
	}
	s.codes.update(func(e codeEntry) codeEntry {
		e.shared, e.challenge, e.method = reShared(e.shared), re(e.challenge), re(e.method)
		return e
	})
	s.spent.update(func(sc spentCode) spentCode {
		sc.client = re(sc.client)
		return sc
	})
	s.access.update(func(e accessEntry) accessEntry {
		e.shared, e.refresh = reShared(e.shared), re(e.refresh)
		return e
	})
	s.nextCompact = max(minSweep, 2*len(s.strs.strs)+s.codes.len()+s.spent.len()+s.access.len())
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
	n := now(s.clk.Now())
	var snap Snapshot
	for r, e := range s.codes.all {
		if n.before(e.expires) {
			snap.Codes = append(snap.Codes, Code{
				Code: r.String(), ClientID: s.strs.str(e.client), UserID: s.strs.str(e.user), RedirectURI: s.strs.str(e.redirect),
				Scope: s.strs.str(e.scope), CodeChallenge: s.strs.str(e.challenge), CodeChallengeMethod: s.strs.str(e.method),
				IssuedAt: s.locs.time(e.issued), ExpiresAt: s.locs.time(e.expires),
			})
		}
	}
	for r, sc := range s.spent.all {
		if n.before(sc.expires) {
			snap.Codes = append(snap.Codes, Code{Code: r.String(), ClientID: s.strs.str(sc.client), ExpiresAt: s.locs.time(sc.expires),
				Used: true, Tokens: slices.Clone(s.spentTokensLocked(r.String(), sc))})
		}
	}
	for r, e := range s.access.all {
		if e.expires.isZero() || n.before(e.expires) {
			snap.Tokens = append(snap.Tokens, s.tokenLocked(r.String(), e))
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
	used := 0
	for _, c := range snap.Codes {
		if c.Used {
			used++
		}
	}
	s.resetLocked(len(snap.Codes)-used, used, len(snap.Tokens))
	for _, c := range snap.Codes {
		if c.Used {
			sc := spentCode{client: s.strs.id(c.ClientID), expires: s.locs.instant(c.ExpiresAt)}
			delete(s.spentLists, c.Code)
			if len(c.Tokens) == 1 {
				if k, short := keyOf(c.Tokens[0]); short {
					sc.tokens, sc.tok = spentOne, k
				}
			}
			if sc.tokens == spentNone && len(c.Tokens) > 0 {
				sc.tokens = spentList
				s.spentLists[c.Code] = slices.Clone(c.Tokens)
			}
			s.spent.set(c.Code, sc)
			continue
		}
		s.codes.set(c.Code, codeEntry{
			shared:    s.shared(c.ClientID, c.UserID, c.RedirectURI, c.Scope),
			challenge: s.strs.id(c.CodeChallenge), method: s.strs.id(c.CodeChallengeMethod),
			issued: s.locs.instant(c.IssuedAt), expires: s.locs.instant(c.ExpiresAt),
		})
	}
	for _, t := range snap.Tokens {
		e := accessEntry{shared: s.shared(t.ClientID, t.UserID, t.RedirectURI, t.Scope),
			issued: s.locs.instant(t.IssuedAt), expires: s.locs.instant(t.ExpiresAt), refreshExpires: zeroInstant}
		if t.RefreshToken != "" {
			e.refresh = s.strs.id(t.RefreshToken)
			s.refresh[t.RefreshToken] = t.AccessToken
		}
		s.access.set(t.AccessToken, e)
	}
	s.nextCompact = max(minSweep, 2*len(s.strs.strs)+s.codes.len()+s.spent.len()+s.access.len())
}

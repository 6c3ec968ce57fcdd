package oauth2x

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-oauth2/oauth2/v4"
	"github.com/go-oauth2/oauth2/v4/models"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/keytable"
)

// maxKeyLen is the longest code or access token the store keeps
// (docs/oauth.md, "Token store"). Create refuses a longer one (the
// generators never mint one) and Restore refuses a snapshot holding one.
const maxKeyLen = keytable.KeySize

// errCodeConsumed is RemoveByCode's answer for a code that is no longer live:
// the loser of a concurrent exchange gets it instead of a second token
// (docs/oauth.md, "Codes").
var errCodeConsumed = errors.New("oauth2x: authorization code already consumed")

// managerNever is the lifetime put on the copies of codes handed to the
// Manager. The Manager re-checks code expiry on the wall clock; the store has
// already judged it with the injected clock, and a fake clock set in the past
// must not let the wall-clock check fire first (docs/oauth.md, "Expiry").
const managerNever = 100 * 365 * 24 * time.Hour

// expiredCodeMemory is how long the store still knows a code after it
// expired, so a late exchange is told that it expired rather than that it
// does not exist.
const expiredCodeMemory = codeTTL

// TokenStore is go-oauth2's TokenStore on the injected clock (docs/oauth.md,
// "Expiry"): keytables guarded by one mutex, so that hundreds of thousands
// of codes and tokens hold no pointer for the garbage collector to mark. It
// also remembers consumed codes until they would have expired, with the
// access tokens they produced, so a replay can revoke them (docs/oauth.md,
// "Codes").
type TokenStore struct {
	clk clock.Clock

	mu     sync.Mutex                                 // guards every field below
	codes  *keytable.Table[keytable.Key, codeEntry]   // live codes, and expired ones for expiredCodeMemory
	spent  *keytable.Table[keytable.Key, spentCode]   // consumed codes until they would have expired
	access *keytable.Table[keytable.Key, accessEntry] // access tokens
	// moreTokens are the tokens of a spent code after its first: only a
	// state import lists more than one.
	moreTokens map[keytable.Key][]keytable.Key
	strs       strtab
	// nextCompact is the size of strs at which it is rebuilt from the live
	// entries.
	nextCompact int
	// limit caps each table's issued entries (0: none); codeLog and
	// tokenLog count the codes and tokens evicted past it.
	limit             int
	codeLog, tokenLog *keytable.EvictionLog
}

// shared are the strings of an entry that other entries share, as indices
// into the store's strtab.
type shared struct {
	client, user, redirect, scope uint32
}

// Times in entries are Unix nanoseconds, 0 for the zero time.

type codeEntry struct {
	shared
	challenge, method uint32
	issued, expires   int64
}

type spentCode struct {
	client  uint32
	expires int64
	tokens  uint32       // how many tokens the code produced
	first   keytable.Key // the first of them
}

type accessEntry struct {
	shared
	issued  int64
	expires int64 // 0: never
}

var _ oauth2.TokenStore = (*TokenStore)(nil)

// minCompact is the least size of strs that is rebuilt.
const minCompact = 1024

// NewTokenStore returns an empty store on clk.
func NewTokenStore(clk clock.Clock) *TokenStore {
	s := &TokenStore{clk: clk}
	s.reset()
	return s
}

// reset empties the store, keeping its limit.
func (s *TokenStore) reset() {
	s.codes = keytable.New[keytable.Key, codeEntry](s.limit)
	s.spent = keytable.New[keytable.Key, spentCode](s.limit)
	s.access = keytable.New[keytable.Key, accessEntry](s.limit)
	s.moreTokens = map[keytable.Key][]keytable.Key{}
	s.spent.OnEvict(func(k keytable.Key, _ spentCode) { delete(s.moreTokens, k) })
	s.strs = newStrtab()
	s.nextCompact = minCompact
}

// SetLimit caps the codes, the consumed codes and the access tokens the
// store issued at n each (0: no cap), evicting the oldest first; what
// Restore loaded is pinned and never evicted. An evicted code or token is
// gone as if revoked. Evictions are counted on codes (codes and consumed
// codes) and tokens, either of which may be nil (docs/oauth.md, "Token
// store").
func (s *TokenStore) SetLimit(n int, codes, tokens *keytable.EvictionLog) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limit = max(n, 0)
	s.codeLog, s.tokenLog = codes, tokens
	s.codes.SetLimit(s.limit)
	s.spent.SetLimit(s.limit)
	s.access.SetLimit(s.limit)
	s.reportEvictions(s.clk.Now())
}

// reportEvictions hands what the tables evicted since the last call to the
// eviction logs.
func (s *TokenStore) reportEvictions(now time.Time) {
	codes := s.codes.TakeEvicted() + s.spent.TakeEvicted()
	tokens := s.access.TakeEvicted()
	s.codeLog.Add(codes, now)
	s.tokenLog.Add(tokens, now)
}

// nanos is t in Unix nanoseconds, clamped to what an int64 holds (years
// 1678 to 2262). 0 stands for the zero time, so the Unix epoch itself is
// kept one nanosecond later.
func nanos(t time.Time) int64 {
	switch {
	case t.IsZero():
		return 0
	case t.Before(time.Unix(0, math.MinInt64)):
		return math.MinInt64
	case t.After(time.Unix(0, math.MaxInt64)):
		return math.MaxInt64
	}
	if n := t.UnixNano(); n != 0 {
		return n
	}
	return 1
}

// timeOf is nanos' inverse, in UTC.
func timeOf(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func (s *TokenStore) now() int64 { return s.clk.Now().UnixNano() }

func (s *TokenStore) shared(clientID, userID, redirectURI, scope string) shared {
	return shared{client: s.strs.id(clientID), user: s.strs.id(userID), redirect: s.strs.id(redirectURI), scope: s.strs.id(scope)}
}

// codeEntryOf is the table entry of a code expiring at expires (Unix
// nanoseconds): kept expiredCodeMemory longer.
func codeEntryOf(expires int64, pinned bool) keytable.Entry {
	e := keytable.Entry{Expires: math.MaxInt64, Pinned: pinned}
	if expires < math.MaxInt64-int64(expiredCodeMemory) {
		e.Expires = max(expires, 0) + int64(expiredCodeMemory)
	}
	return e
}

// Create stores a code or an access token, stamped with the injected clock.
// A zero access lifetime means "never expires" (go-oauth2's buntdb store
// expires such tokens at once; docs/oauth.md, "Expiry").
func (s *TokenStore) Create(_ context.Context, info oauth2.TokenInfo) error {
	code, access := info.GetCode(), info.GetAccess()
	if code == "" && access == "" {
		return errors.New("oauth2x: token without code or access token")
	}
	ck, ok1 := keytable.KeyOf(code)
	ak, ok2 := keytable.KeyOf(access)
	if !ok1 || !ok2 {
		return fmt.Errorf("oauth2x: code or token longer than %d bytes", maxKeyLen)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.clk.Now()
	now := t.UnixNano()
	s.sweep(now)
	s.compact()
	sh := s.shared(info.GetClientID(), info.GetUserID(), info.GetRedirectURI(), info.GetScope())
	if code != "" {
		expires := t.Add(info.GetCodeExpiresIn()).UnixNano()
		s.codes.Put(ck, codeEntry{
			shared: sh, challenge: s.strs.id(info.GetCodeChallenge()), method: s.strs.id(string(info.GetCodeChallengeMethod())),
			issued: now, expires: expires,
		}, codeEntryOf(expires, false))
		s.reportEvictions(t)
		return nil
	}
	e := accessEntry{shared: sh, issued: now}
	if d := info.GetAccessExpiresIn(); d > 0 {
		e.expires = t.Add(d).UnixNano()
	}
	s.access.Put(ak, e, keytable.Entry{Expires: e.expires})
	s.reportEvictions(t)
	return nil
}

// GetByCode returns a live, unexpired code (by the injected clock), or
// (nil, nil). The copy's lifetime is managerNever.
func (s *TokenStore) GetByCode(_ context.Context, code string) (oauth2.TokenInfo, error) {
	k, ok := keytable.KeyOf(code)
	if !ok {
		return nil, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	e, ok := s.codes.Get(k, now)
	if !ok || now >= e.expires {
		return nil, nil
	}
	return &models.Token{
		ClientID: s.strs.str(e.client), UserID: s.strs.str(e.user), RedirectURI: s.strs.str(e.redirect), Scope: s.strs.str(e.scope),
		Code: code, CodeChallenge: s.strs.str(e.challenge), CodeChallengeMethod: s.strs.str(e.method),
		CodeCreateAt: timeOf(e.issued), CodeExpiresIn: managerNever,
	}, nil
}

// RemoveByCode is compare-and-delete: only the first caller for a live code
// succeeds, the others get errCodeConsumed, so the Manager's get-then-delete
// cannot mint twice (docs/oauth.md, "Codes"). The code is remembered as
// spent until it would have expired.
func (s *TokenStore) RemoveByCode(_ context.Context, code string) error {
	k, ok := keytable.KeyOf(code)
	if !ok {
		return errCodeConsumed
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.clk.Now()
	e, ok := s.codes.Get(k, t.UnixNano())
	if !ok {
		return errCodeConsumed
	}
	s.codes.Delete(k)
	s.spent.Put(k, spentCode{client: e.client, expires: e.expires}, keytable.Entry{Expires: max(e.expires, 1)})
	s.reportEvictions(t)
	return nil
}

// GetByAccess finds nothing: go-oauth2 reads access tokens only to validate
// a Bearer request or refresh a token, and the provider looks up Bearer
// tokens with Access (docs/oauth.md, "Bearer tokens").
func (s *TokenStore) GetByAccess(context.Context, string) (oauth2.TokenInfo, error) { return nil, nil }

// GetByRefresh finds nothing: no refresh token is ever issued.
func (s *TokenStore) GetByRefresh(context.Context, string) (oauth2.TokenInfo, error) { return nil, nil }

// RemoveByAccess deletes an access token.
func (s *TokenStore) RemoveByAccess(_ context.Context, access string) error {
	if k, ok := keytable.KeyOf(access); ok {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.access.Delete(k)
	}
	return nil
}

// RemoveByRefresh has nothing to delete: no refresh token is ever issued.
func (s *TokenStore) RemoveByRefresh(context.Context, string) error { return nil }

// liveAccess returns the entry of an unexpired access token.
func (s *TokenStore) liveAccess(access string) (accessEntry, bool) {
	k, ok := keytable.KeyOf(access)
	if !ok {
		return accessEntry{}, false
	}
	now := s.now()
	e, ok := s.access.Get(k, now)
	if !ok || (e.expires != 0 && now >= e.expires) {
		return accessEntry{}, false
	}
	return e, true
}

// Access returns the live access token, judged by the injected clock.
func (s *TokenStore) Access(access string) (Token, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.liveAccess(access)
	if !ok {
		return Token{}, false
	}
	return s.token(access, e), true
}

func (s *TokenStore) token(access string, e accessEntry) Token {
	return Token{
		AccessToken: access, ClientID: s.strs.str(e.client), UserID: s.strs.str(e.user), Scope: s.strs.str(e.scope),
		RedirectURI: s.strs.str(e.redirect), IssuedAt: timeOf(e.issued), ExpiresAt: timeOf(e.expires),
	}
}

// Revoke removes the codes and the access tokens for which match returns
// true (an app deleted, a grant revoked) and returns how many tokens went.
// Spent codes stay, so a replay is still recognised.
func (s *TokenStore) Revoke(match func(clientID, userID string) bool) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.codes.DeleteFunc(func(_ keytable.Key, e codeEntry) bool {
		return match(s.strs.str(e.client), s.strs.str(e.user))
	})
	return s.access.DeleteFunc(func(_ keytable.Key, e accessEntry) bool {
		return match(s.strs.str(e.client), s.strs.str(e.user))
	})
}

// Count returns how many live codes and access tokens match.
func (s *TokenStore) Count(match func(clientID, userID string) bool) (codes, tokens int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for _, it := range s.codes.Each(now) {
		if e := it.Value; now < e.expires && match(s.strs.str(e.client), s.strs.str(e.user)) {
			codes++
		}
	}
	for _, it := range s.access.Each(now) {
		if e := it.Value; (e.expires == 0 || now < e.expires) && match(s.strs.str(e.client), s.strs.str(e.user)) {
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
	k, ok := keytable.KeyOf(code)
	if !ok {
		return codeInfo{state: codeUnknown}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if e, ok := s.codes.Get(k, now); ok {
		st := codeLive
		if now >= e.expires {
			st = codeExpired
		}
		return codeInfo{state: st, clientID: s.strs.str(e.client), redirectURI: s.strs.str(e.redirect), codeChallenge: s.strs.str(e.challenge)}
	}
	if sc, ok := s.spent.Get(k, now); ok {
		return codeInfo{state: codeSpent, clientID: s.strs.str(sc.client)}
	}
	return codeInfo{state: codeUnknown}
}

// link records that access was minted from code.
func (s *TokenStore) link(code, access string) {
	ck, ok1 := keytable.KeyOf(code)
	ak, ok2 := keytable.KeyOf(access)
	if !ok1 || !ok2 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sc, e, ok := s.spent.Lookup(ck, math.MinInt64)
	if !ok {
		return
	}
	s.addToken(ck, &sc, ak)
	s.spent.Put(ck, sc, e)
}

// addToken adds a token to the spent code sc of key ck.
func (s *TokenStore) addToken(ck keytable.Key, sc *spentCode, ak keytable.Key) {
	if sc.tokens == 0 {
		sc.first = ak
	} else {
		s.moreTokens[ck] = append(s.moreTokens[ck], ak)
	}
	sc.tokens++
}

// spentTokens returns the tokens the spent code sc of key ck produced.
func (s *TokenStore) spentTokens(ck keytable.Key, sc spentCode) []string {
	if sc.tokens == 0 {
		return nil
	}
	out := []string{sc.first.String()}
	for _, k := range s.moreTokens[ck] {
		out = append(out, k.String())
	}
	return out
}

// issuedFrom returns the access tokens minted from a spent code.
func (s *TokenStore) issuedFrom(code string) []string {
	k, ok := keytable.KeyOf(code)
	if !ok {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sc, _ := s.spent.Get(k, math.MinInt64)
	return s.spentTokens(k, sc)
}

// sweep drops what expired by now.
func (s *TokenStore) sweep(now int64) {
	s.codes.Sweep(now)
	s.access.Sweep(now)
	if s.spent.Sweep(now) > 0 {
		for k := range s.moreTokens {
			if _, ok := s.spent.Get(k, math.MinInt64); !ok {
				delete(s.moreTokens, k)
			}
		}
	}
}

// compact rebuilds strs from the live entries once it has grown by more
// than it held plus the number of entries since the last rebuild, so
// strings of deleted entries (a PKCE challenge, a scope) do not accumulate,
// at an amortised O(1) per string added.
func (s *TokenStore) compact() {
	if len(s.strs.strs) < s.nextCompact {
		return
	}
	old := s.strs
	s.strs = newStrtab()
	re := func(i uint32) uint32 { return s.strs.add(old.str(i)) }
	reShared := func(sh shared) shared {
		return shared{client: re(sh.client), user: re(sh.user), redirect: re(sh.redirect), scope: re(sh.scope)}
	}
	s.codes.Update(func(_ keytable.Key, e codeEntry) codeEntry {
		e.shared, e.challenge, e.method = reShared(e.shared), re(e.challenge), re(e.method)
		return e
	})
	s.spent.Update(func(_ keytable.Key, sc spentCode) spentCode {
		sc.client = re(sc.client)
		return sc
	})
	s.access.Update(func(_ keytable.Key, e accessEntry) accessEntry {
		e.shared = reShared(e.shared)
		return e
	})
	s.setNextCompact()
}

func (s *TokenStore) setNextCompact() {
	s.nextCompact = max(minCompact, 2*len(s.strs.strs)+s.codes.Len()+s.spent.Len()+s.access.Len())
}

// Token is an access token as providers see it.
type Token struct {
	AccessToken string
	ClientID    string
	UserID      string
	Scope       string
	RedirectURI string
	IssuedAt    time.Time // by the injected clock
	ExpiresAt   time.Time // zero: never
}

// check reports whether t can be restored: its access token must fit the
// store. field names the one at fault.
func (t Token) check() (field string, err error) {
	if len(t.AccessToken) > maxKeyLen {
		return "accessToken", tooLong("access token", t.AccessToken)
	}
	return "", nil
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

// check reports whether c can be restored: the code and the tokens it
// produced must fit the store. field names the one at fault ("code",
// "tokens[1]").
func (c Code) check() (field string, err error) {
	if len(c.Code) > maxKeyLen {
		return "code", tooLong("code", c.Code)
	}
	for i, tok := range c.Tokens {
		if len(tok) > maxKeyLen {
			return fmt.Sprintf("tokens[%d]", i), tooLong("access token", tok)
		}
	}
	return "", nil
}

func tooLong(what, s string) error {
	return fmt.Errorf("%s of %d bytes, longer than the %d the token store keeps", what, len(s), maxKeyLen)
}

// Snapshot is the store's content, for state export and import.
type Snapshot struct {
	Codes  []Code
	Tokens []Token
}

// Check returns the first code or token the store cannot hold, as
// "codes[i].field" or "tokens[i].field", with the reason. The fields are
// named as in Assist's fixtures, so a provider can report the path as it
// is (docs/oauth.md, "Token store").
func (snap Snapshot) Check() (path string, err error) {
	for i, c := range snap.Codes {
		if field, err := c.check(); err != nil {
			return fmt.Sprintf("codes[%d].%s", i, field), err
		}
	}
	for i, t := range snap.Tokens {
		if field, err := t.check(); err != nil {
			return fmt.Sprintf("tokens[%d].%s", i, field), err
		}
	}
	return "", nil
}

// Snapshot returns the live content, sorted by issue time then value, so
// exports are stable. Times are UTC.
func (s *TokenStore) Snapshot() Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	var snap Snapshot
	for k, it := range s.codes.All(now) {
		if e := it.Value; now < e.expires {
			snap.Codes = append(snap.Codes, Code{
				Code: k.String(), ClientID: s.strs.str(e.client), UserID: s.strs.str(e.user), RedirectURI: s.strs.str(e.redirect),
				Scope: s.strs.str(e.scope), CodeChallenge: s.strs.str(e.challenge), CodeChallengeMethod: s.strs.str(e.method),
				IssuedAt: timeOf(e.issued), ExpiresAt: timeOf(e.expires),
			})
		}
	}
	for k, it := range s.spent.All(now) {
		sc := it.Value
		snap.Codes = append(snap.Codes, Code{Code: k.String(), ClientID: s.strs.str(sc.client), ExpiresAt: timeOf(sc.expires),
			Used: true, Tokens: s.spentTokens(k, sc)})
	}
	for k, it := range s.access.All(now) {
		if e := it.Value; e.expires == 0 || now < e.expires {
			snap.Tokens = append(snap.Tokens, s.token(k.String(), e))
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

// Checked is a Snapshot that passed Check, and the only thing Restore
// takes: a snapshot the store cannot hold is refused where it is checked,
// with its path, and no caller can restore one while ignoring the error
// (docs/oauth.md, "Token store"). The zero Checked is the empty snapshot.
type Checked struct{ snap Snapshot }

// Checked returns snap ready for Restore, or Check's error as
// "path: reason".
func (snap Snapshot) Checked() (Checked, error) {
	if path, err := snap.Check(); err != nil {
		return Checked{}, fmt.Errorf("%s: %w", path, err)
	}
	return Checked{snap}, nil
}

// Restore replaces the whole content with c (state import, reset), every
// entry pinned as data loaded from fixtures. Access tokens keep their issue
// and expiry times.
func (s *TokenStore) Restore(c Checked) {
	snap := c.snap
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reset()
	for _, c := range snap.Codes {
		k, _ := keytable.KeyOf(c.Code)
		expires := nanos(c.ExpiresAt)
		if c.Used {
			sc := spentCode{client: s.strs.id(c.ClientID), expires: expires}
			delete(s.moreTokens, k)
			for _, tok := range c.Tokens {
				ak, _ := keytable.KeyOf(tok)
				s.addToken(k, &sc, ak)
			}
			s.spent.Put(k, sc, keytable.Entry{Expires: max(expires, 1), Pinned: true})
			continue
		}
		s.codes.Put(k, codeEntry{
			shared:    s.shared(c.ClientID, c.UserID, c.RedirectURI, c.Scope),
			challenge: s.strs.id(c.CodeChallenge), method: s.strs.id(c.CodeChallengeMethod),
			issued: nanos(c.IssuedAt), expires: expires,
		}, codeEntryOf(expires, true))
	}
	for _, t := range snap.Tokens {
		ak, _ := keytable.KeyOf(t.AccessToken)
		e := accessEntry{shared: s.shared(t.ClientID, t.UserID, t.RedirectURI, t.Scope),
			issued: nanos(t.IssuedAt), expires: nanos(t.ExpiresAt)}
		s.access.Put(ak, e, keytable.Entry{Expires: e.expires, Pinned: true})
	}
	s.setNextCompact()
}

// strtab interns the strings that entries share, so entries hold indices
// instead of pointers. Index 0 is "". It is rebuilt from the live entries
// when it has grown (TokenStore.compact), since a string nobody uses any
// more is never removed otherwise.
type strtab struct {
	ids  map[string]uint32
	strs []string
}

func newStrtab() strtab { return strtab{ids: map[string]uint32{"": 0}, strs: []string{""}} }

// id returns the index of s, adding a copy of it when new, so the table
// never keeps a request's whole body alive.
func (t *strtab) id(s string) uint32 {
	if i, ok := t.ids[s]; ok {
		return i
	}
	return t.add(strings.Clone(s))
}

// add is id for a string the table may keep as it is.
func (t *strtab) add(s string) uint32 {
	if i, ok := t.ids[s]; ok {
		return i
	}
	i := uint32(len(t.strs))
	t.strs = append(t.strs, s)
	t.ids[s] = i
	return i
}

func (t *strtab) str(i uint32) string { return t.strs[i] }

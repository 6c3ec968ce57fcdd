package kii

import (
	"cmp"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/ids"
	"github.com/fakeapi/fakeapi/internal/keytable"
)

// Store is what the handlers need from Kii's state. Every method takes
// and returns values; multi-step changes (login, registration uniqueness,
// refresh) happen under one lock inside the store. A token longer than
// keytable.KeySize is refused with errTokenTooLong.
type Store interface {
	App(appID string) (App, bool)
	AppByClientID(clientID string) (App, bool)
	// Login finds the user a username names, checks the password, the
	// disabled flag and address verification, and on success stores tok
	// for that user. Failures return a *loginError and write the devlog.
	Login(appID string, username string, password string, tok Token, now time.Time) (User, error)
	// Issue stores a token that needs no user check (admin, anonymous,
	// admin-API minted).
	Issue(appID string, tok Token) error
	// Token returns a live token; errTokenInvalid when unknown, revoked or
	// expired at now.
	Token(appID, access string, now time.Time) (Token, error)
	// Refresh consumes a refresh token: its pair is removed and next (for
	// the same user) stored. errRefreshUsed when unknown or used. When next
	// has no lifetime of the client's own, it keeps the one the client
	// chose for the old token, from now and within the app's maximum
	// (docs/providers/kii.md, "Token lifetime").
	Refresh(appID, refresh string, next Token, now time.Time) (Token, error)
	// Register adds u if its login name, email and phone are free; with
	// tok, also stores tok for the new user (RegistrationAndAuthorization).
	// An unverified address gets its verification message, with links
	// under base.
	Register(appID string, u User, tok *Token, base string, now time.Time) (User, error)
	// UpdateUser applies a UserUpdateRequest or an address change:
	// attributes, custom fields, a pseudo user's first identity and
	// password, new addresses (pending and verified by a code when the
	// app requires it).
	UpdateUser(appID, userID string, upd userUpdate, base string, now time.Time) (User, error)
	// Verify checks an address verification code (phone, else email) and
	// marks the address verified, a pending one replacing the old.
	Verify(appID, userID string, phone bool, code string, now time.Time) (User, error)
	// ResendVerification sends a new code for the pending or unverified
	// address: errNoAddress without one, errVerified when it is verified.
	ResendVerification(appID, userID string, phone bool, base string, now time.Time) error
	// RequestReset sends a reset link or PIN to a verified address.
	RequestReset(appID, userID string, m resetMethod, base string, now time.Time) error
	// CheckReset checks a reset link's code without using it.
	CheckReset(appID, userID, code string, now time.Time) (App, User, error)
	// CompleteReset uses a reset code (a PIN when pin) to set
	// newPassword, or a generated one sent to the user in apps with the
	// "Generate password" flow; every token of the user dies.
	CompleteReset(appID, userID string, pin bool, code, newPassword, base string, now time.Time) (generated bool, err error)
	// Outbox lists the messages sent, of one app and address when not "".
	Outbox(appID, to string) []Message
	ClearOutbox()
	FindUser(appID string, a address) (User, error)
	// ChangePassword sets a new password, checking old when non-nil, and
	// revokes every token of the user.
	ChangePassword(appID, userID string, old *string, newPassword string) error
	// SetDisabled sets the flag; disabling revokes every token.
	SetDisabled(appID, userID string, disabled bool) error
	// RevokeUserTokens removes every token of the user (admin API).
	RevokeUserTokens(appID, userID string) (int, error)
	DeleteUser(appID, userID string) error
	// Devlog returns the developer log, of one app when appID is not "".
	Devlog(appID string) []DevlogEntry
	ClearDevlog()
}

var _ Store = (*memStore)(nil)

// Store errors; handlers map them to Kii bodies (errors.go).
var (
	errNoApp        = errors.New("kii: no such app")
	errNoUser       = errors.New("kii: no such user")
	errTokenInvalid = errors.New("kii: token not valid")
	errRefreshUsed  = errors.New("kii: refresh token not valid")
	errOldPassword  = errors.New("kii: wrong old password")
)

// loginError is a failed login; reason is what the devlog records.
type loginError struct{ reason string }

func (e *loginError) Error() string { return "kii: login failed: " + e.reason }

// conflictError is a taken login name, email or phone.
type conflictError struct{ field, value string }

func (e *conflictError) Error() string { return "kii: " + e.field + " taken: " + e.value }

// maxDevlog bounds the developer log: the oldest lines go first
// (docs/providers/kii.md, "Endpoints").
const maxDevlog = 1000

// memStore is the in-memory Store.
type memStore struct {
	mu       sync.Mutex // guards cur
	cur      *state
	base     Fixtures // what Reset goes back to; validated, never mutated
	throttle throttle // Config's, for apps whose fixture sets none
	clk      clock.Clock
	src      ids.Source // verification and reset codes, generated passwords
	// maxTokens caps each app's issued tokens; evictions counts those
	// evicted past it, for the log.
	maxTokens int
	evictions *keytable.EvictionLog
}

// throttle is the brute-force setting (off when limit is 0).
type throttle struct {
	limit   int
	lockout time.Duration
}

// throttleFor is the setting of app: its fixture's fields where set, else
// Config's (docs/providers/kii.md, "Login throttling").
func (s *memStore) throttleFor(app App) throttle {
	th := s.throttle
	if app.LoginFailureLimit != nil {
		th.limit = *app.LoginFailureLimit
	}
	if app.LoginLockout > 0 {
		th.lockout = app.LoginLockout
	}
	return th
}

// failures counts a user's failed logins in a row; until is the end of a
// lockout. Runtime only: not exported with the state
// (docs/providers/kii.md, "Login throttling").
type failures struct {
	count int
	until time.Time
}

// state is the whole live data; only memStore touches it, under mu.
type state struct {
	apps     map[string]*appState
	order    []string          // app ids in fixture order, for export
	byClient map[string]string // clientID → appID
	devlog   []DevlogEntry
	// outbox is the mail and SMS sent; runtime only, like the users'
	// pending codes: not part of the exported state.
	outbox []Message
}

func newState() *state {
	return &state{apps: map[string]*appState{}, byClient: map[string]string{}}
}

// appState is one app's users and tokens with their indexes.
type appState struct {
	app     App
	users   map[string]User   // by user id
	byLogin map[string]string // login name → user id
	byEmail map[string]string // lower-cased email → user id
	byPhone map[string]string // phone, international form → user id
	tokens  tokenStore
	userIDs []string             // user ids by the index tokens hold (tokens.go)
	userIdx map[string]int32     // user id → index in userIDs
	maxID   int64                // largest internalUserID so far
	failed  map[string]failures  // user id → failed logins (throttling only)
	codes   map[string]userCodes // user id → codes sent and not used yet
}

func newAppState(a App) *appState {
	return &appState{
		app: a, users: map[string]User{}, byLogin: map[string]string{}, byEmail: map[string]string{},
		byPhone: map[string]string{}, tokens: newTokenStore(),
		userIdx: map[string]int32{}, maxID: firstInternalUserID - 1, failed: map[string]failures{},
		codes: map[string]userCodes{},
	}
}

func newMemStore(log *slog.Logger, clk clock.Clock, src ids.Source, f Fixtures, st *state, cfg Config) *memStore {
	th := throttle{limit: cfg.LoginFailureLimit, lockout: cfg.LoginLockout}
	if th.lockout <= 0 {
		th.lockout = DefaultLoginLockout
	}
	maxTokens := cmp.Or(max(cfg.MaxTokens, 0), DefaultMaxTokens)
	s := &memStore{base: f, throttle: th, clk: clk, src: src, maxTokens: maxTokens,
		evictions: keytable.NewEvictionLog(log, "kii", fmt.Sprintf("tokens (cap %d per app, -max-tokens)", maxTokens))}
	s.setState(st)
	return s
}

// conflict names the first of u's identifiers another user has.
func (as *appState) conflict(u User) (field, value string) {
	if id, ok := as.byLogin[u.LoginName]; ok && u.LoginName != "" && id != u.ID {
		return "loginName", u.LoginName
	}
	if id, ok := as.byEmail[lower(u.Email)]; ok && u.Email != "" && id != u.ID {
		return "emailAddress", u.Email
	}
	if id, ok := as.byPhone[u.Phone]; ok && u.Phone != "" && id != u.ID {
		return "phoneNumber", u.Phone
	}
	return "", ""
}

func (as *appState) nextInternalID() int64 {
	as.maxID++
	return as.maxID
}

func (as *appState) addUser(u User) {
	as.users[u.ID] = u
	as.userIndex(u.ID)
	if u.LoginName != "" {
		as.byLogin[u.LoginName] = u.ID
	}
	if u.Email != "" {
		as.byEmail[lower(u.Email)] = u.ID
	}
	if u.Phone != "" {
		as.byPhone[u.Phone] = u.ID
	}
	as.maxID = max(as.maxID, u.InternalID)
}

func (as *appState) removeUser(u User) {
	as.revoke(u.ID)
	delete(as.failed, u.ID)
	delete(as.codes, u.ID)
	delete(as.users, u.ID)
	delete(as.byLogin, u.LoginName)
	delete(as.byEmail, lower(u.Email))
	delete(as.byPhone, u.Phone)
}

// find resolves an address to a user; via is the kind of address that
// matched. Phones are stored in international form, so local digits without
// a country name nobody (docs/providers/kii.md, "Phone numbers").
func (as *appState) find(a address) (u User, via addrKind, ok bool) {
	var id string
	switch a.kind {
	case addrLoginName:
		id, ok = as.byLogin[a.key]
	case addrEmail:
		id, ok = as.byEmail[a.key]
	case addrPhone:
		id, ok = as.byPhone[a.key]
		ok = ok && a.key != ""
	case addrUserID:
		_, ok = as.users[a.key]
		id = a.key
	}
	if !ok {
		return User{}, a.kind, false
	}
	return as.users[id], a.kind, true
}

func (s *memStore) app(appID string) (*appState, error) {
	as := s.cur.apps[appID]
	if as == nil {
		return nil, errNoApp
	}
	return as, nil
}

func (s *memStore) App(appID string) (App, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	as := s.cur.apps[appID]
	if as == nil {
		return App{}, false
	}
	return as.app, true
}

func (s *memStore) AppByClientID(clientID string) (App, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.cur.byClient[clientID]
	if !ok {
		return App{}, false
	}
	return s.cur.apps[id].app, true
}

func (s *memStore) Login(appID, username, password string, tok Token, now time.Time) (User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	as, err := s.app(appID)
	if err != nil {
		return User{}, err
	}
	u, via, ok := as.find(parseUsername(username))
	th := s.throttleFor(as.app)
	reason := ""
	switch {
	case !ok:
		reason = reasonUserNotFound
	case th.limit > 0 && now.Before(as.failed[u.ID].until):
		reason = reasonThrottled
	case subtle.ConstantTimeCompare([]byte(u.Password), []byte(password)) != 1:
		reason = reasonWrongPass
		countFailure(as, u.ID, th, now)
	case u.Disabled:
		reason = reasonDisabled
	case via == addrEmail && !u.EmailVerified, via == addrPhone && !u.PhoneVerified:
		reason = reasonNotVerified
	}
	if reason != "" {
		s.logLocked(DevlogEntry{Time: now.UTC(), AppID: appID, Username: username, Reason: reason})
		return User{}, &loginError{reason: reason}
	}
	tok.Kind, tok.UserID = kindUser, u.ID
	if err := s.issueLocked(as, tok); err != nil {
		return User{}, err
	}
	delete(as.failed, u.ID)
	return u, nil
}

// countFailure records a wrong password; the limit-th in a row starts a
// lockout.
func countFailure(as *appState, userID string, th throttle, now time.Time) {
	if th.limit <= 0 {
		return
	}
	f := as.failed[userID]
	f.count++
	if f.count >= th.limit {
		f = failures{until: now.Add(th.lockout)}
	}
	as.failed[userID] = f
}

func (s *memStore) logLocked(e DevlogEntry) {
	if len(s.cur.devlog) >= maxDevlog {
		s.cur.devlog = append(s.cur.devlog[:0:0], s.cur.devlog[len(s.cur.devlog)-maxDevlog+1:]...)
	}
	s.cur.devlog = append(s.cur.devlog, e)
}

func (s *memStore) Issue(appID string, tok Token) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	as, err := s.app(appID)
	if err != nil {
		return err
	}
	if tok.Kind == kindUser {
		if _, ok := as.users[tok.UserID]; !ok {
			return errNoUser
		}
	}
	return s.issueLocked(as, tok)
}

func (s *memStore) Token(appID, access string, now time.Time) (Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	as, err := s.app(appID)
	if err != nil {
		return Token{}, err
	}
	_, rec, ok := as.lookupToken(access)
	if !ok {
		return Token{}, errTokenInvalid
	}
	t := as.tokenOf(access, rec)
	if t.expired(now) {
		// An expired token stays stored while it has a refresh token,
		// which outlives it (docs/providers/kii.md, "Token endpoint").
		return Token{}, errTokenInvalid
	}
	return t, nil
}

func (s *memStore) Refresh(appID, refresh string, next Token, now time.Time) (Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	as, err := s.app(appID)
	if err != nil {
		return Token{}, err
	}
	access, old, ok := as.lookupRefresh(refresh)
	if !ok {
		return Token{}, errRefreshUsed
	}
	next.Kind, next.UserID = kindUser, as.userIDs[old.user]
	if next.Lifetime == 0 && old.lifetime > 0 {
		next.Lifetime = min(time.Duration(old.lifetime)*time.Millisecond, as.app.MaxLifetime)
		next.ExpiresAt = now.Add(next.Lifetime).UTC()
	}
	if !next.fits() {
		return Token{}, errTokenTooLong
	}
	// One use: the old pair dies, before the new one is counted against
	// the cap, so a refresh evicts nobody else's token.
	as.removeToken(access, old)
	if err := s.issueLocked(as, next); err != nil {
		return Token{}, err
	}
	return next, nil
}

func (s *memStore) Register(appID string, u User, tok *Token, base string, now time.Time) (User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	as, err := s.app(appID)
	if err != nil {
		return User{}, err
	}
	// Check and insert under one lock: of concurrent registrations of one
	// name exactly one wins (docs/providers/kii.md, "Users").
	if field, value := as.conflict(u); field != "" {
		return User{}, &conflictError{field: field, value: value}
	}
	if _, taken := as.users[u.ID]; taken {
		return User{}, errors.New("kii: user id collision") // only with a broken ID source
	}
	if tok != nil && !tok.fits() {
		return User{}, errTokenTooLong
	}
	u.InternalID = as.nextInternalID()
	as.addUser(u)
	if tok != nil {
		tok.Kind, tok.UserID = kindUser, u.ID
		if err := s.issueLocked(as, *tok); err != nil {
			return User{}, err
		}
	}
	if u.Email != "" && !u.EmailVerified {
		s.sendVerificationLocked(as, u, false, base, now)
	}
	if u.Phone != "" && !u.PhoneVerified {
		s.sendVerificationLocked(as, u, true, base, now)
	}
	return u, nil
}

func (s *memStore) FindUser(appID string, a address) (User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	as, err := s.app(appID)
	if err != nil {
		return User{}, err
	}
	u, _, ok := as.find(a)
	if !ok {
		return User{}, errNoUser
	}
	return u, nil
}

// user returns the user with id, under the lock.
func (s *memStore) userLocked(appID, userID string) (*appState, User, error) {
	as, err := s.app(appID)
	if err != nil {
		return nil, User{}, err
	}
	u, ok := as.users[userID]
	if !ok {
		return nil, User{}, errNoUser
	}
	return as, u, nil
}

func (s *memStore) ChangePassword(appID, userID string, old *string, newPassword string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	as, u, err := s.userLocked(appID, userID)
	if err != nil {
		return err
	}
	if old != nil && subtle.ConstantTimeCompare([]byte(u.Password), []byte(*old)) != 1 {
		return errOldPassword
	}
	u.Password = newPassword
	as.users[u.ID] = u
	as.revoke(u.ID) // every token, the one used included
	codes := as.codes[u.ID]
	codes.reset = pendingCode{} // a reset link or PIN sent before is void
	as.codes[u.ID] = codes
	return nil
}

func (s *memStore) SetDisabled(appID, userID string, disabled bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	as, u, err := s.userLocked(appID, userID)
	if err != nil {
		return err
	}
	u.Disabled = disabled
	as.users[u.ID] = u
	if disabled {
		as.revoke(u.ID) // enabling revives none of them
	}
	return nil
}

func (s *memStore) RevokeUserTokens(appID, userID string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	as, u, err := s.userLocked(appID, userID)
	if err != nil {
		return 0, err
	}
	return as.revoke(u.ID), nil
}

func (s *memStore) DeleteUser(appID, userID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	as, u, err := s.userLocked(appID, userID)
	if err != nil {
		return err
	}
	as.removeUser(u)
	return nil
}

func (s *memStore) Devlog(appID string) []DevlogEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]DevlogEntry, 0, len(s.cur.devlog))
	for _, e := range s.cur.devlog {
		if appID == "" || e.AppID == appID {
			out = append(out, e)
		}
	}
	return out
}

func (s *memStore) ClearDevlog() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cur.devlog = nil
}

// replace swaps in a new state (reset, import).
func (s *memStore) replace(st *state) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setState(st)
}

// setState makes st the live state, capping every app's issued tokens.
func (s *memStore) setState(st *state) {
	for _, as := range st.apps {
		as.tokens.setLimit(s.maxTokens)
	}
	s.cur = st
}

// issueLocked stores a token the emulator issued: counted against the
// app's cap, the oldest issued token evicted past it, and the evictions
// logged (docs/providers/kii.md, "Token cap").
func (s *memStore) issueLocked(as *appState, t Token) error {
	err := as.addToken(t, false)
	s.evictions.Add(as.tokens.access.TakeEvicted(), s.clk.Now())
	return err
}

func lower(s string) string { return strings.ToLower(s) }

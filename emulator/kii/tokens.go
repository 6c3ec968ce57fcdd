package kii

import (
	"errors"
	"time"

	"github.com/fakeapi/fakeapi/internal/keytable"
)

// Tokens are most of what a long test run leaves in the store: Kii's tokens
// never expire by default, so every login adds one for good (two with
// refresh tokens). An app keeps them in keytable tables, which hold no
// pointers for the garbage collector to mark: tokens as keytable.Keys, the
// user as an index into the app's user ids, the expiry as UNIX ms.

// errTokenTooLong is a token the tables cannot hold. The emulator mints
// 43-character tokens and fixtures with longer ones are refused at load,
// so only a programming error reaches it.
var errTokenTooLong = errors.New("kii: token longer than keytable.KeySize")

// tokenRec is what an access token maps to.
type tokenRec struct {
	refresh keytable.Key // empty without a refresh token
	kind    tokenKind
	user    int32 // index into appState.userIDs, kind user only
	hasExp  bool
	// expires is the token's expiresAt in UNIX ms, as Kii's requests and
	// the fixtures give it. It lives in the value, not as the table entry's
	// expiry: an expired access token stays stored, since its refresh
	// token outlives it and the state export lists it
	// (docs/providers/kii.md, "Token endpoint").
	expires int64
	// lifetime is the lifetime in ms the client chose with expiresAt,
	// which a refresh keeps (docs/providers/kii.md, "Token lifetime").
	lifetime int64
}

// tokenStore is one app's live tokens, oldest first.
type tokenStore struct {
	access  *keytable.Table[keytable.Key, tokenRec]
	refresh *keytable.Table[keytable.Key, keytable.Key] // refresh token → its access token
}

// newTokenStore returns an app's empty token tables, uncapped until
// memStore caps them. An evicted access token takes its refresh token
// with it, so the pair stops working together and the refresh table
// never outgrows the access table (docs/providers/kii.md, "Token cap").
func newTokenStore() tokenStore {
	ts := tokenStore{
		access:  keytable.New[keytable.Key, tokenRec](0),
		refresh: keytable.New[keytable.Key, keytable.Key](0),
	}
	ts.access.OnEvict(func(_ keytable.Key, rec tokenRec) {
		if rec.refresh.Len() > 0 {
			ts.refresh.Delete(rec.refresh)
		}
	})
	return ts
}

// setLimit caps the issued access tokens at n (0: no cap); tokens of
// fixtures and imports are pinned and not counted.
func (ts tokenStore) setLimit(n int) { ts.access.SetLimit(n) }

// noExpiry is the "now" of table look-ups: no entry has a table expiry.
const noExpiry = 0

func (ts tokenStore) len() int { return ts.access.Len() }

// userIndex returns the index of a user id in userIDs, adding it once.
// Indexes outlive their users: a deleted user's tokens are gone with it,
// and a user id that comes back gets its old index.
func (as *appState) userIndex(id string) int32 {
	if i, ok := as.userIdx[id]; ok {
		return i
	}
	i := int32(len(as.userIDs))
	as.userIDs = append(as.userIDs, id)
	as.userIdx[id] = i
	return i
}

// fits reports whether the tables can hold t's tokens.
func (t Token) fits() bool {
	return len(t.Access) <= keytable.KeySize && len(t.Refresh) <= keytable.KeySize
}

// addToken stores t; pinned for tokens of fixtures and imports.
func (as *appState) addToken(t Token, pinned bool) error {
	if !t.fits() {
		return errTokenTooLong
	}
	k, _ := keytable.KeyOf(t.Access)
	rk, _ := keytable.KeyOf(t.Refresh)
	rec := tokenRec{refresh: rk, kind: t.Kind, lifetime: t.Lifetime.Milliseconds()}
	if t.Kind == kindUser {
		rec.user = as.userIndex(t.UserID)
	}
	if !t.ExpiresAt.IsZero() {
		rec.hasExp, rec.expires = true, t.ExpiresAt.UnixMilli()
	}
	e := keytable.Entry{Pinned: pinned}
	as.tokens.access.Put(k, rec, e)
	if rk.Len() > 0 {
		as.tokens.refresh.Put(rk, k, e)
	}
	return nil
}

func (as *appState) removeToken(k keytable.Key, rec tokenRec) {
	as.tokens.access.Delete(k)
	if rec.refresh.Len() > 0 {
		as.tokens.refresh.Delete(rec.refresh)
	}
}

// tokenOf rebuilds the handlers' view of a stored token.
func (as *appState) tokenOf(access string, rec tokenRec) Token {
	t := Token{Access: access, Refresh: rec.refresh.String(), Kind: rec.kind}
	if rec.kind == kindUser {
		t.UserID = as.userIDs[rec.user]
	}
	if rec.hasExp {
		t.ExpiresAt = time.UnixMilli(rec.expires).UTC()
	}
	t.Lifetime = time.Duration(rec.lifetime) * time.Millisecond
	return t
}

// lookupToken finds a stored access token.
func (as *appState) lookupToken(access string) (keytable.Key, tokenRec, bool) {
	k, ok := keytable.KeyOf(access)
	if !ok {
		return k, tokenRec{}, false
	}
	rec, ok := as.tokens.access.Get(k, noExpiry)
	return k, rec, ok
}

// lookupRefresh finds the access token a refresh token belongs to.
func (as *appState) lookupRefresh(refresh string) (keytable.Key, tokenRec, bool) {
	rk, ok := keytable.KeyOf(refresh)
	if !ok {
		return rk, tokenRec{}, false
	}
	k, ok := as.tokens.refresh.Get(rk, noExpiry)
	if !ok {
		return k, tokenRec{}, false
	}
	rec, ok := as.tokens.access.Get(k, noExpiry)
	return k, rec, ok
}

// allTokens returns every stored token, oldest first.
func (as *appState) allTokens() []Token {
	out := make([]Token, 0, as.tokens.len())
	for k, it := range as.tokens.access.All(noExpiry) {
		out = append(out, as.tokenOf(k.String(), it.Value))
	}
	return out
}

// revoke removes every token of a user, refresh tokens included.
func (as *appState) revoke(userID string) int {
	i, ok := as.userIdx[userID]
	if !ok {
		return 0
	}
	var refreshes []keytable.Key
	n := as.tokens.access.DeleteFunc(func(_ keytable.Key, rec tokenRec) bool {
		if rec.kind != kindUser || rec.user != i {
			return false
		}
		if rec.refresh.Len() > 0 {
			refreshes = append(refreshes, rec.refresh)
		}
		return true
	})
	for _, rk := range refreshes {
		as.tokens.refresh.Delete(rk)
	}
	return n
}

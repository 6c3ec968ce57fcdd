package kii

import (
	"encoding/binary"
	"time"
)

// Tokens are most of what a long test run leaves in the store: Kii's tokens
// never expire by default, so every login adds one for good (two with
// refresh tokens). An app keeps them in maps whose keys and values hold no
// pointers, which the garbage collector never scans: token strings as
// fixed-size arrays, the user as an index into the app's user ids, the
// expiry as UNIX ms. Held as strings and a time.Time (which points to its
// Location), every token was several objects to mark on every cycle, and a
// 200k-login run made each cycle's mark tens of milliseconds on one core
// (BenchmarkStoreGC).

// tokenLen is the length of every token the emulator mints: tokenBytes as
// unpadded base64url.
const tokenLen = 43

// Forms of a tokenKey.
const (
	keyNone   uint8 = iota // no token: a token without refresh token
	keyInline              // b is the token
	keyOdd                 // b[:4] indexes tokenTable.odd: a token of another length (fixtures, imports)
)

// tokenKey is a token string held without pointers.
type tokenKey struct {
	b    [tokenLen]byte
	form uint8
}

// tokenRec is what an access token maps to.
type tokenRec struct {
	refresh tokenKey // form keyNone without refresh token
	kind    tokenKind
	user    int32 // index into appState.userIDs, kind user only
	hasExp  bool
	expires int64  // UNIX ms (every expiry is whole ms: expiresAt is ms on the wire and in fixtures)
	seq     uint64 // issue order, for a stable export
}

// tokenTable is one app's live tokens.
type tokenTable struct {
	access  map[tokenKey]tokenRec
	refresh map[tokenKey]tokenKey // refresh token → its access token
	// odd holds tokens whose length is not tokenLen, which only fixtures
	// and imports bring (the emulator mints tokenLen). They stay until the
	// state is replaced, so they are bounded by the documents loaded.
	odd      []string
	oddIndex map[string]uint32
}

func newTokenTable() tokenTable {
	return tokenTable{access: map[tokenKey]tokenRec{}, refresh: map[tokenKey]tokenKey{}, oddIndex: map[string]uint32{}}
}

// key finds the key of s without adding anything: ok is false for a token
// that cannot be stored.
func (tt *tokenTable) key(s string) (k tokenKey, ok bool) {
	if len(s) == tokenLen {
		k.form = keyInline
		copy(k.b[:], s)
		return k, true
	}
	i, ok := tt.oddIndex[s]
	if !ok {
		return k, false
	}
	return oddKey(i), true
}

// intern returns the key of s, remembering s when it is odd; "" is keyNone.
func (tt *tokenTable) intern(s string) tokenKey {
	if s == "" {
		return tokenKey{}
	}
	if k, ok := tt.key(s); ok {
		return k
	}
	i := uint32(len(tt.odd))
	tt.odd = append(tt.odd, s)
	tt.oddIndex[s] = i
	return oddKey(i)
}

func oddKey(i uint32) tokenKey {
	k := tokenKey{form: keyOdd}
	binary.LittleEndian.PutUint32(k.b[:4], i)
	return k
}

// str is the token k stands for.
func (tt *tokenTable) str(k tokenKey) string {
	switch k.form {
	case keyInline:
		return string(k.b[:])
	case keyOdd:
		return tt.odd[binary.LittleEndian.Uint32(k.b[:4])]
	default:
		return ""
	}
}

func (tt *tokenTable) len() int { return len(tt.access) }

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

func (as *appState) addToken(t Token) {
	tt := &as.tokens
	k := tt.intern(t.Access)
	rec := tokenRec{refresh: tt.intern(t.Refresh), kind: t.Kind, seq: t.seq}
	if t.Kind == kindUser {
		rec.user = as.userIndex(t.UserID)
	}
	if !t.ExpiresAt.IsZero() {
		rec.hasExp, rec.expires = true, t.ExpiresAt.UnixMilli()
	}
	tt.access[k] = rec
	if rec.refresh.form != keyNone {
		tt.refresh[rec.refresh] = k
	}
}

func (as *appState) removeToken(k tokenKey, rec tokenRec) {
	delete(as.tokens.access, k)
	if rec.refresh.form != keyNone {
		delete(as.tokens.refresh, rec.refresh)
	}
}

// tokenOf rebuilds the handlers' view of a stored token.
func (as *appState) tokenOf(access string, rec tokenRec) Token {
	t := Token{Access: access, Refresh: as.tokens.str(rec.refresh), Kind: rec.kind, seq: rec.seq}
	if rec.kind == kindUser {
		t.UserID = as.userIDs[rec.user]
	}
	if rec.hasExp {
		t.ExpiresAt = time.UnixMilli(rec.expires).UTC()
	}
	return t
}

// lookupToken finds a stored access token.
func (as *appState) lookupToken(access string) (tokenKey, tokenRec, bool) {
	k, ok := as.tokens.key(access)
	if !ok {
		return k, tokenRec{}, false
	}
	rec, ok := as.tokens.access[k]
	return k, rec, ok
}

// hasRefresh reports whether a refresh token is stored.
func (as *appState) hasRefresh(refresh string) bool {
	k, ok := as.tokens.key(refresh)
	if !ok {
		return false
	}
	_, ok = as.tokens.refresh[k]
	return ok
}

// allTokens returns every stored token, in no order.
func (as *appState) allTokens() []Token {
	out := make([]Token, 0, as.tokens.len())
	for k, rec := range as.tokens.access {
		out = append(out, as.tokenOf(as.tokens.str(k), rec))
	}
	return out
}

// revoke removes every token of a user, refresh tokens included.
func (as *appState) revoke(userID string) int {
	i, ok := as.userIdx[userID]
	if !ok {
		return 0
	}
	n := 0
	for k, rec := range as.tokens.access {
		if rec.kind == kindUser && rec.user == i {
			as.removeToken(k, rec)
			n++
		}
	}
	return n
}

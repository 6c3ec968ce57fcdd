package kii

import (
	"cmp"
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/internal/keytable"
)

// tokenModel is the plain computation the token tables must agree with:
// tokens as strings and times in ordinary maps, numbered in issue order.
type tokenModel struct {
	toks map[string]map[string]modelToken // app → access → token
	seq  uint64
}

type modelToken struct {
	Token
	seq uint64
}

func (m *tokenModel) add(appID string, t Token) {
	m.seq++
	m.toks[appID][t.Access] = modelToken{t, m.seq}
}

func (m *tokenModel) revoke(appID, userID string) int {
	n := 0
	for a, t := range m.toks[appID] {
		if t.Kind == kindUser && t.UserID == userID {
			delete(m.toks[appID], a)
			n++
		}
	}
	return n
}

// TestTokenTableShouldMatchPlainMaps drives the store through every kind
// of token change (logins with and without refresh tokens and expiry,
// tokens of other lengths as imports bring, refresh, revocation by password
// change, disabling, the admin API and deletion, a deleted user id coming
// back, the clock passing expiries) and after each one compares every
// token the store serves and exports with a model kept in plain maps.
func TestTokenTableShouldMatchPlainMaps(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rng := rand.New(rand.NewPCG(1, 2))
	m := &tokenModel{toks: map[string]map[string]modelToken{app1: {}, app2: {}}}
	now := t0
	n := 0
	newTok := func() string {
		n++
		if rng.IntN(8) == 0 { // another length, as fixtures and imports may hold
			s := fmt.Sprintf("odd-%d-", n)
			return s + strings.Repeat("x", rng.IntN(keytable.KeySize-len(s)+1))
		}
		return fmt.Sprintf("%043d", n) // as long as a minted token
	}
	expiry := func() time.Time {
		if rng.IntN(2) == 0 {
			return time.Time{}
		}
		return time.UnixMilli(now.UnixMilli() + rng.Int64N(int64(time.Hour/time.Millisecond))).UTC()
	}
	type user struct{ app, id, login, pass string }
	users := []user{
		{app1, taroID, "taro", taroPass}, {app1, hanakoID, "hanako", hanakoPass}, {app2, kenjiID, "kenji", kenjiPass},
	}
	check := func(step string) {
		t.Helper()
		exp := e.store.export()
		for _, af := range exp.Apps {
			want := slices.SortedFunc(maps.Values(m.toks[af.AppID]), func(x, y modelToken) int { return cmp.Compare(x.seq, y.seq) })
			var wantF []TokenFixture
			for _, tk := range want {
				tf := TokenFixture{AccessToken: tk.Access, Kind: tk.Kind.String(), UserID: tk.UserID, RefreshToken: tk.Refresh}
				if !tk.ExpiresAt.IsZero() {
					tf.ExpiresAt = tk.ExpiresAt.UnixMilli()
				}
				wantF = append(wantF, tf)
			}
			require.Equal(t, wantF, af.Tokens, "%s: export of %s", step, af.AppID)
			refreshes := 0
			for _, tk := range want {
				if tk.Refresh != "" {
					refreshes++
				}
			}
			require.Equal(t, refreshes, e.store.cur.apps[af.AppID].tokens.refresh.Len(), "%s: refresh tokens of %s", step, af.AppID)
			for _, tk := range want {
				got, err := e.store.Token(af.AppID, tk.Access, now)
				if tk.expired(now) {
					require.ErrorIs(t, err, errTokenInvalid, step)
					continue
				}
				require.NoError(t, err, step)
				require.Equal(t, tk.Token, got, step)
			}
		}
	}
	for step := range 600 {
		u := users[rng.IntN(len(users))]
		name := fmt.Sprint(step)
		switch op := rng.IntN(12); op {
		case 0, 1, 2, 3: // login
			tok := Token{Access: newTok(), ExpiresAt: expiry()}
			if u.app == app2 {
				tok.Refresh = newTok()
			}
			_, err := e.store.Login(u.app, u.login, u.pass, tok, now)
			if err == nil {
				tok.Kind, tok.UserID = kindUser, u.id
				m.add(u.app, tok)
			}
		case 4: // admin or anonymous token
			tok := Token{Access: newTok(), Kind: kindAdmin, ExpiresAt: expiry()}
			if rng.IntN(2) == 0 {
				tok.Kind = kindAnonymous
			}
			require.NoError(t, e.store.Issue(u.app, tok))
			m.add(u.app, tok)
		case 5: // refresh, of a live pair or of an unknown token
			var old modelToken
			for _, tk := range m.toks[app2] {
				if tk.Refresh != "" && (old.seq == 0 || tk.seq < old.seq) {
					old = tk
				}
			}
			next := Token{Access: newTok(), Refresh: newTok()}
			if old.Refresh == "" || rng.IntN(4) == 0 {
				_, err := e.store.Refresh(app2, "no-such-refresh-token", next, t0)
				require.ErrorIs(t, err, errRefreshUsed)
				break
			}
			got, err := e.store.Refresh(app2, old.Refresh, next, t0)
			require.NoError(t, err)
			delete(m.toks[app2], old.Access)
			next.Kind, next.UserID = kindUser, old.UserID
			m.add(app2, next)
			require.Equal(t, next.UserID, got.UserID)
			_, err = e.store.Refresh(app2, old.Refresh, Token{Access: newTok()}, t0)
			require.ErrorIs(t, err, errRefreshUsed, "a refresh token is good once")
		case 6: // password change
			require.NoError(t, e.store.ChangePassword(u.app, u.id, nil, u.pass))
			m.revoke(u.app, u.id)
		case 7: // disable and enable
			require.NoError(t, e.store.SetDisabled(u.app, u.id, true))
			m.revoke(u.app, u.id)
			require.NoError(t, e.store.SetDisabled(u.app, u.id, false))
		case 8: // admin revocation
			got, err := e.store.RevokeUserTokens(u.app, u.id)
			require.NoError(t, err)
			require.Equal(t, m.revoke(u.app, u.id), got)
		case 9: // deletion, and the same id registered again
			require.NoError(t, e.store.DeleteUser(u.app, u.id))
			m.revoke(u.app, u.id)
			_, err := e.store.Register(u.app, User{ID: u.id, LoginName: u.login, Password: u.pass, EmailVerified: true, PhoneVerified: true}, nil, "", t0)
			require.NoError(t, err)
		case 10: // the clock passes some expiries
			now = now.Add(time.Duration(rng.IntN(20)) * time.Minute)
		case 11: // an unknown token of each length, one too long to store included
			for _, s := range []string{strings.Repeat("z", 43), "short", "", strings.Repeat("z", keytable.KeySize+1)} {
				_, err := e.store.Token(u.app, s, now)
				require.ErrorIs(t, err, errTokenInvalid)
			}
		}
		check(name)
	}
	require.Greater(t, len(m.toks[app1])+len(m.toks[app2]), 20, "the run should leave tokens behind")

	// An export loads again into the same tokens.
	exp := e.store.export()
	st, err := buildState(exp)
	require.NoError(t, err)
	e.store.replace(st)
	require.Equal(t, exp, e.store.export())
	m.seq = 0 // an import numbers its tokens afresh, in document order
	for _, af := range exp.Apps {
		for _, tf := range af.Tokens {
			m.seq++
			tk := m.toks[af.AppID][tf.AccessToken]
			tk.seq = m.seq
			m.toks[af.AppID][tf.AccessToken] = tk
		}
	}
	check("after import")
}

// TestTokenValuesHoldNoPointers pins what keeps the token tables out of
// the garbage collector's marking: keys and values without pointers
// (keytable.New would panic otherwise).
func TestTokenValuesHoldNoPointers(t *testing.T) {
	t.Parallel()
	for _, typ := range []reflect.Type{reflect.TypeFor[keytable.Key](), reflect.TypeFor[tokenRec]()} {
		require.False(t, keytable.HasPointers(typ), typ.String())
	}
}

// TestTokensShouldFitTheTable: the store refuses a token too long for its
// tables instead of storing it under a cut key, and keeps no half of the
// change.
func TestTokensShouldFitTheTable(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	long := strings.Repeat("x", keytable.KeySize+1)
	_, err := e.store.Login(app1, "taro", taroPass, Token{Access: long}, t0)
	require.ErrorIs(t, err, errTokenTooLong)
	require.ErrorIs(t, e.store.Issue(app1, Token{Access: "a", Refresh: long, Kind: kindAdmin}), errTokenTooLong)
	_, err = e.store.Register(app1, User{ID: "u-new", LoginName: "saburo", Password: "pass1234"}, &Token{Access: long}, "", t0)
	require.ErrorIs(t, err, errTokenTooLong)
	_, err = e.store.FindUser(app1, parseUsername("saburo"))
	require.ErrorIs(t, err, errNoUser, "the registration is not half done")
	require.Empty(t, e.store.export().Apps[0].Tokens)
}

// TestFixtureTokensArePinned: tokens of fixtures and imports are pinned in
// the tables, so a cap on issued tokens can never evict them; issued
// tokens are not.
func TestFixtureTokensArePinned(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	issued := e.login(t, app1, key1, "taro", taroPass)
	pinned := func(tok string) bool {
		k, _ := keytable.KeyOf(tok)
		_, entry, ok := e.store.cur.apps[app1].tokens.access.Lookup(k, noExpiry)
		require.True(t, ok, tok)
		return entry.Pinned
	}
	require.False(t, pinned(issued))
	exp := e.store.export()
	st, err := buildState(exp)
	require.NoError(t, err)
	e.store.replace(st)
	require.True(t, pinned(issued), "imported")
}

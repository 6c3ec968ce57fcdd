package kii

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// tokenModel is the plain computation the compact token table must agree
// with: tokens as strings and times in ordinary maps.
type tokenModel struct {
	toks map[string]map[string]Token // app → access → token
	seq  uint64
}

func (m *tokenModel) add(appID string, t Token) {
	m.seq++
	t.seq = m.seq
	m.toks[appID][t.Access] = t
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
// odd-length tokens as imports bring, refresh, revocation by password
// change, disabling, the admin API and deletion, a deleted user id coming
// back, the clock passing expiries) and after each one compares every
// token the store serves and exports with a model kept in plain maps.
func TestTokenTableShouldMatchPlainMaps(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rng := rand.New(rand.NewPCG(1, 2))
	m := &tokenModel{toks: map[string]map[string]Token{app1: {}, app2: {}}}
	now := t0
	n := 0
	newTok := func() string {
		n++
		if rng.IntN(8) == 0 { // an odd length, as fixtures and imports may hold
			return fmt.Sprintf("odd-%d-%s", n, strings.Repeat("x", rng.IntN(60)))
		}
		s := fmt.Sprintf("%0*d", tokenLen, n)
		return s
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
			want := slices.Collect(func(yield func(Token) bool) {
				for _, tk := range m.toks[af.AppID] {
					if !yield(tk) {
						return
					}
				}
			})
			slices.SortFunc(want, func(x, y Token) int { return cmp.Compare(x.seq, y.seq) })
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
			require.Len(t, e.store.cur.apps[af.AppID].tokens.refresh, refreshes, "%s: refresh tokens of %s", step, af.AppID)
			for _, tk := range want {
				got, err := e.store.Token(af.AppID, tk.Access, now)
				if tk.expired(now) {
					require.ErrorIs(t, err, errTokenInvalid, step)
					continue
				}
				require.NoError(t, err, step)
				require.Equal(t, tk, got, step)
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
			var old Token
			for _, tk := range m.toks[app2] {
				if tk.Refresh != "" && (old.seq == 0 || tk.seq < old.seq) {
					old = tk
				}
			}
			next := Token{Access: newTok(), Refresh: newTok()}
			if old.Refresh == "" || rng.IntN(4) == 0 {
				_, err := e.store.Refresh(app2, "no-such-refresh-token", next)
				require.ErrorIs(t, err, errRefreshUsed)
				break
			}
			got, err := e.store.Refresh(app2, old.Refresh, next)
			require.NoError(t, err)
			delete(m.toks[app2], old.Access)
			next.Kind, next.UserID = kindUser, old.UserID
			m.add(app2, next)
			next.seq = m.seq
			require.Equal(t, next.UserID, got.UserID)
			_, err = e.store.Refresh(app2, old.Refresh, Token{Access: newTok()})
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
			_, err := e.store.Register(u.app, User{ID: u.id, LoginName: u.login, Password: u.pass, EmailVerified: true, PhoneVerified: true}, nil)
			require.NoError(t, err)
		case 10: // the clock passes some expiries
			now = now.Add(time.Duration(rng.IntN(20)) * time.Minute)
		case 11: // an unknown token of each form
			for _, s := range []string{strings.Repeat("z", tokenLen), "short", ""} {
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

package kii

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newRecorder(hd http.Handler, rq req) *httptest.ResponseRecorder {
	var body *strings.Reader
	if rq.body != "" {
		body = strings.NewReader(rq.body)
	} else {
		body = strings.NewReader("")
	}
	r := httptest.NewRequest(rq.method, rq.path, body)
	for k, v := range rq.header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	hd.ServeHTTP(w, r)
	return w
}

func (e *env) admin(rq req) *httptest.ResponseRecorder { return newRecorder(e.inst.Admin, rq) }

func TestAdminRoutes(t *testing.T) {
	t.Parallel()
	future := strconv.FormatInt(t0.Add(time.Hour).UnixMilli(), 10)
	cases := []struct {
		name   string
		rq     req
		status int
		want   string // substring of the body
	}{
		{"should mint a user token", req{"POST", "/apps/app1/tokens", nil, `{"user":"LOGIN_NAME:taro"}`}, 200, `"id":"u-taro"`},
		{"should mint a user token by id with expiry", req{"POST", "/apps/app1/tokens", nil, `{"user":"u-taro","expiresAt":` + future + `}`}, 200, `"expires_in":3600`},
		{"should mint a refresh token where enabled", req{"POST", "/apps/app2/tokens", nil, `{"user":"EMAIL:kenji@example.com"}`}, 200, `"refresh_token"`},
		{"should mint an admin token", req{"POST", "/apps/app1/tokens", nil, `{"admin":true}`}, 200, `"id":"client-one"`},
		{"should set the disabled flag", req{"PUT", "/apps/app1/users/LOGIN_NAME:taro/disabled", nil, `{"disabled":true}`}, 200, `"disabled":true`},
		{"should revoke a user's tokens", req{"DELETE", "/apps/app1/users/u-taro/tokens", nil, ""}, 200, `"revoked":0`},
		{"should list the devlog", req{"GET", "/devlog", nil, ""}, 200, `[]`},
		{"should clear the devlog", req{"DELETE", "/devlog", nil, ""}, 204, ``},

		{"should refuse a token for a disabled user", req{"POST", "/apps/app1/tokens", nil, `{"user":"LOGIN_NAME:yumi"}`}, 409, `disabled`},
		{"should refuse a token for an unknown user", req{"POST", "/apps/app1/tokens", nil, `{"user":"nobody"}`}, 404, `no user`},
		{"should refuse a token for an unknown app", req{"POST", "/apps/nope/tokens", nil, `{"admin":true}`}, 404, `no app`},
		{"should refuse both user and admin", req{"POST", "/apps/app1/tokens", nil, `{"admin":true,"user":"u-taro"}`}, 400, `exactly one`},
		{"should refuse a past expiresAt", req{"POST", "/apps/app1/tokens", nil, `{"user":"u-taro","expiresAt":1}`}, 400, `expiresAt`},
		{"should refuse an unknown field", req{"POST", "/apps/app1/tokens", nil, `{"usr":"u-taro"}`}, 400, `"error"`},
		{"should refuse a missing flag", req{"PUT", "/apps/app1/users/u-taro/disabled", nil, `{}`}, 400, `disabled`},
		{"should refuse an unknown user's flag", req{"PUT", "/apps/app1/users/nobody/disabled", nil, `{"disabled":true}`}, 404, `no user`},
		{"should refuse an unknown app's user", req{"DELETE", "/apps/nope/users/u-taro/tokens", nil, ""}, 404, `no app`},
		{"should answer 404 in the admin shape", req{"GET", "/nothing", nil, ""}, 404, `"error"`},
		{"should answer 405 in the admin shape", req{"PUT", "/devlog", nil, ""}, 405, `"error"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			w := e.admin(tc.rq)
			assert.Equal(t, tc.status, w.Code, w.Body.String())
			assert.Contains(t, w.Body.String(), tc.want)
		})
	}
}

// TestAdminMintedTokensWork and the disabled flag kills them.
func TestAdminMintedTokensWork(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.admin(req{"POST", "/apps/app1/tokens", nil, `{"user":"LOGIN_NAME:taro"}`})
	require.Equal(t, http.StatusOK, w.Code)
	tok := decode(t, w)["access_token"].(string)
	me := func() int { return e.do(t, req{"GET", "/api/apps/app1/users/me", h(bearer(tok), ""), ""}).Code }
	assert.Equal(t, http.StatusOK, me())

	w = e.admin(req{"DELETE", "/apps/app1/users/LOGIN_NAME:taro/tokens", nil, ""})
	require.Equal(t, http.StatusOK, w.Code)
	assert.EqualValues(t, 1, decode(t, w)["revoked"])
	assert.Equal(t, http.StatusForbidden, me())

	tok = decode(t, e.admin(req{"POST", "/apps/app1/tokens", nil, `{"user":"u-taro"}`}))["access_token"].(string)
	require.Equal(t, http.StatusOK, e.admin(req{"PUT", "/apps/app1/users/u-taro/disabled", nil, `{"disabled":true}`}).Code)
	assert.Equal(t, http.StatusForbidden, me())
	require.Equal(t, http.StatusOK, e.admin(req{"PUT", "/apps/app1/users/u-taro/disabled", nil, `{"disabled":false}`}).Code)
	e.login(t, app1, key1, "taro", taroPass)
}

func TestAdminDevlogFilter(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.do(t, req{"POST", "/api/oauth2/token", kiiHeaders(app1, key1), `{"username":"nobody","password":"x"}`})
	e.do(t, req{"POST", "/api/oauth2/token", kiiHeaders(app2, key2), `{"username":"kenji","password":"x"}`})
	w := e.admin(req{"GET", "/devlog?app=app2", nil, ""})
	require.Equal(t, http.StatusOK, w.Code)
	assert.JSONEq(t, `[{"time":"2015-12-01T12:00:00Z","appID":"app2","username":"kenji","reason":"WRONG_PASSWORD"}]`, w.Body.String())
	assert.Len(t, e.store.Devlog(""), 2)
	require.Equal(t, http.StatusNoContent, e.admin(req{"DELETE", "/devlog", nil, ""}).Code)
	assert.JSONEq(t, `[]`, e.admin(req{"GET", "/devlog", nil, ""}).Body.String())
}

// TestDevlogBounded: the log keeps the newest maxDevlog lines.
func TestDevlogBounded(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for i := range maxDevlog + 5 {
		_, err := e.store.Login(app1, "nobody"+strconv.Itoa(i), "x", Token{Access: "t" + strconv.Itoa(i)}, t0)
		require.Error(t, err)
	}
	log := e.store.Devlog(app1)
	require.Len(t, log, maxDevlog)
	assert.Equal(t, "nobody5", log[0].Username)
	assert.Equal(t, "nobody"+strconv.Itoa(maxDevlog+4), log[len(log)-1].Username)
}

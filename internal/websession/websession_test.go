package websession

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/httpx"
	"github.com/fakeapi/fakeapi/internal/ids"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newManager() (*Manager[string], *clock.Controlled) {
	clk := clock.NewControlled(nil)
	clk.Freeze(true)
	return New[string]("sid", clk, ids.Seeded(1)), clk
}

func TestSessionCookieAndReuse(t *testing.T) {
	m, _ := newManager()
	w := httptest.NewRecorder()
	r := httpx.WithBase(httptest.NewRequest(http.MethodGet, "/assist/x", nil), "/assist")
	s := m.Get(w, r)
	cookies := w.Result().Cookies()
	require.Len(t, cookies, 1)
	c := cookies[0]
	assert.Equal(t, "sid", c.Name)
	assert.Equal(t, "/assist", c.Path)
	assert.True(t, c.HttpOnly)
	assert.Equal(t, http.SameSiteLaxMode, c.SameSite)

	r2 := httptest.NewRequest(http.MethodGet, "/", nil)
	r2.AddCookie(c)
	w2 := httptest.NewRecorder()
	assert.Equal(t, s.ID, m.Get(w2, r2).ID, "should reuse the session")
	assert.Empty(t, w2.Result().Cookies(), "should not set a new cookie")
}

func TestCSRF(t *testing.T) {
	m, _ := newManager()
	s := m.Get(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	assert.True(t, m.CheckCSRF(s, s.CSRF))
	assert.False(t, m.CheckCSRF(s, ""))
	assert.False(t, m.CheckCSRF(s, s.CSRF+"x"))
	s2 := m.SetUser(s.ID, "alice")
	assert.Equal(t, "alice", s2.User)
	assert.NotEqual(t, s.CSRF, s2.CSRF, "should rotate the token on login")
}

func TestTxnBoundToSessionAndExpiring(t *testing.T) {
	m, clk := newManager()
	id := m.PutTxn("s1", "payload")
	_, ok := m.Txn("s2", id)
	assert.False(t, ok, "should not be visible to another session")
	v, ok := m.Txn("s1", id)
	require.True(t, ok)
	assert.Equal(t, "payload", v)
	v, ok = m.TakeTxn("s1", id)
	require.True(t, ok)
	assert.Equal(t, "payload", v)
	_, ok = m.TakeTxn("s1", id)
	assert.False(t, ok, "should be single use")

	id = m.PutTxn("s1", "p2")
	_, _ = clk.Advance(TxnTTL)
	_, ok = m.Txn("s1", id)
	assert.False(t, ok, "should expire after %s", TxnTTL)
}

func TestSessionExpires(t *testing.T) {
	m, clk := newManager()
	w := httptest.NewRecorder()
	s := m.Get(w, httptest.NewRequest(http.MethodGet, "/", nil))
	_, _ = clk.Advance(SessionTTL + time.Second)
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.AddCookie(w.Result().Cookies()[0])
	_, ok := m.Lookup(r)
	assert.False(t, ok)
	assert.NotEqual(t, s.ID, m.Get(httptest.NewRecorder(), r).ID)
}

func TestRotateCSRFKeepsAConcurrentLogin(t *testing.T) {
	m, _ := newManager()
	s := m.Get(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	done := make(chan struct{})
	go func() {
		for range 200 {
			m.RotateCSRF(s.ID)
		}
		close(done)
	}()
	m.SetUser(s.ID, "alice")
	<-done
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.AddCookie(&http.Cookie{Name: "sid", Value: s.ID})
	got, ok := m.Lookup(r)
	require.True(t, ok)
	assert.Equal(t, "alice", got.User, "should never lose the login to a rotation")
	assert.Empty(t, m.RotateCSRF("unknown").ID, "should not create sessions")
}

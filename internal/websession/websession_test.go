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

// Clients that start flows and never finish them (an authorize GET without
// a cookie makes a session each time) are bounded: past the limit the
// oldest go first, and nothing scans every entry under the lock.
func TestManagerShouldStayBoundedUnderAFlood(t *testing.T) {
	t.Parallel()
	clk := clock.NewControlled(nil)
	m := New[int]("c", clk, ids.Seeded(1))
	m.SetLimit(100)
	var first string
	for i := range 1000 {
		w := httptest.NewRecorder()
		s := m.Get(w, httptest.NewRequest("GET", "/", nil))
		if i == 0 {
			first = s.ID
		}
		m.PutTxn(s.ID, i)
	}
	sessions, txns := m.Len()
	assert.Equal(t, 100, sessions)
	assert.Equal(t, 100, txns)
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: "c", Value: first})
	_, ok := m.Lookup(r)
	assert.False(t, ok, "the oldest session should have been dropped")

	// Taken transactions do not pile up in the queue either.
	for i := range 5000 {
		id := m.PutTxn("s", i)
		_, ok := m.TakeTxn("s", id)
		require.True(t, ok)
	}
	assert.LessOrEqual(t, m.txnOrder.len(), 2*100+1024+1)

	// Everything expires in order of making.
	_, err := clk.Advance(SessionTTL)
	require.NoError(t, err)
	m.PutTxn("s", 0)
	sessions, txns = m.Len()
	assert.Equal(t, 0, sessions, "expired sessions should be gone")
	assert.Equal(t, 1, txns, "expired transactions should be gone")
}

// BenchmarkGetWithoutCookieFull is a new session per request with the
// manager at its limit: constant time, where a scan of every entry once
// cost 30 times the rest.
func BenchmarkGetWithoutCookieFull(b *testing.B) {
	m := New[int]("c", clock.NewControlled(nil), ids.Seeded(1))
	r := httptest.NewRequest("GET", "/", nil)
	for range DefaultLimit {
		m.Get(httptest.NewRecorder(), r)
	}
	for b.Loop() {
		m.Get(httptest.NewRecorder(), r)
	}
}

// Package websession keeps the browser sessions, CSRF tokens and
// authorization transactions behind the login, consent and selection pages
// (docs/oauth.md, "Browser sessions"). Each provider owns one Manager with
// its own cookie.
//
// A transaction holds the validated request (client, redirect URI, state …)
// server side; the forms carry only its id and the session's CSRF token, so a
// redirect_uri is never taken from a form post.
package websession

import (
	"crypto/subtle"
	"net/http"
	"sync"
	"time"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/httpx"
	"github.com/fakeapi/fakeapi/internal/ids"
)

// Lifetimes (docs/oauth.md, "Browser sessions").
const (
	SessionTTL = 24 * time.Hour
	TxnTTL     = 10 * time.Minute
)

// DefaultLimit is how many sessions, and how many transactions, a Manager
// keeps unless told otherwise: far more than any test opens, and a bound on
// memory against clients that start flows and never finish them. Past it
// the oldest are dropped first.
const DefaultLimit = 10_000

// Session is a copy of one browser session.
type Session struct {
	ID   string
	CSRF string
	User string // who logged in, "" before login
}

// Manager holds sessions and transactions of type T.
type Manager[T any] struct {
	cookie string
	clk    clock.Clock
	ids    ids.Source

	mu       sync.Mutex // guards every field below
	limit    int
	sessions map[string]session
	txns     map[string]txn[T]
	// Both expire in the order they were made (one lifetime each, and the
	// clock never goes back), so a queue of ids finds the expired and the
	// oldest without scanning the maps.
	sessionOrder fifo
	txnOrder     fifo
}

type session struct {
	Session
	expires time.Time
}

type txn[T any] struct {
	session string
	expires time.Time
	value   T
}

// New returns a Manager whose cookie is named cookie, keeping DefaultLimit
// sessions and transactions.
func New[T any](cookie string, clk clock.Clock, src ids.Source) *Manager[T] {
	return &Manager[T]{cookie: cookie, clk: clk, ids: src, limit: DefaultLimit, sessions: map[string]session{}, txns: map[string]txn[T]{}}
}

// SetLimit changes how many sessions, and how many transactions, are kept
// (at least 1); the oldest beyond it are dropped at once.
func (m *Manager[T]) SetLimit(n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.limit = max(n, 1)
	m.gcLocked(m.clk.Now())
}

// Get returns the request's session, starting one (and setting its cookie)
// when the request has none or an expired one.
func (m *Manager[T]) Get(w http.ResponseWriter, r *http.Request) Session {
	now := m.clk.Now()
	if c, err := r.Cookie(m.cookie); err == nil {
		m.mu.Lock()
		s, ok := m.sessions[c.Value]
		m.mu.Unlock()
		if ok && now.Before(s.expires) {
			return s.Session
		}
	}
	s := session{Session: Session{ID: m.ids.Token(24), CSRF: m.ids.Token(24)}, expires: now.Add(SessionTTL)}
	m.mu.Lock()
	m.sessions[s.ID] = s
	m.sessionOrder.push(s.ID)
	m.gcLocked(now)
	m.mu.Unlock()
	http.SetCookie(w, &http.Cookie{
		Name:     m.cookie,
		Value:    s.ID,
		Path:     httpx.CookiePath(r),
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	})
	return s.Session
}

// Lookup returns the request's live session without starting one.
func (m *Manager[T]) Lookup(r *http.Request) (Session, bool) {
	c, err := r.Cookie(m.cookie)
	if err != nil {
		return Session{}, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[c.Value]
	if !ok || !m.clk.Now().Before(s.expires) {
		return Session{}, false
	}
	return s.Session, true
}

// CheckCSRF compares token with the session's in constant time.
func (m *Manager[T]) CheckCSRF(s Session, token string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(s.CSRF), []byte(token)) == 1
}

// SetUser records who logged in to the session and rotates its CSRF token
// (a new privilege level gets a new token).
func (m *Manager[T]) SetUser(id, user string) Session {
	return m.update(id, func(s *session) { s.User = user })
}

// RotateCSRF gives the session a new CSRF token (after a failed login).
func (m *Manager[T]) RotateCSRF(id string) Session {
	return m.update(id, func(*session) {})
}

// update changes a session and rotates its CSRF token under one lock, so a
// concurrent login cannot be lost between a read and a write.
func (m *Manager[T]) update(id string, change func(*session)) Session {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[id]
	if !ok {
		return Session{}
	}
	change(&s)
	s.CSRF = m.ids.Token(24)
	m.sessions[id] = s
	return s.Session
}

// Logout forgets who is logged in to a session.
func (m *Manager[T]) Logout(id string) { m.SetUser(id, "") }

// PutTxn stores v for the session and returns the transaction id.
func (m *Manager[T]) PutTxn(sessionID string, v T) string {
	id := m.ids.Token(24)
	now := m.clk.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.txns[id] = txn[T]{session: sessionID, expires: now.Add(TxnTTL), value: v}
	m.txnOrder.push(id)
	m.gcLocked(now)
	return id
}

// Txn returns the live transaction id of the session.
func (m *Manager[T]) Txn(sessionID, id string) (T, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.txnLocked(sessionID, id)
}

// TakeTxn returns and removes the transaction: a consent can be answered once.
func (m *Manager[T]) TakeTxn(sessionID, id string) (T, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.txnLocked(sessionID, id)
	if ok {
		delete(m.txns, id)
	}
	return v, ok
}

func (m *Manager[T]) txnLocked(sessionID, id string) (T, bool) {
	var zero T
	t, ok := m.txns[id]
	if !ok || t.session != sessionID || !m.clk.Now().Before(t.expires) {
		return zero, false
	}
	return t.value, true
}

// Reset forgets every session and transaction.
func (m *Manager[T]) Reset() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sessions = map[string]session{}
	m.txns = map[string]txn[T]{}
	m.sessionOrder, m.txnOrder = fifo{}, fifo{}
}

// Len reports how many sessions and transactions are kept.
func (m *Manager[T]) Len() (sessions, txns int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.sessions), len(m.txns)
}

// gcLocked drops expired entries and, past the limit, the oldest ones. It
// looks only at the front of each queue: ids whose entry is already gone
// (a transaction taken, a reset) are skipped there.
func (m *Manager[T]) gcLocked(now time.Time) {
	for id, ok := m.sessionOrder.front(); ok; id, ok = m.sessionOrder.front() {
		s, live := m.sessions[id]
		if live && now.Before(s.expires) && len(m.sessions) <= m.limit {
			break
		}
		delete(m.sessions, id)
		m.sessionOrder.pop()
	}
	for id, ok := m.txnOrder.front(); ok; id, ok = m.txnOrder.front() {
		t, live := m.txns[id]
		if live && now.Before(t.expires) && len(m.txns) <= m.limit {
			break
		}
		delete(m.txns, id)
		m.txnOrder.pop()
	}
	// Taken transactions leave their ids behind live ones; once they are
	// most of the queue, keep only the live.
	if m.txnOrder.len() > 2*len(m.txns)+1024 {
		m.txnOrder.keep(func(id string) bool { _, ok := m.txns[id]; return ok })
	}
}

// fifo is a queue of ids.
type fifo struct {
	ids  []string
	head int
}

func (q *fifo) push(id string) { q.ids = append(q.ids, id) }

func (q *fifo) len() int { return len(q.ids) - q.head }

// keep drops the ids for which live is false, keeping the order.
func (q *fifo) keep(live func(string) bool) {
	kept := make([]string, 0, len(q.ids)-q.head)
	for _, id := range q.ids[q.head:] {
		if live(id) {
			kept = append(kept, id)
		}
	}
	q.ids, q.head = kept, 0
}

func (q *fifo) front() (string, bool) {
	if q.head == len(q.ids) {
		return "", false
	}
	return q.ids[q.head], true
}

// pop drops the front id; the slice is compacted once half of it is spent,
// so the queue stays proportional to what it holds.
func (q *fifo) pop() {
	q.ids[q.head] = ""
	q.head++
	if q.head > 1024 && q.head*2 > len(q.ids) {
		q.ids = append([]string(nil), q.ids[q.head:]...)
		q.head = 0
	}
}

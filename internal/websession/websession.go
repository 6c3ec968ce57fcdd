// Package websession keeps the browser sessions, CSRF tokens and
// authorization transactions behind the login, consent and selection pages
// (oauth.md §2.3). Each provider owns one Manager with its own cookie.
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

// Lifetimes from oauth.md §2.3.
const (
	SessionTTL = 24 * time.Hour
	TxnTTL     = 10 * time.Minute
	// maxEntries bounds memory against clients that never finish a flow.
	maxEntries = 100_000
)

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

	mu       sync.Mutex // guards sessions and txns
	sessions map[string]session
	txns     map[string]txn[T]
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

// New returns a Manager whose cookie is named cookie.
func New[T any](cookie string, clk clock.Clock, src ids.Source) *Manager[T] {
	return &Manager[T]{cookie: cookie, clk: clk, ids: src, sessions: map[string]session{}, txns: map[string]txn[T]{}}
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
	m.gcLocked(now)
	m.sessions[s.ID] = s
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
	m.gcLocked(now)
	m.txns[id] = txn[T]{session: sessionID, expires: now.Add(TxnTTL), value: v}
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
}

// gcLocked drops expired entries once the maps grow large, so abandoned
// flows cannot grow memory without bound.
func (m *Manager[T]) gcLocked(now time.Time) {
	if len(m.sessions)+len(m.txns) < maxEntries {
		return
	}
	for k, s := range m.sessions {
		if !now.Before(s.expires) {
			delete(m.sessions, k)
		}
	}
	for k, t := range m.txns {
		if !now.Before(t.expires) {
			delete(m.txns, k)
		}
	}
}

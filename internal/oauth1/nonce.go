package oauth1

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/fakeapi/fakeapi/internal/keytable"
)

// NonceStore remembers which nonces were used. A nonce is identified with
// its consumer and timestamp (RFC 5849 §3.3: unique per timestamp and
// consumer) and is kept until that timestamp falls out of the window, after
// which the timestamp check refuses the request anyway (docs/oauth.md,
// "Nonces").
type NonceStore interface {
	// Seen reports whether the nonce was recorded and not yet forgotten.
	Seen(consumer, nonce string, timestamp int64) bool
	// Add records the nonce until expires and reports whether it is new:
	// false when it was recorded already (a concurrent replay that passed
	// Seen), or cannot be recorded at all. now lets the store forget
	// expired entries.
	Add(consumer, nonce string, timestamp int64, expires, now time.Time) bool
}

// MaxNonceLen is the longest oauth_nonce, and the longest consumer key, a
// NonceStore of this package can record; Verify refuses longer ones with
// parameter_rejected.
const MaxNonceLen = keytable.KeySize

// UsedNonce is one remembered nonce, for state export and import.
type UsedNonce struct {
	Consumer  string    `json:"consumer"`
	Nonce     string    `json:"nonce"`
	Timestamp int64     `json:"timestamp"`
	Expires   time.Time `json:"expires"`
}

// Check reports whether n can be restored: its consumer key and nonce must
// fit the store. field is the JSON name of the field at fault.
func (n UsedNonce) Check() (field string, err error) {
	if len(n.Consumer) > MaxNonceLen {
		return "consumer", fmt.Errorf("consumer key of %d bytes, longer than the %d a nonce store keeps", len(n.Consumer), MaxNonceLen)
	}
	if len(n.Nonce) > MaxNonceLen {
		return "nonce", fmt.Errorf("nonce of %d bytes, longer than the %d a nonce store keeps", len(n.Nonce), MaxNonceLen)
	}
	return "", nil
}

// MemoryNonces is the in-memory NonceStore: a keytable.Table, which holds
// no pointers however many nonces a busy emulator remembers. Expired
// entries are dropped on every Add, so memory is bounded by the request
// rate times the window.
type MemoryNonces struct {
	mu sync.Mutex // guards t
	t  *keytable.Table[nonceKey, struct{}]
}

type nonceKey struct {
	consumer, nonce keytable.Key
	timestamp       int64
}

func keyOf(consumer, nonce string, timestamp int64) (nonceKey, bool) {
	c, ok1 := keytable.KeyOf(consumer)
	n, ok2 := keytable.KeyOf(nonce)
	return nonceKey{c, n, timestamp}, ok1 && ok2
}

var _ NonceStore = (*MemoryNonces)(nil)

// NewMemoryNonces returns an empty store.
func NewMemoryNonces() *MemoryNonces {
	return &MemoryNonces{t: keytable.New[nonceKey, struct{}](0)}
}

// Seen implements NonceStore.
func (m *MemoryNonces) Seen(consumer, nonce string, timestamp int64) bool {
	k, ok := keyOf(consumer, nonce, timestamp)
	if !ok {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	// Until Add sweeps them, expired entries still count as seen; Verify
	// never asks about them, since their timestamps are out of the window.
	_, ok = m.t.Get(k, math.MinInt64)
	return ok
}

// Add implements NonceStore.
func (m *MemoryNonces) Add(consumer, nonce string, timestamp int64, expires, now time.Time) bool {
	k, ok := keyOf(consumer, nonce, timestamp)
	if !ok {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.t.Sweep(now.UnixNano())
	if _, ok := m.t.Get(k, math.MinInt64); ok {
		return false
	}
	if exp, ok := unixNanos(expires); ok {
		m.t.Put(k, struct{}{}, keytable.Entry{Expires: exp})
	}
	return true
}

// unixNanos is t as an expiry in Unix nanoseconds: false for a time at or
// before the Unix epoch (expired for any clock the emulator runs on), and
// clamped to the latest int64 nanoseconds hold (year 2262).
func unixNanos(t time.Time) (int64, bool) {
	if !t.After(time.Unix(0, 0)) {
		return 0, false
	}
	if t.After(time.Unix(0, math.MaxInt64)) {
		return math.MaxInt64, true
	}
	return t.UnixNano(), true
}

// Len is the number of remembered nonces.
func (m *MemoryNonces) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.t.Len()
}

// Snapshot returns the live nonces at now, oldest expiry first (then by
// consumer, timestamp, nonce, so exports are stable), with UTC expiries.
func (m *MemoryNonces) Snapshot(now time.Time) []UsedNonce {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := now.UnixNano()
	m.t.Sweep(n)
	out := make([]UsedNonce, 0, m.t.Len())
	for k, it := range m.t.All(n) {
		out = append(out, UsedNonce{
			Consumer:  k.consumer.String(),
			Nonce:     k.nonce.String(),
			Timestamp: k.timestamp,
			Expires:   time.Unix(0, it.Expires).UTC(),
		})
	}
	slices.SortFunc(out, func(a, b UsedNonce) int {
		return cmp.Or(a.Expires.Compare(b.Expires), cmp.Compare(a.Consumer, b.Consumer),
			cmp.Compare(a.Timestamp, b.Timestamp), cmp.Compare(a.Nonce, b.Nonce))
	})
	return out
}

// Restore replaces the contents with list. A nonce listed twice keeps its
// last expiry; one that expired by the Unix epoch is left out. It refuses
// a list with a nonce that fails Check, naming its index, and then changes
// nothing.
func (m *MemoryNonces) Restore(list []UsedNonce) error {
	for i, n := range list {
		if field, err := n.Check(); err != nil {
			return fmt.Errorf("nonces[%d].%s: %w", i, field, err)
		}
	}
	t := keytable.New[nonceKey, struct{}](0)
	for _, n := range list {
		k, _ := keyOf(n.Consumer, n.Nonce, n.Timestamp)
		if exp, ok := unixNanos(n.Expires); ok {
			t.Put(k, struct{}{}, keytable.Entry{Expires: exp})
		} else {
			t.Delete(k)
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.t = t
	return nil
}

package oauth1

import (
	"container/heap"
	"sort"
	"strings"
	"sync"
	"time"
)

// NonceStore remembers which nonces were used. A nonce is identified with
// its consumer and timestamp (RFC 5849 §3.3: unique per timestamp and
// consumer) and is kept until that timestamp falls out of the window, after
// which the timestamp check refuses the request anyway.
type NonceStore interface {
	// Seen reports whether the nonce was used already.
	Seen(consumer, nonce string, timestamp int64) bool
	// Add records the nonce until expires; false when it was recorded
	// already (a concurrent replay that passed Seen). now lets the store
	// forget expired entries.
	Add(consumer, nonce string, timestamp int64, expires, now time.Time) bool
}

// UsedNonce is one remembered nonce, for state export.
type UsedNonce struct {
	Consumer  string    `json:"consumer"`
	Nonce     string    `json:"nonce"`
	Timestamp int64     `json:"timestamp"`
	Expires   time.Time `json:"expires"`
}

type nonceKey struct {
	consumer, nonce string
	timestamp       int64
}

// MemoryNonces is the in-memory NonceStore. Memory is bounded by the request
// rate times the window: expired entries are dropped on every Add.
type MemoryNonces struct {
	mu      sync.Mutex // guards entries and byTime
	entries map[nonceKey]time.Time
	byTime  expiryHeap
}

var _ NonceStore = (*MemoryNonces)(nil)

// NewMemoryNonces returns an empty store.
func NewMemoryNonces() *MemoryNonces {
	return &MemoryNonces{entries: map[nonceKey]time.Time{}}
}

// Seen implements NonceStore.
func (m *MemoryNonces) Seen(consumer, nonce string, timestamp int64) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.entries[nonceKey{consumer, nonce, timestamp}]
	return ok
}

// Add implements NonceStore.
func (m *MemoryNonces) Add(consumer, nonce string, timestamp int64, expires, now time.Time) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pruneLocked(now)
	k := nonceKey{consumer, nonce, timestamp}
	if _, ok := m.entries[k]; ok {
		return false
	}
	// The parsed values are usually slices of the whole Authorization
	// header; kept as they are, each remembered nonce held its request's
	// header alive for the whole window (docs/PERFORMANCE.md, memory).
	k.consumer, k.nonce = strings.Clone(consumer), strings.Clone(nonce)
	m.entries[k] = expires
	heap.Push(&m.byTime, expiryItem{k, expires})
	return true
}

// Len is the number of remembered nonces.
func (m *MemoryNonces) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}

// Snapshot returns the live nonces at now, oldest expiry first (then by
// consumer, timestamp, nonce, so exports are stable).
func (m *MemoryNonces) Snapshot(now time.Time) []UsedNonce {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pruneLocked(now)
	out := make([]UsedNonce, 0, len(m.entries))
	for k, exp := range m.entries {
		out = append(out, UsedNonce{Consumer: k.consumer, Nonce: k.nonce, Timestamp: k.timestamp, Expires: exp})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		switch {
		case !a.Expires.Equal(b.Expires):
			return a.Expires.Before(b.Expires)
		case a.Consumer != b.Consumer:
			return a.Consumer < b.Consumer
		case a.Timestamp != b.Timestamp:
			return a.Timestamp < b.Timestamp
		}
		return a.Nonce < b.Nonce
	})
	return out
}

// Restore replaces the contents with list.
func (m *MemoryNonces) Restore(list []UsedNonce) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.entries = make(map[nonceKey]time.Time, len(list))
	m.byTime = m.byTime[:0]
	for _, n := range list {
		k := nonceKey{n.Consumer, n.Nonce, n.Timestamp}
		m.entries[k] = n.Expires
		m.byTime = append(m.byTime, expiryItem{k, n.Expires})
	}
	heap.Init(&m.byTime)
}

func (m *MemoryNonces) pruneLocked(now time.Time) {
	for len(m.byTime) > 0 && !now.Before(m.byTime[0].expires) {
		it := heap.Pop(&m.byTime).(expiryItem)
		if exp, ok := m.entries[it.key]; ok && exp.Equal(it.expires) {
			delete(m.entries, it.key)
		}
	}
}

type expiryItem struct {
	key     nonceKey
	expires time.Time
}

type expiryHeap []expiryItem

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].expires.Before(h[j].expires) }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(expiryItem)) }
func (h *expiryHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	*h = old[:len(old)-1]
	return it
}

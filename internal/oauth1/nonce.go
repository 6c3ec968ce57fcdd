package oauth1

import (
	"cmp"
	"hash/maphash"
	"slices"
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

// MemoryNonces is the in-memory NonceStore. Memory is bounded by the request
// rate times the window: expired entries are dropped on every Add.
//
// Every signed request leaves its nonce here for the whole window, so a
// busy emulator holds hundreds of thousands of them, and the garbage
// collector would mark each one on every cycle if they held pointers (a
// map keyed by strings with a time.Time value costs two heap objects and
// several pointers per nonce). So the entries are pointer-free: the
// consumer and nonce bytes sit in one byte arena, the expiry is seconds and
// nanoseconds plus an index into a small table of locations, and the index
// is a map from a hash to the first entry with that hash (entries with the
// same hash are chained; a hit compares the real bytes).
type MemoryNonces struct {
	mu      sync.Mutex       // guards every field below
	entries []nonceEntry     // live and pruned entries, in insertion order
	arena   []byte           // consumer then nonce bytes of every entry
	index   map[uint64]int32 // hash → first live entry with that hash
	byTime  []expiryRef      // min-heap of the live entries by expiry
	live    int              // entries not yet pruned
	locs    []*time.Location // locations of the expiries, by nonceEntry.loc
	locIdx  map[*time.Location]uint32
	fixed   map[fixedZone]uint32 // see locationLocked
	seed    maphash.Seed
	hash    func(seed maphash.Seed, consumer, nonce string, timestamp int64) uint64 // replaced by tests to force collisions
}

type nonceEntry struct {
	hash       uint64
	timestamp  int64
	sec        int64 // expiry, Unix seconds
	nsec       int32 // and nanoseconds
	loc        uint32
	off        int   // consumer at arena[off:off+clen], nonce right after
	clen, nlen int32 // lengths of consumer and nonce
	next       int32 // next live entry with the same hash, or -1
	dead       bool  // pruned; its bytes go at the next compaction
}

// expiryRef is one heap item: the expiry is copied in so sifting does not
// chase the entries.
type expiryRef struct {
	sec  int64
	nsec int32
	idx  int32
}

func (a expiryRef) before(b expiryRef) bool {
	return a.sec < b.sec || a.sec == b.sec && a.nsec < b.nsec
}

type fixedZone struct {
	name   string
	offset int
}

// maxLocPointers bounds the table of locations kept as given: times parsed
// from JSON with an offset other than the local one each carry a new
// *Location, which past this many are replaced by one shared fixed zone per
// name and offset (the same instant, printed the same).
const maxLocPointers = 64

var _ NonceStore = (*MemoryNonces)(nil)

// NewMemoryNonces returns an empty store.
func NewMemoryNonces() *MemoryNonces {
	m := &MemoryNonces{seed: maphash.MakeSeed(), hash: hashNonce}
	m.resetLocked(0)
	return m
}

func hashNonce(seed maphash.Seed, consumer, nonce string, timestamp int64) uint64 {
	h := maphash.String(seed, nonce)
	h ^= maphash.String(seed, consumer) * 0x9e3779b97f4a7c15
	return h ^ uint64(timestamp)*0xff51afd7ed558ccd
}

func (m *MemoryNonces) resetLocked(n int) {
	m.entries = make([]nonceEntry, 0, n)
	m.arena = nil
	m.index = make(map[uint64]int32, n)
	m.byTime = make([]expiryRef, 0, n)
	m.live = 0
	m.locs = nil
	m.locIdx = map[*time.Location]uint32{}
	m.fixed = map[fixedZone]uint32{}
}

// Seen implements NonceStore.
func (m *MemoryNonces) Seen(consumer, nonce string, timestamp int64) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.findLocked(m.hash(m.seed, consumer, nonce, timestamp), consumer, nonce, timestamp)
	return ok
}

// Add implements NonceStore.
func (m *MemoryNonces) Add(consumer, nonce string, timestamp int64, expires, now time.Time) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pruneLocked(now)
	h := m.hash(m.seed, consumer, nonce, timestamp)
	if _, ok := m.findLocked(h, consumer, nonce, timestamp); ok {
		return false
	}
	i := m.insertLocked(h, consumer, nonce, timestamp, expires)
	m.pushLocked(expiryRef{m.entries[i].sec, m.entries[i].nsec, i})
	return true
}

// Len is the number of remembered nonces.
func (m *MemoryNonces) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.live
}

// Snapshot returns the live nonces at now, oldest expiry first (then by
// consumer, timestamp, nonce, so exports are stable).
func (m *MemoryNonces) Snapshot(now time.Time) []UsedNonce {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pruneLocked(now)
	out := make([]UsedNonce, 0, m.live)
	for i := range m.entries {
		e := &m.entries[i]
		if e.dead {
			continue
		}
		out = append(out, UsedNonce{
			Consumer:  string(m.consumerOf(e)),
			Nonce:     string(m.nonceOf(e)),
			Timestamp: e.timestamp,
			Expires:   time.Unix(e.sec, int64(e.nsec)).In(m.locs[e.loc]),
		})
	}
	slices.SortFunc(out, func(a, b UsedNonce) int {
		if c := a.Expires.Compare(b.Expires); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Consumer, b.Consumer); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Timestamp, b.Timestamp); c != 0 {
			return c
		}
		return cmp.Compare(a.Nonce, b.Nonce)
	})
	return out
}

// Restore replaces the contents with list. A nonce listed twice keeps its
// last expiry.
func (m *MemoryNonces) Restore(list []UsedNonce) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.resetLocked(len(list))
	for _, n := range list {
		h := m.hash(m.seed, n.Consumer, n.Nonce, n.Timestamp)
		if i, ok := m.findLocked(h, n.Consumer, n.Nonce, n.Timestamp); ok {
			e := &m.entries[i]
			e.sec, e.nsec, e.loc = n.Expires.Unix(), int32(n.Expires.Nanosecond()), m.locationLocked(n.Expires)
			continue
		}
		m.insertLocked(h, n.Consumer, n.Nonce, n.Timestamp, n.Expires)
	}
	for i, e := range m.entries {
		m.byTime = append(m.byTime, expiryRef{e.sec, e.nsec, int32(i)})
	}
	for i := len(m.byTime)/2 - 1; i >= 0; i-- {
		m.downLocked(i)
	}
}

func (m *MemoryNonces) consumerOf(e *nonceEntry) []byte {
	return m.arena[e.off : e.off+int(e.clen)]
}

func (m *MemoryNonces) nonceOf(e *nonceEntry) []byte {
	start := e.off + int(e.clen)
	return m.arena[start : start+int(e.nlen)]
}

// findLocked returns the live entry of the key, comparing the bytes: the
// hash only narrows the search.
func (m *MemoryNonces) findLocked(h uint64, consumer, nonce string, timestamp int64) (int32, bool) {
	i, ok := m.index[h]
	if !ok {
		return 0, false
	}
	for ; i >= 0; i = m.entries[i].next {
		e := &m.entries[i]
		if e.timestamp == timestamp && int(e.clen) == len(consumer) && int(e.nlen) == len(nonce) &&
			string(m.consumerOf(e)) == consumer && string(m.nonceOf(e)) == nonce {
			return i, true
		}
	}
	return 0, false
}

// insertLocked appends an entry (the key must be absent) and links it at
// the head of its hash chain. Copying the bytes into the arena also keeps
// the store from holding the request's Authorization header, of which the
// parsed values are usually slices (docs/PERFORMANCE.md, memory).
func (m *MemoryNonces) insertLocked(h uint64, consumer, nonce string, timestamp int64, expires time.Time) int32 {
	i := int32(len(m.entries))
	next, ok := m.index[h]
	if !ok {
		next = -1
	}
	off := len(m.arena)
	m.arena = append(append(m.arena, consumer...), nonce...)
	m.entries = append(m.entries, nonceEntry{
		hash: h, timestamp: timestamp,
		sec: expires.Unix(), nsec: int32(expires.Nanosecond()), loc: m.locationLocked(expires),
		off: off, clen: int32(len(consumer)), nlen: int32(len(nonce)), next: next,
	})
	m.index[h] = i
	m.live++
	return i
}

// locationLocked returns the index of t's location in m.locs, adding it
// when new.
func (m *MemoryNonces) locationLocked(t time.Time) uint32 {
	loc := t.Location()
	if i, ok := m.locIdx[loc]; ok {
		return i
	}
	if len(m.locIdx) < maxLocPointers {
		m.locIdx[loc] = uint32(len(m.locs))
		m.locs = append(m.locs, loc)
		return uint32(len(m.locs) - 1)
	}
	name, offset := t.Zone()
	z := fixedZone{name, offset}
	if i, ok := m.fixed[z]; ok {
		return i
	}
	m.fixed[z] = uint32(len(m.locs))
	m.locs = append(m.locs, time.FixedZone(name, offset))
	return uint32(len(m.locs) - 1)
}

func (m *MemoryNonces) pruneLocked(now time.Time) {
	cut := expiryRef{sec: now.Unix(), nsec: int32(now.Nanosecond())}
	for len(m.byTime) > 0 && !cut.before(m.byTime[0]) {
		m.unlinkLocked(m.popLocked().idx)
	}
	if dead := len(m.entries) - m.live; dead > 0 && dead > m.live {
		m.compactLocked()
	}
}

// unlinkLocked takes entry i out of its hash chain and marks it dead.
func (m *MemoryNonces) unlinkLocked(i int32) {
	e := &m.entries[i]
	head := m.index[e.hash]
	if head == i {
		if e.next < 0 {
			delete(m.index, e.hash)
		} else {
			m.index[e.hash] = e.next
		}
	} else {
		for p := head; p >= 0; p = m.entries[p].next {
			if m.entries[p].next == i {
				m.entries[p].next = e.next
				break
			}
		}
	}
	e.dead, e.next = true, -1
	m.live--
}

// compactLocked drops the dead entries and their bytes, keeping the order
// of the others, and rebuilds the index and heap over the new positions.
// It runs when more than half the entries are dead, so its cost is spread
// over as many Adds as it moves entries. Storage shrinks too when the
// store has emptied out, so a burst does not pin its peak for good.
func (m *MemoryNonces) compactLocked() {
	entries, arena := m.entries[:0], m.arena[:0]
	if m.live < cap(m.entries)/4 {
		entries, arena = make([]nonceEntry, 0, 2*m.live), make([]byte, 0, 2*m.liveBytesLocked())
	}
	for i := range m.entries {
		e := m.entries[i]
		if e.dead {
			continue
		}
		// Moving down within the same arena is safe: writes never pass
		// the bytes still to be read.
		off := len(arena)
		arena = append(arena, m.arena[e.off:e.off+int(e.clen)+int(e.nlen)]...)
		e.off, e.next = off, -1
		entries = append(entries, e)
	}
	m.entries, m.arena = entries, arena
	if len(m.index) > 4*m.live+64 {
		m.index = make(map[uint64]int32, m.live)
	} else {
		clear(m.index)
	}
	m.byTime = m.byTime[:0]
	for i := range m.entries {
		e := &m.entries[i]
		if head, ok := m.index[e.hash]; ok {
			e.next = head
		}
		m.index[e.hash] = int32(i)
		m.byTime = append(m.byTime, expiryRef{e.sec, e.nsec, int32(i)})
	}
	for i := len(m.byTime)/2 - 1; i >= 0; i-- {
		m.downLocked(i)
	}
}

func (m *MemoryNonces) liveBytesLocked() int {
	n := 0
	for i := range m.entries {
		if e := &m.entries[i]; !e.dead {
			n += int(e.clen) + int(e.nlen)
		}
	}
	return n
}

// The heap is written out rather than through container/heap, whose
// interface boxes every pushed item.

func (m *MemoryNonces) pushLocked(r expiryRef) {
	h := append(m.byTime, r)
	for j := len(h) - 1; j > 0; {
		p := (j - 1) / 2
		if !h[j].before(h[p]) {
			break
		}
		h[j], h[p] = h[p], h[j]
		j = p
	}
	m.byTime = h
}

func (m *MemoryNonces) popLocked() expiryRef {
	h := m.byTime
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	m.byTime = h[:n]
	m.downLocked(0)
	return top
}

func (m *MemoryNonces) downLocked(j int) {
	h := m.byTime
	for {
		l := 2*j + 1
		if l >= len(h) {
			return
		}
		c := l
		if r := l + 1; r < len(h) && h[r].before(h[l]) {
			c = r
		}
		if !h[c].before(h[j]) {
			return
		}
		h[j], h[c] = h[c], h[j]
		j = c
	}
}

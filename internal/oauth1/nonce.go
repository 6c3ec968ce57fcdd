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
//
// Entries, bytes and the heap grow by whole chunks, never by copying what
// is stored: one slice of 460k entries grown by append copied tens of MB
// under the lock, stalling every request for up to 17 ms.
type MemoryNonces struct {
	mu      sync.Mutex         // guards every field below
	entries chunks[nonceEntry] // live and pruned entries, in insertion order
	arena   arena              // consumer then nonce bytes of every entry
	index   map[uint64]int32   // hash → first live entry with that hash
	byTime  chunks[expiryRef]  // min-heap of the live entries by expiry
	live    int                // entries not yet pruned
	locs    []*time.Location   // locations of the expiries, by nonceEntry.loc
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
	off        int   // consumer at arena.bytes(off, clen), nonce right after
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
	m.entries = chunks[nonceEntry]{}
	m.arena = arena{}
	m.index = make(map[uint64]int32, n)
	m.byTime = chunks[expiryRef]{}
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
	e := m.entries.at(int(i))
	m.pushLocked(expiryRef{e.sec, e.nsec, i})
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
	for i := range m.entries.len() {
		e := m.entries.at(i)
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
			e := m.entries.at(int(i))
			e.sec, e.nsec, e.loc = n.Expires.Unix(), int32(n.Expires.Nanosecond()), m.locationLocked(n.Expires)
			continue
		}
		m.insertLocked(h, n.Consumer, n.Nonce, n.Timestamp, n.Expires)
	}
	m.heapifyLocked()
}

// heapifyLocked rebuilds the heap over every live entry.
func (m *MemoryNonces) heapifyLocked() {
	m.byTime = chunks[expiryRef]{}
	for i := range m.entries.len() {
		if e := m.entries.at(i); !e.dead {
			m.byTime.push(expiryRef{e.sec, e.nsec, int32(i)})
		}
	}
	for i := m.byTime.len()/2 - 1; i >= 0; i-- {
		m.downLocked(i)
	}
}

func (m *MemoryNonces) consumerOf(e *nonceEntry) []byte {
	return m.arena.bytes(e.off, int(e.clen))
}

func (m *MemoryNonces) nonceOf(e *nonceEntry) []byte {
	return m.arena.bytes(e.off, int(e.clen)+int(e.nlen))[e.clen:]
}

// findLocked returns the live entry of the key, comparing the bytes: the
// hash only narrows the search.
func (m *MemoryNonces) findLocked(h uint64, consumer, nonce string, timestamp int64) (int32, bool) {
	i, ok := m.index[h]
	if !ok {
		return 0, false
	}
	for ; i >= 0; i = m.entries.at(int(i)).next {
		e := m.entries.at(int(i))
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
	i := int32(m.entries.len())
	next, ok := m.index[h]
	if !ok {
		next = -1
	}
	off := m.arena.add(consumer, nonce)
	m.entries.push(nonceEntry{
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
	for m.byTime.len() > 0 && !cut.before(*m.byTime.at(0)) {
		m.unlinkLocked(m.popLocked().idx)
	}
	if dead := m.entries.len() - m.live; dead > 0 && dead > m.live {
		m.compactLocked()
	}
}

// unlinkLocked takes entry i out of its hash chain and marks it dead.
func (m *MemoryNonces) unlinkLocked(i int32) {
	e := m.entries.at(int(i))
	head := m.index[e.hash]
	if head == i {
		if e.next < 0 {
			delete(m.index, e.hash)
		} else {
			m.index[e.hash] = e.next
		}
	} else {
		for p := head; p >= 0; p = m.entries.at(int(p)).next {
			if pe := m.entries.at(int(p)); pe.next == i {
				pe.next = e.next
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
// over as many Adds as it moves entries, and the storage it drops is given
// back, so a burst does not pin its peak for good.
func (m *MemoryNonces) compactLocked() {
	old, oldArena := m.entries, m.arena
	m.entries, m.arena = chunks[nonceEntry]{}, arena{}
	for i := range old.len() {
		e := *old.at(i)
		if e.dead {
			continue
		}
		b := oldArena.bytes(e.off, int(e.clen)+int(e.nlen))
		e.off, e.next = m.arena.add(string(b[:e.clen]), string(b[e.clen:])), -1
		m.entries.push(e)
	}
	if len(m.index) > 4*m.live+64 {
		m.index = make(map[uint64]int32, m.live)
	} else {
		clear(m.index)
	}
	for i := range m.entries.len() {
		e := m.entries.at(i)
		if head, ok := m.index[e.hash]; ok {
			e.next = head
		}
		m.index[e.hash] = int32(i)
	}
	m.heapifyLocked()
}

// The heap is written out rather than through container/heap, whose
// interface boxes every pushed item.

func (m *MemoryNonces) pushLocked(r expiryRef) {
	h := &m.byTime
	h.push(r)
	for j := h.len() - 1; j > 0; {
		p := (j - 1) / 2
		a, b := h.at(j), h.at(p)
		if !a.before(*b) {
			break
		}
		*a, *b = *b, *a
		j = p
	}
}

func (m *MemoryNonces) popLocked() expiryRef {
	h := &m.byTime
	top := *h.at(0)
	n := h.len() - 1
	*h.at(0) = *h.at(n)
	h.pop()
	m.downLocked(0)
	return top
}

func (m *MemoryNonces) downLocked(j int) {
	h := &m.byTime
	n := h.len()
	for {
		l := 2*j + 1
		if l >= n {
			return
		}
		c := l
		if r := l + 1; r < n && h.at(r).before(*h.at(l)) {
			c = r
		}
		a, b := h.at(c), h.at(j)
		if !a.before(*b) {
			return
		}
		*a, *b = *b, *a
		j = c
	}
}

// chunkShift sets the chunk length of chunks: 4096 entries (256 kB of
// nonceEntry), so a chunk is allocated every 4096 Adds and nothing moves.
const chunkShift = 12

const chunkLen = 1 << chunkShift

// chunks is a growable vector stored in fixed-length chunks: growing it
// allocates a chunk instead of copying the elements, and a pointer from at
// stays valid until the element is popped. Every chunk but the last is
// full; the first starts small so an idle store costs little.
type chunks[T any] struct {
	c [][]T
	n int
}

func (v *chunks[T]) len() int    { return v.n }
func (v *chunks[T]) at(i int) *T { return &v.c[i>>chunkShift][i&(chunkLen-1)] }

func (v *chunks[T]) push(x T) {
	k := len(v.c) - 1
	if k < 0 || len(v.c[k]) == chunkLen {
		size := chunkLen
		if k < 0 {
			size = 16 // the first chunk grows by append up to chunkLen
		}
		v.c = append(v.c, make([]T, 0, size))
		k++
	}
	v.c[k] = append(v.c[k], x)
	v.n++
}

// pop drops the last element. One emptied chunk is kept as a spare, so
// pushes and pops around a chunk boundary do not allocate each time.
func (v *chunks[T]) pop() {
	k := len(v.c) - 1
	if len(v.c[k]) == 0 && k > 0 {
		v.c[k] = nil
		v.c = v.c[:k]
		k--
	}
	v.c[k] = v.c[k][:len(v.c[k])-1]
	v.n--
}

// arenaChunk is the size of an arena chunk; a longer consumer and nonce
// pair gets a chunk of its own.
const arenaChunk = 64 << 10

// arena holds the consumer and nonce bytes in chunks that never move once
// full, addressed by chunk<<32 | offset.
type arena struct{ c [][]byte }

func (a *arena) add(consumer, nonce string) int {
	need := len(consumer) + len(nonce)
	k := len(a.c) - 1
	switch {
	case k < 0:
		a.c = append(a.c, make([]byte, 0, max(1024, need)))
		k = 0
	case cap(a.c[k])-len(a.c[k]) >= need:
	case k == 0 && cap(a.c[0]) < arenaChunk:
		// The first chunk doubles up to arenaChunk (offsets are relative
		// to the chunk, so moving it is safe), so an idle store is small.
		grown := make([]byte, len(a.c[0]), max(min(2*cap(a.c[0]), arenaChunk), len(a.c[0])+need))
		copy(grown, a.c[0])
		a.c[0] = grown
	default:
		a.c = append(a.c, make([]byte, 0, max(arenaChunk, need)))
		k++
	}
	off := len(a.c[k])
	a.c[k] = append(append(a.c[k], consumer...), nonce...)
	return k<<32 | off
}

// size is the number of bytes stored.
func (a *arena) size() int {
	n := 0
	for _, c := range a.c {
		n += len(c)
	}
	return n
}

// bytes returns n bytes at off.
func (a *arena) bytes(off, n int) []byte {
	c, o := off>>32, off&(1<<32-1)
	return a.c[c][o : o+n]
}

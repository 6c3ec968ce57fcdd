// Package keytable is the map behind every store that grows with traffic:
// issued tokens and codes, and remembered OAuth 1.0 nonces. A loaded
// emulator holds hundreds of thousands of such entries, and the garbage
// collector marks every pointer of a live map on every cycle; a Table holds
// none (keys are fixed-size arrays, times are int64), so its size does not
// lengthen collections (docs/ARCHITECTURE.md, "Memory").
//
// A Table can be capped: past its limit it evicts the oldest entries first,
// except pinned ones (those loaded from fixtures). An entry can carry an
// expiry, after which Get no longer finds it and Sweep drops it.
//
// A Table is not safe for concurrent use: it lives inside a store that
// guards it with its own mutex.
package keytable

import (
	"container/heap"
	"fmt"
	"iter"
	"reflect"
	"slices"
)

// KeySize is the longest key a Key holds: the longest token or code the
// providers mint (43 base64url characters for 32 random bytes; Assist's
// codes are 40 hex digits), with room to spare for hand-written fixtures.
const KeySize = 47

// Key is a string of at most KeySize bytes, held without pointers.
type Key struct {
	n uint8
	b [KeySize]byte
}

// KeyOf returns s as a Key; false when s is longer than KeySize.
func KeyOf(s string) (Key, bool) {
	var k Key
	if len(s) > KeySize {
		return k, false
	}
	k.n = uint8(copy(k.b[:], s))
	return k, true
}

// String returns the string k holds.
func (k Key) String() string { return string(k.b[:k.n]) }

// Len is the length of the string k holds.
func (k Key) Len() int { return int(k.n) }

// Never is the expiry of an entry that does not expire.
const Never int64 = 0

// Entry options for Put.
type Entry struct {
	// Expires is when the entry stops being found, in Unix nanoseconds of
	// the injected clock; Never (0) keeps it until it is deleted or evicted.
	Expires int64
	// Pinned entries are never evicted: data loaded from fixtures must stay
	// however many entries traffic adds.
	Pinned bool
}

type slot[V any] struct {
	v       V
	seq     uint64 // insertion order; also tells a queue item from a stale one
	expires int64
	pinned  bool
}

// queued is an entry as the eviction queue and expiry heap see it. An item
// whose seq no longer matches its slot is stale (the entry was replaced or
// deleted) and is skipped.
type queued[K comparable] struct {
	k       K
	seq     uint64
	expires int64
}

// Table maps keys to values. K and V must hold no pointers.
type Table[K comparable, V any] struct {
	slots   map[K]slot[V]
	order   fifo[queued[K]] // evictable entries, oldest first
	expiry  expiryHeap[K]
	seq     uint64
	limit   int // evictable entries kept at most; 0 for no limit
	pinned  int // live pinned entries
	evicted int // entries evicted since the last TakeEvicted
	onEvict func(K, V)
}

// New returns a table that keeps at most limit unpinned entries (0 for no
// limit). It panics when K or V holds a pointer, which would defeat the
// table's purpose: that is a programming error, caught by any test that
// builds the store.
func New[K comparable, V any](limit int) *Table[K, V] {
	for _, t := range []reflect.Type{reflect.TypeFor[K](), reflect.TypeFor[V]()} {
		if HasPointers(t) {
			panic(fmt.Sprintf("keytable: %v holds pointers", t))
		}
	}
	if limit < 0 {
		limit = 0
	}
	return &Table[K, V]{slots: map[K]slot[V]{}, limit: limit}
}

// HasPointers reports whether values of t hold a pointer the garbage
// collector would follow.
func HasPointers(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.String, reflect.Slice, reflect.Map, reflect.Chan,
		reflect.Func, reflect.Interface, reflect.UnsafePointer:
		return true
	case reflect.Array:
		return t.Len() > 0 && HasPointers(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if HasPointers(t.Field(i).Type) {
				return true
			}
		}
	}
	return false
}

// Limit is the most unpinned entries the table keeps (0: no limit).
func (t *Table[K, V]) Limit() int { return t.limit }

// SetLimit changes the limit, evicting at once what is over it. The
// eviction queue is kept only while there is a limit: an uncapped table
// does not pay for it.
func (t *Table[K, V]) SetLimit(limit int) {
	limit = max(limit, 0)
	switch {
	case limit == 0:
		t.order = fifo[queued[K]]{}
	case t.limit == 0:
		var items []queued[K]
		for k, s := range t.slots {
			if !s.pinned {
				items = append(items, queued[K]{k: k, seq: s.seq, expires: s.expires})
			}
		}
		slices.SortFunc(items, func(a, b queued[K]) int { return cmpSeq(a.seq, b.seq) })
		t.order = fifo[queued[K]]{}
		for _, q := range items {
			t.order.push(q)
		}
	}
	t.limit = limit
	t.evict()
}

// Len is the number of entries, expired ones included until Sweep.
func (t *Table[K, V]) Len() int { return len(t.slots) }

// Put sets the value of k, replacing any entry k had. The entry counts as
// the newest. Past the limit, the oldest unpinned entries are evicted.
func (t *Table[K, V]) Put(k K, v V, e Entry) {
	if old, ok := t.slots[k]; ok && old.pinned {
		t.pinned--
	}
	t.seq++
	t.slots[k] = slot[V]{v: v, seq: t.seq, expires: e.Expires, pinned: e.Pinned}
	q := queued[K]{k: k, seq: t.seq, expires: e.Expires}
	if e.Pinned {
		t.pinned++
	} else if t.limit > 0 {
		t.order.push(q)
	}
	if e.Expires != Never {
		heap.Push(&t.expiry, q)
	}
	t.evict()
}

// Get returns the value of k; false when k has none or it expired by now
// (Unix nanoseconds).
func (t *Table[K, V]) Get(k K, now int64) (V, bool) {
	s, ok := t.slots[k]
	if !ok || (s.expires != Never && s.expires <= now) {
		var zero V
		return zero, false
	}
	return s.v, true
}

// Lookup is Get with the entry's expiry and pinning.
func (t *Table[K, V]) Lookup(k K, now int64) (V, Entry, bool) {
	v, ok := t.Get(k, now)
	if !ok {
		return v, Entry{}, false
	}
	s := t.slots[k]
	return v, Entry{Expires: s.expires, Pinned: s.pinned}, true
}

// Delete removes k; false when it had no entry.
func (t *Table[K, V]) Delete(k K) bool {
	s, ok := t.slots[k]
	if !ok {
		return false
	}
	if s.pinned {
		t.pinned--
	}
	delete(t.slots, k)
	t.compact()
	return true
}

// DeleteFunc removes every entry for which del returns true, and returns
// how many it removed.
func (t *Table[K, V]) DeleteFunc(del func(K, V) bool) int {
	n := 0
	for k, s := range t.slots {
		if del(k, s.v) {
			if s.pinned {
				t.pinned--
			}
			delete(t.slots, k)
			n++
		}
	}
	t.compact()
	return n
}

// Update replaces the value of every entry by what f returns for it,
// keeping its place, expiry and pinning.
func (t *Table[K, V]) Update(f func(K, V) V) {
	for k, s := range t.slots {
		s.v = f(k, s.v)
		t.slots[k] = s
	}
}

// Sweep removes the entries expired by now and returns how many.
func (t *Table[K, V]) Sweep(now int64) int {
	n := 0
	for t.expiry.Len() > 0 && t.expiry.v.at(0).expires <= now {
		q := heap.Pop(&t.expiry).(queued[K])
		if s, ok := t.slots[q.k]; ok && s.seq == q.seq {
			if s.pinned {
				t.pinned--
			}
			delete(t.slots, q.k)
			n++
		}
	}
	t.compact()
	return n
}

// OnEvict makes the table call f with every entry it evicts, after removing
// it: for a store that keeps a second table pointing at the first, so the
// pair goes together (a refresh token with its access token). f must not
// touch this table.
func (t *Table[K, V]) OnEvict(f func(K, V)) { t.onEvict = f }

// TakeEvicted returns how many entries were evicted since the last call, so
// the store can log each eviction burst once.
func (t *Table[K, V]) TakeEvicted() int {
	n := t.evicted
	t.evicted = 0
	return n
}

// Clear removes every entry.
func (t *Table[K, V]) Clear() {
	clear(t.slots)
	t.order, t.expiry, t.pinned = fifo[queued[K]]{}, expiryHeap[K]{}, 0
}

// Item is an entry as All yields it.
type Item[V any] struct {
	Value V
	Entry
}

// All yields every entry that has not expired by now, oldest first, with
// its options: the order state exports keep.
func (t *Table[K, V]) All(now int64) iter.Seq2[K, Item[V]] {
	return func(yield func(K, Item[V]) bool) {
		type item struct {
			k K
			s slot[V]
		}
		items := make([]item, 0, len(t.slots))
		for k, s := range t.slots {
			if s.expires == Never || s.expires > now {
				items = append(items, item{k, s})
			}
		}
		slices.SortFunc(items, func(a, b item) int { return cmpSeq(a.s.seq, b.s.seq) })
		for _, it := range items {
			if !yield(it.k, Item[V]{it.s.v, Entry{Expires: it.s.expires, Pinned: it.s.pinned}}) {
				return
			}
		}
	}
}

// Each yields every entry that has not expired by now, in no particular
// order and without copying the table: for counting and searching.
func (t *Table[K, V]) Each(now int64) iter.Seq2[K, Item[V]] {
	return func(yield func(K, Item[V]) bool) {
		for k, s := range t.slots {
			if s.expires != Never && s.expires <= now {
				continue
			}
			if !yield(k, Item[V]{s.v, Entry{Expires: s.expires, Pinned: s.pinned}}) {
				return
			}
		}
	}
}

func cmpSeq(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// evict drops the oldest unpinned entries while their number is over the
// limit.
func (t *Table[K, V]) evict() {
	if t.limit == 0 {
		return
	}
	for len(t.slots)-t.pinned > t.limit && t.order.len() > 0 {
		q := t.order.popFront()
		if s, ok := t.slots[q.k]; ok && s.seq == q.seq {
			delete(t.slots, q.k)
			t.evicted++
			if t.onEvict != nil {
				t.onEvict(q.k, s.v)
			}
		}
	}
	t.compact()
}

// compact drops stale items from the queue and heap once they are most of
// them, so both stay proportional to the live entries.
func (t *Table[K, V]) compact() {
	live := len(t.slots)
	stale := func(q *queued[K]) bool {
		s, ok := t.slots[q.k]
		return !ok || s.seq != q.seq
	}
	if n := t.order.len(); n > 64 && n > 2*live {
		t.order.drop(stale)
	}
	if n := t.expiry.Len(); n > 64 && n > 2*live {
		t.expiry.v.drop(stale)
		heap.Init(&t.expiry)
	}
}

// expiryHeap orders queued items by expiry, for container/heap.
type expiryHeap[K comparable] struct{ v fifo[queued[K]] }

func (h *expiryHeap[K]) Len() int           { return h.v.len() }
func (h *expiryHeap[K]) Less(i, j int) bool { return h.v.at(i).expires < h.v.at(j).expires }
func (h *expiryHeap[K]) Swap(i, j int) {
	a, b := h.v.at(i), h.v.at(j)
	*a, *b = *b, *a
}
func (h *expiryHeap[K]) Push(x any) { h.v.push(x.(queued[K])) }
func (h *expiryHeap[K]) Pop() any   { return h.v.popBack() }

// fifo is a sequence stored in chunks of chunkLen items: growing it never
// copies what it holds, where one slice grown by append copied hundreds of
// thousands of items under the store's lock (a 170-335 ms stall at 300k
// nonces), and taking from the front frees whole chunks.
type fifo[T any] struct {
	c    [][]T // c[0][head:], then whole chunks, the last one partly filled
	head int
	n    int
}

const chunkLen = 4096

func (q *fifo[T]) len() int { return q.n }

// at is the i-th item from the front.
func (q *fifo[T]) at(i int) *T {
	i += q.head
	return &q.c[i/chunkLen][i%chunkLen]
}

func (q *fifo[T]) push(x T) {
	if len(q.c) == 0 || len(q.c[len(q.c)-1]) == chunkLen {
		q.c = append(q.c, make([]T, 0, chunkLen))
	}
	last := &q.c[len(q.c)-1]
	*last = append(*last, x)
	q.n++
}

func (q *fifo[T]) popFront() T {
	var zero T
	p := &q.c[0][q.head]
	x := *p
	*p = zero
	q.head++
	q.n--
	if q.n == 0 {
		*q = fifo[T]{}
	} else if q.head == chunkLen {
		q.c[0] = nil
		q.c, q.head = q.c[1:], 0
	}
	return x
}

func (q *fifo[T]) popBack() T {
	var zero T
	last := &q.c[len(q.c)-1]
	x := (*last)[len(*last)-1]
	(*last)[len(*last)-1] = zero
	*last = (*last)[:len(*last)-1]
	q.n--
	if q.n == 0 {
		*q = fifo[T]{}
	} else if len(*last) == 0 {
		q.c[len(q.c)-1] = nil
		q.c = q.c[:len(q.c)-1]
	}
	return x
}

// drop removes the items for which stale is true, keeping the order.
func (q *fifo[T]) drop(stale func(*T) bool) {
	var kept fifo[T]
	for i := range q.n {
		if x := q.at(i); !stale(x) {
			kept.push(*x)
		}
	}
	*q = kept
}

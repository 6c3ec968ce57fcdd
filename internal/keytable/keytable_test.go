package keytable

import (
	"math/rand/v2"
	"reflect"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type rec struct {
	user uint32
}

func TestKeyOfShouldRoundTripUpToKeySize(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "a", strings.Repeat("x", KeySize)} {
		k, ok := KeyOf(s)
		require.True(t, ok, "len %d", len(s))
		assert.Equal(t, s, k.String())
		assert.Equal(t, len(s), k.Len())
	}
	_, ok := KeyOf(strings.Repeat("x", KeySize+1))
	assert.False(t, ok, "a key longer than KeySize should not fit")
}

func TestNewShouldRefusePointerfulTypes(t *testing.T) {
	t.Parallel()
	assert.Panics(t, func() { New[string, int](0) })
	assert.Panics(t, func() { New[Key, time.Time](0) })
	assert.Panics(t, func() { New[Key, struct{ b []byte }](0) })
	assert.NotPanics(t, func() { New[Key, rec](0) })
}

// TestTableShouldHoldNoPointers walks the types the table keeps on the
// heap: were any of them to hold a pointer, the garbage collector would
// scan every entry on every cycle.
func TestTableShouldHoldNoPointers(t *testing.T) {
	t.Parallel()
	for _, typ := range []reflect.Type{
		reflect.TypeFor[slot[rec]](),
		reflect.TypeFor[queued[Key]](),
		reflect.TypeFor[Key](),
	} {
		assert.False(t, HasPointers(typ), "%v holds pointers", typ)
	}
	assert.True(t, HasPointers(reflect.TypeFor[struct {
		a int
		s [2]string
	}]()), "the walk should see a string inside an array inside a struct")
}

// TestGCShouldNotScanALargeTable measures what the collector would have to
// mark: with a million live entries, the scannable heap stays a small
// fraction of the table's size, because the map's buckets are noscan.
// Keyed by strings, the same entries make almost all of the heap
// scannable.
func TestGCShouldNotScanALargeTable(t *testing.T) {
	const n = 1 << 20
	tab := New[Key, rec](0)
	for i := range n {
		k, _ := KeyOf("token-" + itoa(i))
		tab.Put(k, rec{user: uint32(i)}, Entry{})
	}
	heapBytes, scanBytes := heapStats()
	assert.Less(t, scanBytes, heapBytes/10, "heap %d B, scannable %d B", heapBytes, scanBytes)
	runtime.KeepAlive(tab)

	plain := make(map[string]int64, n) // the control: what the table avoids
	for i := range n {
		plain["token-"+itoa(i)] = int64(i)
	}
	_, scanPlain := heapStats()
	assert.Greater(t, scanPlain-scanBytes, uint64(n*16), "the measure should see a string-keyed map as scannable")
	runtime.KeepAlive(plain)
	runtime.KeepAlive(tab)
}

func heapStats() (heap, scan uint64) {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/scan/heap:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64(), s[1].Value.Uint64()
}

func itoa(i int) string {
	var b [20]byte
	p := len(b)
	for {
		p--
		b[p] = byte('0' + i%10)
		i /= 10
		if i == 0 {
			return string(b[p:])
		}
	}
}

// model is the table's behaviour written plainly, with a map and a slice.
type model struct {
	m     map[Key]modelEntry
	seq   uint64
	limit int
}

type modelEntry struct {
	v       rec
	seq     uint64
	expires int64
	pinned  bool
}

func (m *model) put(k Key, v rec, e Entry) {
	m.seq++
	m.m[k] = modelEntry{v, m.seq, e.Expires, e.Pinned}
	for m.limit > 0 && m.unpinned() > m.limit {
		var oldest Key
		var seq uint64
		for k, e := range m.m {
			if !e.pinned && (seq == 0 || e.seq < seq) {
				oldest, seq = k, e.seq
			}
		}
		delete(m.m, oldest)
	}
}

func (m *model) unpinned() int {
	n := 0
	for _, e := range m.m {
		if !e.pinned {
			n++
		}
	}
	return n
}

func (m *model) get(k Key, now int64) (rec, bool) {
	e, ok := m.m[k]
	if !ok || (e.expires != Never && e.expires <= now) {
		return rec{}, false
	}
	return e.v, true
}

func (m *model) sweep(now int64) {
	for k, e := range m.m {
		if e.expires != Never && e.expires <= now {
			delete(m.m, k)
		}
	}
}

func TestTableShouldBehaveLikeAPlainMap(t *testing.T) {
	t.Parallel()
	for _, limit := range []int{0, 1, 7, 100} {
		rng := rand.New(rand.NewPCG(uint64(limit), 42))
		tab := New[Key, rec](limit)
		m := &model{m: map[Key]modelEntry{}, limit: limit}
		keys := make([]Key, 300)
		for i := range keys {
			keys[i], _ = KeyOf("token-" + itoa(i))
		}
		now := int64(1000)
		evicted := 0
		for step := range 20000 {
			k := keys[rng.IntN(len(keys))]
			switch op := rng.IntN(10); {
			case op < 4:
				e := Entry{Pinned: rng.IntN(20) == 0}
				if rng.IntN(3) == 0 {
					e.Expires = now + int64(rng.IntN(50)+1)
				}
				v := rec{user: uint32(step)}
				before := len(m.m)
				_, had := m.m[k]
				tab.Put(k, v, e)
				m.put(k, v, e)
				if !had {
					before++
				}
				evicted += before - len(m.m)
			case op < 6:
				_, had := m.m[k]
				assert.Equal(t, had, tab.Delete(k))
				delete(m.m, k)
			case op < 7:
				now += int64(rng.IntN(20))
				tab.Sweep(now)
				m.sweep(now)
			case op < 8:
				n := tab.DeleteFunc(func(_ Key, v rec) bool { return v.user%7 == 0 })
				want := 0
				for k, e := range m.m {
					if e.v.user%7 == 0 {
						delete(m.m, k)
						want++
					}
				}
				assert.Equal(t, want, n)
			default:
				got, ok := tab.Get(k, now)
				want, wantOK := m.get(k, now)
				require.Equal(t, wantOK, ok, "limit %d step %d", limit, step)
				require.Equal(t, want, got)
			}
			require.Equal(t, len(m.m), tab.Len(), "limit %d step %d", limit, step)
		}
		assert.Equal(t, evicted, tab.TakeEvicted(), "limit %d", limit)
		assert.Zero(t, tab.TakeEvicted())
		// All yields the live entries oldest first.
		var last uint64
		n := 0
		for k, it := range tab.All(now) {
			me := m.m[k]
			assert.Equal(t, me.v, it.Value)
			assert.Equal(t, me.pinned, it.Pinned)
			assert.Equal(t, me.expires, it.Expires)
			assert.Greater(t, me.seq, last)
			last = me.seq
			n++
		}
		live := 0
		for _, e := range m.m {
			if e.expires == Never || e.expires > now {
				live++
			}
		}
		assert.Equal(t, live, n)
		each := 0
		for k, it := range tab.Each(now) {
			assert.Equal(t, m.m[k].v, it.Value)
			each++
		}
		assert.Equal(t, live, each, "Each should yield what All yields")
		// Bookkeeping stays proportional to the live entries.
		assert.LessOrEqual(t, tab.order.len(), 2*tab.Len()+65)
		assert.LessOrEqual(t, tab.expiry.Len(), 2*tab.Len()+65)
	}
}

func TestPinnedEntriesShouldSurviveEviction(t *testing.T) {
	t.Parallel()
	tab := New[Key, rec](2)
	fix, _ := KeyOf("fixture")
	tab.Put(fix, rec{user: 1}, Entry{Pinned: true})
	for i := range 10 {
		k, _ := KeyOf("t" + itoa(i))
		tab.Put(k, rec{user: uint32(i)}, Entry{})
	}
	assert.Equal(t, 3, tab.Len())
	_, ok := tab.Get(fix, 0)
	assert.True(t, ok, "a pinned entry should not be evicted")
	for _, want := range []string{"t8", "t9"} {
		k, _ := KeyOf(want)
		_, ok := tab.Get(k, 0)
		assert.True(t, ok, "the newest entries should stay: %s", want)
	}
	assert.Equal(t, 8, tab.TakeEvicted())
	tab.SetLimit(1)
	assert.Equal(t, 2, tab.Len())
	assert.Equal(t, 1, tab.TakeEvicted())
}

// A table made without a limit keeps no eviction queue; a limit set later
// still evicts oldest first.
func TestLimitSetLaterShouldEvictOldestFirst(t *testing.T) {
	t.Parallel()
	tab := New[Key, rec](0)
	for i := range 10 {
		k, _ := KeyOf("t" + itoa(i))
		tab.Put(k, rec{user: uint32(i)}, Entry{Pinned: i == 0})
	}
	assert.Zero(t, tab.order.len(), "an uncapped table should keep no queue")
	tab.SetLimit(3)
	assert.Equal(t, 4, tab.Len(), "three unpinned and the pinned one")
	for i, want := range []bool{true, false, false, false, false, false, false, true, true, true} {
		k, _ := KeyOf("t" + itoa(i))
		_, ok := tab.Get(k, 0)
		assert.Equal(t, want, ok, "t%d", i)
	}
	tab.SetLimit(0)
	k, _ := KeyOf("new")
	tab.Put(k, rec{}, Entry{})
	assert.Equal(t, 5, tab.Len())
	assert.Zero(t, tab.order.len())
}

// OnEvict sees every evicted entry, oldest first, and neither deleted nor
// pinned ones.
func TestOnEvictShouldSeeEachEvictedEntry(t *testing.T) {
	t.Parallel()
	tab := New[Key, rec](2)
	var got []uint32
	tab.OnEvict(func(_ Key, v rec) { got = append(got, v.user) })
	for i := range 6 {
		k, _ := KeyOf("t" + itoa(i))
		tab.Put(k, rec{user: uint32(i)}, Entry{Pinned: i == 0})
	}
	k, _ := KeyOf("t4")
	tab.Delete(k)
	tab.SetLimit(1)
	assert.Equal(t, []uint32{1, 2, 3}, got, "the oldest unpinned, in order; t4 was deleted, t5 stays")
	assert.Equal(t, 3, tab.TakeEvicted())
	assert.Equal(t, 2, tab.Len())
}

// The chunked sequence behaves like a slice used as a queue and a stack,
// across chunk boundaries.
func TestFifoShouldBehaveLikeASlice(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	var q fifo[int]
	var model []int
	for step := range 50_000 {
		switch op := rng.IntN(10); {
		case op < 6:
			q.push(step)
			model = append(model, step)
		case op < 8 && len(model) > 0:
			require.Equal(t, model[0], q.popFront())
			model = model[1:]
		case op < 9 && len(model) > 0:
			require.Equal(t, model[len(model)-1], q.popBack())
			model = model[:len(model)-1]
		case len(model) > 0:
			i := rng.IntN(len(model))
			require.Equal(t, model[i], *q.at(i))
		}
		require.Equal(t, len(model), q.len())
	}
	q.drop(func(x *int) bool { return *x%3 == 0 })
	var want []int
	for _, x := range model {
		if x%3 != 0 {
			want = append(want, x)
		}
	}
	require.Equal(t, len(want), q.len())
	for i, x := range want {
		require.Equal(t, x, *q.at(i))
	}
}

// BenchmarkPutGrowth is the slowest single Put while a table with expiring
// entries grows to 300k: no Put copies what the table holds.
func BenchmarkPutGrowth(b *testing.B) {
	for b.Loop() {
		tab := New[Key, rec](0)
		var worst time.Duration
		for i := range 300_000 {
			k, _ := KeyOf("nonce-" + itoa(i))
			start := time.Now()
			tab.Put(k, rec{}, Entry{Expires: int64(1_000_000 + i%997)})
			worst = max(worst, time.Since(start))
		}
		b.ReportMetric(float64(worst.Microseconds())/1000, "worst-put-ms")
	}
}

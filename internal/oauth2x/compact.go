package oauth2x

import (
	"strings"
	"time"
)

// The TokenStore's maps hold every code and token a loaded emulator has
// issued: hundreds of thousands of entries that never expire (Assist's
// tokens) or live ten minutes (codes). The garbage collector scans any map
// whose keys or values hold a pointer on every cycle, and go-oauth2's
// models.Token alone holds a dozen (strings, and time.Time's *Location).
// The types here hold none, so those maps are never scanned: codes and
// tokens are keyed inline, the strings entries share (client, user,
// redirect URI, scope…) are small indices into a per-store table, and times
// are seconds and nanoseconds.

// keyMax is the longest code or token kept inline: the generators mint 40
// (Assist's code) or 32 (its token) hex digits, or 43 base64url characters
// (32 bytes, the default).
const keyMax = 47

// key is a code or token of at most keyMax bytes.
type key struct {
	n byte
	b [keyMax]byte
}

func (k *key) String() string { return string(k.b[:k.n]) }

// ref is an entry's key as table.all yields it: inline, or the string
// itself when longer than keyMax (an imported state may hold any string).
type ref struct {
	k    key
	long string
}

func (r *ref) String() string {
	if r.long != "" {
		return r.long
	}
	return r.k.String()
}

// table maps codes or tokens to values. Values must hold no pointers for
// the map to stay unscanned; strings longer than keyMax go to a plain map.
type table[V any] struct {
	short map[key]V
	long  map[string]V
}

func newTable[V any](n int) table[V] {
	return table[V]{short: make(map[key]V, n), long: map[string]V{}}
}

// keyOf is s as a key, or false when it is too long for one. Lookups
// build the key on the stack: a ref, which holds a string, costs more.
func keyOf(s string) (key, bool) {
	var k key
	if len(s) > keyMax {
		return k, false
	}
	k.n = byte(copy(k.b[:], s))
	return k, true
}

func (t *table[V]) get(s string) (V, bool) {
	if k, ok := keyOf(s); ok {
		v, ok := t.short[k]
		return v, ok
	}
	v, ok := t.long[s]
	return v, ok
}

func (t *table[V]) set(s string, v V) {
	if k, ok := keyOf(s); ok {
		t.short[k] = v
		return
	}
	t.long[s] = v
}

func (t *table[V]) del(s string) {
	if k, ok := keyOf(s); ok {
		delete(t.short, k)
		return
	}
	delete(t.long, s)
}

// delRef deletes the entry all yielded as r.
func (t *table[V]) delRef(r *ref) {
	if r.long != "" {
		delete(t.long, r.long)
		return
	}
	delete(t.short, r.k)
}

func (t *table[V]) len() int { return len(t.short) + len(t.long) }

// all yields every entry; the yielded entry may be deleted meanwhile.
func (t *table[V]) all(yield func(*ref, V) bool) {
	var r ref
	for k, v := range t.short {
		r.k = k
		if !yield(&r, v) {
			return
		}
	}
	r.k = key{}
	for s, v := range t.long {
		r.long = s
		if !yield(&r, v) {
			return
		}
	}
}

// update replaces every value by what f returns for it.
func (t *table[V]) update(f func(V) V) {
	for k, v := range t.short {
		t.short[k] = f(v)
	}
	for k, v := range t.long {
		t.long[k] = f(v)
	}
}

// strtab interns the strings that entries share. Index 0 is "". It is
// rebuilt from the live entries when it has grown (TokenStore.compactLocked),
// since a string nobody uses any more is never removed otherwise.
type strtab struct {
	ids  map[string]uint32
	strs []string
}

func newStrtab() strtab { return strtab{ids: map[string]uint32{"": 0}, strs: []string{""}} }

func (t *strtab) id(s string) uint32 {
	if i, ok := t.ids[s]; ok {
		return i
	}
	// A clone, so the table never keeps a request's whole body alive.
	return t.add(strings.Clone(s))
}

// add is id for a string the table may keep as it is.
func (t *strtab) add(s string) uint32 {
	if i, ok := t.ids[s]; ok {
		return i
	}
	i := uint32(len(t.strs))
	t.strs = append(t.strs, s)
	t.ids[s] = i
	return i
}

func (t *strtab) str(i uint32) string { return t.strs[i] }

// instant is a time.Time without pointer: Unix seconds and nanoseconds and
// the index of its location in the store's locations (0: UTC), so a time
// comes back exactly as stored (apart from a monotonic reading).
type instant struct {
	sec  int64
	nsec int32
	loc  uint16
}

// zeroSec is the Unix second of time.Time{}.
var zeroSec = time.Time{}.Unix()

func (a instant) before(b instant) bool {
	return a.sec < b.sec || a.sec == b.sec && a.nsec < b.nsec
}

func (a instant) isZero() bool { return a.sec == zeroSec && a.nsec == 0 }

// compare orders like time.Time.Compare.
func (a instant) compare(b instant) int {
	switch {
	case a.before(b):
		return -1
	case b.before(a):
		return 1
	}
	return 0
}

// locs holds the locations of a store's instants: few (UTC, Local, the
// zones of imported states).
type locs []*time.Location

// instant converts t, adding its location when new.
func (l *locs) instant(t time.Time) instant {
	a := instant{sec: t.Unix(), nsec: int32(t.Nanosecond())}
	loc := t.Location()
	if loc == time.UTC {
		return a
	}
	for i, x := range *l {
		if x == loc {
			a.loc = uint16(i + 1)
			return a
		}
	}
	if len(*l) == 1<<16-1 {
		// Never reached by the emulator (one clock, one zone per
		// provider); the instant stays right, only its zone is lost.
		return a
	}
	*l = append(*l, loc)
	a.loc = uint16(len(*l))
	return a
}

func (l locs) time(a instant) time.Time {
	t := time.Unix(a.sec, int64(a.nsec))
	if a.loc == 0 {
		return t.UTC()
	}
	return t.In(l[a.loc-1])
}

// now is the instant of t for comparisons only (its location is not kept).
func now(t time.Time) instant { return instant{sec: t.Unix(), nsec: int32(t.Nanosecond())} }

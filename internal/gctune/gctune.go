// Package gctune gives the garbage collector a heap floor: the next
// collection is due when the heap has grown by max(live, headroom) instead
// of by max(live, 4 MB) as at Go's default GOGC=100.
//
// The emulator's live heap is a few megabytes on the embedded fixtures, so
// at the default the collector ran every ~4 MB of garbage — 75 times a
// second under load, each cycle with its fixed costs and a stretch of write
// barriers — and cost a quarter to a third of the requests per second
// (docs/PERFORMANCE.md). A large fixture keeps Go's own pacing: once live
// is above headroom the percentage is back at 100, so the floor costs at
// most headroom bytes of memory.
package gctune

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// Percent is the GOGC that gives a heap of live bytes (with the stacks and
// globals the collector scans) its floor: the collector's goal is
// live×(1+Percent/100), at least live+headroom.
func Percent(live, headroom uint64) int {
	if live == 0 {
		live = 1
	}
	p := headroom * 100 / live
	return int(max(100, min(p, 100_000)))
}

// Tuner keeps the percentage in step with the live heap, after every
// collection.
type Tuner struct {
	headroom uint64
	mu       sync.Mutex // guards stopped and last
	stopped  bool
	last     int
	samples  []metrics.Sample
}

// Start sets the percentage after each collection, the first one
// included, until Stop. Callers leave it off when the user chose GOGC.
func Start(headroom uint64) *Tuner {
	// Go's goal is live + (live + stacks + globals) × GOGC/100.
	t := &Tuner{headroom: headroom, samples: []metrics.Sample{
		{Name: "/gc/heap/live:bytes"}, {Name: "/gc/scan/stack:bytes"}, {Name: "/gc/scan/globals:bytes"},
	}}
	// The first percentage waits for the first collection: before it the
	// live heap reads as a fraction of a megabyte, and its percentage put
	// the first goal near 200 MB instead of live + headroom.
	t.arm()
	return t
}

// Stop restores GOGC=100 and ends the tuning.
func (t *Tuner) Stop() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.stopped = true
	debug.SetGCPercent(100)
}

// sentinel is garbage as soon as it is made; its finalizer runs after the
// next collection, which is the hook: the runtime has no other callback.
type sentinel struct{ _ [16]byte }

func (t *Tuner) arm() {
	runtime.SetFinalizer(&sentinel{}, func(*sentinel) {
		if t.adjust() {
			t.arm()
		}
	})
}

// adjust sets the percentage for the live heap; false once stopped.
func (t *Tuner) adjust() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return false
	}
	metrics.Read(t.samples)
	var live uint64
	for _, s := range t.samples {
		if s.Value.Kind() == metrics.KindUint64 {
			live += s.Value.Uint64()
		}
	}
	// Small changes are left alone: setting the percentage retunes the
	// pacer mid-cycle.
	if p := Percent(live, t.headroom); p < t.last*9/10 || p > t.last*11/10 {
		debug.SetGCPercent(p)
		t.last = p
	}
	return true
}

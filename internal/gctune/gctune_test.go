package gctune

import (
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPercentGivesTheHeapItsFloor(t *testing.T) {
	t.Parallel()
	const mb = 1 << 20
	for _, c := range []struct {
		name           string
		live, headroom uint64
		want           int
	}{
		{"should let a 2 MB heap grow by the headroom", 2 * mb, 64 * mb, 3200},
		{"should keep Go's pacing once live passes the headroom", 128 * mb, 64 * mb, 100},
		{"should keep 100 at exactly the headroom", 64 * mb, 64 * mb, 100},
		{"should cap an empty heap", 0, 64 * mb, 100_000},
		{"should keep 100 without headroom", 2 * mb, 0, 100},
	} {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, Percent(c.live, c.headroom))
		})
	}
}

// The tuner follows collections: with a small heap GOGC is high; once a
// collection finds a large live heap it is back at 100; after Stop it is
// 100 and stays there.
func TestTunerShouldFollowCollections(t *testing.T) {
	// Not parallel: GOGC is the process's.
	gogc := func() uint64 {
		s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
		metrics.Read(s)
		return s[0].Value.Uint64()
	}
	tu := Start(32 << 20)
	defer tu.Stop()
	assert.Equal(t, uint64(100), gogc(), "before the first collection the live heap is not known yet")
	runtime.GC()
	require.Eventually(t, func() bool { return gogc() > 200 }, 5*time.Second, time.Millisecond,
		"after a collection a small heap should get the floor")

	big := make([]byte, 256<<20) // live across the next collection
	runtime.GC()
	require.Eventually(t, func() bool { return gogc() == 100 }, 5*time.Second, time.Millisecond,
		"a collection finding a large live heap should bring GOGC back to 100")
	runtime.KeepAlive(big)

	tu.Stop()
	assert.Equal(t, uint64(100), gogc())
	runtime.GC()
	runtime.GC()
	time.Sleep(10 * time.Millisecond)
	assert.Equal(t, uint64(100), gogc(), "should stay off after Stop")
}

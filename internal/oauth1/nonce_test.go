package oauth1

import (
	"encoding/json"
	"hash/maphash"
	"math/rand/v2"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// refNonces is the plain store MemoryNonces replaced (a map keyed by the
// strings, scanning for expired entries): the model the packed store must
// agree with after every kind of change.
type refNonces struct {
	entries map[refKey]time.Time
}

type refKey struct {
	consumer, nonce string
	timestamp       int64
}

func newRefNonces() *refNonces { return &refNonces{entries: map[refKey]time.Time{}} }

func (r *refNonces) Seen(consumer, nonce string, ts int64) bool {
	_, ok := r.entries[refKey{consumer, nonce, ts}]
	return ok
}

func (r *refNonces) prune(now time.Time) {
	for k, exp := range r.entries {
		if !now.Before(exp) {
			delete(r.entries, k)
		}
	}
}

func (r *refNonces) Add(consumer, nonce string, ts int64, expires, now time.Time) bool {
	r.prune(now)
	k := refKey{consumer, nonce, ts}
	if _, ok := r.entries[k]; ok {
		return false
	}
	r.entries[k] = expires
	return true
}

func (r *refNonces) Snapshot(now time.Time) []UsedNonce {
	r.prune(now)
	out := []UsedNonce{}
	for k, exp := range r.entries {
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

func (r *refNonces) Restore(list []UsedNonce) {
	r.entries = map[refKey]time.Time{}
	for _, n := range list {
		r.entries[refKey{n.Consumer, n.Nonce, n.Timestamp}] = n.Expires
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// checkAgainstModel drives a store and the model with the same random
// operations (adds of new and repeated keys, lookups, time moving on so
// entries expire and the store compacts, snapshots, restores) and compares
// every answer. hash, when set, replaces the store's hash function.
func checkAgainstModel(t *testing.T, seed uint64, hash func(maphash.Seed, string, string, int64) uint64) {
	t.Helper()
	checkAgainstModelWith(t, seed, hash, modelShape{nonces: 400, expiryMs: 4000, steps: 20000, snapshotPct: 2})
}

// modelShape sizes a model run: how many distinct nonces, how long an
// entry lives, and how often the whole store is compared.
type modelShape struct {
	nonces, expiryMs, steps, snapshotPct int
}

func checkAgainstModelWith(t *testing.T, seed uint64, hash func(maphash.Seed, string, string, int64) uint64, shape modelShape) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	m, ref := NewMemoryNonces(), newRefNonces()
	if hash != nil {
		m.hash = hash
	}
	now := testNow
	key := func() (string, string, int64) {
		// Few consumers, nonces and timestamps so keys repeat and differ
		// in one part only; "" is a valid byte string for the store.
		return []string{"", "k", "key2"}[rng.IntN(3)], "n" + strconv.Itoa(rng.IntN(shape.nonces)), testNow.Unix() + int64(rng.IntN(3))
	}
	for step := range shape.steps {
		switch op := rng.IntN(100); {
		case op < 55:
			c, n, ts := key()
			exp := now.Add(time.Duration(rng.IntN(shape.expiryMs)) * time.Millisecond)
			require.Equal(t, ref.Add(c, n, ts, exp, now), m.Add(c, n, ts, exp, now), "step %d: Add(%q, %q, %d)", step, c, n, ts)
		case op < 85:
			c, n, ts := key()
			require.Equal(t, ref.Seen(c, n, ts), m.Seen(c, n, ts), "step %d: Seen(%q, %q, %d)", step, c, n, ts)
		case op < 97:
			now = now.Add(time.Duration(rng.IntN(300)) * time.Millisecond)
		case op < 97+shape.snapshotPct:
			require.Equal(t, jsonOf(t, ref.Snapshot(now)), jsonOf(t, m.Snapshot(now)), "step %d: Snapshot", step)
		default:
			snap := ref.Snapshot(now)
			if len(snap) > 0 { // a repeated key: the last expiry wins
				snap = append(snap, snap[0])
				snap[len(snap)-1].Expires = snap[0].Expires.Add(time.Second)
			}
			ref.Restore(snap)
			m.Restore(snap)
		}
		require.Equal(t, len(ref.entries), m.Len(), "step %d: Len", step)
	}
	assert.Equal(t, jsonOf(t, ref.Snapshot(now)), jsonOf(t, m.Snapshot(now)))
}

func TestMemoryNoncesAgreesWithTheModel(t *testing.T) {
	t.Parallel()
	checkAgainstModel(t, 1, nil)
}

// The same with tens of thousands of live entries, so entries, heap and
// arena span many chunks (entries and heap hold 4096 per chunk, the arena
// 64 kB), entries expire across chunk boundaries and the store compacts.
func TestMemoryNoncesAgreesWithTheModelAcrossChunks(t *testing.T) {
	t.Parallel()
	for seed := range uint64(2) {
		checkAgainstModelWith(t, 10+seed, nil, modelShape{nonces: 100_000, expiryMs: 40_000, steps: 80_000, snapshotPct: 0})
	}
	m := NewMemoryNonces()
	for i := range 3*chunkLen + 5 {
		require.True(t, m.Add("consumer", "nonce-"+strconv.Itoa(i), 1, testNow.Add(time.Duration(i+1)*time.Millisecond), testNow))
	}
	assert.Equal(t, 4, len(m.entries.c), "entries should be in chunks")
	assert.Greater(t, len(m.arena.c), 1, "the arena should be in chunks")
	for i := range 3*chunkLen + 5 {
		require.True(t, m.Seen("consumer", "nonce-"+strconv.Itoa(i), 1), "nonce %d", i)
	}
}

// A hash hit is only a candidate: with every key hashing alike, the store
// must still tell them apart by their bytes, and pruning one must leave the
// others of the chain findable.
func TestMemoryNoncesShouldCompareBytesOnHashCollision(t *testing.T) {
	t.Parallel()
	same := func(maphash.Seed, string, string, int64) uint64 { return 42 }
	m := NewMemoryNonces()
	m.hash = same
	require.True(t, m.Add("k", "a", 1, testNow.Add(time.Minute), testNow))
	require.True(t, m.Add("k", "b", 1, testNow.Add(2*time.Minute), testNow))
	require.True(t, m.Add("k", "a", 2, testNow.Add(3*time.Minute), testNow))
	require.True(t, m.Add("ka", "", 1, testNow.Add(3*time.Minute), testNow), "same concatenated bytes, other split")
	assert.False(t, m.Add("k", "b", 1, testNow.Add(time.Minute), testNow))
	assert.False(t, m.Seen("k", "c", 1))
	assert.True(t, m.Seen("k", "a", 2))
	require.True(t, m.Add("k", "c", 1, testNow.Add(time.Hour), testNow.Add(90*time.Second)), "prunes k/a/1 from the middle of the chain")
	assert.False(t, m.Seen("k", "a", 1))
	assert.True(t, m.Seen("k", "b", 1))
	assert.True(t, m.Seen("ka", "", 1))
	assert.Equal(t, 4, m.Len())

	t.Run("random", func(t *testing.T) {
		t.Parallel()
		checkAgainstModel(t, 2, same)
	})
	t.Run("few buckets", func(t *testing.T) {
		t.Parallel()
		checkAgainstModel(t, 3, func(s maphash.Seed, c, n string, ts int64) uint64 { return hashNonce(s, c, n, ts) % 7 })
	})
}

// Expiries come back in the location they were given in, so a state
// export prints them the same: the local one Verify uses, UTC, and the
// fixed zones of times read from JSON, each with its own *Location (more of
// them than the store keeps as given).
func TestMemoryNoncesShouldKeepTheExpiryLocation(t *testing.T) {
	t.Parallel()
	m, ref := NewMemoryNonces(), newRefNonces()
	var list []UsedNonce
	for i := range 3 * maxLocPointers {
		var exp time.Time
		switch i % 4 {
		case 0:
			exp = time.Unix(testNow.Unix()+1+int64(i), 0)
		case 1:
			exp = time.Unix(testNow.Unix()+1+int64(i), 5).UTC()
		default:
			var err error
			exp, err = time.Parse(time.RFC3339Nano, time.Unix(testNow.Unix()+1+int64(i), 0).In(time.FixedZone("", 9*3600+i%3*1800)).Format(time.RFC3339Nano))
			require.NoError(t, err)
		}
		list = append(list, UsedNonce{Consumer: "k", Nonce: strconv.Itoa(i), Timestamp: 1, Expires: exp})
	}
	far := time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.FixedZone("X", -3600))
	list = append(list, UsedNonce{Consumer: "k", Nonce: "far", Timestamp: 1, Expires: far})
	m.Restore(list)
	ref.Restore(list)
	assert.Equal(t, jsonOf(t, ref.Snapshot(testNow)), jsonOf(t, m.Snapshot(testNow)))
	snap := m.Snapshot(testNow)
	assert.Equal(t, ref.Snapshot(testNow), snap)
	assert.Equal(t, time.Local, snap[0].Expires.Location())
	assert.Equal(t, far, snap[len(snap)-1].Expires)
}

// Once most entries expired the store compacts: the bytes and entries of
// the dead go, the live stay findable.
func TestMemoryNoncesShouldCompact(t *testing.T) {
	t.Parallel()
	m := NewMemoryNonces()
	for i := range 1000 {
		require.True(t, m.Add("k", "n"+strconv.Itoa(i), 1, testNow.Add(time.Duration(i+1)*time.Second), testNow))
	}
	arena := m.arena.size()
	require.True(t, m.Add("k", "last", 1, testNow.Add(time.Hour), testNow.Add(900*time.Second)))
	assert.Equal(t, 101, m.Len())
	assert.Equal(t, 101, m.entries.len())
	assert.Less(t, m.arena.size(), arena/5)
	for i := 900; i < 1000; i++ {
		assert.True(t, m.Seen("k", "n"+strconv.Itoa(i), 1))
	}
	assert.False(t, m.Seen("k", "n899", 1))
	assert.True(t, m.Seen("k", "last", 1))
}

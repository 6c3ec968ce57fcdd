package oauth1

import (
	"encoding/json"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// modelNonces is the plain model MemoryNonces must agree with: a map keyed
// by the strings, scanned for expired entries.
type modelNonces struct {
	entries map[modelKey]time.Time
}

type modelKey struct {
	consumer, nonce string
	timestamp       int64
}

func newModelNonces() *modelNonces { return &modelNonces{entries: map[modelKey]time.Time{}} }

func (r *modelNonces) Seen(consumer, nonce string, ts int64) bool {
	_, ok := r.entries[modelKey{consumer, nonce, ts}]
	return ok
}

func (r *modelNonces) prune(now time.Time) {
	for k, exp := range r.entries {
		if !now.Before(exp) {
			delete(r.entries, k)
		}
	}
}

func (r *modelNonces) Add(consumer, nonce string, ts int64, expires, now time.Time) bool {
	r.prune(now)
	k := modelKey{consumer, nonce, ts}
	if _, ok := r.entries[k]; ok {
		return false
	}
	r.entries[k] = expires
	return true
}

func (r *modelNonces) Snapshot(now time.Time) []UsedNonce {
	r.prune(now)
	out := []UsedNonce{}
	for k, exp := range r.entries {
		out = append(out, UsedNonce{Consumer: k.consumer, Nonce: k.nonce, Timestamp: k.timestamp, Expires: exp.UTC()})
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

func (r *modelNonces) Restore(list []UsedNonce) {
	r.entries = map[modelKey]time.Time{}
	for _, n := range list {
		r.entries[modelKey{n.Consumer, n.Nonce, n.Timestamp}] = n.Expires
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
// entries expire, snapshots, restores) and compares every answer.
func checkAgainstModel(t *testing.T, seed uint64, nonces, expiryMs, steps, snapshotPct int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	m, model := NewMemoryNonces(), newModelNonces()
	now := testNow
	key := func() (string, string, int64) {
		// Few consumers, nonces and timestamps so keys repeat and differ
		// in one part only; "" is a valid byte string for the store, and
		// the longest key that fits is one of them.
		consumer := []string{"", "k", "key2", strings.Repeat("c", MaxNonceLen)}[rng.IntN(4)]
		return consumer, "n" + strconv.Itoa(rng.IntN(nonces)), testNow.Unix() + int64(rng.IntN(3))
	}
	for step := range steps {
		switch op := rng.IntN(100); {
		case op < 55:
			c, n, ts := key()
			exp := now.Add(time.Duration(rng.IntN(expiryMs)) * time.Millisecond)
			require.Equal(t, model.Add(c, n, ts, exp, now), m.Add(c, n, ts, exp, now), "step %d: Add(%q, %q, %d)", step, c, n, ts)
		case op < 85:
			c, n, ts := key()
			require.Equal(t, model.Seen(c, n, ts), m.Seen(c, n, ts), "step %d: Seen(%q, %q, %d)", step, c, n, ts)
		case op < 97:
			now = now.Add(time.Duration(rng.IntN(300)) * time.Millisecond)
		case op < 97+snapshotPct:
			require.Equal(t, jsonOf(t, model.Snapshot(now)), jsonOf(t, m.Snapshot(now)), "step %d: Snapshot", step)
		default:
			snap := model.Snapshot(now)
			if len(snap) > 0 { // a repeated key: the last expiry wins
				snap = append(snap, snap[0])
				snap[len(snap)-1].Expires = snap[0].Expires.Add(time.Second)
			}
			model.Restore(snap)
			require.NoError(t, m.Restore(snap))
		}
		require.Equal(t, len(model.entries), m.Len(), "step %d: Len", step)
	}
	assert.Equal(t, jsonOf(t, model.Snapshot(now)), jsonOf(t, m.Snapshot(now)))
}

func TestMemoryNoncesAgreesWithTheModel(t *testing.T) {
	t.Parallel()
	checkAgainstModel(t, 1, 400, 4000, 20000, 2)
}

// The same with tens of thousands of live entries, so the table's queue
// and heap are compacted as entries expire.
func TestMemoryNoncesAgreesWithTheModelWhenLarge(t *testing.T) {
	t.Parallel()
	checkAgainstModel(t, 10, 100_000, 40_000, 80_000, 0)
}

// Expiries come back in UTC, whatever location they were given in
// (docs/oauth.md, "Nonces").
func TestMemoryNoncesShouldExportUTC(t *testing.T) {
	t.Parallel()
	m := NewMemoryNonces()
	jst := time.FixedZone("JST", 9*3600)
	exp := time.Date(2009, 6, 10, 21, 19, 36, 5, jst)
	require.True(t, m.Add("k", "a", 1, exp, testNow))
	require.NoError(t, m.Restore(append(m.Snapshot(testNow),
		UsedNonce{Consumer: "k", Nonce: "far", Timestamp: 1, Expires: time.Date(9999, 1, 1, 0, 0, 0, 0, jst)},
		UsedNonce{Consumer: "k", Nonce: "zero", Timestamp: 1})))
	snap := m.Snapshot(testNow)
	require.Len(t, snap, 2, "the zero expiry is long gone")
	assert.Equal(t, UsedNonce{Consumer: "k", Nonce: "a", Timestamp: 1, Expires: exp.UTC()}, snap[0])
	assert.Equal(t, time.UTC, snap[1].Expires.Location())
	assert.Equal(t, 2262, snap[1].Expires.Year(), "clamped to the latest time int64 nanoseconds hold")
}

// A consumer key or nonce longer than the table's keys cannot be recorded:
// Add refuses it, Restore refuses the whole list and keeps what it had.
func TestMemoryNoncesShouldRefuseKeysThatDoNotFit(t *testing.T) {
	t.Parallel()
	m := NewMemoryNonces()
	long := strings.Repeat("n", MaxNonceLen+1)
	fits := strings.Repeat("n", MaxNonceLen)
	assert.False(t, m.Add("k", long, 1, testNow.Add(time.Minute), testNow))
	assert.False(t, m.Add(long, "n", 1, testNow.Add(time.Minute), testNow))
	assert.False(t, m.Seen("k", long, 1))
	require.True(t, m.Add(fits, fits, 1, testNow.Add(time.Minute), testNow))
	assert.True(t, m.Seen(fits, fits, 1))

	before := m.Snapshot(testNow)
	err := m.Restore([]UsedNonce{{Consumer: "k", Nonce: "ok", Timestamp: 1, Expires: testNow.Add(time.Minute)},
		{Consumer: "k", Nonce: long, Timestamp: 1, Expires: testNow.Add(time.Minute)}})
	assert.EqualError(t, err, "nonces[1].nonce: nonce of 48 bytes, longer than the 47 a nonce store keeps")
	err = m.Restore([]UsedNonce{{Consumer: long, Nonce: "n", Timestamp: 1, Expires: testNow.Add(time.Minute)}})
	assert.EqualError(t, err, "nonces[0].consumer: consumer key of 48 bytes, longer than the 47 a nonce store keeps")
	assert.Equal(t, before, m.Snapshot(testNow))

	field, err := UsedNonce{Consumer: "k", Nonce: long}.Check()
	assert.Equal(t, "nonce", field)
	assert.Error(t, err)
	field, err = UsedNonce{Consumer: fits, Nonce: fits}.Check()
	assert.Empty(t, field)
	assert.NoError(t, err)
}

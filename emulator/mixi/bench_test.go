package mixi

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/fixture"
	"github.com/fakeapi/fakeapi/internal/ids"
	"github.com/fakeapi/fakeapi/internal/provider"
)

var (
	bigOnce sync.Once
	bigDoc  []byte
)

// bigFixture is the 100k users / 1M friendships document of cmd/mixigen.
func bigFixture(tb testing.TB) []byte {
	tb.Helper()
	bigOnce.Do(func() {
		var b bytes.Buffer
		if err := Generate(&b, GenerateOptions{Users: 100_000, Friendships: 1_000_000, Seed: 1}); err != nil {
			panic(err)
		}
		bigDoc = b.Bytes()
	})
	return bigDoc
}

func openBig(tb testing.TB) *env {
	tb.Helper()
	clk := clock.NewControlled(func() time.Time { return testNow })
	clk.Freeze(true)
	inst, err := Open(provider.Deps{Log: slog.New(slog.DiscardHandler), Clock: clk, IDs: ids.Seeded(1)}, Config{}, "mixi.json", bigFixture(tb))
	require.NoError(tb, err)
	return &env{inst: inst, clk: clk}
}

func TestGenerateIsDeterministicAndValid(t *testing.T) {
	t.Parallel()
	var a, b bytes.Buffer
	require.NoError(t, Generate(&a, GenerateOptions{Users: 1000, Friendships: 5000, Seed: 3}))
	require.NoError(t, Generate(&b, GenerateOptions{Users: 1000, Friendships: 5000, Seed: 3}))
	assert.Equal(t, a.Bytes(), b.Bytes())
	f, err := fixture.Load[Fixtures]("gen.json", a.Bytes())
	require.NoError(t, err)
	assert.Len(t, f.built.users, 1000)
	assert.Len(t, f.built.adj, 2*5000)
	assert.GreaterOrEqual(t, len(f.built.friends(0)), 500, "the hub holds a tenth of the friendships")
	assert.Error(t, Generate(&a, GenerateOptions{Users: 3, Friendships: 4}))
}

// TestLoadLargeFixture loads the 100k/1M document once (BenchmarkLoad100k
// times it) and pages the hub's friend list deep inside.
func TestLoadLargeFixture(t *testing.T) {
	if testing.Short() {
		t.Skip("the 100k-user fixture takes a second or two; run without -short")
	}
	e := openBig(t)
	stats := map[string]int{}
	for _, s := range e.inst.State.Summary() {
		stats[s.Name] = s.Count
	}
	assert.Equal(t, 100_000, stats["users"])
	assert.Equal(t, 1_000_000, stats["friendships"])
	r := e.signedRequest(t, http.MethodGet, "/people/@me/@friends?startIndex=50000&count=3&xoauth_requestor_id="+strconv.Itoa(GenFirstID), genAppKey, genAppSecret, nil, "")
	w := e.serve(r)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	m := decode(t, w)
	assert.Equal(t, 3, len(entryIDs(t, m)))
	assert.Greater(t, m["totalResults"].(float64), 99_000.0)
}

// BenchmarkLoad100k is Open on the 100k users / 1M friendships fixture:
// strict decoding, validation and every index.
func BenchmarkLoad100k(b *testing.B) {
	data := bigFixture(b)
	deps := provider.Deps{Log: slog.New(slog.DiscardHandler), Clock: clock.NewControlled(nil), IDs: ids.Seeded(1)}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Open(deps, Config{}, "mixi.json", data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFriendsPage pages friend lists of very different lengths in the
// 100k fixture: the cost is that of the page, not of the list.
func BenchmarkFriendsPage(b *testing.B) {
	e := openBig(b)
	st := e.inst.State.(state).s
	hub := strconv.Itoa(GenFirstID)
	small := ordinaryUser(b, st)
	for _, c := range []struct {
		viewer string
		start  int
		hasApp bool
	}{{small, 0, false}, {hub, 0, false}, {hub, 90_000, false}, {small, 0, true}, {hub, 40_000, true}} {
		_, total, err := st.Friends(genAppID, c.viewer, c.viewer, c.hasApp, page{start: c.start, count: 20}, false)
		require.NoError(b, err)
		b.Run(fmt.Sprintf("friends=%d/startIndex=%d/hasApp=%v", total, c.start, c.hasApp), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ps, _, err := st.Friends(genAppID, c.viewer, c.viewer, c.hasApp, page{start: c.start, count: 20}, false)
				if err != nil || len(ps) != min(20, total-c.start) {
					b.Fatal(err, len(ps))
				}
			}
		})
	}
}

// BenchmarkSignedFriendsGET is the whole request: OAuth 1.0 verification,
// the page and its JSON, for a short and a 100k-long friend list.
func BenchmarkSignedFriendsGET(b *testing.B) {
	e := openBig(b)
	for _, viewer := range []string{ordinaryUser(b, e.inst.State.(state).s), strconv.Itoa(GenFirstID)} {
		b.Run("viewer="+viewer, func(b *testing.B) {
			reqs := make([]*http.Request, b.N)
			for i := range reqs {
				reqs[i] = e.signedRequest(b, http.MethodGet, "/people/@me/@friends?count=20&xoauth_requestor_id="+viewer, genAppKey, genAppSecret, nil, "")
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				w := httptest.NewRecorder()
				e.inst.Handler.ServeHTTP(w, reqs[i])
				if w.Code != http.StatusOK {
					b.Fatal(w.Code, w.Body.String())
				}
			}
		})
	}
}

// BenchmarkSignedAppDataWrite is one signed appdata POST on the 100k
// fixture, the users who installed the app in rotation (the write-rate
// window is per user): verification, body decoding and the store's write.
func BenchmarkSignedAppDataWrite(b *testing.B) {
	e := openBig(b)
	st := e.inst.State.(state).s
	var users []string
	for u := int32(0); int(u) < len(st.ds.users) && len(users) < 20_000; u++ {
		if hasBit(st.lv.installed[0], u) {
			users = append(users, st.ds.formatID(u))
		}
	}
	reqs := make([]*http.Request, b.N)
	for i := range reqs {
		reqs[i] = e.signedRequest(b, http.MethodPost, "/appdata/@me/@self/@app?xoauth_requestor_id="+users[i%len(users)],
			genAppKey, genAppSecret, strings.NewReader(`{"bench_score":"42"}`), "application/json")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		w := httptest.NewRecorder()
		e.inst.Handler.ServeHTTP(w, reqs[i])
		if w.Code != http.StatusOK {
			b.Fatal(w.Code, w.Body.String())
		}
	}
}

// ordinaryUser is the first user after the hub with the app and at least
// 20 friends, so its pages are as full as the hub's.
func ordinaryUser(tb testing.TB, st *memStore) string {
	tb.Helper()
	for u := int32(1); int(u) < len(st.ds.users); u++ {
		if len(st.ds.friends(u)) >= 20 && hasBit(st.lv.installed[0], u) {
			return st.ds.formatID(u)
		}
	}
	tb.Fatal("no ordinary user with 20 friends")
	return ""
}

// BenchmarkSignedSelfGET is one signed GET of the viewer on the small
// fixture: the per-request cost of OAuth, routing and the JSON body.
func BenchmarkSignedSelfGET(b *testing.B) {
	e := newEnv(b)
	reqs := make([]*http.Request, b.N)
	for i := range reqs {
		reqs[i] = e.signedRequest(b, http.MethodGet, "/people/@me/@self?fields=userHash&xoauth_requestor_id="+sakura, appKey, appSecret, nil, "")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		w := httptest.NewRecorder()
		e.inst.Handler.ServeHTTP(w, reqs[i])
		if w.Code != http.StatusOK {
			b.Fatal(w.Code)
		}
	}
}

// BenchmarkGC100k is one full garbage collection with the 100k users / 1M
// friendships dataset live: the mark work every GC cycle of a loaded
// emulator pays, and so a share of every request's latency under load.
// gc-cpu-ms is the CPU time of one collection on all processors
// (runtime/metrics), the figure to weigh against a request's own CPU.
func BenchmarkGC100k(b *testing.B) {
	e := openBig(b)
	runtime.GC()
	gcCPU := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}}
	metrics.Read(gcCPU)
	start := gcCPU[0].Value.Float64()
	n := 0
	b.ResetTimer()
	for b.Loop() {
		runtime.GC()
		n++
	}
	b.StopTimer()
	metrics.Read(gcCPU)
	b.ReportMetric((gcCPU[0].Value.Float64()-start)*1000/float64(n), "gc-cpu-ms/op")
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heapMB")
	runtime.KeepAlive(e)
}

// BenchmarkWriteFriendsPage is the JSON of one 20-person page of the 100k
// fixture, without verification or the network.
func BenchmarkWriteFriendsPage(b *testing.B) {
	e := openBig(b)
	st := e.inst.State.(state).s
	hub := strconv.Itoa(GenFirstID)
	ps, total, err := st.Friends(genAppID, hub, hub, false, page{start: 0, count: 20}, false)
	if err != nil || len(ps) != 20 {
		b.Fatal(err, len(ps))
	}
	pf := wantFields(nil)
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		w.Body.Reset()
		writePeople(w, formatJSON, ps, pf, 0, total, 20, false)
	}
	b.SetBytes(int64(w.Body.Len()))
}

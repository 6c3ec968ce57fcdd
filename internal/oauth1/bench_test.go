package oauth1

import (
	"runtime"
	"strconv"
	"testing"
	"time"
)

// BenchmarkVerify is one header-signed GET with three query parameters:
// parse, normalize, one HMAC-SHA1, nonce check and record.
func BenchmarkVerify(b *testing.B) {
	v, _ := newVerifier(b)
	reqs := make([]Request, b.N)
	for i := range reqs {
		reqs[i] = signed(b, "GET", "xoauth_requestor_id=12345&fields=birthday,gender&format=json&n="+strconv.Itoa(i))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, err := v.Verify(reqs[i]); err != nil {
			b.Fatal(err)
		}
	}
}

// liveNonces is about what a pinned mixi run leaves in the store: every
// signed request's nonce stays for the ±300 s window.
const liveNonces = 300_000

func fillNonces(m *MemoryNonces, n int, base time.Time) {
	for i := range n {
		m.Add(testKey, "pfx0"+strconv.Itoa(i), base.Unix(), base.Add(time.Duration(i+1)*time.Microsecond), base)
	}
}

// BenchmarkNoncesGCMark is the cost of a full collection with 300k
// remembered nonces alive (compare with the same figure for an empty store:
// what is left is the store's marking).
func BenchmarkNoncesGCMark(b *testing.B) {
	for _, n := range []int{0, liveNonces} {
		b.Run("nonces="+strconv.Itoa(n), func(b *testing.B) {
			m := NewMemoryNonces()
			fillNonces(m, n, testNow)
			runtime.GC()
			b.ResetTimer()
			for range b.N {
				runtime.GC()
			}
			b.StopTimer()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "live-MiB")
			runtime.KeepAlive(m)
		})
	}
}

// BenchmarkNoncesAdd is Add at steady state: 300k live entries, one
// expiring per Add (the pruning every Add does).
func BenchmarkNoncesAdd(b *testing.B) {
	m := NewMemoryNonces()
	fillNonces(m, liveNonces, testNow)
	nonces := make([]string, b.N)
	for i := range nonces {
		nonces[i] = "pfx1" + strconv.Itoa(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		now := testNow.Add(time.Duration(i) * time.Microsecond)
		if !m.Add(testKey, nonces[i], testNow.Unix(), testNow.Add(time.Duration(liveNonces+i+1)*time.Microsecond), now) {
			b.Fatal("Add refused a new nonce")
		}
	}
}

// BenchmarkNoncesSeen looks up remembered nonces among 300k.
func BenchmarkNoncesSeen(b *testing.B) {
	m := NewMemoryNonces()
	fillNonces(m, liveNonces, testNow)
	nonces := make([]string, liveNonces)
	for i := range nonces {
		nonces[i] = "pfx0" + strconv.Itoa(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if !m.Seen(testKey, nonces[i%liveNonces], testNow.Unix()) {
			b.Fatal("Seen missed a nonce")
		}
	}
}

// BenchmarkNoncesGrowth fills an empty store with 500k nonces, none
// expiring, as a load test does within the ±300 s window, and reports the
// slowest single Add: every request waits behind it, so it shows in the
// emulator's tail latency.
func BenchmarkNoncesGrowth(b *testing.B) {
	const n = 500_000
	nonces := make([]string, n)
	for i := range nonces {
		nonces[i] = "grow" + strconv.Itoa(i)
	}
	var worst time.Duration
	for b.Loop() {
		m := NewMemoryNonces()
		for i, nonce := range nonces {
			t0 := time.Now()
			m.Add(testKey, nonce, testNow.Unix(), testNow.Add(time.Hour), testNow.Add(time.Duration(i)))
			worst = max(worst, time.Since(t0))
		}
	}
	b.ReportMetric(float64(worst.Microseconds()), "max-Add-µs")
}

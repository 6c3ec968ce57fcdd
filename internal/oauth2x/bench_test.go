package oauth2x

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/fakeapi/fakeapi/internal/clock"
)

// loadedSnapshot is the token store after a code-exchange benchmark round:
// n pending codes, n spent codes with the token each produced, and those n
// never-expiring tokens. Every string is its own allocation, as when the
// state import decodes them from JSON.
func loadedSnapshot(n int) Snapshot {
	cl := func(s string) string { return strings.Clone(s) }
	snap := Snapshot{Codes: make([]Code, 0, 2*n), Tokens: make([]Token, 0, n)}
	for i := range n {
		snap.Codes = append(snap.Codes, Code{Code: fmt.Sprintf("%040x", i), ClientID: cl("3f9a1c0d5e7b2a4c6d8e"), UserID: cl("shop-1"),
			RedirectURI: cl("http://127.0.0.1:8081/callback"), Scope: cl("read_sales"),
			IssuedAt: testEpoch, ExpiresAt: testEpoch.Add(codeTTL)})
		tok := fmt.Sprintf("%032x", i)
		snap.Codes = append(snap.Codes, Code{Code: fmt.Sprintf("%040x", n+i), ClientID: cl("3f9a1c0d5e7b2a4c6d8e"),
			ExpiresAt: testEpoch.Add(codeTTL), Used: true, Tokens: []string{tok}})
		snap.Tokens = append(snap.Tokens, Token{AccessToken: tok, ClientID: cl("3f9a1c0d5e7b2a4c6d8e"), UserID: cl("shop-1"),
			RedirectURI: cl("http://127.0.0.1:8081/callback"), Scope: cl("read_sales"), IssuedAt: testEpoch})
	}
	return snap
}

// BenchmarkStoreGC measures one full garbage collection (ns/op) while a
// store holds 200k pending codes, 200k spent codes and 200k tokens: the
// mark work the live store adds to every collection of a loaded emulator.
// live-MB is the heap after the collection; it includes the store.
func BenchmarkStoreGC(b *testing.B) {
	clk := clock.NewControlled(func() time.Time { return testEpoch })
	s := NewTokenStore(clk)
	s.Restore(checked(b, loadedSnapshot(200_000)))
	runtime.GC()
	b.ResetTimer()
	for b.Loop() {
		runtime.GC()
	}
	b.StopTimer()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "live-MB")
	b.ReportMetric(float64(ms.HeapObjects), "objects")
	runtime.KeepAlive(s)
}

// BenchmarkHandleToken measures one code exchange at the token endpoint
// (check, consume, mint, link, write), one fresh code per iteration, with
// the request built outside the server's path as far as httptest allows.
func BenchmarkHandleToken(b *testing.B) {
	s, _ := newTestServer(b)
	snap := Snapshot{}
	for i := range b.N {
		snap.Codes = append(snap.Codes, Code{Code: fmt.Sprintf("%040x", i), ClientID: "app1", UserID: "u",
			RedirectURI: "https://app.example.com/cb", IssuedAt: testEpoch, ExpiresAt: testEpoch.Add(codeTTL)})
	}
	s.store.Restore(checked(b, snap))
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		r := tokenRequest(exchangeForm(fmt.Sprintf("%040x", i)))
		w := httptest.NewRecorder()
		s.HandleToken(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}

// BenchmarkStoreAccess measures the Bearer lookup of a store holding 200k
// tokens.
func BenchmarkStoreAccess(b *testing.B) {
	clk := clock.NewControlled(func() time.Time { return testEpoch })
	s := NewTokenStore(clk)
	s.Restore(checked(b, loadedSnapshot(200_000)))
	tok := fmt.Sprintf("%032x", 12345)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := s.Access(tok); !ok {
			b.Fatal("token not found")
		}
	}
}

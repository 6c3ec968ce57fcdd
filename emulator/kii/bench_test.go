package kii

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/fakeapi/fakeapi/internal/ids"
)

// BenchmarkLogin measures one password login through the whole handler:
// routing, app credentials, JSON decoding, user lookup, token minting and
// the store lock. Run: go test ./emulator/kii/ -run '^$' -bench . -benchmem
func BenchmarkLogin(b *testing.B) {
	for _, bc := range []struct {
		name, path, body string
		header           map[string]string
	}{
		{"seed", "/api/apps/app1/oauth2/token", seedBody, h(basic(app1, key1), ctJSON)},
		{"sdk", "/api/oauth2/token?disable_cache=1", `{"username":"taro@example.jp","password":"taro-pass"}`, kiiHeaders(app1, key1)},
		{"form", "/api/apps/app1/oauth2/token", "grant_type=password&username=%2B819012341234&password=taro-pass", h(basic(app1, key1), "application/x-www-form-urlencoded")},
		// bench/run.sh's kii-login: X-Kii headers, an app with refresh tokens.
		{"refresh", "/api/apps/app2/oauth2/token", `{"grant_type":"password","username":"kenji","password":"kenji-pass"}`, kiiHeaders(app2, key2)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			e := newEnv(b)
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest(http.MethodPost, bc.path, strings.NewReader(bc.body))
				for k, v := range bc.header {
					r.Header.Set(k, v)
				}
				w := httptest.NewRecorder()
				e.h.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
		})
	}
}

// BenchmarkUsersMe measures an authenticated read.
func BenchmarkUsersMe(b *testing.B) {
	e := newEnv(b)
	tok := e.login(b, app1, key1, "taro", taroPass)
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodGet, "/api/apps/app1/users/me", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
}

// BenchmarkStoreGC measures one full garbage collection of a process whose
// Kii store holds what a long login run leaves behind: tokens that never
// expire (Kii's default), each with a refresh token. ns/op is the time of
// runtime.GC(); live-MB is the heap after it.
func BenchmarkStoreGC(b *testing.B) {
	for _, n := range []int{200_000} {
		b.Run(fmt.Sprintf("tokens=%d", n), func(b *testing.B) {
			e := newEnv(b)
			src := ids.Seeded(2)
			for range n {
				tok := Token{Access: src.Token(tokenBytes), Refresh: src.Token(tokenBytes)}
				if _, err := e.store.Login(app2, "kenji", kenjiPass, tok, t0); err != nil {
					b.Fatal(err)
				}
			}
			runtime.GC()
			for b.Loop() {
				runtime.GC()
			}
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "live-MB")
			runtime.KeepAlive(e)
		})
	}
}

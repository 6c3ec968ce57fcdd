package kii

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
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

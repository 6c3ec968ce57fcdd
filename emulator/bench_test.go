package emulator_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/emulator"
	"github.com/fakeapi/fakeapi/emulator/mixi"
)

// The providers' own benchmarks time their handlers; these time what the
// root adds (prefix and Host routing, request id, journal, body cap, fault
// matching), token look-up as the number of live tokens grows, and state
// export and import. Targets for the whole binary are in docs/PERFORMANCE.md
// (bench/run.sh).

// BenchmarkRouting is one request through Emulator.ServeHTTP per route
// kind: a provider by prefix and by real Host, the admin API, and the
// cheapest answers of each provider (401/404), which are mostly root cost.
func BenchmarkRouting(b *testing.B) {
	e := newEmulator(b)
	cases := []struct {
		name, method, target string
		hdr                  []string
		want                 int
	}{
		{"prefix/iijmio-coupon-get", http.MethodGet, iijmioCoupon, iijmioHeaders, http.StatusOK},
		{"host/iijmio-coupon-get", http.MethodGet, "/mobile/d/v1/coupon/", append([]string{"Host", "api.iijmio.jp"}, iijmioHeaders...), http.StatusOK},
		{"prefix/iijmio-404", http.MethodGet, "/iijmio/nothing/", nil, http.StatusNotFound},
		{"prefix/kii-401", http.MethodGet, kiiBase + "/users/me", nil, http.StatusUnauthorized},
		{"host/kii-401", http.MethodGet, "/api/apps/" + kiiApp + "/users/me", []string{"Host", "api-jp.kii.com"}, http.StatusUnauthorized},
		{"prefix/assist-401", http.MethodGet, assistOrders, nil, http.StatusUnauthorized},
		{"host/assist-401", http.MethodGet, "/api/v1/orders.php", []string{"Host", "asp101.assist-tencho.com"}, http.StatusUnauthorized},
		{"prefix/mixi-401", http.MethodGet, "/mixi/os/0.8/people/@me/@self", nil, http.StatusUnauthorized},
		{"admin/health", http.MethodGet, "/_fakeapi/health", nil, http.StatusOK},
		{"unknown-prefix-404", http.MethodGet, "/nowhere/x", nil, http.StatusNotFound},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			w := serve(e, c.method, c.target, "", c.hdr...)
			require.Equal(b, c.want, w.Code, w.Body.String())
			r := httptest.NewRequest(c.method, c.target, nil)
			for i := 0; i+1 < len(c.hdr); i += 2 {
				if c.hdr[i] == "Host" {
					r.Host = c.hdr[i+1]
				} else {
					r.Header.Set(c.hdr[i], c.hdr[i+1])
				}
			}
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				e.ServeHTTP(w, r)
				if w.Code != c.want {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
		})
	}
}

// BenchmarkTokenLookup is an authenticated request of IIJmio, Kii and
// Assist with 1 and 20,000 other live tokens: the look-up is a map access,
// so the two should cost the same.
func BenchmarkTokenLookup(b *testing.B) {
	for _, others := range []int{0, 20000} {
		b.Run(fmt.Sprintf("iijmio/others=%d", others), func(b *testing.B) {
			e := newEmulator(b)
			for range others {
				w := serve(e, http.MethodPost, "/_fakeapi/iijmio/tokens", `{"mioId":"mio-taro","developerId":"`+iijmioDeveloper+`"}`)
				require.Equal(b, http.StatusCreated, w.Code, w.Body.String())
			}
			benchGet(b, e, iijmioCoupon, iijmioHeaders...)
		})
		b.Run(fmt.Sprintf("kii/others=%d", others), func(b *testing.B) {
			e := newEmulator(b)
			var tok string
			for range others + 1 {
				w := serve(e, http.MethodPost, "/_fakeapi/kii/apps/"+kiiApp+"/tokens", `{"user":"LOGIN_NAME:taro.yamada"}`)
				require.Equal(b, http.StatusOK, w.Code, w.Body.String())
				tok = jsonField(b, w.Body.Bytes(), "access_token")
			}
			benchGet(b, e, kiiBase+"/users/me", "Authorization", "Bearer "+tok)
		})
		b.Run(fmt.Sprintf("assist/others=%d", others), func(b *testing.B) {
			e := newEmulator(b)
			tokens := make([]map[string]string, 0, others+1)
			for i := range others + 1 {
				tokens = append(tokens, map[string]string{"accessToken": fmt.Sprintf("%032x", i+1), "clientId": assistClient, "issuedAt": "2024-04-01 09:00:00"})
			}
			doc := exportState(b, e)
			st := doc["assist"].(map[string]any)
			st["grants"] = []map[string]string{{"clientId": assistClient, "grantedBy": "test-admin", "grantedAt": "2024-04-01 09:00:00", "scope": "read_sales"}}
			st["tokens"] = tokens
			importState(b, e, map[string]any{"assist": st})
			benchGet(b, e, assistOrders+"?serial_order_id=5", "Authorization", "Bearer "+fmt.Sprintf("%032x", others+1))
		})
	}
}

func benchGet(b *testing.B, h http.Handler, target string, hdr ...string) {
	b.Helper()
	w := serve(h, http.MethodGet, target, "", hdr...)
	require.Equal(b, http.StatusOK, w.Code, w.Body.String())
	r := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}

// BenchmarkState is export (GET /_fakeapi/state's work) and import (PUT's:
// strict decoding, validation, index building, swap) of the whole state,
// on the embedded fixtures and with the 100k-user / 1M-friendship mixi
// fixture of cmd/mixigen.
func BenchmarkState(b *testing.B) {
	for _, size := range []string{"default", "mixi100k"} {
		b.Run(size, func(b *testing.B) {
			var e *emulator.Emulator
			if size == "default" {
				e = newEmulator(b)
			} else {
				var doc bytes.Buffer
				require.NoError(b, mixi.Generate(&doc, mixi.GenerateOptions{Users: 100_000, Friendships: 1_000_000, Seed: 1}))
				e = newEmulator(b, func(c *emulator.Config) {
					c.Fixtures, c.FixturesName = fstest.MapFS{"mixi.json": {Data: doc.Bytes()}}, "gen"
				})
			}
			data, err := e.ExportState()
			require.NoError(b, err)
			b.Run("export", func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := e.ExportState(); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("import", func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				for b.Loop() {
					if err := e.ImportState("state", data); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// BenchmarkServe is one request through Emulator.ServeHTTP with a writer
// that, like net/http's, neither copies the header map nor keeps the body
// (httptest.ResponseRecorder clones the headers and buffers the body, which
// hides what the root and the provider allocate). GET coupon is the
// emulator's hottest request; PUT coupon its cheapest write.
func BenchmarkServe(b *testing.B) {
	const putBody = `{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdo10000001","couponUse":true}]}]}`
	cases := []struct {
		name, method, target, body string
		hdr                        []string
	}{
		{"prefix/iijmio-coupon-get", http.MethodGet, iijmioCoupon, "", iijmioHeaders},
		{"host/iijmio-coupon-get", http.MethodGet, "/mobile/d/v1/coupon/", "", append([]string{"Host", "api.iijmio.jp"}, iijmioHeaders...)},
		{"prefix/iijmio-coupon-put", http.MethodPut, iijmioCoupon, putBody, append([]string{"Content-Type", "application/json"}, iijmioHeaders...)},
		{"prefix/iijmio-coupon-get-with-request-id", http.MethodGet, iijmioCoupon, "", append([]string{"X-Request-Id", "bench-0001"}, iijmioHeaders...)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			e := newEmulator(b)
			w := serve(e, c.method, c.target, c.body, c.hdr...)
			require.Equal(b, http.StatusOK, w.Code, w.Body.String())
			r := httptest.NewRequest(c.method, c.target, nil)
			for i := 0; i+1 < len(c.hdr); i += 2 {
				if c.hdr[i] == "Host" {
					r.Host = c.hdr[i+1]
				} else {
					r.Header.Set(c.hdr[i], c.hdr[i+1])
				}
			}
			body := strings.NewReader(c.body)
			r.ContentLength = int64(len(c.body))
			lw := &leanWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				if c.body != "" {
					body.Reset(c.body)
					r.Body = io.NopCloser(body)
				}
				clear(lw.h)
				lw.status = 0
				e.ServeHTTP(lw, r)
				if lw.status != http.StatusOK {
					b.Fatalf("status %d", lw.status)
				}
			}
		})
	}
}

// leanWriter is an http.ResponseWriter that keeps only the status.
type leanWriter struct {
	h      http.Header
	status int
}

func (w *leanWriter) Header() http.Header { return w.h }

func (w *leanWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *leanWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return len(p), nil
}

// BenchmarkImportPeak is the most heap one PUT /_fakeapi/state of the 100k-
// user mixi document (16 MB) holds at once, sampled every 100 µs: peak-x is
// that peak, above the heap before the import, per byte of document.
// Imports run one at a time, so this bounds what imports can take.
func BenchmarkImportPeak(b *testing.B) {
	var doc bytes.Buffer
	require.NoError(b, mixi.Generate(&doc, mixi.GenerateOptions{Users: 100_000, Friendships: 1_000_000, Seed: 1}))
	e := newEmulator(b, func(c *emulator.Config) {
		c.Fixtures, c.FixturesName = fstest.MapFS{"mixi.json": {Data: doc.Bytes()}}, "gen"
	})
	data, err := e.ExportState()
	require.NoError(b, err)
	heap := func() uint64 {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		metrics.Read(s)
		return s[0].Value.Uint64()
	}
	var worst float64
	for b.Loop() {
		runtime.GC()
		before := heap()
		stop := make(chan struct{})
		peak := make(chan uint64)
		go func() {
			var p uint64
			t := time.NewTicker(100 * time.Microsecond)
			defer t.Stop()
			for {
				if h := heap(); h > p {
					p = h
				}
				select {
				case <-stop:
					peak <- p
					return
				case <-t.C:
				}
			}
		}()
		if err := e.ImportState("state", data); err != nil {
			b.Fatal(err)
		}
		close(stop)
		if p := <-peak; p > before {
			worst = max(worst, float64(p-before)/float64(len(data)))
		}
	}
	b.ReportMetric(float64(len(data))/(1<<20), "doc-MB")
	b.ReportMetric(worst, "peak-x")
}

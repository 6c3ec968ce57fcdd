package iijmio

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkCouponGet is the full authenticated path: routing, header checks,
// token lookup, state copy under the lock and encoding (rate limits off, as
// for a load test).
func BenchmarkCouponGet(b *testing.B) {
	for _, tt := range []struct{ name, path string }{{"v1", pathCouponV1}, {"v2", pathCouponV2}} {
		path := tt.path
		b.Run(tt.name, func(b *testing.B) {
			e := newDefaultEnv(b, noLimits)
			req := httptest.NewRequest(http.MethodGet, "http://api.iijmio.jp"+path, nil)
			req.Header.Set(headerDeveloper, "MioponDemoApp000001")
			req.Header.Set(headerAuthorization, "MioTaroDemoToken0000000000000001")
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				e.inst.Handler.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
		})
	}
}

// BenchmarkCouponGetParallel is the same under contention for the store lock.
func BenchmarkCouponGetParallel(b *testing.B) {
	e := newDefaultEnv(b, noLimits)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		req := httptest.NewRequest(http.MethodGet, "http://api.iijmio.jp"+pathCouponV2, nil)
		req.Header.Set(headerDeveloper, "MioponDemoApp000001")
		req.Header.Set(headerAuthorization, "MioTaroDemoToken0000000000000001")
		for pb.Next() {
			w := httptest.NewRecorder()
			e.inst.Handler.ServeHTTP(w, req)
		}
	})
}

// BenchmarkEncodeCoupon is the byte encoding alone, on the default
// fixture's largest user.
func BenchmarkEncodeCoupon(b *testing.B) {
	e := newDefaultEnv(b)
	st := e.inst.State.(*instanceState).st
	cs := st.Contracts("mio-taro", false)
	for _, tt := range []struct {
		name string
		enc  func([]contractView) []byte
	}{{"v1", encodeCouponV1}, {"v2", encodeCouponV2}} {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			var n int
			for b.Loop() {
				n = len(tt.enc(cs))
			}
			b.SetBytes(int64(n))
		})
	}
}

// BenchmarkPacketGet is the full path of the largest response.
func BenchmarkPacketGet(b *testing.B) {
	e := newDefaultEnv(b, noLimits)
	req := httptest.NewRequest(http.MethodGet, "http://api.iijmio.jp"+pathPacketV2, nil)
	req.Header.Set(headerDeveloper, "MioponDemoApp000001")
	req.Header.Set(headerAuthorization, "MioTaroDemoToken0000000000000001")
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		e.inst.Handler.ServeHTTP(w, req)
	}
}

// BenchmarkCouponPut is the full authenticated write: body read, decoding,
// the store's write and the returnCode answer.
func BenchmarkCouponPut(b *testing.B) {
	const body = `{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdo10000001","couponUse":true}]}]}`
	e := newDefaultEnv(b, noLimits)
	rd := strings.NewReader(body)
	req := httptest.NewRequest(http.MethodPut, "http://api.iijmio.jp"+pathCouponV1, nil)
	req.Header.Set(headerDeveloper, "MioponDemoApp000001")
	req.Header.Set(headerAuthorization, "MioTaroDemoToken0000000000000001")
	req.ContentLength = int64(len(body))
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(body)
		req.Body = io.NopCloser(rd)
		w := httptest.NewRecorder()
		e.inst.Handler.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}

// BenchmarkParseCouponPut is the body decoding alone.
func BenchmarkParseCouponPut(b *testing.B) {
	body := []byte(`{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdo10000001","couponUse":true}]}]}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseCouponPut(body, 1); err != nil {
			b.Fatal(err)
		}
	}
}

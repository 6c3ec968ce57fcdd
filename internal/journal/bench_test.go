package journal

import (
	"net/http"
	"testing"
	"time"
)

var benchMasker = NewMasker([]string{"X-IIJmio-Authorization"}, []string{"access_token"})

// benchEntry is what the root adds for an IIJmio coupon GET: headers masked
// from fresh maps, as net/http makes them.
func benchEntry() Entry {
	req := http.Header{"X-Iijmio-Developer": {"MioponDemoApp000001"}, "X-Iijmio-Authorization": {"MioTaroDemoToken0000000000000001"},
		"User-Agent": {"wrk"}, "Host": {"127.0.0.1:18080"}}
	resp := http.Header{"X-Request-Id": {"0123456789abcdef"}, "Access-Control-Allow-Origin": {"*"},
		"Access-Control-Allow-Methods": {"GET,PUT"}, "Vary": {"Accept-Encoding"}, "Content-Type": {"application/json"}, "Content-Length": {"634"}}
	return Entry{Time: time.Now(), RequestID: "0123456789abcdef", Provider: "iijmio", Host: "127.0.0.1:18080", Method: "GET",
		Path: "/iijmio/mobile/d/v1/coupon/", Headers: benchMasker.Headers(req), ResponseHeaders: benchMasker.Headers(resp), Status: 200, Bytes: 634}
}

// BenchmarkAdd is the journal's share of every provider request, masking
// included.
func BenchmarkAdd(b *testing.B) {
	j := New(1000)
	b.ReportAllocs()
	for b.Loop() {
		j.Add(benchEntry())
	}
}

// BenchmarkList is GET /_fakeapi/journal of a full journal.
func BenchmarkList(b *testing.B) {
	j := New(1000)
	for range 1000 {
		j.Add(benchEntry())
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = j.List(Filter{})
	}
}

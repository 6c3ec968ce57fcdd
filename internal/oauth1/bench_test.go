package oauth1

import (
	"strconv"
	"testing"
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

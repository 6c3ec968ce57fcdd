package assist

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/fakeapi/fakeapi/internal/oauth2x"
)

// BenchmarkCodeExchange measures POST /api/oauth/token.php with the FAQ's
// request, one fresh code per iteration.
func BenchmarkCodeExchange(b *testing.B) {
	e := newEnv(b, Config{})
	st := e.inst.State.(*state)
	snap := oauth2x.Snapshot{}
	for i := range b.N {
		snap.Codes = append(snap.Codes, oauth2x.Code{Code: fmt.Sprintf("%040x", i), ClientID: "client-any", UserID: "shop-a",
			RedirectURI: appRedirect, IssuedAt: testNow, ExpiresAt: testNow.Add(time.Hour)})
	}
	checked, err := snap.Checked()
	if err != nil {
		b.Fatal(err)
	}
	st.tokens.Restore(checked)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, tokenPost(phpForm(fmt.Sprintf("%040x", i))))
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}

// BenchmarkOrdersGet measures the FAQ's sample call,
// GET /api/v1/orders.php?serial_order_id=5 with a Bearer token.
func BenchmarkOrdersGet(b *testing.B) {
	e := newEnv(b, Config{})
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, api(http.MethodGet, "/api/v1/orders.php?serial_order_id=5", "tok-any", nil))
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
}

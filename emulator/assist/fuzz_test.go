package assist

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/fakeapi/fakeapi/internal/httpx"
)

// FuzzParseOrderQuery: the search parser never panics, and what it accepts
// is within the documented bounds.
func FuzzParseOrderQuery(f *testing.F) {
	for _, q := range []string{"serial_order_id=5", "limit=500&offset=0", "order_status=1,2,7", "order_date_from=2024-04-01&order_date_to=2024-04-01+23:59:59",
		"limit=0", "offset=-1", "order_status=,", "serial_order_id=99999999999", "update_date_to=2024-02-30"} {
		f.Add(q)
	}
	for _, q := range []string{"serial_order_id[]=5", "serial_order_id=3&serial_order_id=5", "limit%5B0%5D=1&limit=2", "order.status=1", "offset=%zz", "a=1;b=2"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		oq, fe := parseOrderQuery(parsePHPGet(raw))
		if fe != nil {
			return
		}
		if oq.limit < 1 || oq.limit > maxLimit || oq.offset < 0 || oq.serialID < 0 {
			t.Fatalf("accepted out-of-bounds query %+v from %q", oq, raw)
		}
		for _, s := range oq.statuses {
			if s < 1 || s > 7 {
				t.Fatalf("accepted status %d from %q", s, raw)
			}
		}
		for _, d := range []string{oq.orderFrom, oq.orderTo, oq.updateFrom, oq.updateTo} {
			if d != "" {
				if _, err := parseJST(d); err != nil {
					t.Fatalf("accepted date %q from %q", d, raw)
				}
			}
		}
	})
}

// FuzzDecodeOrderBody: the POST/PUT body decoder never panics, answers
// bad input with a field error in the provider's "<field>: <reason>" shape,
// and an order it accepts passes validation and encodes. A PUT decodes the
// same body onto an existing order with the same verdict.
func FuzzDecodeOrderBody(f *testing.F) {
	f.Add([]byte(`{"order_date":"2024-04-10 09:30:00","order_name01":"\u6728\u6751","details":[{"product_name":"x","price":1,"quantity":1}]}`), false)
	f.Add([]byte(`{"order_date":"2024-04-10 09:30:00","order_name01":"木村","details":[{"product_name":"x"}],"shippings":[{"shipping_date":null}]}`), true)
	f.Add([]byte(`{"details":[{"colour":1}]}`), false)
	f.Add([]byte("{\"note\":\"\xff\"}"), false)
	f.Add([]byte(`[]`), false)
	f.Add([]byte(`{"subtotal":1e3}`), false)
	f.Add([]byte(`{"shippings":[null,{"shipping_id":"1"}],"note":"\ud800"}`), false)
	f.Add([]byte(`{"serial_order_id":1,"note":null}`), false)
	f.Fuzz(func(t *testing.T, body []byte, strict bool) {
		o := Order{OrderStatus: 1}
		fe := decodeOrder(body, &o, strict)
		cur := Order{OrderStatus: 5, OrderName01: "山田", Details: []Detail{{OrderDetailID: 10, ProductName: "商品A"}}}
		if fe2 := decodeOrder(body, &cur, strict); (fe == nil) != (fe2 == nil) || (fe != nil && *fe != *fe2) {
			t.Fatalf("verdict depends on the base order: %v vs %v for %q", fe, fe2, body)
		}
		if fe != nil {
			if fe.reason == "" {
				t.Fatalf("empty field error %+v for %q", fe, body)
			}
			return
		}
		if o.Validate() != nil {
			return
		}
		if _, err := marshalPHP(o); err != nil {
			t.Fatalf("cannot encode accepted order: %v", err)
		}
	})
}

// FuzzClientAddr: the allow-list address is the peer, or with a trusted
// proxy the right-most X-Forwarded-For entry; never a left-hand entry.
func FuzzClientAddr(f *testing.F) {
	f.Add("203.0.113.9, 192.0.2.1", "10.0.0.1:1", true)
	f.Add("garbage", "[2001:db8::1]:443", true)
	f.Add("", "192.0.2.1:1", false)
	f.Fuzz(func(t *testing.T, xff, remote string, trust bool) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = remote
		if xff != "" {
			r.Header.Set("X-Forwarded-For", xff)
		}
		a, ok := httpx.ClientAddr(r, trust)
		want, wantOK := httpx.RemoteAddr(r)
		if trust && xff != "" {
			last := strings.TrimSpace(xff[strings.LastIndexByte(xff, ',')+1:])
			if p, err := netip.ParseAddr(last); err == nil {
				want, wantOK = p.Unmap().WithZone(""), true
			}
		}
		if a != want || ok != wantOK {
			t.Fatalf("got %v %v, want %v %v (xff %q remote %q trust %v)", a, ok, want, wantOK, xff, remote, trust)
		}
	})
}

// FuzzParseAllowEntry: an accepted IP制限 entry is a valid, masked prefix
// that contains its own address.
func FuzzParseAllowEntry(f *testing.F) {
	for _, s := range []string{"203.0.113.9", "2001:db8::1", "198.51.100.0/24", "::ffff:1.2.3.4/120", "fe80::1%eth0", "10.0.0.0/33"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parseAllowEntry(s)
		if err != nil {
			return
		}
		if !p.IsValid() || p != p.Masked() || !p.Contains(p.Addr()) {
			t.Fatalf("bad prefix %v from %q", p, s)
		}
	})
}

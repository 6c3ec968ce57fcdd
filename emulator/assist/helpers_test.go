package assist

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/httpx"
	"github.com/fakeapi/fakeapi/internal/ids"
	"github.com/fakeapi/fakeapi/internal/provider"
)

// testFixture is a small inline fixture: two shops, apps with
// every kind of IP list, a grant and token per app, and a few orders.
const testFixture = `{
 "shops": [
  {"id": "shop-a", "name": "テスト店", "domain": "asp101.assist-tencho.com", "directory": "shop01",
   "admins": [{"loginId": "admin", "password": "pass-word", "name": "山田 太郎"}],
   "apps": [
    {"clientId": "client-any", "clientSecret": "secret-any", "name": "受注連携テスト", "redirectUrl": "https://app.example.jp/getAuth.php", "ipAllowList": []},
    {"clientId": "client-v4", "clientSecret": "secret-v4", "name": "IPv4制限", "redirectUrl": "https://v4.example.jp/cb", "ipAllowList": ["203.0.113.9"]},
    {"clientId": "client-v6", "clientSecret": "secret-v6", "name": "IPv6制限", "redirectUrl": "https://v6.example.jp/cb", "ipAllowList": ["2001:db8::1"]},
    {"clientId": "client-cidr", "clientSecret": "secret-cidr", "name": "CIDR制限", "redirectUrl": "https://cidr.example.jp/cb", "ipAllowList": ["198.51.100.0/24", "2001:db8:ff::/48"]},
    {"clientId": "client-loop", "clientSecret": "secret-loop", "name": "ローカル開発", "redirectUrl": "http://127.0.0.1/callback", "ipAllowList": []}
   ],
   "orders": [
    {"serial_order_id": 1, "shop_id": 1, "shop_name": "テスト店", "mall": "rakuten", "mall_order_id": "123456-20240301-0000001", "order_status": 5,
     "order_date": "2024-03-01 10:00:00", "payment_date": "2024-03-01 10:00:00", "commit_date": "2024-03-02 09:00:00", "cancel_date": null,
     "create_date": "2024-03-01 10:05:00", "update_date": "2024-03-02 09:00:00", "customer_id": 0,
     "order_name01": "佐藤", "order_name02": "美咲", "order_kana01": "サトウ", "order_kana02": "ミサキ", "order_email": "misaki@example.jp",
     "order_tel": "090-1111-2222", "order_zip": "5300001", "order_pref": "大阪府", "order_addr01": "大阪市北区梅田", "order_addr02": "3-1-1",
     "payment_id": 1, "payment_method": "クレジットカード", "subtotal": 3600, "discount": 0, "deliv_fee": 500, "charge": 0, "use_point": 0,
     "tax": 360, "total": 4460, "payment_total": 4460, "message": "", "note": "",
     "shippings": [], "details": [{"order_detail_id": 1, "product_id": 101, "product_class_id": 1011, "product_code": "ZK-MUG-001",
      "product_name": "波佐見焼 マグカップ", "classcategory_name1": "藍", "classcategory_name2": "", "price": 1800, "quantity": 2, "tax_rate": 10}]},
    {"serial_order_id": 3, "shop_id": 2, "shop_name": "テスト店 Yahoo!ショッピング店", "mall": "yahoo", "mall_order_id": "testshop-10000003", "order_status": 2,
     "order_date": "2024-03-15 21:40:03", "payment_date": null, "commit_date": null, "cancel_date": null,
     "create_date": "2024-03-15 21:41:00", "update_date": "2024-03-15 21:41:00", "customer_id": 7,
     "order_name01": "田中", "order_name02": "健一", "order_kana01": "タナカ", "order_kana02": "ケンイチ", "order_email": "k.tanaka@example.ne.jp",
     "order_tel": "080-3333-4444", "order_zip": "4600008", "order_pref": "愛知県", "order_addr01": "名古屋市中区栄", "order_addr02": "2-5-8",
     "payment_id": 3, "payment_method": "銀行振込", "subtotal": 2200, "discount": 0, "deliv_fee": 500, "charge": 0, "use_point": 0,
     "tax": 220, "total": 2920, "payment_total": 2920, "message": "のし不要です。", "note": "",
     "shippings": [], "details": [{"order_detail_id": 2, "product_id": 102, "product_class_id": 1021, "product_code": "ZK-TWL-010",
      "product_name": "今治タオル", "classcategory_name1": "白", "classcategory_name2": "", "price": 2200, "quantity": 1, "tax_rate": 10}]},
    {"serial_order_id": 5, "shop_id": 1, "shop_name": "テスト店", "mall": "rakuten", "mall_order_id": "123456-20240401-0000001", "order_status": 1,
     "order_date": "2024-04-01 12:34:56", "payment_date": null, "commit_date": null, "cancel_date": null,
     "create_date": "2024-04-01 12:40:00", "update_date": "2024-04-01 12:40:00", "customer_id": 0,
     "order_name01": "山田", "order_name02": "太郎", "order_kana01": "ヤマダ", "order_kana02": "タロウ", "order_email": "taro@example.jp",
     "order_tel": "03-1234-5678", "order_zip": "1000001", "order_pref": "東京都", "order_addr01": "千代田区千代田", "order_addr02": "1-1",
     "payment_id": 1, "payment_method": "クレジットカード", "subtotal": 5000, "discount": 0, "deliv_fee": 500, "charge": 0, "use_point": 0,
     "tax": 500, "total": 5500, "payment_total": 5500, "message": "", "note": "",
     "shippings": [{"shipping_id": 1, "deliv_name": "ヤマト運輸", "shipping_name01": "山田", "shipping_name02": "花子", "shipping_tel": "03-1234-5679",
      "shipping_zip": "1500043", "shipping_pref": "東京都", "shipping_addr01": "渋谷区道玄坂", "shipping_addr02": "2-10-12",
      "shipping_date": "2024-04-05", "shipping_time": "0812", "shipping_num": null}],
     "details": [{"order_detail_id": 10, "product_id": 100, "product_class_id": 1001, "product_code": "SKU-001", "product_name": "商品A",
      "classcategory_name1": "赤", "classcategory_name2": "M", "price": 2500, "quantity": 2, "tax_rate": 10}]}
   ]},
  {"id": "shop-b", "name": "みなと食品", "domain": "asp102.assist-tencho.com", "directory": "shop02",
   "admins": [{"loginId": "admin-b", "password": "pw-b", "name": "高橋 健太"}],
   "apps": [{"clientId": "client-b", "clientSecret": "secret-b", "name": "B社連携", "redirectUrl": "https://b.example.jp/cb", "ipAllowList": []}],
   "orders": [
    {"serial_order_id": 1, "shop_id": 1, "shop_name": "みなと食品", "mall": "own", "mall_order_id": "MF-1", "order_status": 1,
     "order_date": "2024-04-02 07:12:05", "payment_date": null, "commit_date": null, "cancel_date": null,
     "create_date": "2024-04-02 07:12:05", "update_date": "2024-04-02 07:12:05", "customer_id": 0,
     "order_name01": "小林", "order_name02": "誠", "order_kana01": "コバヤシ", "order_kana02": "マコト", "order_email": "makoto@example.jp",
     "order_tel": "045-111-2222", "order_zip": "2310023", "order_pref": "神奈川県", "order_addr01": "横浜市中区山下町", "order_addr02": "1-1",
     "payment_id": 1, "payment_method": "クレジットカード", "subtotal": 4980, "discount": 0, "deliv_fee": 1100, "charge": 0, "use_point": 0,
     "tax": 398, "total": 6478, "payment_total": 6478, "message": "", "note": "",
     "shippings": [], "details": [{"order_detail_id": 1, "product_id": 201, "product_class_id": 2011, "product_code": "MF-TUNA-500",
      "product_name": "天然本まぐろ 赤身 500g", "classcategory_name1": "", "classcategory_name2": "", "price": 4980, "quantity": 1, "tax_rate": 8}]}
   ]}
 ],
 "grants": [
  {"clientId": "client-any", "grantedBy": "admin", "grantedAt": "2024-04-01 09:00:00", "scope": "read_sales"},
  {"clientId": "client-v4", "grantedBy": "admin", "grantedAt": "2024-04-01 09:00:00", "scope": ""},
  {"clientId": "client-v6", "grantedBy": "admin", "grantedAt": "2024-04-01 09:00:00", "scope": ""},
  {"clientId": "client-cidr", "grantedBy": "admin", "grantedAt": "2024-04-01 09:00:00", "scope": ""},
  {"clientId": "client-b", "grantedBy": "admin-b", "grantedAt": "2024-04-01 09:00:00", "scope": ""}
 ],
 "tokens": [
  {"accessToken": "tok-any", "clientId": "client-any", "issuedAt": "2024-04-01 09:00:01"},
  {"accessToken": "tok-v4", "clientId": "client-v4", "issuedAt": "2024-04-01 09:00:01"},
  {"accessToken": "tok-v6", "clientId": "client-v6", "issuedAt": "2024-04-01 09:00:01"},
  {"accessToken": "tok-cidr", "clientId": "client-cidr", "issuedAt": "2024-04-01 09:00:01"},
  {"accessToken": "tok-b", "clientId": "client-b", "issuedAt": "2024-04-01 09:00:01"}
 ]
}`

// testNow is the emulator time of every test: 2024-04-10 10:00:00 JST.
var testNow = time.Date(2024, 4, 10, 1, 0, 0, 0, time.UTC)

type env struct {
	inst  *provider.Instance
	clk   *clock.Controlled
	h     http.Handler // as the emulator mounts it under /assist
	admin http.Handler // as mounted under /_fakeapi/assist
}

func newEnv(t testing.TB, cfg Config, doc ...string) *env {
	t.Helper()
	clk := clock.NewControlled(func() time.Time { return testNow })
	d := provider.Deps{Log: slog.New(slog.DiscardHandler), Clock: clk, IDs: ids.Seeded(5)}
	data := testFixture
	if len(doc) > 0 {
		data = doc[0]
	}
	inst, err := Open(d, cfg, "assist.json", []byte(data))
	require.NoError(t, err)
	return &env{inst: inst, clk: clk, h: mount("/assist", inst.Handler), admin: mount("/_fakeapi/assist", inst.Admin)}
}

// mount does what the emulator root does: cap the body, strip the prefix,
// record the base.
func mount(prefix string, h http.Handler) http.Handler {
	return httpx.LimitBody(httpx.DefaultMaxBody)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := strings.CutPrefix(r.URL.Path, prefix)
		if !ok {
			http.NotFound(w, r)
			return
		}
		r = httpx.WithBase(r, prefix)
		u := *r.URL
		u.Path, u.RawPath = p, ""
		r.URL = &u
		h.ServeHTTP(w, r)
	}))
}

func (e *env) serve(r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

// api builds an orders API request with a Bearer token from 192.0.2.1.
func api(method, target, token string, body any) *http.Request {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	r := httptest.NewRequest(method, "/assist"+target, rd)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	return r
}

func decodeJSON(t testing.TB, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m), "body %q", b)
	return m
}

// browser is an http.Client with a cookie jar that does not follow
// redirects, driving the pages as a person would.
func browser(t testing.TB) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// page parses an HTML body.
func page(t testing.TB, body io.Reader) *html.Node {
	t.Helper()
	doc, err := html.Parse(body)
	require.NoError(t, err)
	return doc
}

// byID finds the element with id, or nil.
func byID(n *html.Node, id string) *html.Node {
	if n.Type == html.ElementNode && attr(n, "id") == id {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if f := byID(c, id); f != nil {
			return f
		}
	}
	return nil
}

func attr(n *html.Node, name string) string {
	if n == nil {
		return ""
	}
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

// text is the text content of n.
func text(n *html.Node) string {
	if n == nil {
		return ""
	}
	if n.Type == html.TextNode {
		return n.Data
	}
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		b.WriteString(text(c))
	}
	return b.String()
}

// hidden returns the hidden inputs of the form with id.
func hidden(doc *html.Node, formID string) url.Values {
	v := url.Values{}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "input" && attr(n, "type") == "hidden" {
			v.Set(attr(n, "name"), attr(n, "value"))
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	if f := byID(doc, formID); f != nil {
		walk(f)
	}
	return v
}

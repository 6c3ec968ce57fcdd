package assist

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/internal/golden"
)

func TestOrdersGet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		query  string
		status int
		ids    []float64 // serial_order_ids on the page
		total  float64
		err    string // error_description
	}{
		{"should list all orders by serial_order_id", "", 200, []float64{1, 3, 5}, 3, ""},
		{"should find one order by serial_order_id", "?serial_order_id=5", 200, []float64{5}, 1, ""},
		{"should answer an unknown serial_order_id with an empty list", "?serial_order_id=99", 200, []float64{}, 0, ""},
		{"should page with limit and offset", "?limit=1&offset=1", 200, []float64{3}, 3, ""},
		{"should page past the end", "?offset=10", 200, []float64{}, 3, ""},
		{"should filter by order_status", "?order_status=1,2", 200, []float64{3, 5}, 2, ""},
		{"should filter by order date, whole days", "?order_date_from=2024-03-15&order_date_to=2024-03-15", 200, []float64{3}, 1, ""},
		{"should filter by order datetime", "?order_date_from=2024-03-15+21:40:04", 200, []float64{5}, 1, ""},
		{"should filter by update date", "?update_date_to=2024-03-02+09:00:00", 200, []float64{1}, 1, ""},
		{"should page a filtered search", "?order_status=1,2,5&limit=2&offset=1", 200, []float64{3, 5}, 3, ""},
		{"should treat empty values as absent", "?limit=&offset=&order_status=", 200, []float64{1, 3, 5}, 3, ""},
		{"should combine serial_order_id with a filter", "?serial_order_id=5&order_status=2", 200, []float64{}, 0, ""},
		{"should refuse a bad serial_order_id", "?serial_order_id=abc", 400, nil, 0, "serial_order_id: must be a positive integer"},
		{"should refuse serial_order_id 0", "?serial_order_id=0", 400, nil, 0, "serial_order_id: must be a positive integer"},
		{"should refuse a limit over 500", "?limit=501", 400, nil, 0, "limit: must be between 1 and 500"},
		{"should refuse limit 0", "?limit=0", 400, nil, 0, "limit: must be between 1 and 500"},
		{"should refuse a negative offset", "?offset=-1", 400, nil, 0, "offset: must be an integer >= 0"},
		{"should refuse an unknown status", "?order_status=8", 400, nil, 0, "order_status: must be a comma-separated list of 1 to 7"},
		{"should refuse a bad date", "?order_date_from=2024/04/01", 400, nil, 0, `order_date_from: must be "YYYY-MM-DD" or "YYYY-MM-DD HH:MM:SS"`},
		{"should refuse an impossible date", "?update_date_from=2024-02-30", 400, nil, 0, `update_date_from: must be "YYYY-MM-DD" or "YYYY-MM-DD HH:MM:SS"`},
	}
	e := newEnv(t, Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := e.serve(api(http.MethodGet, "/api/v1/orders.php"+tt.query, "tok-any", nil))
			require.Equal(t, tt.status, w.Code, w.Body.String())
			assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
			m := decodeJSON(t, w.Body.Bytes())
			if tt.status != 200 {
				assert.Equal(t, map[string]any{"error": "invalid_request", "error_description": tt.err}, m)
				return
			}
			got := []float64{}
			for _, o := range m["orders"].([]any) {
				got = append(got, o.(map[string]any)["serial_order_id"].(float64))
			}
			assert.Equal(t, tt.ids, got)
			assert.Equal(t, tt.total, m["total"])
		})
	}
}

// TestOrdersPHPQuery: orders.php reads its query string as PHP fills $_GET
// (docs/providers/assist.md, "Query strings and HEAD"): the last of a repeated
// parameter wins, an array parameter (name[]=…) is a clear 400, "&" alone
// separates pairs, an invalid escape stays as written, and dots and spaces
// in names read as "_".
func TestOrdersPHPQuery(t *testing.T) {
	t.Parallel()
	const notArray = "serial_order_id: must be a single value, not an array (serial_order_id[])"
	tests := []struct {
		name   string
		query  string
		status int
		ids    []float64
		err    string
	}{
		{"should take the last of a repeated serial_order_id", "?serial_order_id=3&serial_order_id=5", 200, []float64{5}, ""},
		{"should take the last of a repeated limit", "?limit=1&limit=2", 200, []float64{1, 3}, ""},
		{"should take a repeated parameter's last value even when it is empty", "?serial_order_id=5&serial_order_id=", 200, []float64{1, 3, 5}, ""},
		{"should refuse serial_order_id[]", "?serial_order_id[]=5", 400, nil, notArray},
		{"should refuse serial_order_id with an index", "?serial_order_id[0]=5", 400, nil, notArray},
		{"should refuse serial_order_id[] with escaped brackets", "?serial_order_id%5B%5D=5", 400, nil, notArray},
		{"should refuse serial_order_id[] given last", "?serial_order_id=5&serial_order_id[]=3", 400, nil, notArray},
		{"should take a plain value given after serial_order_id[]", "?serial_order_id[]=3&serial_order_id=5", 200, []float64{5}, ""},
		{"should refuse any search parameter as an array", "?order_status[]=1", 400, nil, "order_status: must be a single value, not an array (order_status[])"},
		{"should ignore an unknown array parameter", "?fields[]=note&serial_order_id=5", 200, []float64{5}, ""},
		{"should not split pairs on ';'", "?serial_order_id=5;limit=1", 400, nil, "serial_order_id: must be a positive integer"},
		{"should keep an invalid escape as written", "?limit=%zz", 400, nil, "limit: must be between 1 and 500"},
		{"should read dots and spaces in a name as underscores", "?serial.order+id=5", 200, []float64{5}, ""},
	}
	e := newEnv(t, Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := e.serve(api(http.MethodGet, "/api/v1/orders.php"+tt.query, "tok-any", nil))
			require.Equal(t, tt.status, w.Code, w.Body.String())
			m := decodeJSON(t, w.Body.Bytes())
			if tt.status != 200 {
				assert.Equal(t, map[string]any{"error": "invalid_request", "error_description": tt.err}, m)
				return
			}
			got := []float64{}
			for _, o := range m["orders"].([]any) {
				got = append(got, o.(map[string]any)["serial_order_id"].(float64))
			}
			assert.Equal(t, tt.ids, got)
		})
	}
	t.Run("should refuse serial_order_id[] on PUT", func(t *testing.T) {
		t.Parallel()
		w := e.serve(api(http.MethodPut, "/api/v1/orders.php?serial_order_id[]=5", "tok-any", map[string]any{"note": "x"}))
		assert.Equal(t, 400, w.Code)
		assert.Equal(t, `{"error":"invalid_request","error_description":"`+notArray+`"}`, w.Body.String())
	})
	t.Run("should update the last of a repeated serial_order_id on PUT", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, Config{})
		w := e.serve(api(http.MethodPut, "/api/v1/orders.php?serial_order_id=1&serial_order_id=3", "tok-any", map[string]any{"note": "x"}))
		require.Equal(t, 200, w.Code, w.Body.String())
		assert.Equal(t, float64(3), decodeJSON(t, w.Body.Bytes())["order"].(map[string]any)["serial_order_id"])
	})
}

// TestOrdersHead: HEAD is answered as GET without the body, as Apache and
// PHP do, errors included (docs/providers/assist.md, "Query strings and
// HEAD").
func TestOrdersHead(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	srv := httptest.NewServer(e.h)
	t.Cleanup(srv.Close)
	do := func(method, query, token string) (*http.Response, string) {
		req, err := http.NewRequest(method, srv.URL+"/assist/api/v1/orders.php"+query, nil)
		require.NoError(t, err)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp, string(b)
	}
	for _, tt := range []struct {
		name, query, token string
		status             int
	}{
		{"should answer HEAD like GET", "?serial_order_id=5", "tok-any", 200},
		{"should answer HEAD of a bad query like GET", "?serial_order_id[]=5", "tok-any", 400},
		{"should answer HEAD without a token like GET", "", "", 401},
	} {
		t.Run(tt.name, func(t *testing.T) {
			get, body := do(http.MethodGet, tt.query, tt.token)
			head, headBody := do(http.MethodHead, tt.query, tt.token)
			assert.Equal(t, tt.status, get.StatusCode)
			assert.Equal(t, tt.status, head.StatusCode)
			assert.Empty(t, headBody)
			assert.Equal(t, get.Header.Get("Content-Type"), head.Header.Get("Content-Type"))
			assert.Equal(t, get.Header.Get("WWW-Authenticate"), head.Header.Get("WWW-Authenticate"))
			assert.Equal(t, fmt.Sprint(len(body)), head.Header.Get("Content-Length"))
		})
	}
}

func TestOrdersGetIsolatesShops(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	w := e.serve(api(http.MethodGet, "/api/v1/orders.php", "tok-b", nil))
	require.Equal(t, 200, w.Code)
	m := decodeJSON(t, w.Body.Bytes())
	assert.Equal(t, float64(1), m["total"])
	assert.Equal(t, "MF-1", m["orders"].([]any)[0].(map[string]any)["mall_order_id"])
}

func TestOrdersGetGolden(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	w := e.serve(api(http.MethodGet, "/api/v1/orders.php?serial_order_id=5", "tok-any", nil))
	require.Equal(t, 200, w.Code)
	golden.Assert(t, "orders_get_5", w.Body.Bytes())
}

// newOrder is a valid POST body with Japanese text, as Go sends it (raw UTF-8).
func newOrder() map[string]any {
	return map[string]any{
		"shop_id": 1, "shop_name": "テスト店", "mall": "rakuten", "mall_order_id": "123456-20240410-0000009",
		"order_date": "2024-04-10 09:30:00", "order_name01": "木村", "order_name02": "拓哉",
		"order_pref": "東京都", "order_addr01": "港区六本木", "order_addr02": "6-10-1",
		"subtotal": 3000, "deliv_fee": 500, "tax": 300, "total": 3800, "payment_total": 3800,
		"shippings": []any{map[string]any{"deliv_name": "ヤマト運輸", "shipping_name01": "木村", "shipping_date": "2024-04-12", "shipping_num": nil}},
		"details":   []any{map[string]any{"product_name": "商品B/限定", "price": 1500, "quantity": 2, "tax_rate": 10}},
	}
}

func with(m map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "<delete>" {
			delete(out, kv[i].(string))
			continue
		}
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

func TestOrdersPost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		body   any
		ctype  string
		status int
		err    string
	}{
		{"should create an order", newOrder(), "application/json", 201, ""},
		{"should accept a charset parameter", newOrder(), "application/json; charset=UTF-8", 201, ""},
		{"should accept \\uNNNN escapes", `{"order_date":"2024-04-10 09:30:00","order_name01":"\u6728\u6751","details":[{"product_name":"\u5546\u54c1","price":1,"quantity":1,"tax_rate":10}]}`, "application/json", 201, ""},
		{"should refuse another content type", newOrder(), "application/x-www-form-urlencoded", 415, "Content-Type must be application/json"},
		{"should refuse a missing content type", newOrder(), "", 415, "Content-Type must be application/json"},
		{"should refuse malformed JSON", `{"order_date":`, "application/json", 400, "body: must be one JSON object"},
		{"should refuse a JSON array", `[]`, "application/json", 400, "body: must be one JSON object"},
		{"should refuse invalid UTF-8", "{\"order_name01\":\"\xff\"}", "application/json", 400, "body: invalid UTF-8"},
		{"should refuse an unknown field", with(newOrder(), "coupon", "X"), "application/json", 400, "coupon: unknown field"},
		{"should refuse a key in another case", with(newOrder(), "ORDER_NOTE", "x"), "application/json", 400, "ORDER_NOTE: unknown field"},
		{"should refuse an unknown detail field", with(newOrder(), "details", []any{map[string]any{"product_name": "x", "colour": "red"}}), "application/json", 400, "details[0].colour: unknown field"},
		{"should refuse a server-set field", with(newOrder(), "serial_order_id", 9), "application/json", 400, "serial_order_id: is set by the server"},
		{"should refuse a missing order_date", with(newOrder(), "order_date", "<delete>"), "application/json", 400, "order_date: is required"},
		{"should refuse a bad order_date", with(newOrder(), "order_date", "2024-04-10"), "application/json", 400, `order_date: must be "YYYY-MM-DD HH:MM:SS"`},
		{"should refuse a missing order_name01", with(newOrder(), "order_name01", "<delete>"), "application/json", 400, "order_name01: is required"},
		{"should refuse an order without details", with(newOrder(), "details", []any{}), "application/json", 400, "details: at least one detail is required"},
		{"should refuse a negative total", with(newOrder(), "total", -1), "application/json", 400, "total: must be an integer >= 0"},
		{"should refuse a fractional price", with(newOrder(), "subtotal", 1.5), "application/json", 400, "subtotal: must be an integer"},
		{"should refuse a string number", with(newOrder(), "subtotal", "3000"), "application/json", 400, "subtotal: must be an integer"},
		{"should refuse null for a non-null field", with(newOrder(), "order_name02", nil), "application/json", 400, "order_name02: must not be null"},
		{"should refuse status 8", with(newOrder(), "order_status", 8), "application/json", 400, "order_status: must be between 1 and 7"},
		{"should refuse a negative quantity", with(newOrder(), "details", []any{map[string]any{"product_name": "x", "quantity": -1}}), "application/json", 400, "details[0].quantity: must be an integer >= 0"},
		{"should refuse a bad shipping_date", with(newOrder(), "shippings", []any{map[string]any{"shipping_date": "4/12"}}), "application/json", 400, `shippings[0].shipping_date: must be "YYYY-MM-DD"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, Config{})
			r := api(http.MethodPost, "/api/v1/orders.php", "tok-any", tt.body)
			r.Header.Set("Content-Type", tt.ctype)
			if tt.ctype == "" {
				r.Header.Del("Content-Type")
			}
			w := e.serve(r)
			require.Equal(t, tt.status, w.Code, w.Body.String())
			m := decodeJSON(t, w.Body.Bytes())
			if tt.status != 201 {
				assert.Equal(t, map[string]any{"error": "invalid_request", "error_description": tt.err}, m)
				return
			}
			o := m["order"].(map[string]any)
			assert.Equal(t, float64(6), o["serial_order_id"], "max + 1")
			assert.Equal(t, "/assist/api/v1/orders.php?serial_order_id=6", w.Header().Get("Location"))
			assert.Equal(t, "2024-04-10 10:00:00", o["create_date"], "emulator clock, JST")
			assert.Equal(t, "新規受付", o["order_status_name"])
			assert.Equal(t, float64(11), o["details"].([]any)[0].(map[string]any)["order_detail_id"], "max + 1 in the shop")
			// Visible to the next GET.
			g := e.serve(api(http.MethodGet, "/api/v1/orders.php?serial_order_id=6", "tok-any", nil))
			assert.Equal(t, float64(1), decodeJSON(t, g.Body.Bytes())["total"])
		})
	}
}

func TestOrdersPostStrictJSON(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{StrictJSON: true})
	w := e.serve(api(http.MethodPost, "/api/v1/orders.php", "tok-any", newOrder()))
	assert.Equal(t, 400, w.Code)
	assert.Equal(t, `{"error":"invalid_request","error_description":"body: non-ASCII characters must be escaped as \\uNNNN"}`, w.Body.String())
	w = e.serve(api(http.MethodPost, "/api/v1/orders.php", "tok-any",
		`{"order_date":"2024-04-10 09:30:00","order_name01":"\u6728\u6751","details":[{"product_name":"\u5546\u54c1","price":1,"quantity":1}]}`))
	assert.Equal(t, 201, w.Code, w.Body.String())
}

func TestOrdersPut(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		query  string
		body   any
		status int
		err    string
		check  func(t *testing.T, o map[string]any)
	}{
		{"should update top-level fields only", "?serial_order_id=5", map[string]any{"order_status": 5, "commit_date": "2024-04-10 09:00:00", "note": "発送済み"}, 200, "",
			func(t *testing.T, o map[string]any) {
				assert.Equal(t, "発送済み", o["order_status_name"])
				assert.Equal(t, "2024-04-10 09:00:00", o["commit_date"])
				assert.Equal(t, "山田", o["order_name01"], "untouched")
				assert.Len(t, o["details"], 1, "untouched")
				assert.Equal(t, "2024-04-01 12:40:00", o["create_date"])
				assert.Equal(t, "2024-04-10 10:00:00", o["update_date"])
			}},
		{"should replace details when present", "?serial_order_id=5", map[string]any{"details": []any{map[string]any{"product_name": "商品C", "price": 100, "quantity": 3}}}, 200, "",
			func(t *testing.T, o map[string]any) {
				d := o["details"].([]any)
				require.Len(t, d, 1)
				assert.Equal(t, "商品C", d[0].(map[string]any)["product_name"])
			}},
		{"should set a nullable field to null", "?serial_order_id=1", map[string]any{"payment_date": nil}, 200, "",
			func(t *testing.T, o map[string]any) { assert.Nil(t, o["payment_date"]) }},
		{"should refuse a missing serial_order_id", "", map[string]any{"note": "x"}, 400, "serial_order_id: is required", nil},
		{"should refuse a bad serial_order_id", "?serial_order_id=x", map[string]any{"note": "x"}, 400, "serial_order_id: must be a positive integer", nil},
		{"should answer an unknown order with 404", "?serial_order_id=99", map[string]any{"note": "x"}, 404, "Order 99 not found", nil},
		{"should refuse an invalid result", "?serial_order_id=5", map[string]any{"details": []any{}}, 400, "details: at least one detail is required", nil},
		{"should refuse a server-set field", "?serial_order_id=5", map[string]any{"update_date": "2024-01-01 00:00:00"}, 400, "update_date: is set by the server", nil},
		{"should refuse an unknown field", "?serial_order_id=5", map[string]any{"nope": 1}, 400, "nope: unknown field", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, Config{})
			w := e.serve(api(http.MethodPut, "/api/v1/orders.php"+tt.query, "tok-any", tt.body))
			require.Equal(t, tt.status, w.Code, w.Body.String())
			m := decodeJSON(t, w.Body.Bytes())
			if tt.check == nil {
				code := "invalid_request"
				if tt.status == 404 {
					code = "not_found"
				}
				assert.Equal(t, map[string]any{"error": code, "error_description": tt.err}, m)
				return
			}
			tt.check(t, m["order"].(map[string]any))
			g := e.serve(api(http.MethodGet, "/api/v1/orders.php"+tt.query, "tok-any", nil))
			assert.Equal(t, m["order"], decodeJSON(t, g.Body.Bytes())["orders"].([]any)[0], "visible to the next GET")
		})
	}
	t.Run("should require application/json", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, Config{})
		r := api(http.MethodPut, "/api/v1/orders.php?serial_order_id=5", "tok-any", `{"note":"x"}`)
		r.Header.Set("Content-Type", "text/plain")
		assert.Equal(t, 415, e.serve(r).Code)
	})
}

func TestOrdersDelete(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		query  string
		status int
		body   string
	}{
		{"should delete an order", "?serial_order_id=3", 200, `{"serial_order_id":3,"deleted":true}`},
		{"should answer an unknown order with 404", "?serial_order_id=4", 404, `{"error":"not_found","error_description":"Order 4 not found"}`},
		{"should refuse a missing serial_order_id", "", 400, `{"error":"invalid_request","error_description":"serial_order_id: is required"}`},
		{"should take the last of a repeated serial_order_id, as $_GET does", "?serial_order_id=3&serial_order_id=5", 200, `{"serial_order_id":5,"deleted":true}`},
		{"should refuse serial_order_id[]", "?serial_order_id[]=3", 400, `{"error":"invalid_request","error_description":"serial_order_id: must be a single value, not an array (serial_order_id[])"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, Config{})
			w := e.serve(api(http.MethodDelete, "/api/v1/orders.php"+tt.query, "tok-any", nil))
			assert.Equal(t, tt.status, w.Code)
			assert.Equal(t, tt.body, w.Body.String())
			if tt.status == 200 {
				g := e.serve(api(http.MethodGet, "/api/v1/orders.php"+tt.query, "tok-any", nil))
				assert.Equal(t, float64(0), decodeJSON(t, g.Body.Bytes())["total"])
			}
		})
	}
}

// A deleted order's serial_order_id is never handed out again: a client
// still holding it must not reach another client's order.
func TestOrdersPostShouldNotReuseADeletedOrdersID(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	w := e.serve(api(http.MethodDelete, "/api/v1/orders.php?serial_order_id=5", "tok-any", nil))
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	w = e.serve(api(http.MethodPost, "/api/v1/orders.php", "tok-any", newOrder()))
	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	created := decodeJSON(t, w.Body.Bytes())["order"].(map[string]any)
	assert.Equal(t, float64(6), created["serial_order_id"], "the deleted order 5 was the highest id ever stored")
	g := e.serve(api(http.MethodGet, "/api/v1/orders.php?serial_order_id=5", "tok-any", nil))
	assert.Equal(t, float64(0), decodeJSON(t, g.Body.Bytes())["total"], "order 5 stays gone")
}

func TestOrdersEdges(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	t.Run("should answer an unknown path with the provider's 404", func(t *testing.T) {
		w := e.serve(api(http.MethodGet, "/api/v1/products.php", "tok-any", nil))
		assert.Equal(t, 404, w.Code)
		assert.Equal(t, `{"error":"not_found","error_description":"The requested URL was not found"}`, w.Body.String())
	})
	t.Run("should answer PATCH with 405 and Allow after the token check", func(t *testing.T) {
		w := e.serve(api(http.MethodPatch, "/api/v1/orders.php", "tok-any", nil))
		assert.Equal(t, 405, w.Code)
		assert.Equal(t, "GET, HEAD, POST, PUT, DELETE", w.Header().Get("Allow"), "HEAD is served like GET")
		assert.Equal(t, `{"error":"invalid_request","error_description":"The request method PATCH is not supported here"}`, w.Body.String())
		assert.Equal(t, 401, e.serve(api(http.MethodPatch, "/api/v1/orders.php", "", nil)).Code)
	})
	t.Run("should answer a body over the cap with 413", func(t *testing.T) {
		big := fmt.Sprintf(`{"note":"%s"}`, strings.Repeat("a", 2<<20))
		w := e.serve(api(http.MethodPost, "/api/v1/orders.php", "tok-any", big))
		assert.Equal(t, 413, w.Code)
		assert.Equal(t, `{"error":"invalid_request","error_description":"The request body is too large"}`, w.Body.String())
	})
	t.Run("should serve the shop directory path", func(t *testing.T) {
		w := e.serve(api(http.MethodPost, "/shop01/api/v1/orders.php", "tok-any", newOrder()))
		assert.Equal(t, 201, w.Code)
		assert.Equal(t, "/assist/shop01/api/v1/orders.php?serial_order_id=6", w.Header().Get("Location"))
		assert.Equal(t, 404, e.serve(api(http.MethodGet, "/shop99/api/v1/orders.php", "tok-any", nil)).Code)
	})
}

// A client that hangs up mid-body made the mistake: invalid_request (400),
// not server_error (500).
func TestOrdersPostBodyCutShortShouldBeA400NotA500(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	r := api(http.MethodPost, "/api/v1/orders.php", "tok-any", `{}`)
	r.Body = io.NopCloser(io.MultiReader(strings.NewReader(`{"order_date":"2024-04-10`), iotest.ErrReader(io.ErrUnexpectedEOF)))
	r.ContentLength = 100
	w := e.serve(r)
	assert.Equal(t, http.StatusBadRequest, w.Code, w.Body.String())
	assert.JSONEq(t, `{"error":"invalid_request","error_description":"`+msgBodyRead+`"}`, w.Body.String())
}

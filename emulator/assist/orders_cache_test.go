package assist

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOrdersGetShouldNeverServeAStaleBody compares the GET body built from
// the store's rendered orders with a fresh rendering of SearchOrders, after
// every kind of change: create, update (fields, lines), delete, reset,
// import. Each check runs twice, so the second reads what the first cached.
func TestOrdersGetShouldNeverServeAStaleBody(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	s := e.inst.State.(*state)
	st := s.st
	queries := []orderQuery{
		{limit: defaultLimit}, {limit: 1, offset: 1}, {limit: 0}, {limit: 2, offset: 5},
		{serialID: 5, limit: defaultLimit}, {serialID: 1, limit: defaultLimit}, {serialID: 99, limit: defaultLimit},
		{statuses: []int{1, 2}, limit: defaultLimit}, {orderFrom: "2024-03-10 00:00:00", limit: 1, offset: 1},
	}
	check := func(when string) {
		t.Helper()
		for range 2 {
			for _, shop := range []string{"shop-a", "shop-b", "no-such-shop"} {
				for _, q := range queries {
					total, page := st.SearchOrders(shop, q)
					want, err := marshalPHP(searchResult{Total: total, Limit: q.limit, Offset: q.offset, Orders: page})
					require.NoError(t, err)
					total, rendered, err := st.SearchOrdersJSON(shop, q)
					require.NoError(t, err)
					assert.Equal(t, string(want), string(appendSearchResult(nil, total, q, rendered)), "%s: %s %+v", when, shop, q)
				}
			}
		}
		w := e.serve(api(http.MethodGet, "/api/v1/orders.php", "tok-any", nil))
		total, page := st.SearchOrders("shop-a", orderQuery{limit: defaultLimit})
		want, _ := marshalPHP(searchResult{Total: total, Limit: defaultLimit, Orders: page})
		assert.Equal(t, string(want), w.Body.String(), "%s: GET", when)
	}

	check("start")
	o, err := st.CreateOrder("shop-a", Order{OrderStatus: 1, Message: "新規/作成", Details: []Detail{{ProductName: "商品B", Quantity: 1}}}, testNow)
	require.NoError(t, err)
	check("after create")
	for i, edit := range []func(Order) Order{
		func(o Order) Order { o.Message = "更新 </script>"; return o },
		func(o Order) Order {
			o.Details = append(o.Details, Detail{ProductName: "追加", Quantity: 3})
			return o
		},
		func(o Order) Order { o.Shippings = []Shipping{{DelivName: "佐川急便"}}; return o },
		func(o Order) Order { o.OrderStatus = 5; return o },
	} {
		for _, id := range []int{o.SerialOrderID, 5} {
			_, err := st.UpdateOrder("shop-a", id, func(o Order) (Order, *fieldError) { return edit(o), nil }, testNow)
			require.NoError(t, err)
			check(fmt.Sprintf("after update %d of %d", i, id))
		}
	}
	require.NoError(t, st.DeleteOrder("shop-a", 3))
	check("after delete")
	s.Reset()
	check("after reset")
	apply, err := s.Prepare("assist.json", []byte(strings.Replace(testFixture, `"message": "のし不要です。"`, `"message": "インポート"`, 1)))
	require.NoError(t, err)
	apply()
	check("after import")
}

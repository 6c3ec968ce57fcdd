package assist

import (
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/httpx"
	"github.com/fakeapi/fakeapi/internal/oauth2x"
)

// Paging of the order search: default 100, at most 500 rows as 楽楽リピート
// documents for the same API template (docs/providers/assist.md, "Search
// (GET)").
const (
	defaultLimit = 100
	maxLimit     = 500
)

// searchResult is the GET body, keys in this order.
type searchResult struct {
	Total  int     `json:"total"`
	Limit  int     `json:"limit"`
	Offset int     `json:"offset"`
	Orders []Order `json:"orders"`
}

type orderResult struct {
	Order Order `json:"order"`
}

type deleteResult struct {
	SerialOrderID int  `json:"serial_order_id"`
	Deleted       bool `json:"deleted"`
}

// handleOrdersGet handles "GET /api/v1/orders.php": by serial_order_id (the
// FAQ's sample call) or by our search filters and paging
// (docs/providers/assist.md, "Search (GET)").
func handleOrdersGet(log *slog.Logger, st Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q, fe := parseOrderQuery(parsePHPGet(r.URL.RawQuery))
		if fe != nil {
			writeError(log, w, r, fe)
			return
		}
		total, page := st.SearchOrders(callerFrom(r).shop, q)
		writeJSON(log, w, http.StatusOK, searchResult{Total: total, Limit: q.limit, Offset: q.offset, Orders: page})
	}
}

// handleOrdersPost handles "POST /api/v1/orders.php": create (the FAQ names
// the verb; the shape is ours: docs/providers/assist.md, "Create, update,
// delete").
func handleOrdersPost(log *slog.Logger, st Store, clk clock.Clock, cfg Config) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		strict := cfg.with(st.Settings()).StrictJSON
		body, err := readOrderBody(r)
		if err != nil {
			writeError(log, w, r, err)
			return
		}
		// order_status defaults to 1 新規受付.
		o := Order{OrderStatus: 1}
		fe := decodeOrder(body, &o, strict)
		if fe == nil {
			fe = o.Validate()
		}
		if fe != nil {
			writeError(log, w, r, fe)
			return
		}
		o, err = st.CreateOrder(callerFrom(r).shop, o, clk.Now())
		if err != nil {
			writeError(log, w, r, err)
			return
		}
		w.Header().Set("Location", httpx.Base(r)+ordersPath+"?serial_order_id="+strconv.Itoa(o.SerialOrderID))
		writeJSON(log, w, http.StatusCreated, orderResult{o})
	}
}

// handleOrdersPut handles "PUT /api/v1/orders.php?serial_order_id=N": a
// partial update of top-level fields, shippings and details replaced whole
// when present (docs/providers/assist.md, "Create, update, delete").
func handleOrdersPut(log *slog.Logger, st Store, clk clock.Clock, cfg Config) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		strict := cfg.with(st.Settings()).StrictJSON
		id, fe := serialFromQuery(parsePHPGet(r.URL.RawQuery))
		if fe != nil {
			writeError(log, w, r, fe)
			return
		}
		body, err := readOrderBody(r)
		if err != nil {
			writeError(log, w, r, err)
			return
		}
		// The body is checked before the order is looked up, so a bad body
		// is a 400 whether or not the order exists.
		if fe := decodeOrder(body, new(Order), strict); fe != nil {
			writeError(log, w, r, fe)
			return
		}
		o, err := st.UpdateOrder(callerFrom(r).shop, id, func(cur Order) (Order, *fieldError) {
			if fe := decodeOrder(body, &cur, strict); fe != nil {
				return Order{}, fe
			}
			return cur, cur.Validate()
		}, clk.Now())
		if err != nil {
			writeError(log, w, r, orderErr(err, id))
			return
		}
		writeJSON(log, w, http.StatusOK, orderResult{o})
	}
}

// handleOrdersDelete handles "DELETE /api/v1/orders.php?serial_order_id=N".
func handleOrdersDelete(log *slog.Logger, st Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, fe := serialFromQuery(parsePHPGet(r.URL.RawQuery))
		if fe != nil {
			writeError(log, w, r, fe)
			return
		}
		if err := st.DeleteOrder(callerFrom(r).shop, id); err != nil {
			writeError(log, w, r, orderErr(err, id))
			return
		}
		writeJSON(log, w, http.StatusOK, deleteResult{SerialOrderID: id, Deleted: true})
	}
}

// orderErr names the order in a 404.
func orderErr(err error, id int) error {
	if err == errNotFound {
		return &apiError{status: http.StatusNotFound, code: "not_found", desc: strings.Replace(msgOrderNotFound, "%d", strconv.Itoa(id), 1)}
	}
	return err
}

// readOrderBody enforces Content-Type: application/json on POST and PUT
// (docs/providers/assist.md, "Orders API") and reads the body.
func readOrderBody(r *http.Request) ([]byte, error) {
	if httpx.MediaType(r) != "application/json" {
		return nil, &apiError{status: http.StatusUnsupportedMediaType, code: oauth2x.ErrInvalidRequest, desc: msgContentType}
	}
	return httpx.ReadBody(r)
}

// serialFromQuery reads the required serial_order_id of PUT and DELETE.
func serialFromQuery(q phpGet) (int, *fieldError) {
	v, fe := q.get("serial_order_id")
	if fe != nil {
		return 0, fe
	}
	if v == "" {
		return 0, fieldErrorf("serial_order_id", msgSerialRequired)
	}
	id, ok := positiveInt(v)
	if !ok {
		return 0, fieldErrorf("serial_order_id", "must be a positive integer")
	}
	return id, nil
}

// searchParams are the GET parameters; others are ignored, as a PHP script
// reading $_GET would.
var searchParams = []string{"serial_order_id", "order_date_from", "order_date_to", "update_date_from", "update_date_to", "order_status", "limit", "offset"}

// parseOrderQuery reads GET's filters and paging from $_GET. An empty value
// counts as absent, since http_build_query sends "limit=" for an empty
// string.
func parseOrderQuery(get phpGet) (orderQuery, *fieldError) {
	out := orderQuery{limit: defaultLimit}
	q := make(map[string]string, len(searchParams))
	for _, k := range searchParams {
		v, fe := get.get(k)
		if fe != nil {
			return out, fe
		}
		q[k] = v
	}
	if v := q["serial_order_id"]; v != "" {
		id, ok := positiveInt(v)
		if !ok {
			return out, fieldErrorf("serial_order_id", "must be a positive integer")
		}
		out.serialID = id
	}
	for _, d := range []struct {
		name string
		dst  *string
		end  bool
	}{
		{"order_date_from", &out.orderFrom, false}, {"order_date_to", &out.orderTo, true},
		{"update_date_from", &out.updateFrom, false}, {"update_date_to", &out.updateTo, true},
	} {
		if v := q[d.name]; v != "" {
			s, ok := filterDate(v, d.end)
			if !ok {
				return out, fieldErrorf(d.name, `must be "YYYY-MM-DD" or "YYYY-MM-DD HH:MM:SS"`)
			}
			*d.dst = s
		}
	}
	if v := q["order_status"]; v != "" {
		for _, p := range strings.Split(v, ",") {
			n, ok := positiveInt(strings.TrimSpace(p))
			if !ok || n > 7 {
				return out, fieldErrorf("order_status", "must be a comma-separated list of 1 to 7")
			}
			out.statuses = append(out.statuses, n)
		}
	}
	if v := q["limit"]; v != "" {
		n, ok := positiveInt(v)
		if !ok || n > maxLimit {
			return out, fieldErrorf("limit", "must be between 1 and %d", maxLimit)
		}
		out.limit = n
	}
	if v := q["offset"]; v != "" {
		n, ok := nonNegativeInt(v)
		if !ok {
			return out, fieldErrorf("offset", "must be an integer >= 0")
		}
		out.offset = n
	}
	return out, nil
}

// filterDate normalises a filter bound to the stored datetime format, which
// compares correctly as a string. A date alone covers the whole day.
func filterDate(v string, end bool) (string, bool) {
	if _, err := time.ParseInLocation(layoutDate, v, jst); err == nil && len(v) == len(layoutDate) {
		if end {
			return v + " 23:59:59", true
		}
		return v + " 00:00:00", true
	}
	if _, err := parseJST(v); err == nil && len(v) == len(layoutDateTime) {
		return v, true
	}
	return "", false
}

func positiveInt(s string) (int, bool) {
	n, ok := nonNegativeInt(s)
	return n, ok && n > 0
}

// nonNegativeInt accepts plain decimal digits only (no sign, no spaces).
func nonNegativeInt(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

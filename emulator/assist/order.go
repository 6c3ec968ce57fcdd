package assist

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fakeapi/fakeapi/internal/httpx"
)

// Order is one order (受注) as the orders API and the fixtures carry it.
// Vocabulary and statuses follow EC-CUBE 2's dtb_order, dtb_order_detail and
// mtb_order_status (assist.md §6, [chosen]); money is integer yen and
// datetimes are "YYYY-MM-DD HH:MM:SS" JST without offset.
type Order struct {
	SerialOrderID   int        `json:"serial_order_id"`
	ShopID          int        `json:"shop_id"`
	ShopName        string     `json:"shop_name"`
	Mall            string     `json:"mall"`
	MallOrderID     string     `json:"mall_order_id"`
	OrderStatus     int        `json:"order_status"`
	OrderStatusName string     `json:"order_status_name"`
	OrderDate       string     `json:"order_date"`
	PaymentDate     *string    `json:"payment_date"`
	CommitDate      *string    `json:"commit_date"`
	CancelDate      *string    `json:"cancel_date"`
	CreateDate      string     `json:"create_date"`
	UpdateDate      string     `json:"update_date"`
	CustomerID      int        `json:"customer_id"`
	OrderName01     string     `json:"order_name01"`
	OrderName02     string     `json:"order_name02"`
	OrderKana01     string     `json:"order_kana01"`
	OrderKana02     string     `json:"order_kana02"`
	OrderEmail      string     `json:"order_email"`
	OrderTel        string     `json:"order_tel"`
	OrderZip        string     `json:"order_zip"`
	OrderPref       string     `json:"order_pref"`
	OrderAddr01     string     `json:"order_addr01"`
	OrderAddr02     string     `json:"order_addr02"`
	PaymentID       int        `json:"payment_id"`
	PaymentMethod   string     `json:"payment_method"`
	Subtotal        int        `json:"subtotal"`
	Discount        int        `json:"discount"`
	DelivFee        int        `json:"deliv_fee"`
	Charge          int        `json:"charge"`
	UsePoint        int        `json:"use_point"`
	Tax             int        `json:"tax"`
	Total           int        `json:"total"`
	PaymentTotal    int        `json:"payment_total"`
	Message         string     `json:"message"`
	Note            string     `json:"note"`
	Shippings       []Shipping `json:"shippings"`
	Details         []Detail   `json:"details"`
}

// Shipping is one delivery address of an order (dtb_shipping).
type Shipping struct {
	ShippingID     int     `json:"shipping_id"`
	DelivName      string  `json:"deliv_name"`
	ShippingName01 string  `json:"shipping_name01"`
	ShippingName02 string  `json:"shipping_name02"`
	ShippingTel    string  `json:"shipping_tel"`
	ShippingZip    string  `json:"shipping_zip"`
	ShippingPref   string  `json:"shipping_pref"`
	ShippingAddr01 string  `json:"shipping_addr01"`
	ShippingAddr02 string  `json:"shipping_addr02"`
	ShippingDate   *string `json:"shipping_date"`
	ShippingTime   string  `json:"shipping_time"`
	ShippingNum    *string `json:"shipping_num"`
}

// Detail is one order line (dtb_order_detail).
type Detail struct {
	OrderDetailID      int    `json:"order_detail_id"`
	ProductID          int    `json:"product_id"`
	ProductClassID     int    `json:"product_class_id"`
	ProductCode        string `json:"product_code"`
	ProductName        string `json:"product_name"`
	ClassCategoryName1 string `json:"classcategory_name1"`
	ClassCategoryName2 string `json:"classcategory_name2"`
	Price              int    `json:"price"`
	Quantity           int    `json:"quantity"`
	TaxRate            int    `json:"tax_rate"`
}

// orderStatusNames is EC-CUBE 2's mtb_order_status (assist.md §6).
var orderStatusNames = [...]string{1: "新規受付", 2: "入金待ち", 3: "キャンセル", 4: "取り寄せ中", 5: "発送済み", 6: "入金済み", 7: "決済処理中"}

// jst is Japan Standard Time; a fixed zone needs no tzdata.
var jst = time.FixedZone("JST", 9*60*60)

const (
	layoutDateTime = "2006-01-02 15:04:05"
	layoutDate     = "2006-01-02"
)

// formatJST renders t as the API's datetime.
func formatJST(t time.Time) string { return t.In(jst).Format(layoutDateTime) }

// parseJST reads the API's datetime.
func parseJST(s string) (time.Time, error) { return time.ParseInLocation(layoutDateTime, s, jst) }

func (o Order) clone() Order {
	o.Shippings = slices.Clone(o.Shippings)
	o.Details = slices.Clone(o.Details)
	return o
}

// fieldError is a 400 "<field>: <reason>" (assist.md §5).
type fieldError struct{ field, reason string }

func (e *fieldError) Error() string { return e.field + ": " + e.reason }

func fieldErrorf(field, format string, args ...any) *fieldError {
	return &fieldError{field: field, reason: fmt.Sprintf(format, args...)}
}

// Validate checks the rules of assist.md §6 on a complete order.
func (o Order) Validate() *fieldError {
	if o.OrderDate == "" {
		return fieldErrorf("order_date", "is required")
	}
	for _, d := range []struct {
		name string
		v    *string
	}{{"order_date", &o.OrderDate}, {"payment_date", o.PaymentDate}, {"commit_date", o.CommitDate}, {"cancel_date", o.CancelDate}} {
		if d.v != nil {
			if _, err := parseJST(*d.v); err != nil {
				return fieldErrorf(d.name, `must be "YYYY-MM-DD HH:MM:SS"`)
			}
		}
	}
	if strings.TrimSpace(o.OrderName01) == "" {
		return fieldErrorf("order_name01", "is required")
	}
	if o.OrderStatus < 1 || o.OrderStatus > 7 {
		return fieldErrorf("order_status", "must be between 1 and 7")
	}
	for _, n := range []struct {
		name string
		v    int
	}{
		{"shop_id", o.ShopID}, {"customer_id", o.CustomerID}, {"payment_id", o.PaymentID},
		{"subtotal", o.Subtotal}, {"discount", o.Discount}, {"deliv_fee", o.DelivFee}, {"charge", o.Charge},
		{"use_point", o.UsePoint}, {"tax", o.Tax}, {"total", o.Total}, {"payment_total", o.PaymentTotal},
	} {
		if n.v < 0 {
			return fieldErrorf(n.name, "must be an integer >= 0")
		}
	}
	if len(o.Details) == 0 {
		return fieldErrorf("details", "at least one detail is required")
	}
	for i, d := range o.Details {
		p := fmt.Sprintf("details[%d].", i)
		switch {
		case d.ProductName == "":
			return fieldErrorf(p+"product_name", "is required")
		case d.Price < 0:
			return fieldErrorf(p+"price", "must be an integer >= 0")
		case d.Quantity < 0:
			return fieldErrorf(p+"quantity", "must be an integer >= 0")
		case d.TaxRate < 0 || d.TaxRate > 100:
			return fieldErrorf(p+"tax_rate", "must be between 0 and 100")
		case d.OrderDetailID < 0 || d.ProductID < 0 || d.ProductClassID < 0:
			return fieldErrorf(p+"order_detail_id", "ids must be integers >= 0")
		}
	}
	for i, s := range o.Shippings {
		if s.ShippingDate != nil {
			if _, err := time.ParseInLocation(layoutDate, *s.ShippingDate, jst); err != nil {
				return fieldErrorf(fmt.Sprintf("shippings[%d].shipping_date", i), `must be "YYYY-MM-DD"`)
			}
		}
		if s.ShippingID < 0 {
			return fieldErrorf(fmt.Sprintf("shippings[%d].shipping_id", i), "must be an integer >= 0")
		}
	}
	return nil
}

// Field sets: the body of POST and PUT is checked key by key, case-sensitively
// (PHP's json_decode keys are exact; Go's decoder would fold case).
var (
	orderFields    = jsonFields(Order{})
	shippingFields = jsonFields(Shipping{})
	detailFields   = jsonFields(Detail{})
	// readOnlyFields are set by the server (assist.md §6).
	readOnlyFields = []string{"serial_order_id", "order_status_name", "create_date", "update_date"}
	// nullableFields may be JSON null.
	nullableFields = []string{"payment_date", "commit_date", "cancel_date", "shipping_date", "shipping_num"}
)

func jsonFields(v any) []string {
	b, _ := json.Marshal(v)
	var m map[string]json.RawMessage
	_ = json.Unmarshal(b, &m)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Body problems before any field is looked at.
var (
	errBodyUTF8    = errors.New("invalid UTF-8")
	errBodyRawText = errors.New(`non-ASCII characters must be escaped as \uNNNN`)
)

// decodeOrderPatch reads a POST or PUT body into its top-level fields,
// checking every key (also inside shippings and details) against the
// schema. strict refuses raw non-ASCII, as the seed asks clients to send
// \uNNNN escapes ([doc] seed 002); by default both forms are accepted, as
// PHP's json_decode does ([chosen] assist.md §5).
func decodeOrderPatch(body []byte, strict bool) (map[string]json.RawMessage, *fieldError) {
	if !utf8.Valid(body) {
		return nil, &fieldError{"body", errBodyUTF8.Error()}
	}
	if strict && slices.ContainsFunc(body, func(b byte) bool { return b >= 0x80 }) {
		return nil, &fieldError{"body", errBodyRawText.Error()}
	}
	var top map[string]json.RawMessage
	if err := decodeOne(body, &top); err != nil || top == nil {
		return nil, &fieldError{"body", "must be one JSON object"}
	}
	for k, v := range top {
		switch {
		case slices.Contains(readOnlyFields, k):
			return nil, fieldErrorf(k, "is set by the server")
		case !slices.Contains(orderFields, k):
			return nil, fieldErrorf(k, "unknown field")
		case isNull(v) && !slices.Contains(nullableFields, k):
			return nil, fieldErrorf(k, "must not be null")
		}
	}
	for _, list := range []struct {
		name   string
		fields []string
	}{{"shippings", shippingFields}, {"details", detailFields}} {
		raw, ok := top[list.name]
		if !ok {
			continue
		}
		var items []map[string]json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, fieldErrorf(list.name, "must be an array of objects")
		}
		for i, it := range items {
			for k, v := range it {
				p := fmt.Sprintf("%s[%d].%s", list.name, i, k)
				switch {
				case !slices.Contains(list.fields, k):
					return nil, fieldErrorf(p, "unknown field")
				case isNull(v) && !slices.Contains(nullableFields, k):
					return nil, fieldErrorf(p, "must not be null")
				}
			}
		}
	}
	return top, nil
}

// applyPatch overlays the top-level fields of patch on base: a partial update
// for PUT, the whole order for POST (base zero). shippings and details are
// replaced whole when present.
func applyPatch(base Order, patch map[string]json.RawMessage) (Order, *fieldError) {
	b, err := json.Marshal(base)
	if err != nil {
		return Order{}, &fieldError{"body", "cannot be applied"}
	}
	var merged map[string]json.RawMessage
	_ = json.Unmarshal(b, &merged)
	for k, v := range patch {
		merged[k] = v
	}
	mb, _ := json.Marshal(merged)
	var o Order
	if err := json.Unmarshal(mb, &o); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return Order{}, fieldErrorf(te.Field, "must be %s", jsonKind(te.Type.Kind().String()))
		}
		return Order{}, &fieldError{"body", "must be one JSON object"}
	}
	return o, nil
}

func jsonKind(goKind string) string {
	switch goKind {
	case "int":
		return "an integer"
	case "string", "ptr":
		return "a string"
	case "slice":
		return "an array"
	}
	return "of another type"
}

func isNull(v json.RawMessage) bool { return string(bytes.TrimSpace(v)) == "null" }

func decodeOne(b []byte, v any) error { return httpx.UnmarshalStrict(b, v, false) }

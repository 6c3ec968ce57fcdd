package assist

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Order is one order (受注) as the orders API and the fixtures carry it.
// Vocabulary and statuses follow EC-CUBE 2's dtb_order, dtb_order_detail and
// mtb_order_status (docs/providers/assist.md, "Order schema"); money is
// integer yen and datetimes are "YYYY-MM-DD HH:MM:SS" JST without offset.
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

// orderStatusNames is EC-CUBE 2's mtb_order_status.
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

// fieldError is a 400 "<field>: <reason>" (docs/providers/assist.md,
// "Checks and errors").
type fieldError struct{ field, reason string }

func (e *fieldError) Error() string { return e.field + ": " + e.reason }

func fieldErrorf(field, format string, args ...any) *fieldError {
	return &fieldError{field: field, reason: fmt.Sprintf(format, args...)}
}

// Validate checks a complete order (docs/providers/assist.md, "Create,
// update, delete").
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

// orderBody is a POST or PUT body decoded onto an order: members present
// replace the order's fields, absent ones keep them, and shippings and
// details are replaced whole when present. The server-set fields shadow
// the order's, so a body that sends one is refused.
type orderBody struct {
	*Order
	SerialOrderID   serverSet `json:"serial_order_id"`
	OrderStatusName serverSet `json:"order_status_name"`
	CreateDate      serverSet `json:"create_date"`
	UpdateDate      serverSet `json:"update_date"`
}

// serverSet is a field the client may not send.
type serverSet struct{}

func (serverSet) UnmarshalJSONFrom(*jsontext.Decoder) error { return errServerSet }

// Problems the decoder reports at a JSON pointer; fieldFor names the field.
var (
	errServerSet = errors.New("is set by the server")
	errNull      = errors.New("must not be null")
	errNotList   = errors.New("must be an array of objects")
	errNotEntry  = errors.New("entry is not an object")
	errNotObject = errors.New("body is not an object")
)

// orderJSON reads bodies the way PHP's json_decode reads them where the
// two could differ: names match exactly, a name given twice keeps its last
// value, and an escaped lone surrogate (\ud800) is malformed. On top of
// that, unknown names are refused, and so is null except for the nullable
// fields (the *string ones) and a whole shipping or detail entry, which
// reads as an empty one (docs/providers/assist.md, "JSON").
var orderJSON = jsonv2.JoinOptions(
	jsonv2.RejectUnknownMembers(true),
	jsontext.AllowDuplicateNames(true),
	jsonv2.WithUnmarshalers(jsonv2.JoinUnmarshalers(
		jsonv2.UnmarshalFromFunc(func(dec *jsontext.Decoder, _ *orderBody) error {
			if dec.PeekKind() != '{' {
				return errNotObject
			}
			return jsonv2.SkipFunc
		}),
		jsonv2.UnmarshalFromFunc(func(dec *jsontext.Decoder, _ *string) error { return refuseNull(dec) }),
		jsonv2.UnmarshalFromFunc(func(dec *jsontext.Decoder, _ *int) error { return refuseNull(dec) }),
		jsonv2.UnmarshalFromFunc(func(dec *jsontext.Decoder, _ *[]Shipping) error { return checkList(dec) }),
		jsonv2.UnmarshalFromFunc(func(dec *jsontext.Decoder, _ *[]Detail) error { return checkList(dec) }),
		jsonv2.UnmarshalFromFunc(func(dec *jsontext.Decoder, _ *Shipping) error { return checkEntry(dec) }),
		jsonv2.UnmarshalFromFunc(func(dec *jsontext.Decoder, _ *Detail) error { return checkEntry(dec) }),
	)),
)

func refuseNull(dec *jsontext.Decoder) error {
	if dec.PeekKind() == 'n' {
		return errNull
	}
	return jsonv2.SkipFunc
}

func checkList(dec *jsontext.Decoder) error {
	switch dec.PeekKind() {
	case 'n':
		return errNull
	case '[':
		return jsonv2.SkipFunc
	}
	return errNotList
}

func checkEntry(dec *jsontext.Decoder) error {
	if k := dec.PeekKind(); k != '{' && k != 'n' {
		return errNotEntry
	}
	return jsonv2.SkipFunc
}

// decodeOrder decodes a POST or PUT body onto o (see orderBody). strict
// refuses raw non-ASCII, as the FAQ asks clients to send \uNNNN escapes;
// by default both forms are accepted, as PHP's json_decode does
// (docs/providers/assist.md, "JSON").
func decodeOrder(body []byte, o *Order, strict bool) *fieldError {
	if !utf8.Valid(body) {
		return &fieldError{"body", "invalid UTF-8"}
	}
	if strict && slices.ContainsFunc(body, func(b byte) bool { return b >= utf8.RuneSelf }) {
		return &fieldError{"body", `non-ASCII characters must be escaped as \uNNNN`}
	}
	// The whole body is checked first, as json_decode does: the decoder
	// would report a field it meets before a syntax error further on.
	if !jsontext.Value(body).IsValid(orderJSON) {
		return &fieldError{"body", "must be one JSON object"}
	}
	err := jsonv2.Unmarshal(body, &orderBody{Order: o}, orderJSON)
	if err == nil {
		return nil
	}
	var se *jsonv2.SemanticError
	if !errors.As(err, &se) {
		return &fieldError{"body", "must be one JSON object"}
	}
	field := fieldFor(se.JSONPointer)
	switch {
	case errors.Is(err, errNotObject):
		return &fieldError{"body", "must be one JSON object"}
	case errors.Is(err, errNotEntry):
		return &fieldError{fieldFor(se.JSONPointer.Parent()), errNotList.Error()}
	case errors.Is(err, errServerSet), errors.Is(err, errNull), errors.Is(err, errNotList):
		return &fieldError{field, se.Err.Error()}
	case errors.Is(err, jsonv2.ErrUnknownName):
		return &fieldError{field, "unknown field"}
	}
	return &fieldError{field, "must be " + jsonKind(se.GoType)}
}

// jsonKind names what a field of type t takes.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int:
		return "an integer"
	case reflect.String, reflect.Pointer:
		return "a string"
	}
	return "of another type"
}

// fieldFor names the field at p as the errors do: note, details[0].price.
// Arrays only occur as shippings and details, so the second token of a
// longer pointer is an index.
func fieldFor(p jsontext.Pointer) string {
	toks := slices.Collect(p.Tokens())
	switch len(toks) {
	case 0:
		return "body"
	case 1:
		return toks[0]
	}
	f := toks[0] + "[" + toks[1] + "]"
	for _, t := range toks[2:] {
		f += "." + t
	}
	return f
}

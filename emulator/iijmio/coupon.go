package iijmio

import (
	"net/http"
	"sync"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/fakeapi/fakeapi/internal/httpx"
)

// handleCouponGet handles "GET /mobile/d/v1/coupon/" and "GET /mobile/d/v2/coupon/":
// クーポン残量照会・クーポンのON/OFF状態照会 (docs/providers/iijmio.md, "GET coupon").
//
// The body is cached per user until the store's stamp moves (any change, or
// a new JST day): copying the contracts and encoding them is most of the
// cost of the emulator's hottest request (bench/profiling.md, "IIJmio
// coupon GET cache"). The stamp was taken when the caller authenticated, so
// a cached body is never older than the state the request started from.
func handleCouponGet(st Store, version int) apiHandler {
	var cache bodyCache
	return func(w http.ResponseWriter, r *http.Request, c caller) {
		body, ok := cache.get(c.MioID, c.stamp)
		if !ok {
			cs := st.Contracts(c.MioID, false)
			if version == 1 {
				body = encodeCouponV1(cs)
			} else {
				body = encodeCouponV2(cs)
			}
			cache.put(c.MioID, c.stamp, body)
		}
		writeBody(w, http.StatusOK, body)
	}
}

// bodyCache keeps the last body rendered per user with the stamp it was
// rendered under. Bodies are shared and never written to.
type bodyCache struct {
	mu     sync.Mutex // guards bodies
	bodies map[string]stampedBody
}

type stampedBody struct {
	stamp stamp
	body  []byte
}

func (c *bodyCache) get(user string, s stamp) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.bodies[user]
	return b.body, ok && b.stamp == s
}

func (c *bodyCache) put(user string, s stamp, body []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.bodies == nil {
		c.bodies = map[string]stampedBody{}
	}
	// A stale stamp must not replace a newer entry.
	if cur, ok := c.bodies[user]; ok && (cur.stamp.gen > s.gen || cur.stamp.today > s.today) {
		return
	}
	c.bodies[user] = stampedBody{stamp: s, body: body}
}

// encodeCouponV1 writes the 2014 capture's shape and key order: top
// returnCode, couponInfo; contract hddServiceCode, coupon, hdoInfo; line
// couponUse, coupon, hdoServiceCode, sms, number, regulation, iccid; coupon
// volume, expire, type. Later v1 bodies also carry plan and voice; no body
// with them was captured, so each comes last in its object: plan after
// hdoInfo, voice after iccid. Only docomo (hdo) lines
// (docs/providers/iijmio.md, "GET coupon").
func encodeCouponV1(cs []contractView) []byte {
	w := newJSONWriter(256 + 512*len(cs))
	w.beginObject()
	w.strField("returnCode", codeOK)
	w.name("couponInfo")
	w.beginArray()
	for _, c := range cs {
		w.beginObject()
		w.strField("hddServiceCode", c.HddServiceCode)
		w.name("coupon")
		w.beginArray()
		for _, cp := range c.Coupons {
			w.beginObject()
			w.intField("volume", cp.Volume)
			w.strField("expire", cp.Expire)
			w.strField("type", cp.Type)
			w.endObject()
		}
		w.endArray()
		w.name("hdoInfo")
		w.beginArray()
		for _, l := range c.Lines {
			if l.Kind != kindHdo {
				continue
			}
			w.beginObject()
			w.boolField("couponUse", l.CouponUse)
			w.name("coupon")
			writeSimCoupon(w, l, false)
			w.strField("hdoServiceCode", l.ServiceCode)
			w.boolField("sms", l.SMS)
			w.strField("number", l.Number)
			w.boolField("regulation", l.Regulation)
			w.strField("iccid", l.ICCID)
			w.boolField("voice", l.Voice)
			w.endObject()
		}
		w.endArray()
		w.strField("plan", c.Plan)
		w.endObject()
	}
	w.endArray()
	w.endObject()
	return w.bytes()
}

// writeSimCoupon writes the line's one SIM coupon: volume an integer by
// default, null when the fixture says so (the 2014 capture's value); expire
// always null (docs/providers/iijmio.md, "GET coupon").
func writeSimCoupon(w *jsonWriter, l lineView, alphabetical bool) {
	w.beginArray()
	w.beginObject()
	if alphabetical {
		w.optStrField("expire", "", false)
		w.strField("type", couponSim)
		w.optIntField("volume", l.SimVolume)
	} else {
		w.optIntField("volume", l.SimVolume)
		w.optStrField("expire", "", false)
		w.strField("type", couponSim)
	}
	w.endObject()
	w.endArray()
}

// encodeCouponV2 writes alphabetical keys, as the only captured v2 bodies
// have them. hdoInfo, hduInfo and hdxInfo are always present, [] when empty.
// Eco plans carry history and remains instead of coupon, and their lines no
// coupon (docs/providers/iijmio.md, "GET coupon").
func encodeCouponV2(cs []contractView) []byte {
	w := newJSONWriter(256 + 768*len(cs))
	w.beginObject()
	w.name("couponInfo")
	w.beginArray()
	for _, c := range cs {
		w.beginObject()
		if !c.Eco {
			w.name("coupon")
			w.beginArray()
			for _, cp := range c.Coupons {
				w.beginObject()
				w.strField("expire", cp.Expire)
				w.strField("type", cp.Type)
				w.intField("volume", cp.Volume)
				w.endObject()
			}
			w.endArray()
		}
		w.strField("hddServiceCode", c.HddServiceCode)
		for _, kind := range [...]string{kindHdo, kindHdu, kindHdx} {
			w.name(kind + "Info")
			w.beginArray()
			for _, l := range c.Lines {
				if l.Kind == kind {
					writeLineV2(w, l, c.Eco)
				}
			}
			w.endArray()
		}
		if c.Eco {
			w.name("history")
			w.beginArray()
			for _, h := range c.History {
				w.beginObject()
				w.strField("date", h.Date)
				w.strField("event", h.Event)
				w.strField("type", h.Type)
				w.intField("volume", h.Volume)
				w.endObject()
			}
			w.endArray()
		}
		w.strField("plan", c.Plan)
		if c.Eco {
			w.intField("remains", c.Remains)
		}
		w.endObject()
	}
	w.endArray()
	w.strField("returnCode", codeOK)
	w.endObject()
	return w.bytes()
}

func writeLineV2(w *jsonWriter, l lineView, eco bool) {
	w.beginObject()
	if !eco {
		w.name("coupon")
		writeSimCoupon(w, l, true)
	}
	w.boolField("couponUse", l.CouponUse)
	w.strField(l.Kind+"ServiceCode", l.ServiceCode)
	w.strField("iccid", l.ICCID)
	w.strField("number", l.Number)
	w.boolField("regulation", l.Regulation)
	w.boolField("sms", l.SMS)
	w.boolField("voice", l.Voice)
	w.endObject()
}

// handleCouponPut handles "PUT /mobile/d/v1/coupon/" and "PUT /mobile/d/v2/coupon/":
// クーポンのON/OFF. Idempotent; all-or-nothing (docs/providers/iijmio.md,
// "PUT coupon").
func handleCouponPut(st Store, version int, writeErr errorFunc) apiHandler {
	return func(w http.ResponseWriter, r *http.Request, c caller) {
		body, err := httpx.ReadBody(r)
		if err != nil {
			if httpx.IsTooLarge(err) {
				writeErr(w, r, errTooLarge)
				return
			}
			writeErr(w, r, errBadData) // the client hung up mid-body
			return
		}
		sw, err := parseCouponPut(body, version)
		if err != nil {
			writeErr(w, r, err)
			return
		}
		if err := st.SwitchCoupons(c.MioID, sw); err != nil {
			writeErr(w, r, err)
			return
		}
		writeCode(w, http.StatusOK, codeOK)
	}
}

// parseCouponPut reads a PUT coupon body:
//
//	{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdo…","couponUse":true}], "hduInfo":[…], "hdxInfo":[…]}]}
//
// Keys match case-sensitively. Unknown keys are ignored; hdoInfo/hduInfo/
// hdxInfo may be absent, [] or null; every entry needs a non-empty string
// service code and a boolean couponUse (so nu50218/miopon-go's omitempty
// couponUse:false is a 400, kept on purpose); v1 accepts only empty
// hduInfo/hdxInfo. A body that names no line, such as tagattie/
// IIJmio-AutoSwitch's -f {"couponInfo":[{"hdoInfo":[],"hduInfo":[]}]},
// switches nothing and is OK. Every failure is errBadData
// (docs/providers/iijmio.md, "PUT coupon").
func parseCouponPut(body []byte, version int) ([]couponSwitch, error) {
	var in couponPutBody
	if jsonv2.Unmarshal(body, &in, couponPutOptions) != nil || in.CouponInfo == nil {
		return nil, errBadData // not an object, or couponInfo missing or null
	}
	var out []couponSwitch
	for _, info := range in.CouponInfo {
		if info == nil {
			return nil, errBadData
		}
		if version == 1 && (len(info.Hdu) > 0 || len(info.Hdx) > 0) {
			return nil, errBadData // v1 knows only docomo lines
		}
		var ok bool
		for _, l := range info.Hdo {
			if out, ok = l.appendTo(out, kindHdo); !ok {
				return nil, errBadData
			}
		}
		for _, l := range info.Hdu {
			if out, ok = (*lineSwitch)(l).appendTo(out, kindHdu); !ok {
				return nil, errBadData
			}
		}
		for _, l := range info.Hdx {
			if out, ok = (*lineSwitch)(l).appendTo(out, kindHdx); !ok {
				return nil, errBadData
			}
		}
	}
	return out, nil // naming no line is a no-op, answered OK
}

// couponPutOptions relax two of jsonv2's defaults: a repeated name counts
// once, the last one, and invalid UTF-8 is read as U+FFFD, which never
// names a line (docs/providers/iijmio.md, "PUT coupon").
var couponPutOptions = jsonv2.JoinOptions(
	jsontext.AllowDuplicateNames(true),
	jsontext.AllowInvalidUTF8(true),
)

// couponPutBody is a PUT coupon body. Elements are pointers, so that a null
// element is told from an empty one and refused.
type couponPutBody struct {
	CouponInfo []*couponPutInfo `json:"couponInfo"`
}

type couponPutInfo struct {
	Hdo []*lineSwitch `json:"hdoInfo"`
	Hdu []*hduSwitch  `json:"hduInfo"`
	Hdx []*hdxSwitch  `json:"hdxInfo"`
}

// lineSwitch is one entry of hdoInfo. The service code's key names the
// line kind, so hduInfo and hdxInfo entries have types of their own that
// differ only in that key; their pointers convert to *lineSwitch. Pointer
// fields tell a missing or null member, which is refused, from a zero one.
type lineSwitch struct {
	ServiceCode *string `json:"hdoServiceCode"`
	CouponUse   *bool   `json:"couponUse"`
}

type hduSwitch struct {
	ServiceCode *string `json:"hduServiceCode"`
	CouponUse   *bool   `json:"couponUse"`
}

type hdxSwitch struct {
	ServiceCode *string `json:"hdxServiceCode"`
	CouponUse   *bool   `json:"couponUse"`
}

// appendTo appends the switch of a complete entry; ok is false for a null
// entry, a missing or empty service code or a missing couponUse.
func (l *lineSwitch) appendTo(sw []couponSwitch, kind string) (_ []couponSwitch, ok bool) {
	if l == nil || l.ServiceCode == nil || *l.ServiceCode == "" || l.CouponUse == nil {
		return sw, false
	}
	return append(sw, couponSwitch{Kind: kind, ServiceCode: *l.ServiceCode, CouponUse: *l.CouponUse}), true
}

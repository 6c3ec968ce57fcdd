package iijmio

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/fakeapi/fakeapi/internal/httpx"
)

// handleCouponGet handles "GET /mobile/d/v1/coupon/" and "GET /mobile/d/v2/coupon/":
// クーポン残量照会・クーポンのON/OFF状態照会 (iijmio.md §5).
func handleCouponGet(st Store, version int) apiHandler {
	return func(w http.ResponseWriter, r *http.Request, c caller) {
		cs := st.Contracts(c.MioID, false)
		if version == 1 {
			writeBody(w, http.StatusOK, encodeCouponV1(cs))
			return
		}
		writeBody(w, http.StatusOK, encodeCouponV2(cs))
	}
}

// encodeCouponV1 writes the seed's exact shape and key order [doc]: top
// returnCode, couponInfo; contract hddServiceCode, coupon, hdoInfo; line
// couponUse, coupon, hdoServiceCode, sms, number, regulation, iccid; coupon
// volume, expire, type. No plan, no voice, and only docomo (hdo) lines
// (iijmio.md §1, §5.1) [doc; chosen for hiding hdu/hdx].
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
			w.endObject()
		}
		w.endArray()
		w.endObject()
	}
	w.endArray()
	w.endObject()
	return w.bytes()
}

// writeSimCoupon writes the line's one SIM coupon: volume an integer by
// default, null when the fixture says so (the seed's 2014 value); expire
// always null (iijmio.md §5.1) [doc, clients].
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
// have them [clients: neronplex/miopon-api tests]. hdoInfo, hduInfo and
// hdxInfo are always present, [] when empty [chosen]. Eco plans carry
// history and remains instead of coupon, and their lines no coupon
// (iijmio.md §5.2) [clients: neronplex EcoCouponTest.php].
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
// クーポンのON/OFF (iijmio.md §6). Idempotent; all-or-nothing [doc; chosen].
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

// parseCouponPut reads a PUT coupon body (iijmio.md §6):
//
//	{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdo…","couponUse":true}], "hduInfo":[…], "hdxInfo":[…]}]}
//
// Keys match case-sensitively (encoding/json into structs would also accept
// "COUPONINFO"). Unknown keys are ignored; hdoInfo/hduInfo/hdxInfo may be
// absent, [] or null (Go clients marshal nil slices as null) [chosen]; every
// entry needs a string service code and a boolean couponUse (so
// nu50218/miopon-go's omitempty couponUse:false is a 400, kept on purpose);
// v1 accepts only empty hduInfo/hdxInfo; the body must name at least one
// line. Every failure is errBadData.
//
// The usual body is read by parsePlainCouponPut; anything else by
// parseCouponPutJSON, which defines the answer.
func parseCouponPut(body []byte, version int) ([]couponSwitch, error) {
	if sw, ok := parsePlainCouponPut(body, version); ok {
		return sw, nil
	}
	return parseCouponPutJSON(body, version)
}

// parseCouponPutJSON is parseCouponPut by encoding/json.
func parseCouponPutJSON(body []byte, version int) ([]couponSwitch, error) {
	var top map[string]json.RawMessage
	if err := unmarshalOne(body, &top); err != nil || top == nil {
		return nil, errBadData
	}
	var infos []map[string]json.RawMessage
	raw, ok := top["couponInfo"]
	if !ok || json.Unmarshal(raw, &infos) != nil || infos == nil {
		return nil, errBadData
	}
	var out []couponSwitch
	for _, info := range infos {
		if info == nil {
			return nil, errBadData
		}
		for _, kind := range [...]string{kindHdo, kindHdu, kindHdx} {
			raw, ok := info[kind+"Info"]
			if !ok {
				continue
			}
			var entries []map[string]json.RawMessage
			if err := json.Unmarshal(raw, &entries); err != nil {
				return nil, errBadData
			}
			if version == 1 && kind != kindHdo && len(entries) > 0 {
				return nil, errBadData // v1 knows only docomo lines
			}
			for _, e := range entries {
				var code string
				var use bool
				if e == nil || !decodeStrict(e[kind+"ServiceCode"], &code) || code == "" ||
					!decodeStrict(e["couponUse"], &use) {
					return nil, errBadData
				}
				out = append(out, couponSwitch{Kind: kind, ServiceCode: code, CouponUse: use})
			}
		}
	}
	if len(out) == 0 {
		return nil, errBadData
	}
	return out, nil
}

// decodeStrict decodes a present, non-null raw value of exactly v's type.
func decodeStrict(raw json.RawMessage, v any) bool {
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return false
	}
	return json.Unmarshal(raw, v) == nil
}

// unmarshalOne decodes exactly one JSON value.
func unmarshalOne(b []byte, v any) error {
	return httpx.UnmarshalStrict(b, v, false)
}

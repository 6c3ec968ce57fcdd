package iijmio

import "net/http"

// handlePacketGet handles "GET /mobile/d/v1/log/packet/" and "GET /mobile/d/v2/log/packet/":
// データ利用量照会. 31 entries per line, oldest first, today (JST) last, days
// without traffic as 0 (docs/providers/iijmio.md, "GET packet log").
func handlePacketGet(st Store, version int) apiHandler {
	return func(w http.ResponseWriter, r *http.Request, c caller) {
		cs := st.Contracts(c.MioID, true)
		writeBody(w, http.StatusOK, encodePacket(cs, version))
	}
}

// encodePacket writes alphabetical keys everywhere, which the 2014 capture's
// v1 order happens to be; v2 adds hduInfo/hdxInfo and plan. v1 lists only
// hdo lines (docs/providers/iijmio.md, "GET packet log").
func encodePacket(cs []contractView, version int) []byte {
	w := newJSONWriter(256 + 2048*len(cs))
	w.beginObject()
	w.name("packetLogInfo")
	w.beginArray()
	for _, c := range cs {
		w.beginObject()
		w.strField("hddServiceCode", c.HddServiceCode)
		kinds := []string{kindHdo, kindHdu, kindHdx}
		if version == 1 {
			kinds = kinds[:1]
		}
		for _, kind := range kinds {
			w.name(kind + "Info")
			w.beginArray()
			for _, l := range c.Lines {
				if l.Kind != kind {
					continue
				}
				w.beginObject()
				w.strField(kind+"ServiceCode", l.ServiceCode)
				w.name("packetLog")
				w.beginArray()
				for _, d := range l.Log {
					w.beginObject()
					w.strField("date", d.Date)
					w.intField("withCoupon", d.WithCoupon)
					w.intField("withoutCoupon", d.WithoutCoupon)
					w.endObject()
				}
				w.endArray()
				w.endObject()
			}
			w.endArray()
		}
		if version != 1 {
			w.strField("plan", c.Plan)
		}
		w.endObject()
	}
	w.endArray()
	w.strField("returnCode", codeOK)
	w.endObject()
	return w.bytes()
}

package mixi

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/httpx"
)

// maxKeys: "100個以上のKey/Value指定" is a 400 [doc], so 99 is the most one
// request may carry.
const maxKeys = 100

// handleAppData handles "GET|POST|PUT|DELETE /os/0.8/appdata/{guid}/{selector}[/{appId}]"
// (Persistence API [doc]; writes as in OpenSocial 0.8.1 and Shindig).
func handleAppData(log *slog.Logger, st Store, clk clock.Clock) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		// The Persistence table has no 404; 取得対象IDが未指定/不正 is a 400 [doc].
		c, lp, guid, ok := ownerRequest(log, w, r, http.StatusBadRequest)
		if !ok {
			return
		}
		var friends bool
		switch segment(chi.URLParam(r, "selector")) {
		case "@self":
		case "@friends":
			friends = true
		default:
			writeError(log, w, r, newErr(http.StatusForbidden, reasonNoSelector))
			return
		}
		// Data is isolated per app: only the signing app's own id (or @app).
		if appID := segment(chi.URLParam(r, "appId")); appID != "" && appID != "@app" && appID != c.app {
			writeError(log, w, r, newErr(http.StatusForbidden, reasonOtherApp))
			return
		}
		keys, err := appdataKeys(lp.fields)
		if err != nil {
			writeError(log, w, r, err)
			return
		}
		if r.Method == http.MethodGet {
			entries, total, err := st.AppData(c.app, c.viewer, guid, friends, keys, lp.pg)
			if err != nil {
				writeError(log, w, r, err)
				return
			}
			start := lp.pg.start
			if !friends {
				start = 0
			}
			writeAppData(w, lp.format, entries, start, total)
			return
		}
		if friends { // only one's own @self is writable [doc permission table]
			writeError(log, w, r, newErr(http.StatusForbidden, reasonWriteOthers))
			return
		}
		var set map[string]string
		if r.Method != http.MethodDelete {
			body, err := httpx.ReadBody(r)
			if err == nil {
				set, err = decodeAppDataBody(body)
			}
			if err != nil {
				writeError(log, w, r, err)
				return
			}
		}
		var del []string
		delAll := false
		if r.Method == http.MethodDelete {
			// DELETE ?fields=k1,k2 removes those keys; no fields (or *)
			// removes all [clients: Shindig-PHP, OpenPNE].
			del, delAll = keys, len(keys) == 0
		}
		if err := st.WriteAppData(c.app, c.viewer, guid, set, del, delAll, clk.Now()); err != nil {
			writeError(log, w, r, err)
			return
		}
		// Writes answer {"entry":{}} [clients: Shindig 1.0 Java].
		httpx.WriteBytes(w, http.StatusOK, contentJSON, []byte(`{"entry":{}}`))
	}
}

// appdataKeys validates fields as appdata keys; "*" means every key.
func appdataKeys(fields []string) ([]string, error) {
	var keys []string
	for _, f := range fields {
		if f == "*" {
			return nil, nil
		}
		if !keyPattern.MatchString(f) {
			return nil, newErr(http.StatusBadRequest, reasonBadKey)
		}
		keys = append(keys, f)
	}
	return keys, nil
}

// decodeAppDataBody reads {"key":"value",…}: a JSON object of strings with
// valid keys, fewer than 100 of them, each value at most 10,000 bytes
// (mixi.md §4).
func decodeAppDataBody(body []byte) (map[string]string, error) {
	// encoding/json turns invalid UTF-8 into U+FFFD without a word, so the
	// write would be acknowledged and a different value stored [chosen: 400].
	if !utf8.Valid(body) {
		return nil, newErr(http.StatusBadRequest, reasonBadBody)
	}
	if m, ok := scanFlatObject(body); ok {
		return checkAppData(m)
	}
	var raw map[string]json.RawMessage
	if err := httpx.UnmarshalStrict(body, &raw, false); err != nil || raw == nil {
		return nil, newErr(http.StatusBadRequest, reasonBadBody)
	}
	if len(raw) >= maxKeys {
		return nil, newErr(http.StatusBadRequest, reasonTooManyKeys)
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		var s string
		if keyPattern.MatchString(k) && (len(v) == 0 || v[0] != '"' || json.Unmarshal(v, &s) != nil) {
			return nil, newErr(http.StatusBadRequest, reasonBadBody)
		}
		out[k] = s
	}
	return checkAppData(out)
}

// checkAppData applies the key and value rules to a decoded body.
func checkAppData(m map[string]string) (map[string]string, error) {
	if len(m) >= maxKeys {
		return nil, newErr(http.StatusBadRequest, reasonTooManyKeys)
	}
	for k, v := range m {
		if !keyPattern.MatchString(k) {
			return nil, newErr(http.StatusBadRequest, reasonBadKey)
		}
		if len(v) > maxValueBytes {
			return nil, newErr(http.StatusBadRequest, reasonValueTooLong)
		}
	}
	return m, nil
}

// scanFlatObject decodes the usual body, {"key":"value",…} whose strings
// hold no escape or control character, without encoding/json (its decoder,
// a RawMessage per value and a second Unmarshal each were most of a
// write's decoding cost). Anything else answers ok=false and takes the
// general path, so both accept the same documents (FuzzDecodeAppDataBody
// compares them). The caller has checked UTF-8.
func scanFlatObject(b []byte) (m map[string]string, ok bool) {
	i := httpx.SkipJSONSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil, false
	}
	m = map[string]string{}
	i = httpx.SkipJSONSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return m, httpx.SkipJSONSpace(b, i+1) == len(b)
	}
	for {
		var k, v string
		if k, i, ok = scanPlainString(b, i); !ok {
			return nil, false
		}
		if i = httpx.SkipJSONSpace(b, i); i >= len(b) || b[i] != ':' {
			return nil, false
		}
		if v, i, ok = scanPlainString(b, httpx.SkipJSONSpace(b, i+1)); !ok {
			return nil, false
		}
		m[k] = v // a repeated key: the last wins, as in encoding/json
		if i = httpx.SkipJSONSpace(b, i); i >= len(b) {
			return nil, false
		}
		switch b[i] {
		case ',':
			i = httpx.SkipJSONSpace(b, i+1)
		case '}':
			return m, httpx.SkipJSONSpace(b, i+1) == len(b)
		default:
			return nil, false
		}
	}
}

// scanPlainString reads a JSON string at b[i] that needs no unescaping.
func scanPlainString(b []byte, i int) (string, int, bool) {
	end := httpx.PlainJSONString(b, i)
	if end < 0 {
		return "", i, false
	}
	return string(b[i+1 : end-1]), end, true
}

// writeAppData writes the seed's shapes [doc]: JSON keyed by user id with
// the "id" list, Atom one entry per user with the owner as author.
func writeAppData(w http.ResponseWriter, f format, entries []appdataEntry, start, total int) {
	var b bytes.Buffer
	if f == formatAtom {
		b.WriteString(atomHead)
		for _, e := range entries {
			b.WriteString("  <entry>\n    <content type=\"application/xml\">\n")
			if len(e.data) == 0 {
				b.WriteString("      <appdata xmlns=\"" + opensocialNS + "\"/>\n")
			} else {
				b.WriteString("      <appdata xmlns=\"" + opensocialNS + "\">\n")
				for _, kv := range e.data {
					xmlElem(&b, "        ", kv[0], kv[1])
				}
				b.WriteString("      </appdata>\n")
			}
			b.WriteString("    </content>\n    <title/>\n    <updated/>\n    <author>\n")
			xmlElem(&b, "      ", "url", urnPrefix+e.user)
			b.WriteString("    </author>\n")
			xmlElem(&b, "    ", "id", urnPrefix+e.user)
			b.WriteString("  </entry>\n")
		}
		atomFoot(&b, start, total, -1)
		writeAtomBody(w, &b)
		return
	}
	o := openObject(&b)
	o.key("entry")
	eo := openObject(&b)
	for _, e := range entries {
		eo.key(e.user)
		do := openObject(&b)
		for _, kv := range e.data {
			do.str(kv[0], kv[1])
		}
		do.close()
	}
	eo.close()
	o.num("startIndex", start)
	o.key("id")
	b.WriteByte('[')
	for i, e := range entries {
		if i > 0 {
			b.WriteByte(',')
		}
		jsonString(&b, e.user)
	}
	b.WriteByte(']')
	o.num("totalResults", total)
	o.close()
	writeJSONBody(w, &b)
}

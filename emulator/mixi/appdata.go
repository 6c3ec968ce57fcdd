package mixi

import (
	"bytes"
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5"
	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

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
// (docs/providers/mixi.md, "Persistence (appdata)"). The decoder refuses
// invalid UTF-8, so a write is never acknowledged with U+FFFD stored in
// place of what the client sent. A repeated name is accepted and the last
// one wins, as in most JSON parsers.
func decodeAppDataBody(body []byte) (map[string]string, error) {
	var in map[string]any
	if err := jsonv2.Unmarshal(body, &in, jsontext.AllowDuplicateNames(true)); err != nil || in == nil {
		return nil, newErr(http.StatusBadRequest, reasonBadBody)
	}
	if len(in) >= maxKeys {
		return nil, newErr(http.StatusBadRequest, reasonTooManyKeys)
	}
	out := make(map[string]string, len(in))
	for k, v := range in {
		s, ok := v.(string)
		// A key that breaks the rule is reported as such, whatever its value.
		if !ok && keyPattern.MatchString(k) {
			return nil, newErr(http.StatusBadRequest, reasonBadBody)
		}
		out[k] = s
	}
	for k, v := range out {
		if !keyPattern.MatchString(k) {
			return nil, newErr(http.StatusBadRequest, reasonBadKey)
		}
		if len(v) > maxValueBytes {
			return nil, newErr(http.StatusBadRequest, reasonValueTooLong)
		}
	}
	return out, nil
}

// writeAppData writes the shapes of mixi's samples [doc]: JSON keyed by user
// id with the "id" list, Atom one entry per user with the owner as author.
func writeAppData(w http.ResponseWriter, f format, entries []appdataEntry, start, total int) {
	if f == formatAtom {
		var b bytes.Buffer
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
	var js []byte
	o := openObject(&js)
	o.key("entry")
	eo := openObject(&js)
	for _, e := range entries {
		eo.key(e.user)
		do := openObject(&js)
		for _, kv := range e.data {
			do.str(kv[0], kv[1])
		}
		do.close()
	}
	eo.close()
	o.num("startIndex", start)
	o.array("id", len(entries), func(i int) { js = appendJSONString(js, entries[i].user) })
	o.num("totalResults", total)
	o.close()
	writeJSONBody(w, js)
}

package mixi

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/fakeapi/fakeapi/internal/httpx"
)

// Response content types (docs/providers/mixi.md, "People").
const (
	contentJSON = "application/json; charset=utf-8"
	contentAtom = "application/atom+xml; charset=utf-8"
)

// The bodies are written by hand, not by encoding/json or encoding/xml,
// because clients depend on the exact bytes of mixi's samples: key order,
// string booleans, counts as strings in albums (docs/providers/mixi.md,
// "People", "Persistence (appdata)", "Albums and media items").

// jsonString appends s as a JSON string: UTF-8 kept raw (Japanese as in the
// samples), no HTML escaping, U+2028/2029 escaped for JavaScript clients.
// Runs of bytes that need no escape are copied at once.
func jsonString(b *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c != 0x7f && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if !(r == utf8.RuneError && size == 1) && r != '\u2028' && r != '\u2029' {
				i += size
				continue
			}
			b.WriteString(s[start:i])
			if r == utf8.RuneError {
				b.WriteString(`\ufffd`)
			} else {
				b.WriteString(`\u202`)
				b.WriteByte(hex[r&15])
			}
			i += size
			start = i
			continue
		}
		b.WriteString(s[start:i])
		switch c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			b.WriteString(`\u00`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
		i++
		start = i
	}
	b.WriteString(s[start:])
	b.WriteByte('"')
}

// jsonObject writes {"k":v,…} in the order of calls to field.
type jsonObject struct {
	b *bytes.Buffer
	n int
}

func openObject(b *bytes.Buffer) jsonObject { b.WriteByte('{'); return jsonObject{b: b} }

func (o *jsonObject) key(k string) {
	if o.n > 0 {
		o.b.WriteByte(',')
	}
	o.n++
	jsonString(o.b, k)
	o.b.WriteByte(':')
}

func (o *jsonObject) str(k, v string) { o.key(k); jsonString(o.b, v) }

// text writes a member whose value is in d's text arena; a string flagged
// at load as needing no escape is copied between quotes as it is.
func (o *jsonObject) text(k string, d *dataset, x str) {
	o.key(k)
	if !x.plainJSON() {
		jsonString(o.b, d.s(x))
		return
	}
	o.b.WriteByte('"')
	o.b.WriteString(d.s(x))
	o.b.WriteByte('"')
}

// boolStr writes one of mixi's string booleans, "true"/"false" [doc].
func (o *jsonObject) boolStr(k string, v bool) { o.str(k, strconv.FormatBool(v)) }

func (o *jsonObject) num(k string, v int) {
	o.key(k)
	o.b.WriteString(strconv.Itoa(v))
}

func (o *jsonObject) close() { o.b.WriteByte('}') }

func writeJSONBody(w http.ResponseWriter, b *bytes.Buffer) {
	httpx.WriteBytes(w, http.StatusOK, contentJSON, b.Bytes())
}

// Atom helpers. The feed frame is mixi's sample [doc]: two-space
// indentation, the opensearch namespace as "osearch".
const (
	atomHead = `<?xml version="1.0" encoding="utf-8"?>` + "\n" +
		`<feed xmlns="http://www.w3.org/2005/Atom" xmlns:osearch="http://a9.com/-/spec/opensearch/1.1">` + "\n"
	opensocialNS = "http://ns.opensocial.org/2008/opensocial"
	urnPrefix    = "urn:guid:mixi.jp:"
)

// atomFoot closes a feed with its OpenSearch paging; itemsPerPage < 0
// leaves that element out (single results and appdata, as in the samples).
func atomFoot(b *bytes.Buffer, start, total, itemsPerPage int) {
	b.WriteString("  <osearch:startIndex>" + strconv.Itoa(start) + "</osearch:startIndex>\n")
	b.WriteString("  <osearch:totalResults>" + strconv.Itoa(total) + "</osearch:totalResults>\n")
	if itemsPerPage >= 0 {
		b.WriteString("  <osearch:itemsPerPage>" + strconv.Itoa(itemsPerPage) + "</osearch:itemsPerPage>\n")
	}
	b.WriteString("</feed>\n")
}

// xmlElem writes <name>text</name> at indent, the text escaped.
func xmlElem(b *bytes.Buffer, indent, name, text string) {
	b.WriteString(indent)
	b.WriteString("<" + name + ">")
	xmlText(b, text)
	b.WriteString("</" + name + ">\n")
}

func xmlText(b *bytes.Buffer, s string) { _ = xml.EscapeText(b, []byte(s)) }

func xmlAttr(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func writeAtomBody(w http.ResponseWriter, b *bytes.Buffer) {
	httpx.WriteBytes(w, http.StatusOK, contentAtom, b.Bytes())
}

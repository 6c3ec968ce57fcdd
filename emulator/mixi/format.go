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

// appendJSONString appends s as a JSON string: UTF-8 kept raw (Japanese as
// in the samples), no HTML escaping, U+2028/2029 escaped for JavaScript
// clients. Runs of bytes that need no escape are copied at once.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
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
			b = append(b, s[start:i]...)
			if r == utf8.RuneError {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, `\u202`...)
				b = append(b, hex[r&15])
			}
			i += size
			start = i
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, `\n`...)
		case '\r':
			b = append(b, `\r`...)
		case '\t':
			b = append(b, `\t`...)
		default:
			b = append(b, `\u00`...)
			b = append(b, hex[c>>4], hex[c&15])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// jsonObject writes {"k":v,…} into *b in the order of calls. The body is a
// plain byte slice grown with append: a page of people is some thirty
// small writes per person, and bytes.Buffer's per-call checks cost as much
// as the copying.
type jsonObject struct {
	b *[]byte
	n int
}

func openObject(b *[]byte) jsonObject { *b = append(*b, '{'); return jsonObject{b: b} }

func (o *jsonObject) key(k string) {
	if o.n > 0 {
		*o.b = append(*o.b, ',')
	}
	o.n++
	*o.b = append(appendJSONString(*o.b, k), ':')
}

func (o *jsonObject) str(k, v string) { o.key(k); *o.b = appendJSONString(*o.b, v) }

// text writes a member whose value is in d's text arena; a string flagged
// at load as needing no escape is copied between quotes as it is.
func (o *jsonObject) text(k string, d *dataset, x str) {
	o.key(k)
	if !x.plainJSON() {
		*o.b = appendJSONString(*o.b, d.s(x))
		return
	}
	*o.b = append(append(append(*o.b, '"'), d.s(x)...), '"')
}

// boolStr writes one of mixi's string booleans, "true"/"false" [doc].
func (o *jsonObject) boolStr(k string, v bool) {
	o.key(k)
	if v {
		*o.b = append(*o.b, `"true"`...)
	} else {
		*o.b = append(*o.b, `"false"`...)
	}
}

func (o *jsonObject) num(k string, v int) {
	o.key(k)
	*o.b = strconv.AppendInt(*o.b, int64(v), 10)
}

func (o *jsonObject) close() { *o.b = append(*o.b, '}') }

// array writes [e0,e1,…] under key k, each element by elem.
func (o *jsonObject) array(k string, n int, elem func(i int)) {
	o.key(k)
	*o.b = append(*o.b, '[')
	for i := range n {
		if i > 0 {
			*o.b = append(*o.b, ',')
		}
		elem(i)
	}
	*o.b = append(*o.b, ']')
}

func writeJSONBody(w http.ResponseWriter, b []byte) {
	httpx.WriteBytes(w, http.StatusOK, contentJSON, b)
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

package iijmio

import (
	"strconv"
	"unicode/utf8"
)

// jsonWriter writes JSON the way the real service does: Python json.dumps
// defaults, i.e. separators ", " and ": ", non-ASCII and DEL as lower-case
// \uXXXX escapes (surrogate pairs above U+FFFF), no HTML escaping, no
// trailing newline, keys in the order they are written
// (docs/providers/iijmio.md, "Wire format").
//
// Callers write keys in the 2014 capture's order for v1 coupon and in
// alphabetical order everywhere else.
type jsonWriter struct {
	b     []byte
	stack []int // per open container: number of members written so far
	key   bool  // a key was just written; the next value needs no separator
}

func newJSONWriter(size int) *jsonWriter {
	return &jsonWriter{b: make([]byte, 0, size), stack: make([]int, 0, 8)}
}

func (w *jsonWriter) bytes() []byte { return w.b }

// sep writes ", " before every member but the first of a container.
func (w *jsonWriter) sep() {
	if w.key {
		w.key = false
		return
	}
	if n := len(w.stack); n > 0 {
		if w.stack[n-1] > 0 {
			w.b = append(w.b, ", "...)
		}
		w.stack[n-1]++
	}
}

func (w *jsonWriter) open(c byte) {
	w.sep()
	w.b = append(w.b, c)
	w.stack = append(w.stack, 0)
}

func (w *jsonWriter) close(c byte) {
	w.stack = w.stack[:len(w.stack)-1]
	w.b = append(w.b, c)
}

func (w *jsonWriter) beginObject() { w.open('{') }
func (w *jsonWriter) endObject()   { w.close('}') }
func (w *jsonWriter) beginArray()  { w.open('[') }
func (w *jsonWriter) endArray()    { w.close(']') }

// name writes an object key and ": ".
func (w *jsonWriter) name(k string) {
	w.sep()
	w.b = appendPyString(w.b, k)
	w.b = append(w.b, ": "...)
	w.key = true
}

func (w *jsonWriter) str(s string) {
	w.sep()
	w.b = appendPyString(w.b, s)
}

func (w *jsonWriter) int(n int) {
	w.sep()
	w.b = strconv.AppendInt(w.b, int64(n), 10)
}

func (w *jsonWriter) bool(v bool) {
	w.sep()
	w.b = strconv.AppendBool(w.b, v)
}

func (w *jsonWriter) null() {
	w.sep()
	w.b = append(w.b, "null"...)
}

// Convenience for "key": value members.
func (w *jsonWriter) strField(k, v string) { w.name(k); w.str(v) }
func (w *jsonWriter) intField(k string, v int) {
	w.name(k)
	w.int(v)
}
func (w *jsonWriter) boolField(k string, v bool) { w.name(k); w.bool(v) }

// optIntField writes an integer or null.
func (w *jsonWriter) optIntField(k string, v *int) {
	w.name(k)
	if v == nil {
		w.null()
		return
	}
	w.int(*v)
}

// optStrField writes a string or null.
func (w *jsonWriter) optStrField(k string, v string, ok bool) {
	w.name(k)
	if !ok {
		w.null()
		return
	}
	w.str(v)
}

const hexDigits = "0123456789abcdef"

// appendPyString quotes s like Python's json.dumps with ensure_ascii=True:
// \" \\ \n \r \t \b \f, every other byte outside ' '..'~' as \u00XX, runes
// above U+007F as \uXXXX (UTF-16). Invalid UTF-8 becomes \ufffd.
func appendPyString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= ' ' && c <= '~' && c != '"' && c != '\\' {
			i++
			continue
		}
		b = append(b, s[start:i]...)
		if c < utf8.RuneSelf {
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = appendU16(b, uint16(c))
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r > 0xffff {
			r -= 0x10000
			b = appendU16(b, uint16(0xd800+(r>>10)))
			b = appendU16(b, uint16(0xdc00+(r&0x3ff)))
		} else {
			b = appendU16(b, uint16(r)) // RuneError for invalid bytes: \ufffd
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func appendU16(b []byte, v uint16) []byte {
	return append(b, '\\', 'u', hexDigits[v>>12], hexDigits[v>>8&0xf], hexDigits[v>>4&0xf], hexDigits[v&0xf])
}

// returnCodeBody is {"returnCode": code}, the body of every error and of a
// successful PUT (docs/providers/iijmio.md, "Errors").
func returnCodeBody(code string) []byte {
	w := newJSONWriter(len(code) + 20)
	w.beginObject()
	w.strField("returnCode", code)
	w.endObject()
	return w.bytes()
}

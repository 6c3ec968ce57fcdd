package kii

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/fakeapi/fakeapi/internal/httpx"
)

// kv is one member of an ordered JSON object.
type kv struct {
	k string
	v any
}

// object is a JSON object written in the given key order: responses are
// compact JSON in the key order kii.md shows [chosen], which a Go map or
// struct tags cannot express for custom user fields.
type object []kv

// MarshalJSON lets an object nest inside another value.
func (o object) MarshalJSON() ([]byte, error) { return o.encode(), nil }

// encode writes the object compactly, keeping non-ASCII text and '<', '>',
// '&' as they are (no HTML escaping: these are API bodies, not pages).
func (o object) encode() []byte { return o.appendTo(make([]byte, 0, 256)) }

func (o object) appendTo(b []byte) []byte {
	b = append(b, '{')
	for i, m := range o {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, m.k)
		b = append(b, ':')
		b = appendValue(b, m.v)
	}
	return append(b, '}')
}

func appendValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case object:
		return x.appendTo(b)
	case json.RawMessage:
		if len(x) == 0 {
			return append(b, "null"...)
		}
		buf := bytes.NewBuffer(b)
		_ = json.Compact(buf, x)
		return buf.Bytes()
	case string:
		return appendString(b, x)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case bool:
		return strconv.AppendBool(b, x)
	}
	return appendEncoded(b, v)
}

// appendString writes s as a JSON string; text that needs no escaping
// without encoding/json.
func appendString(b []byte, s string) []byte {
	if plainASCII(s) {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	return appendEncoded(b, s)
}

func appendEncoded(b []byte, v any) []byte {
	var tmp bytes.Buffer
	enc := json.NewEncoder(&tmp)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only plain strings, numbers, bools, nil and slices of them reach
		// here; none can fail. Write null rather than half a value.
		return append(b, "null"...)
	}
	return append(b, bytes.TrimSuffix(tmp.Bytes(), []byte("\n"))...)
}

// writeObject writes a success body.
func writeObject(w http.ResponseWriter, status int, contentType string, o object) {
	httpx.WriteBytes(w, status, contentType, o.encode())
}

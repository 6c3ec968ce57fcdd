package kii

import (
	"bytes"
	"encoding/json"
	"net/http"

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
func (o object) encode() []byte {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			buf.WriteByte(',')
		}
		writeValue(&buf, m.k)
		buf.WriteByte(':')
		writeValue(&buf, m.v)
	}
	buf.WriteByte('}')
	return buf.Bytes()
}

func writeValue(buf *bytes.Buffer, v any) {
	switch x := v.(type) {
	case object:
		buf.Write(x.encode())
		return
	case json.RawMessage:
		if len(x) == 0 {
			buf.WriteString("null")
			return
		}
		_ = json.Compact(buf, x)
		return
	}
	var tmp bytes.Buffer
	enc := json.NewEncoder(&tmp)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only plain strings, numbers, bools, nil and slices of them reach
		// here; none can fail. Write null rather than half a value.
		buf.WriteString("null")
		return
	}
	buf.Write(bytes.TrimSuffix(tmp.Bytes(), []byte("\n")))
}

// writeObject writes a success body.
func writeObject(w http.ResponseWriter, status int, contentType string, o object) {
	httpx.WriteBytes(w, status, contentType, o.encode())
}

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
// compact JSON in the key order of Kii's examples (docs/providers/kii.md,
// "Request conventions"), which a Go map or struct tags cannot express for
// custom user fields.
type object []kv

// MarshalJSON lets an object nest inside another value.
func (o object) MarshalJSON() ([]byte, error) { return o.encode(), nil }

func (o object) encode() []byte { return o.appendTo(nil) }

func (o object) appendTo(b []byte) []byte {
	b = append(b, '{')
	for i, m := range o {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendValue(b, m.k)
		b = append(b, ':')
		b = appendValue(b, m.v)
	}
	return append(b, '}')
}

// appendValue appends v as encoding/json writes it, keeping '<', '>' and
// '&' as they are (no HTML escaping: these are API bodies, not pages).
func appendValue(b []byte, v any) []byte {
	if o, ok := v.(object); ok {
		return o.appendTo(b)
	}
	buf := bytes.NewBuffer(b)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only strings, numbers, bools, nil, raw JSON and slices of them
		// reach here; none can fail. Write null rather than half a value.
		return append(b, "null"...)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// writeObject writes a success body.
func writeObject(w http.ResponseWriter, status int, contentType string, o object) {
	httpx.WriteBytes(w, status, contentType, o.encode())
}

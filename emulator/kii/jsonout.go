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
	// Most members are plain strings and numbers, which are written
	// directly: an encoder per member was most of the cost of a token
	// response. The output is encoding/json's either way.
	switch x := v.(type) {
	case object:
		return x.appendTo(b)
	case string:
		if plainString(x) {
			return append(append(append(b, '"'), x...), '"')
		}
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case bool:
		return strconv.AppendBool(b, x)
	case nil:
		return append(b, "null"...)
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

// plainString reports a string that encoding/json writes as it is between
// quotes: printable ASCII without '"' or '\\'.
func plainString(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// writeObject writes a success body.
func writeObject(w http.ResponseWriter, status int, contentType string, o object) {
	httpx.WriteBytes(w, status, contentType, o.encode())
}

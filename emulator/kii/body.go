package kii

import (
	"bytes"
	"errors"
	"net/http"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/fakeapi/fakeapi/internal/httpx"
)

// bodyOptions are the decoding options of every JSON request body. They
// accept what encoding/json accepts (docs/providers/kii.md, "Request
// conventions"): a name given twice keeps its last value, and invalid
// UTF-8 in a string reads as U+FFFD. Names match exactly, as Kii's fields
// are case-sensitive.
var bodyOptions = jsonv2.JoinOptions(
	jsontext.AllowDuplicateNames(true),
	jsontext.AllowInvalidUTF8(true),
)

// member is one member of a request object. A value of the wrong JSON type
// is not a decoding error: the handler answers it with Kii's own error,
// which names the field or lists every bad one.
type member[T any] struct {
	v     T
	sent  bool // the name was present, with null or any other value
	null  bool
	wrong bool // present with a value of another JSON type
}

// UnmarshalJSONFrom decodes one occurrence of the member; a later
// occurrence replaces an earlier one.
func (m *member[T]) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	*m = member[T]{sent: true, null: dec.PeekKind() == 'n'}
	err := jsonv2.UnmarshalDecode(dec, &m.v)
	if _, ok := errors.AsType[*jsonv2.SemanticError](err); ok {
		// The value was read whole; decoding goes on with the next member.
		m.wrong = true
		return nil
	}
	return err
}

// given reports whether the member holds a value of its type (not null).
func (m member[T]) given() bool { return m.sent && !m.null && !m.wrong }

// decodeObject decodes a request body into v, a struct of members. The
// body must be exactly one JSON object: malformed JSON is 400 INVALID_JSON,
// and so is any other JSON value, with its own message, since every Kii
// request body is an object (docs/providers/kii.md, "Request conventions").
func decodeObject(body []byte, v any) error {
	if jsontext.Value(bytes.TrimLeft(body, " \t\r\n")).Kind() != '{' {
		if jsontext.Value(body).IsValid(bodyOptions) {
			return errf(codeInvalidJSON, msgJSONObject)
		}
		return errInvalidJSON()
	}
	// Members take any value and unknown names are skipped, so only
	// malformed JSON fails here.
	if err := jsonv2.Unmarshal(body, v, bodyOptions); err != nil {
		return errInvalidJSON()
	}
	return nil
}

// decodeBody reads the request's body and decodes it as decodeObject does.
func decodeBody(r *http.Request, v any) error {
	body, err := httpx.ReadBody(r)
	if err != nil {
		return err
	}
	return decodeObject(body, v)
}

package assist

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// marshalPHP encodes v as PHP's json_encode does with default flags, which
// is how a PHP server like Assist's answers (docs/providers/assist.md,
// "JSON"): compact, every non-ASCII character as a lower-case \uXXXX escape
// (UTF-16 surrogate pairs beyond the BMP), "/" as "\/", and no HTML escaping
// of < > &. The FAQ asks clients for the same \uNNNN form in request bodies.
func marshalPHP(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return phpEscape(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))), nil
}

const hexDigits = "0123456789abcdef"

// phpEscape rewrites Go's JSON output. Outside strings JSON has neither
// "/" nor non-ASCII bytes, and Go never emits an escape containing "/", so
// a byte-level pass is exact.
func phpEscape(b []byte) []byte {
	n := 0
	for _, c := range b {
		if c == '/' || c >= utf8.RuneSelf {
			n++
		}
	}
	if n == 0 {
		return b
	}
	out := make([]byte, 0, len(b)+5*n)
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c == '/':
			out = append(out, '\\', '/')
			i++
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, size := utf8.DecodeRune(b[i:])
			i += size
			if r > 0xFFFF {
				r -= 0x10000
				out = appendU(out, 0xD800+(r>>10))
				out = appendU(out, 0xDC00+(r&0x3FF))
				continue
			}
			out = appendU(out, r)
		}
	}
	return out
}

func appendU(out []byte, r rune) []byte {
	return append(out, '\\', 'u', hexDigits[r>>12&0xF], hexDigits[r>>8&0xF], hexDigits[r>>4&0xF], hexDigits[r&0xF])
}

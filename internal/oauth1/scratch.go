package oauth1

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"slices"
	"strings"
)

// scratch holds the buffers one verification or base string needs.
type scratch struct {
	params []Param
	enc    []byte    // Encode of every name and value, back to back
	spans  []encSpan // where each parameter's encoded parts are in enc
	base   []byte    // the first base string
	other  []byte    // base strings of the other candidates
	sum    []byte
	sig    []byte
}

// encSpan is one parameter in scratch.enc: name at [name:value), value at
// [value:end).
type encSpan struct{ name, value, end int32 }

// sortEncoded encodes every name and value into sc.enc and sorts sc.spans
// by encoded name, then encoded value (RFC 5849 §3.4.1.3.2). Equal pairs
// are equal bytes, so the unstable sort gives one output.
func (sc *scratch) sortEncoded(params []Param) {
	enc, spans := sc.enc[:0], sc.spans[:0]
	for _, p := range params {
		n := int32(len(enc))
		enc = appendEncode(enc, p.Name)
		v := int32(len(enc))
		enc = appendEncode(enc, p.Value)
		spans = append(spans, encSpan{n, v, int32(len(enc))})
	}
	slices.SortFunc(spans, func(a, b encSpan) int {
		if c := bytes.Compare(enc[a.name:a.value], enc[b.name:b.value]); c != 0 {
			return c
		}
		return bytes.Compare(enc[a.value:a.end], enc[b.value:b.end])
	})
	sc.enc, sc.spans = enc, spans
}

// appendBaseString appends BaseString(method, baseURI, params) to b.
// Encoding the normalized parameters a second time only turns "%" into
// "%25", "=" into "%3D" and "&" into "%26" (everything else in them is
// unreserved already), so they are written that way directly.
func (sc *scratch) appendBaseString(b []byte, method, baseURI string, params []Param) []byte {
	b = appendUpper(b, method)
	b = appendEncode(append(b, '&'), baseURI)
	b = append(b, '&')
	sc.sortEncoded(params)
	for i, sp := range sc.spans {
		if i > 0 {
			b = append(b, "%26"...)
		}
		b = appendEncodedAgain(b, sc.enc[sp.name:sp.value])
		b = append(b, "%3D"...)
		b = appendEncodedAgain(b, sc.enc[sp.value:sp.end])
	}
	return b
}

// appendEncodedAgain appends Encode(enc) for enc an output of Encode.
func appendEncodedAgain(b, enc []byte) []byte {
	for {
		i := bytes.IndexByte(enc, '%')
		if i < 0 {
			return append(b, enc...)
		}
		b = append(append(b, enc[:i]...), "%25"...)
		enc = enc[i+1:]
	}
}

// appendUpper appends strings.ToUpper(s), without allocating for ASCII.
func appendUpper(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return append(b, strings.ToUpper(s)...)
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

// sumHMAC appends HMAC-SHA1(Encode(secret)+"&", msg) to b.
func sumHMAC(b []byte, secret string, msg []byte) []byte {
	mac := hmac.New(sha1.New, []byte(Encode(secret)+"&"))
	mac.Write(msg)
	return mac.Sum(b)
}

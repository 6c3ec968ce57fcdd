package oauth1

import (
	"errors"
	"net/url"
	"strings"
)

// ErrMalformed is returned by the parsers for input that is not a valid
// parameter list.
var ErrMalformed = errors.New("oauth1: malformed parameters")

// ParseHeader parses the value of an "Authorization: OAuth ..." header
// (RFC 5849 §3.5.1): the scheme name (case-insensitive), then
// name="value" pairs separated by commas and optional white space, names and
// values percent-encoded. ok is false when the header is not of the OAuth
// scheme at all (a Bearer header is simply not ours); err is set when it is
// but cannot be parsed. Unquoted values are accepted for lenience.
func ParseHeader(h string) (params []Param, ok bool, err error) {
	return appendHeader(nil, h)
}

// appendHeader is ParseHeader appending the parameters to dst: dst comes
// back as it was when the header is not ours, nil with an error.
func appendHeader(dst []Param, h string) (params []Param, ok bool, err error) {
	h = strings.TrimSpace(h)
	if len(h) < 5 || !strings.EqualFold(h[:5], "OAuth") || (len(h) > 5 && h[5] != ' ' && h[5] != '\t') {
		return dst, false, nil
	}
	params = dst
	s := h[5:]
	for {
		s = strings.TrimLeft(s, " \t\r\n")
		if s == "" {
			return params, true, nil
		}
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			return nil, true, ErrMalformed
		}
		rawName := strings.TrimSpace(s[:eq])
		if rawName == "" || strings.ContainsAny(rawName, ", \t\"") {
			return nil, true, ErrMalformed
		}
		s = strings.TrimLeft(s[eq+1:], " \t")
		var rawValue string
		if strings.HasPrefix(s, `"`) {
			end := strings.IndexByte(s[1:], '"')
			if end < 0 {
				return nil, true, ErrMalformed
			}
			rawValue = s[1 : 1+end]
			s = s[2+end:]
		} else {
			end := strings.IndexAny(s, ", \t")
			if end < 0 {
				end = len(s)
			}
			rawValue = s[:end]
			s = s[end:]
		}
		name, err1 := unescape(rawName, url.PathUnescape)
		value, err2 := unescape(rawValue, url.PathUnescape)
		if err1 != nil || err2 != nil {
			return nil, true, ErrMalformed
		}
		params = append(params, Param{Name: name, Value: value})
		s = strings.TrimLeft(s, " \t\r\n")
		if s == "" {
			return params, true, nil
		}
		if s[0] != ',' {
			return nil, true, ErrMalformed
		}
		s = s[1:]
	}
}

// ParseForm splits a raw query string or form body into parameters as
// application/x-www-form-urlencoded ("+" is a space), keeping duplicates and
// their order (RFC 5849 §3.4.1.3.1). Empty segments are skipped; a segment
// without "=" has an empty value.
func ParseForm(raw string) ([]Param, error) {
	return appendForm(nil, raw)
}

// appendForm is ParseForm appending the parameters to dst.
func appendForm(params []Param, raw string) ([]Param, error) {
	for raw != "" {
		var seg string
		seg, raw, _ = strings.Cut(raw, "&")
		if seg == "" {
			continue
		}
		k, v, _ := strings.Cut(seg, "=")
		name, err1 := unescape(k, url.QueryUnescape)
		value, err2 := unescape(v, url.QueryUnescape)
		if err1 != nil || err2 != nil {
			return nil, ErrMalformed
		}
		params = append(params, Param{Name: name, Value: value})
	}
	return params, nil
}

// unescape decodes s with decode, which only has work to do when s holds a
// "%" or (for a form) a "+": most names and values have neither.
func unescape(s string, decode func(string) (string, error)) (string, error) {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s, nil
	}
	return decode(s)
}

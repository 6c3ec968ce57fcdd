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
	h = strings.TrimSpace(h)
	if len(h) < 5 || !strings.EqualFold(h[:5], "OAuth") || (len(h) > 5 && h[5] != ' ' && h[5] != '\t') {
		return nil, false, nil
	}
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
		name, err1 := url.PathUnescape(rawName)
		value, err2 := url.PathUnescape(rawValue)
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
	var params []Param
	for raw != "" {
		var seg string
		seg, raw, _ = strings.Cut(raw, "&")
		if seg == "" {
			continue
		}
		k, v, _ := strings.Cut(seg, "=")
		name, err1 := url.QueryUnescape(k)
		value, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return nil, ErrMalformed
		}
		params = append(params, Param{Name: name, Value: value})
	}
	return params, nil
}

package assist

import (
	"net/url"
	"strings"
)

// phpGet is a query string as PHP fills $_GET from it, for the names the
// orders API reads (docs/providers/assist.md, "Query strings and HEAD"):
// pairs split on "&" only, names and values URL-decoded ("+" as a space; an
// invalid escape kept as written), spaces and dots in a name read as "_",
// and a name given twice keeps its last value. A name followed by "[…]" makes an
// array, which no parameter of the API takes; the last occurrence of a name
// decides whether it is a string or an array, as in PHP.
type phpGet struct {
	vals   map[string]string
	arrays map[string]bool
}

func parsePHPGet(raw string) phpGet {
	q := phpGet{vals: map[string]string{}, arrays: map[string]bool{}}
	for pair := range strings.SplitSeq(raw, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		name := phpName(phpDecode(k))
		if name == "" {
			continue
		}
		if i := strings.IndexByte(name, '['); i > 0 && strings.IndexByte(name[i:], ']') > 0 {
			name = name[:i]
			delete(q.vals, name)
			q.arrays[name] = true
			continue
		}
		delete(q.arrays, name)
		q.vals[name] = phpDecode(v)
	}
	return q
}

// phpDecode is PHP's urldecode: "+" is a space, %XX a byte, and anything
// else (a lone "%" included) stays as it is.
func phpDecode(s string) string {
	if !strings.ContainsAny(s, "+%") {
		return s
	}
	if d, err := url.QueryUnescape(s); err == nil {
		return d
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+':
			b.WriteByte(' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// phpName drops leading spaces and reads spaces and dots before any "[" as
// "_", as PHP does with the names of $_GET.
func phpName(n string) string {
	n = strings.TrimLeft(n, " ")
	end := strings.IndexByte(n, '[')
	if end < 0 {
		end = len(n)
	}
	return strings.NewReplacer(" ", "_", ".", "_").Replace(n[:end]) + n[end:]
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// get is $_GET[name] for a parameter that takes one value: "" when absent,
// and a field error when the query made it an array.
func (q phpGet) get(name string) (string, *fieldError) {
	if q.arrays[name] {
		return "", fieldErrorf(name, "must be a single value, not an array (%s[])", name)
	}
	return q.vals[name], nil
}

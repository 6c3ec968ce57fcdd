package iijmio

import "github.com/fakeapi/fakeapi/internal/httpx"

// parsePlainCouponPut is parseCouponPut for the bodies clients send: ASCII
// strings without escapes, no numbers, no repeated key that matters, little
// nesting. Decoding them with encoding/json into maps of raw messages took
// forty-odd allocations per PUT coupon (docs/PERFORMANCE.md); this takes
// one per switched line and one for the result.
//
// plain is false for a body outside that subset and for any body that
// would fail, so that every error, and every body this scanner does not
// know, keeps the answer of encoding/json: parseCouponPut falls back to it.
// FuzzParseCouponPut checks that the two agree wherever plain is true.
func parsePlainCouponPut(body []byte, version int) (sw []couponSwitch, plain bool) {
	s := plainScanner{b: body}
	seen := false
	ok := s.object(func(key []byte) bool {
		if string(key) != "couponInfo" {
			return s.skip(0)
		}
		if seen {
			return false // the last one would win: left to encoding/json
		}
		seen = true
		return s.array(func() bool {
			var ok bool
			sw, ok = s.info(sw, version)
			return ok
		})
	})
	s.ws()
	if !ok || !seen || s.i != len(s.b) || len(sw) == 0 {
		return nil, false
	}
	return sw, true
}

// kinds are the line kinds in the order parseCouponPut lists them, with the
// keys that name them.
var kinds = [...]struct{ kind, infoKey, codeKey string }{
	{kindHdo, kindHdo + "Info", kindHdo + "ServiceCode"},
	{kindHdu, kindHdu + "Info", kindHdu + "ServiceCode"},
	{kindHdx, kindHdx + "Info", kindHdx + "ServiceCode"},
}

// info reads one element of couponInfo: an object whose hdoInfo, hduInfo
// and hdxInfo are read in that order, whatever their order in the body.
func (s *plainScanner) info(sw []couponSwitch, version int) ([]couponSwitch, bool) {
	var at [len(kinds)][2]int // where each kind's value starts and ends
	var seen [len(kinds)]bool
	ok := s.object(func(key []byte) bool {
		for k := range kinds {
			if string(key) == kinds[k].infoKey {
				if seen[k] {
					return false
				}
				seen[k] = true
				s.ws()
				at[k][0] = s.i
				ok := s.skip(0)
				at[k][1] = s.i
				return ok
			}
		}
		return s.skip(0)
	})
	if !ok {
		return sw, false
	}
	for k := range kinds {
		if !seen[k] {
			continue
		}
		sub := plainScanner{b: s.b[:at[k][1]], i: at[k][0]}
		if sub.literal("null") {
			continue // as absent, like encoding/json's nil slice
		}
		ok := sub.array(func() bool {
			if version == 1 && kinds[k].kind != kindHdo {
				return false // v1 knows only docomo lines
			}
			var ok bool
			sw, ok = sub.entry(sw, k)
			return ok
		})
		if !ok {
			return sw, false
		}
	}
	return sw, true
}

// entry reads one line switch: a non-empty string service code under the
// kind's key and a boolean couponUse, other keys ignored.
func (s *plainScanner) entry(sw []couponSwitch, k int) ([]couponSwitch, bool) {
	var code []byte
	var use, haveCode, haveUse bool
	ok := s.object(func(key []byte) bool {
		switch string(key) {
		case kinds[k].codeKey:
			if haveCode {
				return false
			}
			haveCode = true
			var ok bool
			code, ok = s.str()
			return ok && len(code) > 0
		case "couponUse":
			if haveUse {
				return false
			}
			haveUse = true
			switch {
			case s.literal("true"):
				use = true
			case s.literal("false"):
			default:
				return false
			}
			return true
		}
		return s.skip(0)
	})
	if !ok || !haveCode || !haveUse {
		return sw, false
	}
	return append(sw, couponSwitch{Kind: kinds[k].kind, ServiceCode: string(code), CouponUse: use}), true
}

// plainScanner reads the plain JSON subset. Every method skips leading
// white space and reports false where the input leaves the subset or is
// not JSON; it never says which.
type plainScanner struct {
	b []byte
	i int
}

// maxPlainDepth bounds the nesting of ignored values.
const maxPlainDepth = 32

func (s *plainScanner) ws() { s.i = httpx.SkipJSONSpace(s.b, s.i) }

// next skips white space and consumes c if it comes next.
func (s *plainScanner) next(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// literal consumes true, false or null.
func (s *plainScanner) literal(lit string) bool {
	s.ws()
	if len(s.b)-s.i >= len(lit) && string(s.b[s.i:s.i+len(lit)]) == lit {
		s.i += len(lit)
		return true
	}
	return false
}

// str reads a string of printable ASCII without escapes, quotes excluded.
func (s *plainScanner) str() ([]byte, bool) {
	if !s.next('"') {
		return nil, false
	}
	start := s.i
	for ; s.i < len(s.b); s.i++ {
		switch c := s.b[s.i]; {
		case c == '"':
			s.i++
			return s.b[start : s.i-1], true
		case c == '\\' || c < 0x20 || c >= 0x7f:
			return nil, false
		}
	}
	return nil, false
}

// object reads an object, calling member after each key and its colon;
// member must consume the value.
func (s *plainScanner) object(member func(key []byte) bool) bool {
	if !s.next('{') {
		return false
	}
	if s.next('}') {
		return true
	}
	for {
		key, ok := s.str()
		if !ok || !s.next(':') || !member(key) {
			return false
		}
		if s.next('}') {
			return true
		}
		if !s.next(',') {
			return false
		}
	}
}

// array reads an array, calling elem to consume each element.
func (s *plainScanner) array(elem func() bool) bool {
	if !s.next('[') {
		return false
	}
	if s.next(']') {
		return true
	}
	for {
		if !elem() {
			return false
		}
		if s.next(']') {
			return true
		}
		if !s.next(',') {
			return false
		}
	}
}

// skip consumes any value of the subset.
func (s *plainScanner) skip(depth int) bool {
	if depth > maxPlainDepth {
		return false
	}
	s.ws()
	if s.i == len(s.b) {
		return false
	}
	switch s.b[s.i] {
	case '{':
		return s.object(func([]byte) bool { return s.skip(depth + 1) })
	case '[':
		return s.array(func() bool { return s.skip(depth + 1) })
	case '"':
		_, ok := s.str()
		return ok
	}
	return s.literal("true") || s.literal("false") || s.literal("null")
}

package oauth1

import (
	"strings"
	"testing"
)

func FuzzParseHeader(f *testing.F) {
	f.Add(`OAuth realm="x", oauth_consumer_key="k", oauth_signature="a%2Bb%3D"`)
	f.Add(`oauth a=1,b="2"`)
	f.Add(`OAuth a="1`)
	f.Add(`Bearer x`)
	f.Add(`OAuth ,,a="%zz"`)
	f.Fuzz(func(t *testing.T, h string) {
		params, ours, err := ParseHeader(h)
		if !ours && (params != nil || err != nil) {
			t.Fatalf("not ours but got %v, %v", params, err)
		}
		if err != nil {
			return
		}
		// What parsed re-encodes into a header that parses to the same.
		var b strings.Builder
		b.WriteString("OAuth ")
		for i, p := range params {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(Encode(p.Name) + `="` + Encode(p.Value) + `"`)
		}
		again, ours2, err := ParseHeader(b.String())
		if !ours2 || err != nil || len(again) != len(params) {
			t.Fatalf("round trip of %q: %v %v %v", b.String(), again, ours2, err)
		}
		for i := range again {
			if again[i] != params[i] {
				t.Fatalf("round trip changed %v to %v", params[i], again[i])
			}
		}
	})
}

func FuzzBaseString(f *testing.F) {
	f.Add("GET", "http://api.mixi-platform.com/os/0.8/people/@me/@self", "fields=birthday,gender&format=json", "a=1&a=0")
	f.Add("post", "http://example.com/request", "b5=%3D%253D&a3=a&c%40=&a2=r%20b", "c2&a3=2+q")
	f.Add("GET", "", "%zz", "")
	f.Fuzz(func(t *testing.T, method, uri, query, body string) {
		for i := 0; i < len(method); i++ {
			if c := method[i] | 0x20; c < 'a' || c > 'z' {
				return // net/http passes token methods such as GET
			}
		}
		req := Request{Method: method, BaseURIs: []string{uri}, RawQuery: query, ContentType: "application/x-www-form-urlencoded", Body: []byte(body)}
		base, err := req.BaseString()
		if err != nil {
			return
		}
		// Three parts: method, encoded URI, encoded parameters; the last
		// two contain no raw "&" because Encode escapes it.
		parts := strings.Split(base, "&")
		if len(parts) != 3 {
			t.Fatalf("base string %q has %d parts", base, len(parts))
		}
		if parts[0] != strings.ToUpper(method) || parts[1] != Encode(uri) {
			t.Fatalf("base string %q does not start with the method and URI", base)
		}
		for i := 0; i < len(base); i++ {
			if c := base[i]; c != '&' && c != '%' && !unreserved(c) {
				t.Fatalf("base string %q has raw byte %q", base, c)
			}
		}
	})
}

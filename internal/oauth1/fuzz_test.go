package oauth1

import (
	"errors"
	"slices"
	"strconv"
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

// FuzzVerify feeds Verify arbitrary requests: every refusal is an *Error
// with a known problem, and a request accepted once is refused as a replay.
// mode picks how the request is made: 0 takes the header as given; 1 signs
// every parameter with header as the nonce; 2 signs without the form body;
// 3 signs for a second base URI.
func FuzzVerify(f *testing.F) {
	f.Add("GET", `OAuth realm="x", oauth_consumer_key="k", oauth_signature="a%2Bb%3D"`, "xoauth_requestor_id=1", "", "", uint8(0))
	f.Add("GET", "n1", "xoauth_requestor_id=1&fields=a,b", "", "", uint8(1))
	f.Add("POST", "n2", "xoauth_requestor_id=1", "a=x+y&b=%E3%83%9F", "application/x-www-form-urlencoded; charset=utf-8", uint8(2))
	f.Add("POST", "n3", "xoauth_requestor_id=2", "a=1", "Application/X-WWW-Form-Urlencoded", uint8(3))
	f.Add("GET", "n4", "oauth_nonce=again", "", "", uint8(1))
	f.Add("GET", "", "", "", "", uint8(1))
	f.Add("GET", strings.Repeat("n", MaxNonceLen+1), "", "", "", uint8(1))
	problems := []string{ProblemParameterAbsent, ProblemParameterRejected, ProblemVersionRejected, ProblemSignatureMethodRejected,
		ProblemConsumerKeyUnknown, ProblemTimestampRefused, ProblemNonceUsed, ProblemSignatureInvalid}
	f.Fuzz(func(t *testing.T, method, header, query, body, ct string, mode uint8) {
		req := Request{Method: method, BaseURIs: []string{testURI}, RawQuery: query, ContentType: ct, Body: []byte(body)}
		if mode%4 == 0 {
			req.Authorization = []string{header}
		} else {
			oauth := []Param{
				{"oauth_consumer_key", testKey}, {"oauth_nonce", header}, {"oauth_signature_method", "HMAC-SHA1"},
				{"oauth_timestamp", strconv.FormatInt(testNow.Unix(), 10)}, {"oauth_version", "1.0"},
			}
			params := append([]Param(nil), oauth...)
			q, err := ParseForm(query)
			if err != nil {
				return
			}
			params = append(params, q...)
			if mode%4 != 2 && isForm(ct) {
				form, err := ParseForm(body)
				if err != nil {
					return
				}
				params = append(params, form...)
			}
			if mode%4 == 3 {
				req.BaseURIs = []string{"http://localhost:8080/mixi/x", testURI}
			}
			sig := Sign(BaseString(method, testURI, params), testSecret, "")
			var b strings.Builder
			b.WriteString(`OAuth realm="r"`)
			for _, p := range append(oauth, Param{"oauth_signature", sig}) {
				b.WriteString(", " + Encode(p.Name) + `="` + Encode(p.Value) + `"`)
			}
			req.Authorization = []string{"Bearer x", b.String()}
		}
		v, _ := newVerifier(t)
		_, err := v.Verify(req)
		if err != nil {
			var oe *Error
			if !errors.As(err, &oe) || !slices.Contains(problems, oe.Problem) {
				t.Fatalf("Verify = %v, want an *Error with a known problem", err)
			}
			return
		}
		_, err = v.Verify(req)
		var oe *Error
		if !errors.As(err, &oe) || oe.Problem != ProblemNonceUsed {
			t.Fatalf("replay: Verify = %v, want nonce_used", err)
		}
	})
}

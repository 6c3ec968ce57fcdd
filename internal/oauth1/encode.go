package oauth1

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"slices"
	"strings"
)

// Param is one name/value pair, decoded.
type Param struct {
	Name, Value string
}

// Encode percent-encodes s as RFC 5849 §3.6 requires: every byte outside the
// unreserved set ALPHA / DIGIT / "-" / "." / "_" / "~" becomes %XX with
// upper-case hex. This is stricter than url.QueryEscape (which writes "+"
// for a space), and is why "fields=birthday,gender" is signed as
// "fields%3Dbirthday%252Cgender" (docs/oauth.md, "Signature base string").
func Encode(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const upperHex = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			b = append(b, c)
			continue
		}
		b = append(b, '%', upperHex[c>>4], upperHex[c&15])
	}
	return string(b)
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// NormalizeParams is RFC 5849 §3.4.1.3.2: encode every name and value, sort
// by encoded name then encoded value (duplicates kept), join as
// name=value with "&".
func NormalizeParams(params []Param) string {
	enc := make([]Param, len(params))
	for i, p := range params {
		enc[i] = Param{Encode(p.Name), Encode(p.Value)}
	}
	slices.SortFunc(enc, func(a, b Param) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.Value, b.Value))
	})
	var b strings.Builder
	for i, p := range enc {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.Name)
		b.WriteByte('=')
		b.WriteString(p.Value)
	}
	return b.String()
}

// BaseString is the signature base string of RFC 5849 §3.4.1:
// upper-case method, "&", the encoded base string URI, "&", the encoded
// normalized parameters. params must already exclude oauth_signature and
// realm.
func BaseString(method, baseURI string, params []Param) string {
	return baseString(method, baseURI, Encode(NormalizeParams(params)))
}

// baseString is BaseString with the parameters already normalized and
// encoded, for trying several base URIs over the same parameters.
func baseString(method, baseURI, encodedParams string) string {
	return strings.ToUpper(method) + "&" + Encode(baseURI) + "&" + encodedParams
}

// Sign is HMAC-SHA1 over base with the key enc(consumerSecret)&enc(tokenSecret)
// (RFC 5849 §3.4.2), base64-encoded. 2-legged requests have an empty token
// secret, so mixi's key is "secret&".
func Sign(base, consumerSecret, tokenSecret string) string {
	mac := hmac.New(sha1.New, []byte(Encode(consumerSecret)+"&"+Encode(tokenSecret)))
	mac.Write([]byte(base))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// BodyHash is base64(SHA-1(body)), the oauth_body_hash value.
func BodyHash(body []byte) string {
	sum := sha1.Sum(body)
	return base64.StdEncoding.EncodeToString(sum[:])
}

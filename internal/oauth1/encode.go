package oauth1

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
)

// Param is one name/value pair, decoded.
type Param struct {
	Name, Value string
}

// Encode percent-encodes s as RFC 5849 §3.6 requires: every byte outside the
// unreserved set ALPHA / DIGIT / "-" / "." / "_" / "~" becomes %XX with
// upper-case hex. This is stricter than url.QueryEscape (which keeps "+"
// for space and leaves nothing else out), and is why "fields=birthday,gender"
// is signed as "fields%3Dbirthday%252Cgender" (mixi.md §2).
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
	return string(appendEncode(make([]byte, 0, len(s)+2*n), s))
}

const upperHex = "0123456789ABCDEF"

// appendEncode appends Encode(s) to b.
func appendEncode(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			b = append(b, c)
			continue
		}
		b = append(b, '%', upperHex[c>>4], upperHex[c&15])
	}
	return b
}

func unreserved(c byte) bool { return unreservedSet[c] }

var unreservedSet = func() (set [256]bool) {
	for c := range 256 {
		set[c] = 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~'
	}
	return set
}()

// NormalizeParams is RFC 5849 §3.4.1.3.2: encode every name and value, sort
// by encoded name then encoded value (duplicates kept), join as
// name=value with "&".
func NormalizeParams(params []Param) string {
	sc := new(scratch)
	sc.sortEncoded(params)
	b := make([]byte, 0, len(sc.enc)+2*len(params))
	for i, sp := range sc.spans {
		if i > 0 {
			b = append(b, '&')
		}
		b = append(append(append(b, sc.enc[sp.name:sp.value]...), '='), sc.enc[sp.value:sp.end]...)
	}
	return string(b)
}

// BaseString is the signature base string of RFC 5849 §3.4.1:
// upper-case method, "&", the encoded base string URI, "&", the encoded
// normalized parameters. params must already exclude oauth_signature and
// realm.
func BaseString(method, baseURI string, params []Param) string {
	sc := new(scratch)
	return string(sc.appendBaseString(nil, method, baseURI, params))
}

// Sign is HMAC-SHA1 over base with the key enc(consumerSecret)&enc(tokenSecret)
// (RFC 5849 §3.4.2), base64-encoded. 2-legged requests have an empty token
// secret, so mixi's key is "secret&".
func Sign(base, consumerSecret, tokenSecret string) string {
	if tokenSecret == "" {
		var sum [sha1.Size]byte
		return base64.StdEncoding.EncodeToString(sumHMAC(sum[:0], consumerSecret, []byte(base)))
	}
	mac := hmac.New(sha1.New, []byte(Encode(consumerSecret)+"&"+Encode(tokenSecret)))
	mac.Write([]byte(base))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// BodyHash is base64(SHA-1(body)), the oauth_body_hash value.
func BodyHash(body []byte) string {
	sum := sha1.Sum(body)
	return base64.StdEncoding.EncodeToString(sum[:])
}

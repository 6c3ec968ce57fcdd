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
	n := escapes(s)
	if n == 0 {
		return s
	}
	return string(appendEncoded(make([]byte, 0, len(s)+2*n), s))
}

// escapes is the number of bytes of s that Encode writes as %XX.
func escapes(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			n++
		}
	}
	return n
}

// appendEncoded appends Encode(s) to dst.
func appendEncoded(dst []byte, s string) []byte {
	const upperHex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			dst = append(dst, c)
			continue
		}
		dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
	}
	return dst
}

func unreserved(c byte) bool { return unreservedBytes[c] }

// unreservedBytes is the unreserved set of RFC 5849 §3.6 as a table: every
// byte of a base string is looked up in it.
var unreservedBytes = func() (t [256]bool) {
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~") {
		t[c] = true
	}
	return t
}()

// NormalizeParams is RFC 5849 §3.4.1.3.2: encode every name and value, sort
// by encoded name then encoded value (duplicates kept), join as
// name=value with "&".
func NormalizeParams(params []Param) string {
	var b strings.Builder
	for i, p := range appendSorted(nil, params) {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(Encode(p.Name))
		b.WriteByte('=')
		b.WriteString(Encode(p.Value))
	}
	return b.String()
}

// appendSorted appends params to dst in the order of RFC 5849 §3.4.1.3.2:
// by encoded name, then encoded value.
func appendSorted(dst, params []Param) []Param {
	n := len(dst)
	dst = append(dst, params...)
	slices.SortFunc(dst[n:], func(a, b Param) int {
		if c := compareEncoded(a.Name, b.Name); c != 0 {
			return c
		}
		return compareEncoded(a.Value, b.Value)
	})
	return dst
}

// compareEncoded is strings.Compare(Encode(a), Encode(b)) without encoding.
// Up to their first differing byte the encodings are equal, and from there
// Encode writes an unreserved byte as itself and any other as "%XX": "%"
// sorts before every unreserved byte, and upper-case hex digits sort as the
// values they spell. So reserved bytes come first, each group in byte order.
func compareEncoded(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return cmp.Compare(encodedRank(a[i]), encodedRank(b[i]))
		}
	}
	return cmp.Compare(len(a), len(b))
}

// encodedRank orders bytes as compareEncoded explains.
func encodedRank(c byte) int {
	if unreserved(c) {
		return 256 + int(c)
	}
	return int(c)
}

// BaseString is the signature base string of RFC 5849 §3.4.1:
// upper-case method, "&", the encoded base string URI, "&", the encoded
// normalized parameters. params must already exclude oauth_signature and
// realm.
func BaseString(method, baseURI string, params []Param) string {
	return string(appendBaseString(nil, method, baseURI, appendSorted(nil, params)))
}

// appendBaseString appends BaseString to dst, with params already in the
// order appendSorted gives, so that several base URIs can be tried over one
// sort.
func appendBaseString(dst []byte, method, baseURI string, params []Param) []byte {
	method = strings.ToUpper(method)
	n := len(method) + len("&") + len(baseURI) + 2*escapes(baseURI) + len("&")
	for _, p := range params {
		n += len(p.Name) + 4*escapes(p.Name) + len("%3D") + len(p.Value) + 4*escapes(p.Value) + len("%26")
	}
	dst = slices.Grow(dst, n)
	dst = append(dst, method...)
	dst = append(dst, '&')
	dst = appendEncoded(dst, baseURI)
	dst = append(dst, '&')
	// The normalized parameters are encoded a second time (RFC 5849
	// §3.4.1.1): "=" and "&" become "%3D" and "%26", and the "%" of each
	// escape "%25".
	for i, p := range params {
		if i > 0 {
			dst = append(dst, "%26"...)
		}
		dst = appendEncodedTwice(dst, p.Name)
		dst = append(dst, "%3D"...)
		dst = appendEncodedTwice(dst, p.Value)
	}
	return dst
}

// appendEncodedTwice appends Encode(Encode(s)) to dst.
func appendEncodedTwice(dst []byte, s string) []byte {
	const upperHex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			dst = append(dst, c)
			continue
		}
		dst = append(dst, '%', '2', '5', upperHex[c>>4], upperHex[c&15])
	}
	return dst
}

// Sign is HMAC-SHA1 over base with the key enc(consumerSecret)&enc(tokenSecret)
// (RFC 5849 §3.4.2), base64-encoded. 2-legged requests have an empty token
// secret, so mixi's key is "secret&".
func Sign(base, consumerSecret, tokenSecret string) string {
	sig := signature([]byte(base), consumerSecret, tokenSecret)
	return string(sig[:])
}

// signatureLen is the length of a base64-encoded HMAC-SHA1.
const signatureLen = (sha1.Size + 2) / 3 * 4

// signature is Sign over a base string held in bytes, returned by value so
// the caller can keep it on its stack.
func signature(base []byte, consumerSecret, tokenSecret string) [signatureLen]byte {
	key := make([]byte, 0, len(consumerSecret)+2*escapes(consumerSecret)+1+len(tokenSecret)+2*escapes(tokenSecret))
	key = appendEncoded(key, consumerSecret)
	key = append(key, '&')
	key = appendEncoded(key, tokenSecret)
	mac := hmac.New(sha1.New, key)
	mac.Write(base)
	var sig [signatureLen]byte
	base64.StdEncoding.Encode(sig[:], mac.Sum(nil))
	return sig
}

// BodyHash is base64(SHA-1(body)), the oauth_body_hash value.
func BodyHash(body []byte) string {
	sum := sha1.Sum(body)
	return base64.StdEncoding.EncodeToString(sum[:])
}

package main

import (
	"crypto/sha1"
	"encoding"
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/fakeapi/fakeapi/internal/oauth1"
)

// nonceVarLen is how many bytes at the end of a flood nonce change from one
// request to the next.
const nonceVarLen = 16

// nonceSigner signs the requests of the long-nonce flood, which differ only
// in the last nonceVarLen bytes of the nonce. The HMAC-SHA1 state over the
// key and the base string before those bytes is computed once, so signing
// a request hashes the few hundred bytes after them instead of the whole
// 32 KB base string: with oauth1.Signer the load generator, not the
// emulator, was the bottleneck (about 300 µs of client CPU a request). Its
// headers equal oauth1.Signer's (soaksign_test.go).
type nonceSigner struct {
	inner    []byte // the SHA-1 state after key⊕ipad and the base string's head
	outerKey []byte // key⊕opad
	baseTail string // the base string after the variable bytes
	hdrHead  string // the header before the variable bytes
	hdrMid   string // the header after them, up to and with `oauth_signature="`
}

// newNonceSigner prepares signatures of method rawURL (its query signed, no
// form) with nonces fixed+variable, where fixed is unreserved text
// (RFC 5849 §3.6) that encodes as itself.
func newNonceSigner(s oauth1.Signer, method, rawURL, fixed string, timestamp int64) (*nonceSigner, error) {
	const mark = "QqQqQqQqQqQqQqQq" // stands for the variable bytes while the templates are cut
	if len(mark) != nonceVarLen || strings.Contains(fixed, "Qq") || oauth1.Encode(fixed) != fixed {
		return nil, fmt.Errorf("nonce %.20q…: want unreserved characters without %q", fixed, "Qq")
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	query, err := oauth1.ParseForm(u.RawQuery)
	if err != nil {
		return nil, err
	}
	// The parameters oauth1.Signer.Header signs.
	params := append([]oauth1.Param{
		{Name: "oauth_consumer_key", Value: s.ConsumerKey},
		{Name: "oauth_nonce", Value: fixed + mark},
		{Name: "oauth_signature_method", Value: oauth1.MethodHMACSHA1},
		{Name: "oauth_timestamp", Value: strconv.FormatInt(timestamp, 10)},
		{Name: "oauth_version", Value: oauth1.Version},
	}, query...)
	base := oauth1.BaseString(method, oauth1.BaseURI(u.Scheme, u.Host, u.EscapedPath()), params)
	hdr, err := s.Header(method, rawURL, nil, fixed+mark, timestamp)
	if err != nil {
		return nil, err
	}
	baseHead, baseTail, ok1 := strings.Cut(base, mark)
	hdrHead, hdrRest, ok2 := strings.Cut(hdr, mark)
	const sigAttr = `oauth_signature="`
	i := strings.Index(hdrRest, sigAttr)
	if !ok1 || !ok2 || i < 0 || strings.Contains(baseTail, mark) || strings.Contains(hdrRest, mark) {
		return nil, fmt.Errorf("cannot cut the signing templates of %s", rawURL)
	}

	key := []byte(oauth1.Encode(s.ConsumerSecret) + "&")
	if len(key) > sha1.BlockSize {
		sum := sha1.Sum(key)
		key = sum[:]
	}
	ipad, opad := make([]byte, sha1.BlockSize), make([]byte, sha1.BlockSize)
	copy(ipad, key)
	copy(opad, key)
	for j := range ipad {
		ipad[j] ^= 0x36
		opad[j] ^= 0x5c
	}
	h := sha1.New()
	h.Write(ipad)
	h.Write([]byte(baseHead))
	inner, err := h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		return nil, err
	}
	return &nonceSigner{inner: inner, outerKey: opad, baseTail: baseTail,
		hdrHead: hdrHead, hdrMid: hdrRest[:i+len(sigAttr)]}, nil
}

// header is the Authorization header for the nonce fixed+v, where v is
// nonceVarLen unreserved bytes.
func (n *nonceSigner) header(v string) (string, error) {
	if len(v) != nonceVarLen || oauth1.Encode(v) != v {
		return "", fmt.Errorf("nonce tail %q: want %d unreserved bytes", v, nonceVarLen)
	}
	h := sha1.New()
	if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(n.inner); err != nil {
		return "", err
	}
	h.Write([]byte(v))
	h.Write([]byte(n.baseTail))
	in := h.Sum(nil)
	o := sha1.New()
	o.Write(n.outerKey)
	o.Write(in)
	sig := base64.StdEncoding.EncodeToString(o.Sum(nil))
	return n.hdrHead + v + n.hdrMid + oauth1.Encode(sig) + `"`, nil
}

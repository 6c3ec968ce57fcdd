package oauth1

import (
	"net/url"
	"strconv"
	"strings"
)

// Signer signs 2-legged requests the way mixi documents them: oauth_*
// parameters in an "Authorization: OAuth" header, every query parameter and
// form parameter signed. The emulator uses it for its admin signing helper;
// tests use it beside independent client libraries.
type Signer struct {
	ConsumerKey, ConsumerSecret string
}

// Header returns the Authorization header value for method and rawURL
// (whose query is signed), with form parameters when the body is a form.
// The base string URI is rawURL without query and fragment.
func (s Signer) Header(method, rawURL string, form []Param, nonce string, timestamp int64) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", err
	}
	query, err := ParseForm(u.RawQuery)
	if err != nil {
		return "", err
	}
	oauth := []Param{
		{"oauth_consumer_key", s.ConsumerKey},
		{"oauth_nonce", nonce},
		{"oauth_signature_method", MethodHMACSHA1},
		{"oauth_timestamp", strconv.FormatInt(timestamp, 10)},
		{"oauth_version", Version},
	}
	params := append(append(append([]Param(nil), oauth...), query...), form...)
	base := BaseString(method, BaseURI(u.Scheme, u.Host, u.EscapedPath()), params)
	sig := Sign(base, s.ConsumerSecret, "")
	var b strings.Builder
	b.WriteString("OAuth ")
	for _, p := range append(oauth, Param{"oauth_signature", sig}) {
		b.WriteString(Encode(p.Name))
		b.WriteString(`="`)
		b.WriteString(Encode(p.Value))
		b.WriteString(`", `)
	}
	return strings.TrimSuffix(b.String(), ", "), nil
}

package mixi

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/fakeapi/fakeapi/internal/oauth1"
)

// sapSignature is the OAuth 1.0 signature the mobile gateway puts on a
// request to an app's server (docs/providers/mixi.md, "What the SAP
// receives"): HMAC-SHA1 under the app's consumer secret and an empty token
// secret, over a base string of the method, the URL without its query and
// the query parameters with the oauth_* ones. The POST body is never part of
// it, even a form: mixi left POST parameters out, which is why the verifiers
// of the time (hattori/opensocial-wap's oauth_rack_request_proxy_for_mixi.rb,
// Mars_Mixi2LeggedOAuthProvider::isAuthorized) drop them before checking.
// oauth1.Signer signs form parameters as RFC 5849 asks, so this base string
// is built here, from its primitives.
type sapSignature struct {
	// Header is the Authorization header value.
	Header string
	// Base is the signature base string, for the debug log.
	Base string
}

// signSAPRequest signs method on u (whose RawQuery is final) for the app.
func signSAPRequest(method string, u *url.URL, app App, nonce string, timestamp int64) (sapSignature, error) {
	query, err := oauth1.ParseForm(u.RawQuery)
	if err != nil {
		return sapSignature{}, err
	}
	oauth := []oauth1.Param{
		{Name: "oauth_consumer_key", Value: app.ConsumerKey},
		{Name: "oauth_nonce", Value: nonce},
		{Name: "oauth_signature_method", Value: oauth1.MethodHMACSHA1},
		{Name: "oauth_timestamp", Value: strconv.FormatInt(timestamp, 10)},
		{Name: "oauth_version", Value: oauth1.Version},
	}
	params := append(append([]oauth1.Param(nil), query...), oauth...)
	base := oauth1.BaseString(method, oauth1.BaseURI(u.Scheme, u.Host, u.EscapedPath()), params)
	sig := oauth1.Sign(base, app.ConsumerSecret, "")
	return sapSignature{Header: authHeader(append(oauth, oauth1.Param{Name: "oauth_signature", Value: sig})), Base: base}, nil
}

// authHeader writes params as an "Authorization: OAuth" value, each value
// percent-encoded and quoted (RFC 5849 section 3.5.1).
func authHeader(params []oauth1.Param) string {
	var b strings.Builder
	b.WriteString("OAuth ")
	for i, p := range params {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(oauth1.Encode(p.Name))
		b.WriteString(`="`)
		b.WriteString(oauth1.Encode(p.Value))
		b.WriteByte('"')
	}
	return b.String()
}

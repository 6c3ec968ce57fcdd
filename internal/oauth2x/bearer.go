package oauth2x

import (
	"net/http"
	"strings"
)

// BearerProblem is what is wrong with a request's Bearer credentials
// (RFC 6750 §3.1).
type BearerProblem int

// Bearer problems.
const (
	BearerOK        BearerProblem = iota
	BearerMissing                 // no Authorization header: 401 without an error code
	BearerMalformed               // other scheme, no token, two tokens, bad characters: 400 invalid_request
)

// BearerToken reads the token from the Authorization header only, with the
// scheme name matched case-insensitively (RFC 7235 §2.1). go-oauth2's
// resolver, which also takes ?access_token= and form values and matches
// "Bearer " case-sensitively, is not used (docs/oauth.md, "Bearer tokens").
func BearerToken(r *http.Request) (string, BearerProblem) {
	vals := r.Header.Values("Authorization")
	if len(vals) == 0 || (len(vals) == 1 && strings.TrimSpace(vals[0]) == "") {
		return "", BearerMissing
	}
	if len(vals) > 1 {
		return "", BearerMalformed
	}
	scheme, tok, ok := strings.Cut(vals[0], " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || !validB64Token(tok) {
		return "", BearerMalformed
	}
	return tok, BearerOK
}

// validB64Token checks RFC 6750 §2.1: 1*( ALPHA / DIGIT / "-" / "." / "_" /
// "~" / "+" / "/" ) *"=".
func validB64Token(t string) bool {
	i := 0
	for i < len(t) {
		b := t[i]
		if !(b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' ||
			b == '-' || b == '.' || b == '_' || b == '~' || b == '+' || b == '/') {
			break
		}
		i++
	}
	if i == 0 {
		return false
	}
	for ; i < len(t); i++ {
		if t[i] != '=' {
			return false
		}
	}
	return true
}

// BearerChallenge formats a WWW-Authenticate value (RFC 6750 §3):
// Bearer realm="…"[, error="…", error_description="…"]. Quotes and
// backslashes in the values are escaped.
func BearerChallenge(realm, code, desc string) string {
	var b strings.Builder
	b.WriteString(`Bearer realm="`)
	b.WriteString(quote(realm))
	b.WriteByte('"')
	if code != "" {
		b.WriteString(`, error="`)
		b.WriteString(quote(code))
		b.WriteByte('"')
	}
	if desc != "" {
		b.WriteString(`, error_description="`)
		b.WriteString(quote(desc))
		b.WriteByte('"')
	}
	return b.String()
}

func quote(s string) string {
	if !strings.ContainsAny(s, `"\`) {
		return s
	}
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
}

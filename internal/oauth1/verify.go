package oauth1

import (
	"crypto/subtle"
	"mime"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fakeapi/fakeapi/internal/clock"
)

// DefaultWindow is how far a timestamp may be from the clock, either way
// (docs/oauth.md, "Timestamp window").
const DefaultWindow = 300 * time.Second

// The only signature method and version mixi accepts (docs/oauth.md,
// "Parameters").
const (
	MethodHMACSHA1 = "HMAC-SHA1"
	Version        = "1.0"
)

// required are the parameters every signed request carries (RFC 5849 §3.1;
// oauth_version is optional), in the order parameter_absent lists them.
var required = []string{"oauth_consumer_key", "oauth_signature_method", "oauth_signature", "oauth_timestamp", "oauth_nonce"}

// Request is what Verify needs to know of an incoming request.
type Request struct {
	Method string
	// BaseURIs are the candidate base string URIs (RFC 5849 §3.4.1.2), tried
	// in order; the first is the one reported in oauth_problem_advice.
	BaseURIs []string
	// Authorization holds the request's Authorization header values.
	Authorization []string
	// RawQuery is the query string as sent.
	RawQuery string
	// ContentType and Body: a form body is signed, any body is hashed when
	// oauth_body_hash is present.
	ContentType string
	Body        []byte
}

// FromHTTP describes r, whose body the caller has read into body.
func FromHTTP(r *http.Request, body []byte, baseURIs ...string) Request {
	return Request{
		Method:        r.Method,
		BaseURIs:      baseURIs,
		Authorization: r.Header.Values("Authorization"),
		RawQuery:      r.URL.RawQuery,
		ContentType:   r.Header.Get("Content-Type"),
		Body:          body,
	}
}

// BaseURI builds a base string URI (RFC 5849 §3.4.1.2): scheme and host
// lower-cased, the scheme's default port dropped, the path kept as given
// (the caller passes it as it came over the wire; docs/oauth.md, "Base
// string URI").
func BaseURI(scheme, host, path string) string {
	scheme = strings.ToLower(scheme)
	host = strings.ToLower(host)
	if h, port, err := net.SplitHostPort(host); err == nil {
		if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
			host = h
			if strings.Contains(h, ":") {
				host = "[" + h + "]"
			}
		}
	}
	if path == "" {
		path = "/"
	}
	return scheme + "://" + host + path
}

// Verifier checks 2-legged HMAC-SHA1 requests.
type Verifier struct {
	Clock  clock.Clock
	Nonces NonceStore
	// Secret returns the consumer secret of a consumer key.
	Secret func(consumerKey string) (secret string, ok bool)
	// Window is the accepted timestamp skew; DefaultWindow when zero.
	Window time.Duration
	// MaxParam is the longest value an oauth_* parameter may have
	// (DefaultMaxParam when zero); oauth_nonce and oauth_consumer_key are
	// further held to MaxNonceLen, what the nonce store keeps.
	MaxParam int
}

// DefaultMaxParam bounds oauth_* parameter values: a real signature is 28
// bytes of base64, a timestamp 10 digits, and nothing legitimate comes near
// it (docs/oauth.md, "Parameters").
const DefaultMaxParam = 256

// Result is a verified request.
type Result struct {
	ConsumerKey string
	// Params are every signed parameter (header without realm, query, form),
	// decoded, oauth_signature excluded.
	Params []Param
}

// Get returns the first value of name, or "".
func (r Result) Get(name string) string {
	for _, p := range r.Params {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}

// defaultBaseURI is the base string URI of a Request without BaseURIs.
const defaultBaseURI = "http://localhost/"

// Verify checks req. The error is always an *Error. The checks run in the
// order of docs/oauth.md, "Order of checks"; the nonce is recorded only
// after the signature verified, so a forged request cannot burn a real
// client's nonce.
func (v *Verifier) Verify(req Request) (Result, error) {
	header, query, form, err := collect(req)
	if err != nil {
		return Result{}, err
	}
	all := slices.Concat(header, query, form)

	maxParam := v.MaxParam
	if maxParam <= 0 {
		maxParam = DefaultMaxParam
	}
	oauth := map[string]string{}
	for _, p := range all {
		if !strings.HasPrefix(p.Name, "oauth_") {
			continue
		}
		if len(p.Value) > maxParam {
			return Result{}, tooLongParam(p.Name, maxParam)
		}
		if _, dup := oauth[p.Name]; dup {
			// RFC 5849 §3.1: each oauth_* parameter at most once.
			return Result{}, problem(ProblemParameterRejected, Param{"oauth_parameters_rejected", p.Name})
		}
		oauth[p.Name] = p.Value
	}
	var absent []string
	for _, name := range required {
		if oauth[name] == "" {
			absent = append(absent, name)
		}
	}
	if len(absent) > 0 {
		return Result{}, problem(ProblemParameterAbsent, Param{"oauth_parameters_absent", strings.Join(absent, "&")})
	}
	if ver, ok := oauth["oauth_version"]; ok && ver != Version {
		return Result{}, problem(ProblemVersionRejected, Param{"oauth_acceptable_versions", Version + "-" + Version})
	}
	if oauth["oauth_signature_method"] != MethodHMACSHA1 {
		return Result{}, problem(ProblemSignatureMethodRejected)
	}
	key := oauth["oauth_consumer_key"]
	secret, ok := v.Secret(key)
	if !ok {
		return Result{}, problem(ProblemConsumerKeyUnknown)
	}
	now := v.Clock.Now()
	window := v.Window
	if window <= 0 {
		window = DefaultWindow
	}
	from, to := now.Add(-window).Unix(), now.Add(window).Unix()
	ts, err := strconv.ParseInt(oauth["oauth_timestamp"], 10, 64)
	if err != nil || ts < from || ts > to {
		return Result{}, problem(ProblemTimestampRefused,
			Param{"oauth_acceptable_timestamps", strconv.FormatInt(from, 10) + "-" + strconv.FormatInt(to, 10)})
	}
	nonce := oauth["oauth_nonce"]
	if e := tooLong(key, nonce); e != nil {
		return Result{}, e
	}
	if v.Nonces.Seen(key, nonce, ts) {
		return Result{}, problem(ProblemNonceUsed)
	}

	signed := withoutSignature(all)
	baseURIs := req.BaseURIs
	if len(baseURIs) == 0 {
		baseURIs = []string{defaultBaseURI}
	}
	// The advice is the base string the emulator expected, so a client can
	// compare it with its own.
	invalid := func() *Error {
		return problem(ProblemSignatureInvalid, Param{"oauth_problem_advice", Encode(BaseString(req.Method, baseURIs[0], signed))})
	}
	if bh, ok := oauth["oauth_body_hash"]; ok && !equal(bh, BodyHash(req.Body)) {
		return Result{}, invalid()
	}
	got := oauth["oauth_signature"]
	// Requests whose signature leaves the form body out are accepted too
	// (docs/oauth.md, "Unsigned form bodies").
	if !matches(req.Method, baseURIs, signed, secret, got) &&
		(len(form) == 0 || !matches(req.Method, baseURIs, withoutSignature(slices.Concat(header, query)), secret, got)) {
		return Result{}, invalid()
	}
	expires := time.Unix(ts, 0).Add(window + time.Second)
	if !v.Nonces.Add(key, nonce, ts, expires, now) {
		return Result{}, problem(ProblemNonceUsed)
	}
	return Result{ConsumerKey: key, Params: signed}, nil
}

// tooLong refuses a consumer key or nonce the nonce store cannot hold
// (docs/oauth.md, "Nonces").
func tooLong(consumerKey, nonce string) *Error {
	for _, p := range []Param{{"oauth_consumer_key", consumerKey}, {"oauth_nonce", nonce}} {
		if len(p.Value) > MaxNonceLen {
			return tooLongParam(p.Name, MaxNonceLen)
		}
	}
	return nil
}

// tooLongParam is the problem of a parameter longer than max bytes.
func tooLongParam(name string, max int) *Error {
	name = clipName(name)
	return problem(ProblemParameterRejected, Param{"oauth_parameters_rejected", name},
		Param{"oauth_problem_advice", Encode(name + " is longer than " + strconv.Itoa(max) + " bytes")})
}

// clipName shortens a parameter name quoted back to the client: names are
// the client's input too.
func clipName(s string) string {
	if len(s) > 64 {
		return s[:64]
	}
	return s
}

// withoutSignature returns params less oauth_signature: the parameters a
// base string is built from.
func withoutSignature(params []Param) []Param {
	out := make([]Param, 0, len(params))
	for _, p := range params {
		if p.Name != "oauth_signature" {
			out = append(out, p)
		}
	}
	return out
}

// matches reports whether got is the signature of params for one of the
// base URIs.
func matches(method string, baseURIs []string, params []Param, secret, got string) bool {
	encoded := Encode(NormalizeParams(params))
	for _, u := range baseURIs {
		if equal(Sign(baseString(method, u, encoded), secret, ""), got) {
			return true
		}
	}
	return false
}

// equal compares in constant time.
func equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// collect gathers the parameters of the three places RFC 5849 §3.5 allows:
// the first OAuth Authorization header (realm left out), the query and a
// form body.
func collect(req Request) (header, query, form []Param, err error) {
	for _, h := range req.Authorization {
		params, ok, perr := ParseHeader(h)
		if !ok {
			continue // another scheme (Basic, Bearer): not ours to read
		}
		if perr != nil {
			return nil, nil, nil, problem(ProblemParameterRejected, Param{"oauth_problem_advice", Encode("malformed Authorization header")})
		}
		for _, p := range params {
			if p.Name != "realm" { // RFC 5849 §3.4.1.3.1: realm is not signed
				header = append(header, p)
			}
		}
		break
	}
	if query, err = ParseForm(req.RawQuery); err != nil {
		return nil, nil, nil, problem(ProblemParameterRejected, Param{"oauth_problem_advice", Encode("malformed query string")})
	}
	if isForm(req.ContentType) {
		if form, err = ParseForm(string(req.Body)); err != nil {
			return nil, nil, nil, problem(ProblemParameterRejected, Param{"oauth_problem_advice", Encode("malformed form body")})
		}
	}
	return header, query, form, nil
}

// isForm reports an application/x-www-form-urlencoded body: only such
// bodies are signed (RFC 5849 §3.4.1.3.1). A type mime cannot parse is
// judged by what precedes its ";".
func isForm(ct string) bool {
	if ct == "" {
		return false
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		mt = strings.TrimSpace(strings.SplitN(ct, ";", 2)[0])
	}
	return strings.EqualFold(mt, "application/x-www-form-urlencoded")
}

// BaseString is the signature base string of req for its first base URI,
// exactly as Verify computes it first (oauth_signature and realm left out).
func (req Request) BaseString() (string, error) {
	header, query, form, err := collect(req)
	if err != nil {
		return "", err
	}
	u := defaultBaseURI
	if len(req.BaseURIs) > 0 {
		u = req.BaseURIs[0]
	}
	return BaseString(req.Method, u, withoutSignature(slices.Concat(header, query, form))), nil
}

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
	all, nForm, err := collect(req)
	if err != nil {
		return Result{}, err
	}

	maxParam := v.MaxParam
	if maxParam <= 0 {
		maxParam = DefaultMaxParam
	}
	var oauth oauthParams
	for _, p := range all {
		if !strings.HasPrefix(p.Name, "oauth_") {
			continue
		}
		if len(p.Value) > maxParam {
			return Result{}, tooLongParam(p.Name, maxParam)
		}
		if !oauth.add(p) {
			// RFC 5849 §3.1: each oauth_* parameter at most once.
			return Result{}, problem(ProblemParameterRejected, Param{"oauth_parameters_rejected", p.Name})
		}
	}
	var absent []string
	for _, name := range required {
		if oauth.field(name).value == "" {
			absent = append(absent, name)
		}
	}
	if len(absent) > 0 {
		return Result{}, problem(ProblemParameterAbsent, Param{"oauth_parameters_absent", strings.Join(absent, "&")})
	}
	if oauth.version.sent && oauth.version.value != Version {
		return Result{}, problem(ProblemVersionRejected, Param{"oauth_acceptable_versions", Version + "-" + Version})
	}
	if oauth.signatureMethod.value != MethodHMACSHA1 {
		return Result{}, problem(ProblemSignatureMethodRejected)
	}
	key := oauth.consumerKey.value
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
	ts, err := strconv.ParseInt(oauth.timestamp.value, 10, 64)
	if err != nil || ts < from || ts > to {
		return Result{}, problem(ProblemTimestampRefused,
			Param{"oauth_acceptable_timestamps", strconv.FormatInt(from, 10) + "-" + strconv.FormatInt(to, 10)})
	}
	nonce := oauth.nonce.value
	if e := tooLong(key, nonce); e != nil {
		return Result{}, e
	}
	if v.Nonces.Seen(key, nonce, ts) {
		return Result{}, problem(ProblemNonceUsed)
	}

	// Duplicates were refused and oauth_signature is present, so it is
	// there once: the signed parameters are all the others, in order, those
	// of the header and query first.
	at := slices.IndexFunc(all, func(p Param) bool { return p.Name == "oauth_signature" })
	headerQuery := len(all) - nForm
	if at < headerQuery {
		headerQuery--
	}
	signed := slices.Delete(all, at, at+1)
	baseURIs := req.BaseURIs
	if len(baseURIs) == 0 {
		baseURIs = []string{defaultBaseURI}
	}
	// The advice is the base string the emulator expected, so a client can
	// compare it with its own.
	invalid := func() *Error {
		return problem(ProblemSignatureInvalid, Param{"oauth_problem_advice", Encode(BaseString(req.Method, baseURIs[0], signed))})
	}
	if oauth.bodyHash.sent && !equal(oauth.bodyHash.value, BodyHash(req.Body)) {
		return Result{}, invalid()
	}
	got := oauth.signature.value
	// Requests whose signature leaves the form body out are accepted too
	// (docs/oauth.md, "Unsigned form bodies").
	if !matches(req.Method, baseURIs, signed, secret, got) &&
		(nForm == 0 || !matches(req.Method, baseURIs, signed[:headerQuery], secret, got)) {
		return Result{}, invalid()
	}
	expires := time.Unix(ts, 0).Add(window + time.Second)
	if !v.Nonces.Add(key, nonce, ts, expires, now) {
		return Result{}, problem(ProblemNonceUsed)
	}
	return Result{ConsumerKey: key, Params: signed}, nil
}

// oauthParams are the oauth_* parameters of a request, each sent at most
// once (RFC 5849 §3.1). A request carries a handful, so those Verify reads
// have a field each and cost no hashing.
type oauthParams struct {
	consumerKey, signatureMethod, signature, timestamp, nonce, version, bodyHash oauthValue

	// others are the names of any other oauth_* parameters, made with the
	// first: a request of many still takes linear time to check for
	// duplicates.
	others map[string]bool
}

type oauthValue struct {
	value string
	sent  bool
}

// field is where the parameter name is kept, nil for one Verify does not
// read.
func (o *oauthParams) field(name string) *oauthValue {
	switch name {
	case "oauth_consumer_key":
		return &o.consumerKey
	case "oauth_signature_method":
		return &o.signatureMethod
	case "oauth_signature":
		return &o.signature
	case "oauth_timestamp":
		return &o.timestamp
	case "oauth_nonce":
		return &o.nonce
	case "oauth_version":
		return &o.version
	case "oauth_body_hash":
		return &o.bodyHash
	}
	return nil
}

// add records p, or reports false when a parameter of its name was sent
// already.
func (o *oauthParams) add(p Param) bool {
	f := o.field(p.Name)
	if f == nil {
		if o.others[p.Name] {
			return false
		}
		if o.others == nil {
			o.others = map[string]bool{}
		}
		o.others[p.Name] = true
		return true
	}
	if f.sent {
		return false
	}
	*f = oauthValue{p.Value, true}
	return true
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
	var buf [16]Param // room enough to sort a usual request on the stack
	params = appendSorted(buf[:0], params)
	var base []byte
	for _, u := range baseURIs {
		base = appendBaseString(base[:0], method, u, params)
		if sig := signature(base, secret, ""); equal(string(sig[:]), got) {
			return true
		}
	}
	return false
}

// equal compares in constant time.
func equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// collect gathers the parameters of the three places RFC 5849 §3.5 allows,
// in this order: the first OAuth Authorization header (realm left out), the
// query and a form body, whose parameters are the last nForm.
func collect(req Request) (params []Param, nForm int, err error) {
	params = make([]Param, 0, 16) // a usual signed request has fewer
	for _, h := range req.Authorization {
		var ok bool
		params, ok, err = appendHeader(params, h)
		if !ok {
			continue // another scheme (Basic, Bearer): not ours to read
		}
		if err != nil {
			return nil, 0, problem(ProblemParameterRejected, Param{"oauth_problem_advice", Encode("malformed Authorization header")})
		}
		// RFC 5849 §3.4.1.3.1: realm is not signed
		params = slices.DeleteFunc(params, func(p Param) bool { return p.Name == "realm" })
		break
	}
	if params, err = appendForm(params, req.RawQuery); err != nil {
		return nil, 0, problem(ProblemParameterRejected, Param{"oauth_problem_advice", Encode("malformed query string")})
	}
	if isForm(req.ContentType) {
		n := len(params)
		if params, err = appendForm(params, string(req.Body)); err != nil {
			return nil, 0, problem(ProblemParameterRejected, Param{"oauth_problem_advice", Encode("malformed form body")})
		}
		nForm = len(params) - n
	}
	return params, nForm, nil
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
	params, _, err := collect(req)
	if err != nil {
		return "", err
	}
	u := defaultBaseURI
	if len(req.BaseURIs) > 0 {
		u = req.BaseURIs[0]
	}
	return BaseString(req.Method, u, withoutSignature(params)), nil
}

package oauth1

import (
	"crypto/subtle"
	"encoding/base64"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fakeapi/fakeapi/internal/clock"
)

// DefaultWindow is how far a timestamp may be from the clock, either way
// (mixi.md §2: ±300 s [chosen]; mixi only says clock skew is an error).
const DefaultWindow = 300 * time.Second

// The only signature method and version mixi accepts [doc: 2-legged OAuth].
const (
	MethodHMACSHA1 = "HMAC-SHA1"
	Version        = "1.0"
)

// required are the parameters every signed request carries (RFC 5849 §3.1;
// oauth_version is optional).
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
// (the caller passes it as it came over the wire).
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
}

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

// Verify checks req. The error is always an *Error. Checks run in the order
// of mixi.md §2: absent parameters, version, method, consumer, timestamp,
// nonce, body hash and signature; the nonce is recorded only after the
// signature verified, so a forged request cannot burn a real client's nonce.
func (v *Verifier) Verify(req Request) (Result, error) {
	sc := new(scratch)
	all, _, nQuery, err := sc.collect(req)
	if err != nil {
		return Result{}, err
	}
	if dup, ok := duplicateOAuth(all); ok {
		// RFC 5849 §3.1: each oauth_* parameter at most once.
		return Result{}, problem(ProblemParameterRejected, Param{"oauth_parameters_rejected", dup})
	}
	// Each oauth_* name is there at most once now.
	var oauth struct {
		consumerKey, signatureMethod, signature, timestamp, nonce, version, bodyHash string
		hasVersion, hasBodyHash                                                      bool
	}
	for _, p := range all {
		switch p.Name {
		case "oauth_consumer_key":
			oauth.consumerKey = p.Value
		case "oauth_signature_method":
			oauth.signatureMethod = p.Value
		case "oauth_signature":
			oauth.signature = p.Value
		case "oauth_timestamp":
			oauth.timestamp = p.Value
		case "oauth_nonce":
			oauth.nonce = p.Value
		case "oauth_version":
			oauth.version, oauth.hasVersion = p.Value, true
		case "oauth_body_hash":
			oauth.bodyHash, oauth.hasBodyHash = p.Value, true
		}
	}
	if oauth.consumerKey == "" || oauth.signatureMethod == "" || oauth.signature == "" || oauth.timestamp == "" || oauth.nonce == "" {
		var absent []string
		for i, val := range []string{oauth.consumerKey, oauth.signatureMethod, oauth.signature, oauth.timestamp, oauth.nonce} {
			if val == "" {
				absent = append(absent, required[i])
			}
		}
		return Result{}, problem(ProblemParameterAbsent, Param{"oauth_parameters_absent", strings.Join(absent, "&")})
	}
	if oauth.hasVersion && oauth.version != Version {
		return Result{}, problem(ProblemVersionRejected, Param{"oauth_acceptable_versions", Version + "-" + Version})
	}
	if oauth.signatureMethod != MethodHMACSHA1 {
		return Result{}, problem(ProblemSignatureMethodRejected)
	}
	key := oauth.consumerKey
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
	ts, err := strconv.ParseInt(oauth.timestamp, 10, 64)
	if err != nil || ts < from || ts > to {
		return Result{}, problem(ProblemTimestampRefused,
			Param{"oauth_acceptable_timestamps", strconv.FormatInt(from, 10) + "-" + strconv.FormatInt(to, 10)})
	}
	nonce := oauth.nonce
	if v.Nonces.Seen(key, nonce, ts) {
		return Result{}, problem(ProblemNonceUsed)
	}

	signed := make([]Param, 0, len(all)-1)
	for _, p := range all {
		if p.Name != "oauth_signature" {
			signed = append(signed, p)
		}
	}
	baseURIs := req.BaseURIs
	if len(baseURIs) == 0 {
		baseURIs = defaultBaseURIs
	}
	sc.base = sc.appendBaseString(sc.base[:0], req.Method, baseURIs[0], signed)
	if oauth.hasBodyHash {
		if subtle.ConstantTimeCompare([]byte(oauth.bodyHash), []byte(BodyHash(req.Body))) != 1 {
			return Result{}, problem(ProblemSignatureInvalid, Param{"oauth_problem_advice", Encode(string(sc.base))})
		}
	}
	if !sc.matches(req.Method, baseURIs, signed, secret, oauth.signature, true) {
		ok := false
		if len(all) > nQuery {
			// mixi's own signed requests to app servers left POST parameters
			// out of the base string; accept that form too [clients:
			// hattori/opensocial-wap oauth_rack_request_proxy_for_mixi.rb].
			noForm := make([]Param, 0, nQuery)
			for _, p := range all[:nQuery] {
				if p.Name != "oauth_signature" {
					noForm = append(noForm, p)
				}
			}
			ok = sc.matches(req.Method, baseURIs, noForm, secret, oauth.signature, false)
		}
		if !ok {
			return Result{}, problem(ProblemSignatureInvalid, Param{"oauth_problem_advice", Encode(string(sc.base))})
		}
	}
	expires := time.Unix(ts, 0).Add(window + time.Second)
	if !v.Nonces.Add(key, nonce, ts, expires, now) {
		return Result{}, problem(ProblemNonceUsed)
	}
	return Result{ConsumerKey: key, Params: signed}, nil
}

var defaultBaseURIs = []string{"http://localhost/"}

// duplicateOAuth returns the first oauth_* parameter whose name came
// before. Requests carry a handful, so pairs are compared; a map takes over
// for a request that carries many.
func duplicateOAuth(all []Param) (string, bool) {
	const maxPairwise = 16
	n := 0
	for i, p := range all {
		if !strings.HasPrefix(p.Name, "oauth_") {
			continue
		}
		if n++; n > maxPairwise {
			return duplicateOAuthMap(all)
		}
		for _, q := range all[:i] {
			if q.Name == p.Name {
				return p.Name, true
			}
		}
	}
	return "", false
}

func duplicateOAuthMap(all []Param) (string, bool) {
	seen := map[string]bool{}
	for _, p := range all {
		if !strings.HasPrefix(p.Name, "oauth_") {
			continue
		}
		if seen[p.Name] {
			return p.Name, true
		}
		seen[p.Name] = true
	}
	return "", false
}

// matches tries each base URI; with haveFirst, sc.base is already the base
// string of baseURIs[0] with params.
func (sc *scratch) matches(method string, baseURIs []string, params []Param, secret, got string, haveFirst bool) bool {
	for i, u := range baseURIs {
		base := sc.base
		if i > 0 || !haveFirst {
			sc.other = sc.appendBaseString(sc.other[:0], method, u, params)
			base = sc.other
		}
		sc.sum = sumHMAC(sc.sum[:0], secret, base)
		sc.sig = base64.StdEncoding.AppendEncode(sc.sig[:0], sc.sum)
		if len(sc.sig) == len(got) && subtle.ConstantTimeCompare(sc.sig, []byte(got)) == 1 {
			return true
		}
	}
	return false
}

// collect gathers the parameters of the three places RFC 5849 §3.5 allows
// into sc.params: the Authorization header's (realm left out) up to
// nHeader, then the query's up to nQuery, then the form body's.
func (sc *scratch) collect(req Request) (all []Param, nHeader, nQuery int, err error) {
	all = sc.params[:0]
	for _, h := range req.Authorization {
		params, ok, perr := appendHeader(all, h)
		if !ok {
			continue // another scheme (Basic, Bearer): not ours to read
		}
		if perr != nil {
			return nil, 0, 0, problem(ProblemParameterRejected, Param{"oauth_problem_advice", Encode("malformed Authorization header")})
		}
		all = params[:0]
		for _, p := range params {
			if p.Name != "realm" { // RFC 5849 §3.4.1.3.1: realm is not signed
				all = append(all, p)
			}
		}
		break
	}
	nHeader = len(all)
	q, qerr := appendForm(all, req.RawQuery)
	if qerr != nil {
		sc.params = all
		return nil, 0, 0, problem(ProblemParameterRejected, Param{"oauth_problem_advice", Encode("malformed query string")})
	}
	all = q
	nQuery = len(all)
	if isForm(req.ContentType) {
		f, ferr := appendForm(all, string(req.Body))
		if ferr != nil {
			sc.params = all
			return nil, 0, 0, problem(ProblemParameterRejected, Param{"oauth_problem_advice", Encode("malformed form body")})
		}
		all = f
	}
	sc.params = all
	return all, nHeader, nQuery, nil
}

// collect gathers the parameters of the three places RFC 5849 §3.5 allows.
func collect(req Request) (header, query, form []Param, err error) {
	sc := new(scratch)
	all, nHeader, nQuery, err := sc.collect(req)
	if err != nil {
		return nil, nil, nil, err
	}
	return all[:nHeader:nHeader], all[nHeader:nQuery:nQuery], all[nQuery:], nil
}

// isForm reports an application/x-www-form-urlencoded body (RFC 5849
// §3.4.1.3.1: only such bodies are signed).
func isForm(ct string) bool {
	if ct == "" {
		return false
	}
	if isASCII(ct) {
		// What the code below decides, without the map
		// mime.ParseMediaType allocates: for ASCII, lower-casing before
		// EqualFold changes nothing, and both branches compare the part
		// before ";" with spaces trimmed.
		mt, _, _ := strings.Cut(ct, ";")
		return strings.EqualFold(strings.TrimSpace(mt), "application/x-www-form-urlencoded")
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		mt = strings.TrimSpace(strings.SplitN(ct, ";", 2)[0])
	}
	return strings.EqualFold(mt, "application/x-www-form-urlencoded")
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// BaseString is the signature base string of req for its first base URI,
// exactly as Verify computes it first (oauth_signature and realm left out).
func (req Request) BaseString() (string, error) {
	header, query, form, err := collect(req)
	if err != nil {
		return "", err
	}
	var params []Param
	for _, p := range append(append(append(params, header...), query...), form...) {
		if p.Name != "oauth_signature" {
			params = append(params, p)
		}
	}
	u := "http://localhost/"
	if len(req.BaseURIs) > 0 {
		u = req.BaseURIs[0]
	}
	return BaseString(req.Method, u, params), nil
}

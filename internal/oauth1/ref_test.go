package oauth1

// The implementation before the allocation work, kept as the reference the
// current one must agree with byte for byte (see FuzzVerifyMatchesReference
// and FuzzBaseStringMatchesReference).

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"mime"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

func refVerify(v *Verifier, req Request) (Result, error) {
	header, query, form, err := refCollect(req)
	if err != nil {
		return Result{}, err
	}
	all := make([]Param, 0, len(header)+len(query)+len(form))
	all = append(append(append(all, header...), query...), form...)

	oauth := map[string]string{}
	for _, p := range all {
		if !strings.HasPrefix(p.Name, "oauth_") {
			continue
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
	if v.Nonces.Seen(key, nonce, ts) {
		return Result{}, problem(ProblemNonceUsed)
	}

	signed := make([]Param, 0, len(all))
	for _, p := range all {
		if p.Name != "oauth_signature" {
			signed = append(signed, p)
		}
	}
	baseURIs := req.BaseURIs
	if len(baseURIs) == 0 {
		baseURIs = []string{"http://localhost/"}
	}
	firstBase := refBaseString(req.Method, baseURIs[0], signed)
	if bh, ok := oauth["oauth_body_hash"]; ok {
		if subtle.ConstantTimeCompare([]byte(bh), []byte(BodyHash(req.Body))) != 1 {
			return Result{}, problem(ProblemSignatureInvalid, Param{"oauth_problem_advice", refEncode(firstBase)})
		}
	}
	if !refMatches(req.Method, baseURIs, signed, secret, oauth["oauth_signature"], firstBase) {
		ok := false
		if len(form) > 0 {
			// mixi's own signed requests to app servers left POST parameters
			// out of the base string; accept that form too [clients:
			// hattori/opensocial-wap oauth_rack_request_proxy_for_mixi.rb].
			noForm := make([]Param, 0, len(header)+len(query))
			for _, p := range append(append([]Param(nil), header...), query...) {
				if p.Name != "oauth_signature" {
					noForm = append(noForm, p)
				}
			}
			ok = refMatches(req.Method, baseURIs, noForm, secret, oauth["oauth_signature"], "")
		}
		if !ok {
			return Result{}, problem(ProblemSignatureInvalid, Param{"oauth_problem_advice", refEncode(firstBase)})
		}
	}
	expires := time.Unix(ts, 0).Add(window + time.Second)
	if !v.Nonces.Add(key, nonce, ts, expires, now) {
		return Result{}, problem(ProblemNonceUsed)
	}
	return Result{ConsumerKey: key, Params: signed}, nil
}

// matches tries each base URI; first, when set, is the base string of
// baseURIs[0] with params, already built.
func refMatches(method string, baseURIs []string, params []Param, secret, got, first string) bool {
	for i, u := range baseURIs {
		base := first
		if i > 0 || base == "" {
			base = refBaseString(method, u, params)
		}
		if subtle.ConstantTimeCompare([]byte(refSign(base, secret, "")), []byte(got)) == 1 {
			return true
		}
	}
	return false
}

// collect gathers the parameters of the three places RFC 5849 §3.5 allows.
func refCollect(req Request) (header, query, form []Param, err error) {
	for _, h := range req.Authorization {
		params, ok, perr := refParseHeader(h)
		if !ok {
			continue // another scheme (Basic, Bearer): not ours to read
		}
		if perr != nil {
			return nil, nil, nil, problem(ProblemParameterRejected, Param{"oauth_problem_advice", refEncode("malformed Authorization header")})
		}
		for _, p := range params {
			if p.Name != "realm" { // RFC 5849 §3.4.1.3.1: realm is not signed
				header = append(header, p)
			}
		}
		break
	}
	if query, err = refParseForm(req.RawQuery); err != nil {
		return nil, nil, nil, problem(ProblemParameterRejected, Param{"oauth_problem_advice", refEncode("malformed query string")})
	}
	if refIsForm(req.ContentType) {
		if form, err = refParseForm(string(req.Body)); err != nil {
			return nil, nil, nil, problem(ProblemParameterRejected, Param{"oauth_problem_advice", refEncode("malformed form body")})
		}
	}
	return header, query, form, nil
}

// isForm reports an application/x-www-form-urlencoded body (RFC 5849
// §3.4.1.3.1: only such bodies are signed).
func refIsForm(ct string) bool {
	if ct == "" {
		return false
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		mt = strings.TrimSpace(strings.SplitN(ct, ";", 2)[0])
	}
	return strings.EqualFold(mt, "application/x-www-form-urlencoded")
}

func refEncode(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !refUnreserved(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if refUnreserved(c) {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hex[c>>4], hex[c&15])
	}
	return string(b)
}

func refNormalizeParams(params []Param) string {
	enc := make([][2]string, len(params))
	for i, p := range params {
		enc[i] = [2]string{refEncode(p.Name), refEncode(p.Value)}
	}
	sort.Slice(enc, func(i, j int) bool {
		if enc[i][0] != enc[j][0] {
			return enc[i][0] < enc[j][0]
		}
		return enc[i][1] < enc[j][1]
	})
	var b strings.Builder
	for i, p := range enc {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p[0])
		b.WriteByte('=')
		b.WriteString(p[1])
	}
	return b.String()
}

func refBaseString(method, baseURI string, params []Param) string {
	return strings.ToUpper(method) + "&" + refEncode(baseURI) + "&" + refEncode(refNormalizeParams(params))
}

func refSign(base, consumerSecret, tokenSecret string) string {
	mac := hmac.New(sha1.New, []byte(refEncode(consumerSecret)+"&"+refEncode(tokenSecret)))
	mac.Write([]byte(base))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func refParseHeader(h string) (params []Param, ok bool, err error) {
	h = strings.TrimSpace(h)
	if len(h) < 5 || !strings.EqualFold(h[:5], "OAuth") || (len(h) > 5 && h[5] != ' ' && h[5] != '\t') {
		return nil, false, nil
	}
	s := h[5:]
	for {
		s = strings.TrimLeft(s, " \t\r\n")
		if s == "" {
			return params, true, nil
		}
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			return nil, true, ErrMalformed
		}
		rawName := strings.TrimSpace(s[:eq])
		if rawName == "" || strings.ContainsAny(rawName, ", \t\"") {
			return nil, true, ErrMalformed
		}
		s = strings.TrimLeft(s[eq+1:], " \t")
		var rawValue string
		if strings.HasPrefix(s, `"`) {
			end := strings.IndexByte(s[1:], '"')
			if end < 0 {
				return nil, true, ErrMalformed
			}
			rawValue = s[1 : 1+end]
			s = s[2+end:]
		} else {
			end := strings.IndexAny(s, ", \t")
			if end < 0 {
				end = len(s)
			}
			rawValue = s[:end]
			s = s[end:]
		}
		name, err1 := url.PathUnescape(rawName)
		value, err2 := url.PathUnescape(rawValue)
		if err1 != nil || err2 != nil {
			return nil, true, ErrMalformed
		}
		params = append(params, Param{Name: name, Value: value})
		s = strings.TrimLeft(s, " \t\r\n")
		if s == "" {
			return params, true, nil
		}
		if s[0] != ',' {
			return nil, true, ErrMalformed
		}
		s = s[1:]
	}
}

func refParseForm(raw string) ([]Param, error) {
	var params []Param
	for raw != "" {
		var seg string
		seg, raw, _ = strings.Cut(raw, "&")
		if seg == "" {
			continue
		}
		k, v, _ := strings.Cut(seg, "=")
		name, err1 := url.QueryUnescape(k)
		value, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return nil, ErrMalformed
		}
		params = append(params, Param{Name: name, Value: value})
	}
	return params, nil
}

func refUnreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

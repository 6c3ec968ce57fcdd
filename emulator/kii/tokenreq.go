package kii

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/fakeapi/fakeapi/internal/httpx"
)

// tokenRequest is a decoded token request body (kii.md §3 fields [doc]).
type tokenRequest struct {
	grantType    string
	username     string
	password     string
	clientID     string
	clientSecret string
	refreshToken string
	// expiresAt is UNIX ms (UTC); hasExpiresAt tells it was sent.
	expiresAt    int64
	hasExpiresAt bool
}

// Media types of token requests: JSON as the seed shows [doc], form for
// standard OAuth2 clients such as golang.org/x/oauth2 (issue 4) [chosen].
const (
	mtJSON = "application/json"
	mtForm = "application/x-www-form-urlencoded"
)

// isJSONType reports whether a (lower-cased) media type carries JSON for
// Kii: application/json or any application/vnd.kii.*+json (kii.md §1 [doc]).
func isJSONType(mt string) bool {
	return mt == mtJSON || (strings.HasPrefix(mt, "application/vnd.kii.") && strings.HasSuffix(mt, "+json"))
}

// secretParams must never travel in a token request's URL (oauth.md §4).
var secretParams = []string{"password", "client_secret", "refresh_token", "code"}

// decodeTokenRequest decodes a token request body of media type mt; query
// is the URL's query, where secrets are refused. Errors are *apiError.
func decodeTokenRequest(mt string, body []byte, query url.Values) (tokenRequest, error) {
	for _, p := range secretParams {
		if query.Has(p) {
			return tokenRequest{}, oauthErr(codeInvalidRequest, fmt.Sprintf(msgParamInQuery, p))
		}
	}
	switch {
	case isJSONType(mt):
		return decodeTokenJSON(body)
	case mt == mtForm:
		return decodeTokenForm(body)
	default:
		return tokenRequest{}, errMediaType(mt, true)
	}
}

// tokenJSONFields are the members a JSON token request may carry, in the
// order they are checked: the first of the wrong type is the error.
var tokenJSONFields = [...]string{"grant_type", "username", "password", "client_id", "client_secret", "refresh_token", "expiresAt"}

const fieldExpiresAt = len(tokenJSONFields) - 1

// tokenRaws are the raw JSON values of tokenJSONFields; nil when absent.
type tokenRaws [len(tokenJSONFields)][]byte

// decodeTokenJSON reads the JSON body. Unknown members are ignored (the
// JS SDK and x/oauth2-style clients add their own); a member of the wrong
// type is invalid_request; JSON that does not parse is INVALID_JSON
// (kii.md §7 [chosen]).
func decodeTokenJSON(body []byte) (tokenRequest, error) {
	raws, ok := scanTokenJSON(body)
	if !ok {
		var err error
		if raws, err = tokenRawsStd(body); err != nil {
			return tokenRequest{}, err
		}
	}
	return tokenRequestOf(&raws)
}

// tokenRawsStd finds the members with encoding/json: the reference for
// scanTokenJSON, and what runs on every body it does not take.
func tokenRawsStd(body []byte) (tokenRaws, error) {
	var raws tokenRaws
	var m map[string]json.RawMessage
	if err := decodeObject(body, &m); err != nil {
		return raws, err
	}
	for i, name := range tokenJSONFields {
		if raw, ok := m[name]; ok {
			raws[i] = raw
		}
	}
	return raws, nil
}

func tokenRequestOf(raws *tokenRaws) (tokenRequest, error) {
	var req tokenRequest
	dsts := [...]*string{&req.grantType, &req.username, &req.password, &req.clientID, &req.clientSecret, &req.refreshToken}
	for i, dst := range dsts {
		raw := raws[i]
		if raw == nil || isNull(raw) {
			continue
		}
		s, err := unquote(raw)
		if err != nil {
			return req, oauthErr(codeInvalidRequest, fmt.Sprintf(msgNotString, tokenJSONFields[i]))
		}
		*dst = s
	}
	if raw := raws[fieldExpiresAt]; raw != nil && !isNull(raw) {
		// An integer only: 1449057600000, not "1449057600000" or 1.4e12
		// (UNIX ms, seed 001 [doc]; strictness [chosen]).
		v, err := strconv.ParseInt(string(bytes.TrimSpace(raw)), 10, 64)
		if err != nil {
			return req, oauthErr(codeInvalidRequest, msgExpiresAtInteger)
		}
		req.expiresAt, req.hasExpiresAt = v, true
	}
	if req.grantType != "" {
		req.grantType = knownGrant(req.grantType)
	}
	return req, nil
}

// knownGrant returns the constant for a grant type the endpoint knows, so
// the decoded copy can be dropped at once.
func knownGrant(s string) string {
	for _, g := range [...]string{grantPassword, grantClient, grantRefresh} {
		if s == g {
			return g
		}
	}
	return s
}

// unquote decodes a JSON string value as json.Unmarshal into a string
// does; a plain one (printable ASCII, no escapes) without encoding/json.
func unquote(raw []byte) (string, error) {
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' && plainASCII(raw[1:len(raw)-1]) {
		return string(raw[1 : len(raw)-1]), nil
	}
	var s string
	err := json.Unmarshal(raw, &s)
	return s, err
}

// plainASCII reports whether b is printable ASCII without '"' and '\\':
// text JSON holds between quotes as it is, both ways.
func plainASCII[T string | []byte](b T) bool {
	for i := 0; i < len(b); i++ {
		if c := b[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// scanTokenJSON is the fast path of decodeTokenJSON for what clients send:
// one flat JSON object whose member names have no escapes and whose values
// are strings, numbers, true, false or null. ok is false for anything else,
// valid or not, which then goes to tokenRawsStd; whatever it takes, it finds
// exactly the values tokenRawsStd would (FuzzDecodeTokenJSON checks).
// Spares the decoder, the map and the copies of every value.
func scanTokenJSON(b []byte) (raws tokenRaws, ok bool) {
	i := httpx.SkipJSONSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return raws, false
	}
	i = httpx.SkipJSONSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return raws, httpx.SkipJSONSpace(b, i+1) == len(b)
	}
	for {
		// Member name.
		if i >= len(b) || b[i] != '"' {
			return raws, false
		}
		end := httpx.PlainJSONString(b, i)
		if end < 0 {
			return raws, false
		}
		name := b[i+1 : end-1]
		i = httpx.SkipJSONSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return raws, false
		}
		i = httpx.SkipJSONSpace(b, i+1)
		// Value.
		start := i
		if i = scanScalar(b, i); i < 0 {
			return raws, false
		}
		for f, fname := range tokenJSONFields {
			if string(name) == fname {
				raws[f] = b[start:i] // the last one wins, as in a map
				break
			}
		}
		i = httpx.SkipJSONSpace(b, i)
		if i >= len(b) {
			return raws, false
		}
		switch b[i] {
		case ',':
			i = httpx.SkipJSONSpace(b, i+1)
		case '}':
			return raws, httpx.SkipJSONSpace(b, i+1) == len(b)
		default:
			return raws, false
		}
	}
}

// scanScalar returns the end of the string, number or literal at b[i], or
// -1 when there is none (objects and arrays included). Strings may hold
// escapes and any bytes JSON allows: unquote decides how to decode them.
func scanScalar(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch c := b[i]; {
	case c == '"':
		for j := i + 1; j < len(b); j++ {
			switch c := b[j]; {
			case c == '"':
				return j + 1
			case c < 0x20:
				return -1
			case c == '\\':
				j++
				if j >= len(b) {
					return -1
				}
				switch b[j] {
				case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				case 'u':
					if j+4 >= len(b) || !isHex(b[j+1]) || !isHex(b[j+2]) || !isHex(b[j+3]) || !isHex(b[j+4]) {
						return -1
					}
					j += 4
				default:
					return -1
				}
			}
		}
		return -1
	case c == '-' || ('0' <= c && c <= '9'):
		return scanNumber(b, i)
	default:
		for _, lit := range [...]string{"true", "false", "null"} {
			if len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit {
				return i + len(lit)
			}
		}
		return -1
	}
}

// scanNumber returns the end of the JSON number at b[i], or -1.
func scanNumber(b []byte, i int) int {
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		i = skipDigits(b, i)
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		j := skipDigits(b, i+1)
		if j == i+1 {
			return -1
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := skipDigits(b, i)
		if j == i {
			return -1
		}
		i = j
	}
	return i
}

func skipDigits(b []byte, i int) int {
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	return i
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// decodeTokenForm reads an application/x-www-form-urlencoded body; a
// parameter given twice is invalid_request (oauth.md §4).
func decodeTokenForm(body []byte) (tokenRequest, error) {
	var req tokenRequest
	vals, err := url.ParseQuery(string(body))
	if err != nil {
		return req, oauthErr(codeInvalidRequest, "The form body is not valid application/x-www-form-urlencoded")
	}
	for k, v := range vals {
		if len(v) > 1 {
			return req, oauthErr(codeInvalidRequest, fmt.Sprintf(msgDuplicateParam, k))
		}
	}
	req.grantType = vals.Get("grant_type")
	req.username = vals.Get("username")
	req.password = vals.Get("password")
	req.clientID = vals.Get("client_id")
	req.clientSecret = vals.Get("client_secret")
	req.refreshToken = vals.Get("refresh_token")
	if vals.Has("expiresAt") {
		v, err := strconv.ParseInt(vals.Get("expiresAt"), 10, 64)
		if err != nil {
			return req, oauthErr(codeInvalidRequest, msgExpiresAtInteger)
		}
		req.expiresAt, req.hasExpiresAt = v, true
	}
	return req, nil
}

// decodeObject decodes exactly one JSON object into m. Anything else, a
// JSON array or string included, is 400 INVALID_JSON: every Kii request
// body is an object [chosen].
func decodeObject(body []byte, m *map[string]json.RawMessage) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	var v json.RawMessage
	if err := dec.Decode(&v); err != nil || httpx.TrailingData(dec, body) {
		return errInvalidJSON()
	}
	if t := bytes.TrimSpace(v); len(t) == 0 || t[0] != '{' {
		return errf(codeInvalidJSON, msgJSONObject)
	}
	if err := json.Unmarshal(v, m); err != nil {
		return errInvalidJSON()
	}
	return nil
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

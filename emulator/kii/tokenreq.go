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

// decodeTokenJSON reads the JSON body. Unknown members are ignored (the
// JS SDK and x/oauth2-style clients add their own); a member of the wrong
// type is invalid_request; JSON that does not parse is INVALID_JSON
// (kii.md §7 [chosen]).
func decodeTokenJSON(body []byte) (tokenRequest, error) {
	var req tokenRequest
	var m map[string]json.RawMessage
	if err := decodeObject(body, &m); err != nil {
		return req, err
	}
	fields := []struct {
		name string
		dst  *string
	}{
		{"grant_type", &req.grantType}, {"username", &req.username}, {"password", &req.password},
		{"client_id", &req.clientID}, {"client_secret", &req.clientSecret}, {"refresh_token", &req.refreshToken},
	}
	for _, f := range fields {
		raw, ok := m[f.name]
		if !ok || isNull(raw) {
			continue
		}
		if err := json.Unmarshal(raw, f.dst); err != nil {
			return req, oauthErr(codeInvalidRequest, fmt.Sprintf(msgNotString, f.name))
		}
	}
	if raw, ok := m["expiresAt"]; ok && !isNull(raw) {
		// An integer only: 1449057600000, not "1449057600000" or 1.4e12
		// (UNIX ms, seed 001 [doc]; strictness [chosen]).
		v, err := strconv.ParseInt(string(bytes.TrimSpace(raw)), 10, 64)
		if err != nil {
			return req, oauthErr(codeInvalidRequest, msgExpiresAtInteger)
		}
		req.expiresAt, req.hasExpiresAt = v, true
	}
	return req, nil
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

package kii

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// tokenRequest is a decoded token request body (docs/providers/kii.md, "Token endpoint").
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

// Media types of token requests: JSON as Kii documents, form for standard
// OAuth 2.0 clients such as golang.org/x/oauth2 (docs/providers/kii.md,
// "Request conventions").
const (
	mtJSON = "application/json"
	mtForm = "application/x-www-form-urlencoded"
)

// isJSONType reports whether a (lower-cased) media type carries JSON for
// Kii: application/json or any application/vnd.kii.*+json.
func isJSONType(mt string) bool {
	return mt == mtJSON || (strings.HasPrefix(mt, "application/vnd.kii.") && strings.HasSuffix(mt, "+json"))
}

// secretParams must never travel in a token request's URL
// (docs/providers/kii.md, "Token endpoint").
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

// tokenJSON is a JSON token request. Unknown members are ignored (the JS
// SDK and x/oauth2-style clients add their own).
type tokenJSON struct {
	GrantType    member[string] `json:"grant_type"`
	Username     member[string] `json:"username"`
	Password     member[string] `json:"password"`
	ClientID     member[string] `json:"client_id"`
	ClientSecret member[string] `json:"client_secret"`
	RefreshToken member[string] `json:"refresh_token"`
	// ExpiresAt is UNIX ms and an integer only: 1449057600000, not
	// "1449057600000" or 1.4e12 (docs/providers/kii.md, "Token endpoint").
	ExpiresAt member[int64] `json:"expiresAt"`
}

// decodeTokenJSON reads the JSON body. A member of the wrong type is
// invalid_request, the first in the order of tokenJSON's fields; JSON that
// does not parse is INVALID_JSON.
func decodeTokenJSON(body []byte) (tokenRequest, error) {
	var in tokenJSON
	if err := decodeObject(body, &in); err != nil {
		return tokenRequest{}, err
	}
	var req tokenRequest
	for _, f := range []struct {
		name string
		m    member[string]
		dst  *string
	}{
		{"grant_type", in.GrantType, &req.grantType},
		{"username", in.Username, &req.username},
		{"password", in.Password, &req.password},
		{"client_id", in.ClientID, &req.clientID},
		{"client_secret", in.ClientSecret, &req.clientSecret},
		{"refresh_token", in.RefreshToken, &req.refreshToken},
	} {
		if f.m.wrong {
			return req, oauthErr(codeInvalidRequest, fmt.Sprintf(msgNotString, f.name))
		}
		*f.dst = f.m.v
	}
	if in.ExpiresAt.wrong {
		return req, oauthErr(codeInvalidRequest, msgExpiresAtInteger)
	}
	req.expiresAt, req.hasExpiresAt = in.ExpiresAt.v, in.ExpiresAt.given()
	return req, nil
}

// decodeTokenForm reads an application/x-www-form-urlencoded body; a
// parameter given twice is invalid_request (docs/providers/kii.md, "Token endpoint").
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

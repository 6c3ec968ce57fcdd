package oauth2x

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// RFC 6749 §5.2 and §4.1.2.1 error codes.
const (
	ErrInvalidRequest          = "invalid_request"
	ErrInvalidClient           = "invalid_client"
	ErrInvalidGrant            = "invalid_grant"
	ErrUnauthorizedClient      = "unauthorized_client"
	ErrUnsupportedGrantType    = "unsupported_grant_type"
	ErrUnsupportedResponseType = "unsupported_response_type"
	ErrInvalidScope            = "invalid_scope"
	ErrAccessDenied            = "access_denied"
	ErrServerError             = "server_error"
	ErrTemporarilyUnavailable  = "temporarily_unavailable"
)

// Error is a token-endpoint error: status, RFC code, description and extra
// headers (Allow, WWW-Authenticate).
type Error struct {
	Status      int
	Code        string
	Description string
	Header      http.Header
}

func (e *Error) Error() string { return e.Code + ": " + e.Description }

func newError(status int, code, desc string) *Error {
	return &Error{Status: status, Code: code, Description: desc}
}

func (e *Error) with(key, value string) *Error {
	if e.Header == nil {
		e.Header = http.Header{}
	}
	e.Header.Set(key, value)
	return e
}

// Messages are the token endpoint's error_description texts. Those with a
// %s receive the parameter or grant type.
type Messages struct {
	MethodNotPost        string
	ContentType          string
	BodyTooLarge         string
	MalformedBody        string
	CredentialsInQuery   string
	DuplicateParam       string // %s: parameter name
	NoGrantType          string
	UnsupportedGrantType string // %s: grant type
	NoClientCredentials  string
	InvalidClient        string
	TwoAuthMethods       string
	NoCode               string
	InvalidCode          string
	ExpiredCode          string
	RedirectMismatch     string
	NoRedirectURI        string
	PKCE                 string
	ServerError          string
}

// DefaultMessages are plain English texts for providers without their own.
var DefaultMessages = Messages{
	MethodNotPost:        "The token endpoint accepts POST only",
	ContentType:          `The content type must be "application/x-www-form-urlencoded"`,
	BodyTooLarge:         "The request body is too large",
	MalformedBody:        "The request body is not valid form data",
	CredentialsInQuery:   "Credentials must be sent in the request body",
	DuplicateParam:       `Parameter "%s" was given more than once`,
	NoGrantType:          "The grant type was not specified in the request",
	UnsupportedGrantType: `Grant type "%s" not supported`,
	NoClientCredentials:  "Client credentials were not found in the headers or body",
	InvalidClient:        "The client credentials are invalid",
	TwoAuthMethods:       "Only one method may be used to authenticate at a time (Auth header or POST body)",
	NoCode:               `Missing parameter: "code" is required`,
	InvalidCode:          "Authorization code doesn't exist or is invalid for the client",
	ExpiredCode:          "The authorization code has expired",
	RedirectMismatch:     "The redirect URI is missing or do not match",
	NoRedirectURI:        `Missing parameter: "redirect_uri" is required`,
	PKCE:                 "The PKCE code verifier is invalid",
	ServerError:          "The server encountered an unexpected condition",
}

// DefaultWriteError writes {"error":…,"error_description":…} (key order as
// RFC 6749 §5.2 lists them) with no-store caching and e's headers.
func DefaultWriteError(w http.ResponseWriter, _ *http.Request, e *Error) {
	body, _ := json.Marshal(struct {
		Error       string `json:"error"`
		Description string `json:"error_description,omitempty"`
	}{e.Code, e.Description})
	writeNoStore(w, e.Status, e.Header, body)
}

// DefaultWriteToken writes an RFC 6749 §5.1 response.
func DefaultWriteToken(w http.ResponseWriter, _ *http.Request, t Token) {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"access_token":%s,"token_type":"Bearer"`, strconv.Quote(t.AccessToken))
	if !t.ExpiresAt.IsZero() {
		fmt.Fprintf(&b, `,"expires_in":%d`, int64(t.ExpiresAt.Sub(t.IssuedAt).Seconds()))
	}
	if t.Scope != "" {
		scope, _ := json.Marshal(t.Scope)
		fmt.Fprintf(&b, `,"scope":%s`, scope)
	}
	b.WriteByte('}')
	writeNoStore(w, http.StatusOK, nil, b.Bytes())
}

func writeNoStore(w http.ResponseWriter, status int, extra http.Header, body []byte) {
	h := w.Header()
	for k, v := range extra {
		h[k] = v
	}
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

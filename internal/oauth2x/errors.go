package oauth2x

import "net/http"

// RFC 6749 §5.2 and §4.1.2.1 error codes that providers also answer.
const (
	ErrInvalidRequest         = "invalid_request"
	ErrInvalidClient          = "invalid_client"
	ErrAccessDenied           = "access_denied"
	ErrServerError            = "server_error"
	ErrTemporarilyUnavailable = "temporarily_unavailable"
)

// RFC 6749 §5.2 and §4.1.2.1 error codes only the wrappers answer.
const (
	errInvalidGrant            = "invalid_grant"
	errUnsupportedGrantType    = "unsupported_grant_type"
	errUnsupportedResponseType = "unsupported_response_type"
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

package assist

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/fakeapi/fakeapi/internal/httpx"
	"github.com/fakeapi/fakeapi/internal/oauth2x"
)

// Realm of the Bearer and Basic challenges, as bshaffer/oauth2-server-php's
// ResourceController and HttpBasic name it; our choice, not evidence
// (docs/providers/assist.md, "Checks and errors").
const realm = "Service"

// Client-visible texts. The Bearer texts are bshaffer's
// ResourceController's, our choice like the rest (docs/providers/assist.md,
// "Checks and errors").
const (
	msgNoToken        = "The access token was not found"
	msgMalformedAuth  = "Malformed auth header"
	msgInvalidToken   = "The access token provided is invalid"
	msgIPNotAllowed   = "IP address %s is not allowed"
	msgThrottled      = "Too many requests: 1 request per second per access token"
	msgContentType    = "Content-Type must be application/json"
	msgOrderNotFound  = "Order %d not found"
	msgNotFound       = "The requested URL was not found"
	msgMethod         = "The request method %s is not supported here"
	msgTooLarge       = "The request body is too large"
	msgBodyRead       = "body: could not be read to the end"
	msgServerError    = "The server encountered an unexpected condition"
	msgUnavailable    = "The service is temporarily unavailable"
	msgDefaultPrefix  = "HTTP "
	msgSerialRequired = "is required"
)

// tokenMessages are the token endpoint's descriptions, borrowed from
// bshaffer/oauth2-server-php (TokenController, GrantType/AuthorizationCode,
// ClientAssertionType/HttpBasic), the best-known PHP server with the same
// authorize.php/token.php layout: our choice, not evidence of what Assist
// answers (docs/providers/assist.md, "Token").
var tokenMessages = oauth2x.Messages{
	MethodNotPost:        "The request method must be POST when requesting an access token",
	ContentType:          `The content type for POST requests must be "application/x-www-form-urlencoded"`,
	BodyTooLarge:         msgTooLarge,
	MalformedBody:        "The request body is not valid form data",
	CredentialsInQuery:   "Credentials must be sent in the request body",
	DuplicateParam:       `Parameter "%s" was given more than once`,
	NoGrantType:          "The grant type was not specified in the request",
	UnsupportedGrantType: `Grant type "%s" not supported`,
	NoClientCredentials:  "Client credentials were not found in the headers or body",
	InvalidClient:        "The client credentials are invalid",
	TwoAuthMethods:       "Only one method may be used to authenticate at a time (Auth header, GET or POST)",
	NoCode:               `Missing parameter: "code" is required`,
	InvalidCode:          "Authorization code doesn't exist or is invalid for the client",
	ExpiredCode:          "The authorization code has expired",
	RedirectMismatch:     "The redirect URI is missing or do not match",
	NoRedirectURI:        `Missing parameter: "redirect_uri" is required`,
	PKCE:                 "The PKCE code verifier is invalid",
	ServerError:          msgServerError,
}

// apiError is an error the client sees: status, RFC 6749/6750-style code and
// description, and extra headers.
type apiError struct {
	status int
	code   string
	desc   string
	header [][2]string
}

func (e *apiError) Error() string { return e.code + ": " + e.desc }

func (e *apiError) with(k, v string) *apiError {
	e.header = append(e.header, [2]string{k, v})
	return e
}

// errorBody is {"error":…,"error_description":…} in that order.
type errorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// writeError is the provider's one error writer: client errors
// in the provider's shape, store sentinels through statusFor, everything
// else logged in full and answered with a generic 500.
func writeError(log *slog.Logger, w http.ResponseWriter, r *http.Request, err error) {
	ae := statusFor(err)
	if ae == nil {
		log.Error("assist: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		ae = &apiError{status: http.StatusInternalServerError, code: oauth2x.ErrServerError, desc: msgServerError}
	}
	for _, h := range ae.header {
		w.Header().Set(h[0], h[1])
	}
	writeJSON(log, w, ae.status, errorBody{ae.code, ae.desc})
}

// statusFor maps an error to what the client sees, nil for unexpected ones.
func statusFor(err error) *apiError {
	var ae *apiError
	var fe *fieldError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &fe):
		return &apiError{status: http.StatusBadRequest, code: oauth2x.ErrInvalidRequest, desc: fe.Error()}
	case httpx.IsTooLarge(err):
		return statusError(http.StatusRequestEntityTooLarge)
	case errors.Is(err, httpx.ErrBodyRead): // the client hung up mid-body
		return &apiError{status: http.StatusBadRequest, code: oauth2x.ErrInvalidRequest, desc: msgBodyRead}
	case errors.Is(err, errNotFound):
		return &apiError{status: http.StatusNotFound, code: "not_found", desc: msgNotFound}
	}
	return nil
}

// statusError is the body for a bare status: 404/405/413 from routing and
// the body cap, injected faults, recovered panics.
func statusError(status int) *apiError {
	switch status {
	case http.StatusNotFound:
		return &apiError{status: status, code: "not_found", desc: msgNotFound}
	case http.StatusRequestEntityTooLarge:
		return &apiError{status: status, code: oauth2x.ErrInvalidRequest, desc: msgTooLarge}
	case http.StatusTooManyRequests:
		return (&apiError{status: status, code: "too_many_requests", desc: msgThrottled}).with("Retry-After", "1")
	case http.StatusServiceUnavailable:
		return &apiError{status: status, code: oauth2x.ErrTemporarilyUnavailable, desc: msgUnavailable}
	}
	if status >= 500 {
		return &apiError{status: status, code: oauth2x.ErrServerError, desc: msgServerError}
	}
	code := strings.ToLower(strings.ReplaceAll(http.StatusText(status), " ", "_"))
	if code == "" {
		code = "http_" + strconv.Itoa(status)
	}
	return &apiError{status: status, code: code, desc: msgDefaultPrefix + strconv.Itoa(status)}
}

// methodError is the 405 for a known path.
func methodError(method string, allow []string) *apiError {
	return (&apiError{status: http.StatusMethodNotAllowed, code: oauth2x.ErrInvalidRequest, desc: fmt.Sprintf(msgMethod, method)}).
		with("Allow", strings.Join(allow, ", "))
}

// writeJSON encodes v PHP-style (phpjson.go) before writing anything.
func writeJSON(log *slog.Logger, w http.ResponseWriter, status int, v any) {
	b, err := marshalPHP(v)
	if err != nil {
		log.Error("assist: encode response", "err", err)
		status = http.StatusInternalServerError
		b = []byte(`{"error":"server_error","error_description":"` + msgServerError + `"}`)
	}
	httpx.WriteBytes(w, status, "application/json", b)
}

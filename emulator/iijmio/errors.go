package iijmio

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/fakeapi/fakeapi/internal/httpx"
)

// returnCode texts the client sees. Texts of the real service are copied
// exactly; where none was ever seen the text is ours. The table of
// docs/providers/iijmio.md, "Errors" gives the source of each.
const (
	codeOK = "OK"
	// The header and token checks, in their order (docs/providers/iijmio.md,
	// "Headers and checks").
	codeNoAuthorization = "X-IIJmio-Authorization is not found"
	codeNoDeveloper     = "X-IIJmio-Developer is not found"
	codeNotRegistered   = "Your application is not registered"
	codeAuthFailure     = "User Authorization Failure"
	codeTooManyRequests = "Too Many Request"
	codeBadData         = "Your data structure or data type is invalid"
	codeNotFound        = "Requested resource is not found"
	// Statuses the real service was never seen to answer.
	codeMethodNotAllowed = "Method Not Allowed"
	codeTooLarge         = "Request Entity Too Large"
	codeInternal         = "Internal Server Error"
	codeUnavailable      = "Service Unavailable"
)

// Sentinel errors of the store and the handlers; statusFor maps each to its
// status and returnCode.
var (
	errNoAuthorization = errors.New("iijmio: X-IIJmio-Authorization header missing")
	errNoDeveloper     = errors.New("iijmio: X-IIJmio-Developer header missing")
	errNotRegistered   = errors.New("iijmio: developer ID not registered")
	errAuthFailure     = errors.New("iijmio: access token unknown, expired or of another developer")
	errBadData         = errors.New("iijmio: request body structure or type invalid")
	errNotFound        = errors.New("iijmio: no such resource")
	errMethod          = errors.New("iijmio: method not allowed")
	errTooLarge        = errors.New("iijmio: request body too large")
	errUnavailable     = errors.New("iijmio: service unavailable")
)

// rateLimitedError carries the Retry-After of a 429 (docs/providers/iijmio.md,
// "Rate limits").
type rateLimitedError struct{ retryAfter int }

func (e *rateLimitedError) Error() string {
	return "iijmio: rate limit exceeded, retry after " + strconv.Itoa(e.retryAfter) + "s"
}

var errorTable = []struct {
	err    error
	status int
	code   string
}{
	{errNoAuthorization, http.StatusForbidden, codeNoAuthorization},
	{errNoDeveloper, http.StatusForbidden, codeNoDeveloper},
	{errNotRegistered, http.StatusForbidden, codeNotRegistered},
	{errAuthFailure, http.StatusForbidden, codeAuthFailure},
	{errBadData, http.StatusBadRequest, codeBadData},
	{errNotFound, http.StatusNotFound, codeNotFound},
	{errMethod, http.StatusMethodNotAllowed, codeMethodNotAllowed},
	{errTooLarge, http.StatusRequestEntityTooLarge, codeTooLarge},
	{errUnavailable, http.StatusServiceUnavailable, codeUnavailable},
}

// statusFor maps an error to its status and returnCode; unknown errors are
// 500 Internal Server Error. known reports whether the error was expected.
func statusFor(err error) (status int, code string, known bool) {
	var rl *rateLimitedError
	if errors.As(err, &rl) {
		return http.StatusTooManyRequests, codeTooManyRequests, true
	}
	for _, e := range errorTable {
		if errors.Is(err, e.err) {
			return e.status, e.code, true
		}
	}
	return http.StatusInternalServerError, codeInternal, false
}

// codeForStatus is the returnCode of a bare status (injected faults, bodies
// the root refused, recovered panics).
func codeForStatus(status int) string {
	for _, e := range errorTable {
		if e.status == status && e.status != http.StatusForbidden {
			return e.code
		}
	}
	switch status {
	case http.StatusForbidden:
		return codeAuthFailure
	case http.StatusTooManyRequests:
		return codeTooManyRequests
	case http.StatusInternalServerError:
		return codeInternal
	}
	if t := http.StatusText(status); t != "" {
		return t // still JSON, so clients can parse it
	}
	return codeInternal
}

// apiHeaders are on every API response, errors and preflights included, so
// that browsers can read the returnCode (docs/providers/iijmio.md, "Wire
// format").
func apiHeaders(h http.Header) {
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Headers", "X-IIJmio-Developer,X-IIJmio-Authorization,X-IIJmio-Application,Content-Type")
	h.Set("Access-Control-Allow-Methods", "GET,PUT")
	h.Set("Vary", "Accept-Encoding")
}

// writeBody writes a JSON body with the API headers. Content-Type has no
// charset, as on the real service (docs/providers/iijmio.md, "Wire format").
func writeBody(w http.ResponseWriter, status int, body []byte) {
	apiHeaders(w.Header())
	httpx.WriteBytes(w, status, "application/json", body)
}

// writeCode writes {"returnCode": code}.
func writeCode(w http.ResponseWriter, status int, code string) {
	writeBody(w, status, returnCodeBody(code))
}

// errorWriter returns the provider's single error writer:
// expected errors get their table entry, anything else is logged in full and
// answered with the generic 500, never err.Error().
func errorWriter(log *slog.Logger) func(w http.ResponseWriter, r *http.Request, err error) {
	return func(w http.ResponseWriter, r *http.Request, err error) {
		status, code, known := statusFor(err)
		if !known {
			log.ErrorContext(r.Context(), "iijmio: unexpected error", "method", r.Method, "path", r.URL.Path, "err", err)
		}
		var rl *rateLimitedError
		if errors.As(err, &rl) {
			// Seconds until the oldest counted request leaves the window.
			w.Header().Set("Retry-After", strconv.Itoa(rl.retryAfter))
		}
		writeCode(w, status, code)
	}
}

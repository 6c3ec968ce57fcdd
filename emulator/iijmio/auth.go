package iijmio

import "net/http"

// Header names of iijmio.md §4 [doc: seed's curl examples].
const (
	headerDeveloper     = "X-IIJmio-Developer"
	headerAuthorization = "X-IIJmio-Authorization"
)

// apiHandler is an API endpoint behind authenticate, which hands it the
// caller as an argument: a context value meant a request copy, a context
// and a boxed caller on every API request (docs/PERFORMANCE.md).
type apiHandler func(w http.ResponseWriter, r *http.Request, c caller)

// authenticate runs the checks of iijmio.md §4 in order, first failure wins
// [clients: emasaka/miopon-cli miomock.rb checks Authorization, then
// Developer]: the raw token (a "Bearer " prefix is simply a wrong token),
// the developer ID, then the token bound to that developer. Then it counts
// the request against the token's rate limit (check 5): a request counts once
// it has passed checks 1–4, whatever its outcome [chosen].
func authenticate(st Store, lim *limiter, class limitClass, writeErr errorFunc) func(apiHandler) http.Handler {
	return func(next apiHandler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			token := r.Header.Get(headerAuthorization)
			if token == "" {
				writeErr(w, r, errNoAuthorization)
				return
			}
			dev := r.Header.Get(headerDeveloper)
			if dev == "" {
				writeErr(w, r, errNoDeveloper)
				return
			}
			c, err := st.Authenticate(dev, token)
			if err != nil {
				writeErr(w, r, err)
				return
			}
			if ok, retry := lim.allow(token, class); !ok {
				writeErr(w, r, &rateLimitedError{retryAfter: retry})
				return
			}
			next(w, r, c)
		})
	}
}

// errorFunc is the provider's error writer (errors.go).
type errorFunc = func(w http.ResponseWriter, r *http.Request, err error)

// handlePreflight handles "OPTIONS" on every API path: 200, empty body, the
// CORS headers (iijmio.md §2) [chosen: the real service's preflight answer
// was never captured; browsers need one before sending X-IIJmio-* headers].
func handlePreflight() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		apiHeaders(w.Header())
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
	}
}

package iijmio

import "net/http"

// The API's credential headers (docs/providers/iijmio.md, "Headers and
// checks").
const (
	headerDeveloper     = "X-IIJmio-Developer"
	headerAuthorization = "X-IIJmio-Authorization"
)

// apiHandler is an API endpoint behind authenticate, which hands it the
// caller it authenticated.
type apiHandler func(w http.ResponseWriter, r *http.Request, c caller)

// authenticate runs the API's checks in order, first failure wins: the raw
// token (a "Bearer " prefix is simply a wrong token), the developer ID, then
// the token bound to that developer. Then it counts the request against the
// token's rate limit: a request counts once it has passed the other checks,
// whatever its outcome (docs/providers/iijmio.md, "Headers and checks",
// "Rate limits").
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
// CORS headers, no credentials, as browsers need before they send the
// X-IIJmio-* headers (docs/providers/iijmio.md, "Wire format").
func handlePreflight() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		apiHeaders(w.Header())
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
	}
}

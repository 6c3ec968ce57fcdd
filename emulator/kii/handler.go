package kii

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/httpx"
	"github.com/fakeapi/fakeapi/internal/ids"
)

// Config is the provider's own configuration; the zero value is right when
// no flag is given. App settings (strictAppKey, refreshTokenEnabled, …) live
// in the fixtures, since they are per app as in Kii's developer portal.
type Config struct {
	// LoginFailureLimit turns on brute-force throttling for every app
	// whose fixture sets no loginFailureLimit: after this many wrong
	// passwords in a row, a user's logins are refused for LoginLockout,
	// even with the right password, with the same 400 as any failure and
	// reason TOO_MANY_FAILURES in the devlog. 0 (the default) is off
	// (docs/providers/kii.md, "Login throttling").
	LoginFailureLimit int
	// LoginLockout is how long a throttled user is locked out, for apps
	// whose fixture sets no loginLockoutSeconds; 0 means
	// DefaultLoginLockout.
	LoginLockout time.Duration
	// MaxTokens caps the tokens each app has issued (access tokens, each
	// with its refresh token): past it the oldest is evicted and stops
	// working, and evictions are logged. Tokens of the fixtures and of
	// state imports are not counted and never evicted. 0 means
	// DefaultMaxTokens (docs/providers/kii.md, "Token cap").
	MaxTokens int
}

// DefaultMaxTokens is the cap on each app's issued tokens when Config sets
// none: more than a long test run issues, and a bound on memory against a
// login flood (docs/providers/kii.md, "Token cap").
const DefaultMaxTokens = 50_000

// DefaultLoginLockout is the lockout when throttling is on and neither
// Config nor the app's fixture sets one.
const DefaultLoginLockout = 5 * time.Minute

// New builds Kii's HTTP handler: the routes of routes.go behind CORS. It
// cannot fail: the store holds validated state.
func New(log *slog.Logger, st Store, clk clock.Clock, src ids.Source) http.Handler {
	return cors(newRouter(log, st, clk, src))
}

// newRouter is the router of New, without CORS.
func newRouter(log *slog.Logger, st Store, clk clock.Clock, src ids.Source) *chi.Mux {
	mux := chi.NewRouter()
	// Set before any route, so nothing falls back to chi's text/plain 404
	// and empty 405: every answer is a Kii error body.
	mux.NotFound(func(w http.ResponseWriter, r *http.Request) {
		writeAPIError(w, &apiError{code: statusCode(http.StatusNotFound), msg: fmt.Sprintf(msgNotFound, httpx.Base(r)+r.URL.Path), fixed: http.StatusNotFound})
	})
	mux.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		allow := strings.Join(httpx.AllowedMethods(mux, routePath(r)), ", ")
		w.Header().Set("Allow", allow)
		writeAPIError(w, &apiError{code: statusCode(http.StatusMethodNotAllowed), msg: fmt.Sprintf(msgMethodNotAllowed, r.Method, allow), fixed: http.StatusMethodNotAllowed})
	})
	addRoutes(mux, log, st, clk, src)
	return mux
}

// routePath is the path chi routes r on: the escaped path when the URL
// has one.
func routePath(r *http.Request) string {
	if r.URL.RawPath != "" {
		return r.URL.RawPath
	}
	return r.URL.Path
}

// CORS: Access-Control-Allow-Origin: * on every response; preflights allow
// the headers the SDKs send (docs/providers/kii.md, "Request conventions").
const (
	corsAllowHeaders = "Authorization, Content-Type, X-Kii-AppID, X-Kii-AppKey, X-Kii-SDK"
	corsMaxAge       = "86400"
)

// cors answers preflights for known paths and stamps every response.
func cors(mux *chi.Mux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		if r.Method == http.MethodOptions {
			methods := httpx.AllowedMethods(mux, routePath(r))
			if len(methods) == 0 {
				mux.NotFoundHandler().ServeHTTP(w, r)
				return
			}
			methods = append(methods, http.MethodOptions)
			h := w.Header()
			h.Set("Allow", strings.Join(methods, ", "))
			h.Set("Access-Control-Allow-Methods", strings.Join(methods, ", "))
			h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
			h.Set("Access-Control-Max-Age", corsMaxAge)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// newAdmin builds the admin handler mounted at /_fakeapi/kii/.
func newAdmin(st Store, clk clock.Clock, src ids.Source) *chi.Mux {
	mux := chi.NewRouter()
	mux.NotFound(func(w http.ResponseWriter, r *http.Request) {
		httpx.AdminError(w, http.StatusNotFound, "no Kii admin route "+r.URL.Path)
	})
	mux.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		allow := strings.Join(httpx.AllowedMethods(mux, routePath(r)), ", ")
		w.Header().Set("Allow", allow)
		httpx.AdminError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed; allowed: "+allow)
	})
	addAdminRoutes(mux, st, clk, src)
	return mux
}

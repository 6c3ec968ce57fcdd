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
	// LoginFailureLimit turns on brute-force throttling (RFC 6749 §4.3.2):
	// after this many failed logins in a row, a user's logins are refused
	// for LoginLockout, even with the right password, with the same 400 as
	// any failure and reason TOO_MANY_FAILURES in the devlog. 0 (the
	// default) is off, as Kii documents no throttling (kii.md §3 [chosen]).
	LoginFailureLimit int
	// LoginLockout is how long a throttled user is locked out; 0 means
	// DefaultLoginLockout.
	LoginLockout time.Duration
}

// DefaultLoginLockout is the lockout when throttling is on and
// Config.LoginLockout is zero [chosen].
const DefaultLoginLockout = 5 * time.Minute

// routeMethods are the methods tried when computing Allow.
var routeMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch}

// New builds Kii's HTTP handler (R2). It cannot fail: the store holds
// validated state.
func New(log *slog.Logger, _ Config, st Store, clk clock.Clock, src ids.Source) http.Handler {
	login := appServer(log, st, handleAppToken(log, st, clk, src))
	return cors(newRouter(log, st, clk, src), login)
}

// newRouter is the router of New, without CORS (tests walk it).
func newRouter(log *slog.Logger, st Store, clk clock.Clock, src ids.Source) *chi.Mux {
	mux := chi.NewRouter()
	// Set before any route, so nothing falls back to chi's text/plain 404
	// and empty 405 (R15).
	mux.NotFound(func(w http.ResponseWriter, r *http.Request) {
		writeAPIError(w, &apiError{code: statusCode(http.StatusNotFound), msg: fmt.Sprintf(msgNotFound, httpx.Base(r)+r.URL.Path), fixed: http.StatusNotFound})
	})
	mux.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		allow := strings.Join(allowed(mux, r), ", ")
		w.Header().Set("Allow", allow)
		writeAPIError(w, &apiError{code: statusCode(http.StatusMethodNotAllowed), msg: fmt.Sprintf(msgMethodNotAllowed, r.Method, allow), fixed: http.StatusMethodNotAllowed})
	})
	addRoutes(mux, log, st, clk, src)
	return mux
}

// allowed lists the methods that have a route for r's path.
func allowed(mux *chi.Mux, r *http.Request) []string {
	path := r.URL.RawPath
	if path == "" {
		path = r.URL.Path
	}
	var out []string
	for _, m := range routeMethods {
		if mux.Match(chi.NewRouteContext(), m, path) {
			out = append(out, m)
		}
	}
	return out
}

// CORS (kii.md §1): Access-Control-Allow-Origin: * on every response [doc:
// shown on registration; chosen for the rest — the JS SDK runs in
// browsers]; preflights allow the headers the SDKs send [clients].
const (
	corsAllowHeaders = "Authorization, Content-Type, X-Kii-AppID, X-Kii-AppKey, X-Kii-SDK"
	corsMaxAge       = "86400"
)

// hdrAnyOrigin is shared by every response: net/http only reads it.
var hdrAnyOrigin = []string{"*"}

// cors answers preflights for known paths and stamps every response. It
// hands the login route, the one a test run calls most, to login itself
// (loginRoute).
func cors(mux *chi.Mux, login func(http.ResponseWriter, *http.Request, string)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = dropStaleRawPath(r)
		w.Header()["Access-Control-Allow-Origin"] = hdrAnyOrigin
		if r.Method == http.MethodOptions {
			methods := allowed(mux, r)
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
		if appID, ok := loginRoute(r); ok {
			login(w, r, appID)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// loginRoute reports whether chi would send r to "POST
// /api/apps/{appID}/oauth2/token" (routes.go), and the appID it would give
// the handler, which reads no other chi state. Routed by chi, every login
// paid for a copy of the request, a routing context and a PathValue slice.
// Escaped paths (chi routes those on RawPath) and requests under a parent
// chi router (which routes on its own context's path) go to chi;
// TestLoginRouteShouldBeChis and FuzzLoginRoute compare with chi.
func loginRoute(r *http.Request) (appID string, ok bool) {
	if r.Method != http.MethodPost || r.URL.RawPath != "" {
		return "", false
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/api/apps/")
	if !ok {
		return "", false
	}
	appID, tail, ok := strings.Cut(rest, "/")
	if !ok || tail != "oauth2/token" || chi.RouteContext(r.Context()) != nil {
		return "", false
	}
	return appID, true
}

// newAdmin builds the admin handler mounted at /_fakeapi/kii/.
func newAdmin(st Store, clk clock.Clock, src ids.Source) *chi.Mux {
	mux := chi.NewRouter()
	mux.NotFound(func(w http.ResponseWriter, r *http.Request) {
		httpx.AdminError(w, http.StatusNotFound, "no Kii admin route "+r.URL.Path)
	})
	mux.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		allow := strings.Join(allowed(mux, r), ", ")
		w.Header().Set("Allow", allow)
		httpx.AdminError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed; allowed: "+allow)
	})
	addAdminRoutes(mux, st, clk, src)
	return mux
}

// dropStaleRawPath clears a RawPath that no longer encodes Path, as after a
// prefix was cut from Path alone: chi routes on RawPath when it is set, so a
// stale one would send "/kii/api/…" to the 404 handler [chosen: defensive,
// the root owns prefix stripping].
func dropStaleRawPath(r *http.Request) *http.Request {
	if r.URL.RawPath == "" || r.URL.EscapedPath() == r.URL.RawPath {
		return r
	}
	r2 := new(http.Request)
	*r2 = *r
	u := *r.URL
	u.RawPath = ""
	r2.URL = &u
	return r2
}

package iijmio

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/ids"
	"github.com/fakeapi/fakeapi/internal/provider"
	"github.com/fakeapi/fakeapi/internal/websession"
)

// Config is the provider's own configuration.
type Config struct {
	// DisableRateLimits turns the per-token rate limits off, for load tests
	// (docs/providers/iijmio.md, "Rate limits").
	DisableRateLimits bool
	// MaxTokens caps the tokens the emulator minted that are still alive:
	// past it the oldest is evicted and stops working, and evictions are
	// logged. Tokens of the fixtures and of state imports are not counted
	// and never evicted. 0 means DefaultMaxTokens
	// (docs/providers/iijmio.md, "Token cap").
	MaxTokens int
	// MaxSessions caps the browser sessions, and the authorization
	// transactions, of the login and consent pages; the oldest go first.
	// 0 means websession.DefaultLimit (docs/providers/iijmio.md, "Login
	// and consent pages").
	MaxSessions int
	// LoopbackRedirectAnyPort lets a registered http://127.0.0.1 or
	// http://[::1] redirect URI match a request that differs only in a
	// valid port (RFC 8252 section 7.3), so a test can register once and
	// listen anywhere. Off, redirect URIs match exactly
	// (docs/providers/iijmio.md, "Redirect URIs").
	LoopbackRedirectAnyPort bool
}

// DefaultMaxTokens is the cap on minted tokens when Config sets none: more
// than a long test run mints in 90 days, and a bound on memory against a
// login flood (docs/providers/iijmio.md, "Token cap").
const DefaultMaxTokens = 50_000

// sessionCookie names the provider's browser-session cookie
// (docs/providers/iijmio.md, "Login and consent pages").
const sessionCookie = "iijmio_session"

// Open builds the provider from its fixture document (docs/PROVIDER-GUIDE.md).
func Open(d provider.Deps, cfg Config, file string, data []byte) (*provider.Instance, error) {
	f, err := loadFixtures(file, data, d.Clock.Now())
	if err != nil {
		return nil, err
	}
	st := newMemStore(d.Log, cfg, f, d.Clock, d.IDs)
	srv := newServer(d.Log, cfg, st, d.Clock, d.IDs)
	return &provider.Instance{
		Name:       "iijmio",
		Title:      "IIJmio クーポンスイッチAPI",
		Hosts:      []string{"api.iijmio.jp"},
		Handler:    srv.handler,
		Admin:      srv.admin,
		WriteError: srv.writeStatus,
		State:      &instanceState{st: st, srv: srv},
		Secrets: provider.Secrets{
			// The access token travels in X-IIJmio-Authorization and in
			// the fragment of the authorization redirect; the login form
			// carries the password and the CSRF token.
			Headers: []string{headerAuthorization},
			Params:  []string{"access_token", "password", "csrf_token"},
		},
	}, nil
}

// New returns the provider's API handler; it cannot fail.
func New(log *slog.Logger, cfg Config, st Store, clk clock.Clock, src ids.Source) http.Handler {
	return newServer(log, cfg, st, clk, src).handler
}

// server is the assembly of one provider instance: the handlers close over
// only what they use; this struct just keeps the pieces that
// Reset must reach.
type server struct {
	handler     http.Handler
	admin       http.Handler
	writeStatus func(w http.ResponseWriter, r *http.Request, status int)
	sess        *websession.Manager[authRequest]
	lim         *limiter
}

// handlers are the API and page endpoints, built by their maker functions.
type handlers struct {
	authorize, authorizePost http.Handler
	couponGetV1, couponGetV2 http.Handler
	couponPutV1, couponPutV2 http.Handler
	packetGetV1, packetGetV2 http.Handler
	preflight                http.Handler
	notFound, notAllow       http.HandlerFunc
}

func newServer(log *slog.Logger, cfg Config, st Store, clk clock.Clock, src ids.Source) *server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	writeErr := errorWriter(log)
	sess := websession.New[authRequest](sessionCookie, clk, src)
	if cfg.MaxSessions > 0 {
		sess.SetLimit(cfg.MaxSessions)
	}
	lim := newLimiter(clk, cfg.DisableRateLimits)
	pg := newPages(log)
	api := func(name string, class limitClass, h apiHandler) http.Handler {
		return named{name + " [auth, " + class.String() + "]", authenticate(st, lim, class, writeErr)(h)}
	}

	r := chi.NewRouter()
	r.Use(compressJSON) // gzip to clients that ask, as the real Apache did
	addRoutes(r, handlers{
		authorize:     named{"handleAuthorize", handleAuthorize(st, sess, pg, cfg.LoopbackRedirectAnyPort)},
		authorizePost: named{"handleAuthorizePost", handleAuthorizePost(st, sess, pg, log)},
		couponGetV1:   api("handleCouponGet v1", limitCouponGet, handleCouponGet(st, 1)),
		couponGetV2:   api("handleCouponGet v2", limitCouponGet, handleCouponGet(st, 2)),
		couponPutV1:   api("handleCouponPut v1", limitCouponPut, handleCouponPut(st, 1, writeErr)),
		couponPutV2:   api("handleCouponPut v2", limitCouponPut, handleCouponPut(st, 2, writeErr)),
		packetGetV1:   api("handlePacketGet v1", limitPacketGet, handlePacketGet(st, 1)),
		packetGetV2:   api("handlePacketGet v2", limitPacketGet, handlePacketGet(st, 2)),
		preflight:     named{"handlePreflight", handlePreflight()},
		notFound:      func(w http.ResponseWriter, req *http.Request) { writeErr(w, req, errNotFound) },
		notAllow: func(w http.ResponseWriter, req *http.Request) {
			w.Header().Set("Allow", allowMethods(r, req.URL.Path))
			writeErr(w, req, errMethod)
		},
	})

	a := chi.NewRouter()
	addAdminRoutes(a, newAdminHandlers(st, a))

	return &server{
		handler:     r,
		admin:       a,
		writeStatus: compressStatus(statusWriter(st, pg, cfg.LoopbackRedirectAnyPort)),
		sess:        sess,
		lim:         lim,
	}
}

// statusWriter is Instance.WriteError: the root's injected faults, refused
// bodies and recovered panics. API paths get {"returnCode": …} like every
// other error (docs/providers/iijmio.md, "Errors"). On the authorization
// endpoint a GET whose client and redirect URI check out gets a
// server_error or temporarily_unavailable redirect, anything else an HTML
// page of that status (docs/providers/iijmio.md, "Injected faults on the
// authorization endpoint").
func statusWriter(st Store, pg *pages, loopbackAnyPort bool) func(w http.ResponseWriter, r *http.Request, status int) {
	return func(w http.ResponseWriter, r *http.Request, status int) {
		if !strings.HasSuffix(r.URL.Path, authorizePath) {
			writeCode(w, status, codeForStatus(status))
			return
		}
		code, desc, msg := "server_error", descServerError, msgServerError
		switch status {
		case http.StatusServiceUnavailable:
			code, desc, msg = "temporarily_unavailable", descUnavailable, msgUnavailable
		case http.StatusRequestEntityTooLarge:
			code, msg = "invalid_request", msgTooLarge
		case http.StatusNotFound:
			code, msg = "invalid_request", msgNotFound
		case http.StatusMethodNotAllowed:
			code, msg = "invalid_request", msgMethodNotAllow
		}
		if r.Method == http.MethodGet && status >= 500 {
			if req, fail := parseAuthorize(r.URL.Query(), st.Developer, loopbackAnyPort); fail == nil || fail.redirect {
				redirectTo(w, errorLocation(req.RedirectURI, code, desc, req.State))
				return
			}
		}
		pg.error(w, r, status, code, msg, "")
	}
}

// instanceState is the provider.State over the store, the browser sessions
// and the rate-limit counters.
type instanceState struct {
	st  *memStore
	srv *server
}

var _ provider.State = (*instanceState)(nil)

// Reset returns to the fixtures the provider was opened with (asOf applied
// again at the current clock) and forgets sessions and rate-limit counts.
func (s *instanceState) Reset() {
	s.st.Replace(s.st.orig)
	s.srv.sess.Reset()
	s.srv.lim.reset()
}

// Export is the live state in the fixture schema.
func (s *instanceState) Export() any { return s.st.Export() }

// Prepare validates data exactly as a fixture file; commit swaps it in.
func (s *instanceState) Prepare(file string, data []byte) (func(), error) {
	f, err := loadFixtures(file, data, s.st.clk.Now())
	if err != nil {
		return nil, err
	}
	return func() { s.st.Replace(f) }, nil
}

func (s *instanceState) Summary() []provider.Stat     { return s.st.Summary() }
func (s *instanceState) Accounts() []provider.Account { return s.st.Accounts() }

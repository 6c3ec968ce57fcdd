package assist

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/httpx"
	"github.com/fakeapi/fakeapi/internal/ids"
	"github.com/fakeapi/fakeapi/internal/oauth2x"
	"github.com/fakeapi/fakeapi/internal/websession"
)

// sessionCookie names the browser session of the authorization pages.
const sessionCookie = "fakeapi_assist_session"

// New returns the provider's handler for the real paths. It
// cannot fail: the fixtures were validated before.
func New(log *slog.Logger, cfg Config, st Store, tokens *oauth2x.TokenStore, clk clock.Clock, src ids.Source) *Handler {
	pg := &pages{log: log, tpl: parseTemplates()}
	oa := oauth2x.New(oauth2x.Config{
		Clock: clk, IDs: src, Store: tokens, Log: log,
		Clients:       clientLookup(st),
		ResponseTypes: []string{oauth2x.ResponseCode},
		// No expiry, no refresh token: the FAQ's expires_in and
		// refresh_token are null (docs/providers/assist.md, "Token").
		AccessTTL: 0,
		// Code 40 lower-case hex, access token 32, the length of the FAQ's
		// sample (docs/providers/assist.md, "Login and consent", "Token").
		NewCode:   func() string { return src.Hex(20) },
		NewAccess: func() string { return src.Hex(16) },
		// The FAQ's PHP sample sends grant_type=client_credentials with the
		// code (docs/providers/assist.md, "Token").
		CodeViaClientCredentials: true,
		// The FAQ's parameter table omits redirect_uri, so it is optional.
		RequireRedirectURI: false,
		// A replay keeps the first token unless asked to revoke it, by the
		// Config or the loaded fixtures' settings (docs/providers/assist.md,
		// "Token").
		RevokeOnCodeReplay: func() bool { return cfg.with(st.Settings()).RevokeOnCodeReplay },
		// The FAQ: 登録時に入力したリダイレクトURLと同一のもの; the loopback
		// port exception only on request (docs/providers/assist.md,
		// "Authorization").
		LoopbackAnyPort: cfg.LoopbackRedirectAnyPort,
		Realm:           realm,
		Messages:        &tokenMessages,
		WriteToken:      tokenWriter(log),
		WriteError:      tokenErrorWriter(log),
	})
	sess := websession.New[authTxn](sessionCookie, clk, src)
	if cfg.MaxSessions > 0 {
		sess.SetLimit(cfg.MaxSessions)
	}
	api := requireToken(log, st, tokens, cfg, newThrottle(clk))

	r := chi.NewRouter()
	addRoutes(r, log, cfg, st, oa, sess, pg, clk, api)
	writeErr := func(w http.ResponseWriter, r *http.Request, status int) {
		writeStatus(log, oa, pg, w, r, status)
	}
	r.NotFound(func(w http.ResponseWriter, r *http.Request) { writeErr(w, r, http.StatusNotFound) })
	r.MethodNotAllowed(methodNotAllowed(log, r, oa, pg, api))
	return &Handler{Handler: r, writeError: writeErr}
}

// clientLookup presents the registered apps to oauth2x: one redirect URL
// each, which authorize and token requests must match exactly
// (docs/providers/assist.md, "Authorization").
func clientLookup(st Store) oauth2x.ClientLookup {
	return func(id string) (oauth2x.Client, bool) {
		a, ok := st.App(id)
		if !ok {
			return oauth2x.Client{}, false
		}
		return oauth2x.Client{ID: a.ClientID, Secret: a.ClientSecret, RedirectURIs: []string{a.RedirectURL}}, true
	}
}

// isAuthorizePath covers both authorize paths whatever precedes them: the
// root writes injected faults before a shop directory is taken off.
func isAuthorizePath(p string) bool { return strings.HasSuffix(p, authorizePathAlt) }

// writeStatus is Instance.WriteError: the provider's body for a bare
// status. On the authorize pages an injected 500/503 becomes a
// server_error / temporarily_unavailable redirect once the client and
// redirect URI are validated, an HTML page otherwise (docs/oauth.md,
// "Authorization endpoint").
func writeStatus(log *slog.Logger, oa *oauth2x.Server, pg *pages, w http.ResponseWriter, r *http.Request, status int) {
	if !isAuthorizePath(r.URL.Path) {
		writeError(log, w, r, statusError(status))
		return
	}
	if r.Method == http.MethodGet && (status == http.StatusInternalServerError || status == http.StatusServiceUnavailable) {
		req, aerr := oa.ValidateAuthorize(r.URL.Query())
		if aerr != nil && aerr.Redirectable() {
			req, aerr = aerr.Request, nil
		}
		if aerr == nil {
			code, desc := oauth2x.ErrServerError, msgServerError
			if status == http.StatusServiceUnavailable {
				code, desc = oauth2x.ErrTemporarilyUnavailable, msgUnavailable
			}
			if oa.RedirectError(w, req, code, desc) == nil {
				return
			}
		}
	}
	pg.status(w, status)
}

// methodNotAllowed answers 405 with Allow. The token endpoint
// answers with its own RFC 6749 body; the API checks the Bearer token and
// the IP list first (docs/providers/assist.md, "Checks and errors").
func methodNotAllowed(log *slog.Logger, mux *chi.Mux, oa *oauth2x.Server, pg *pages, api func(http.Handler) http.Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		allow := httpx.AllowedMethods(mux, r.URL.Path)
		deny := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			writeError(log, w, r, methodError(r.Method, allow))
		})
		switch {
		case r.URL.Path == tokenPath:
			oa.HandleToken(w, r)
		case r.URL.Path == ordersPath:
			api(deny).ServeHTTP(w, r)
		case isAuthorizePath(r.URL.Path):
			w.Header().Set("Allow", strings.Join(allow, ", "))
			pg.status(w, http.StatusMethodNotAllowed)
		default:
			deny(w, r)
		}
	}
}

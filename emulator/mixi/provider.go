package mixi

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/fixture"
	"github.com/fakeapi/fakeapi/internal/ids"
	"github.com/fakeapi/fakeapi/internal/provider"
	"github.com/fakeapi/fakeapi/internal/websession"
)

// Config is the provider's own configuration.
type Config struct {
	// SAPTimeout is how long the mobile gateway waits for an app's server
	// and a lifecycle URL; 0 is DefaultSAPTimeout, mixi's 10 seconds
	// (docs/providers/mixi.md, "What the SAP receives").
	SAPTimeout time.Duration
	// MaxSessions caps the invite pages' browser sessions and transactions
	// (websession.DefaultLimit when 0).
	MaxSessions int
	// MaxOAuthParam is the longest oauth_* value a request may carry
	// (oauth1.DefaultMaxParam when 0; docs/oauth.md, "Parameters").
	MaxOAuthParam int
}

// Open builds the provider from its fixture document (PROVIDER-GUIDE.md).
func Open(d provider.Deps, cfg Config, file string, data []byte) (*provider.Instance, error) {
	f, err := fixture.Load[Fixtures](file, data)
	if err != nil {
		return nil, err
	}
	st := newMemStore(f.built)
	sessions := websession.New[inviteTxn](sessionCookie, d.Clock, d.IDs)
	if cfg.MaxSessions > 0 {
		sessions.SetLimit(cfg.MaxSessions)
	}
	inv := inviteDeps{log: d.Log, st: st, clk: d.Clock, ids: d.IDs, sessions: sessions}
	gw := newGateway(gatewayDeps{log: d.Log, st: st, clk: d.Clock, ids: d.IDs, sessions: sessions, journal: d.Journal, timeout: cfg.SAPTimeout})
	return &provider.Instance{
		Name:  "mixi",
		Title: "mixiアプリ モバイル (OpenSocial 0.8 RESTful API)",
		// The API host [doc], and the mobile gateway's: seed 003's
		// mobile_url is http://ma.mixi.net/[アプリID]/ [doc]. The
		// invite:friends pages are reached under the prefix or either host.
		Hosts:   []string{"api.mixi-platform.com", gatewayHostName},
		Handler: routes(d.Log, st, d.Clock, d.IDs, sessions, gw, cfg.MaxOAuthParam),
		Admin:   adminRoutes(st, d.Clock, d.IDs, gw),
		WriteError: compressStatus(func(w http.ResponseWriter, r *http.Request, status int) {
			if !inv.writeFault(w, r, status) {
				writeStatus(w, r, status)
			}
		}),
		State: state{s: st, clk: d.Clock, sessions: sessions},
		Secrets: provider.Secrets{
			// The OAuth signature may travel in the query or a form body as
			// well as in Authorization, which the journal masks itself; the
			// invite pages post their CSRF token.
			Params: []string{"oauth_signature", "csrf_token"},
		},
	}, nil
}

// New is the provider's HTTP handler over st.
func New(log *slog.Logger, cfg Config, st Store, clk clock.Clock, src ids.Source) http.Handler {
	sessions := websession.New[inviteTxn](sessionCookie, clk, src)
	gw := newGateway(gatewayDeps{log: log, st: st, clk: clk, ids: src, sessions: sessions, timeout: cfg.SAPTimeout})
	if cfg.MaxSessions > 0 {
		sessions.SetLimit(cfg.MaxSessions)
	}
	return routes(log, st, clk, src, sessions, gw, cfg.MaxOAuthParam)
}

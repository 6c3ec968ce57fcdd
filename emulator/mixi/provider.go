package mixi

import (
	"log/slog"
	"net/http"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/fixture"
	"github.com/fakeapi/fakeapi/internal/ids"
	"github.com/fakeapi/fakeapi/internal/provider"
	"github.com/fakeapi/fakeapi/internal/websession"
)

// Config is the provider's own configuration. mixi has no options yet.
type Config struct{}

// Open builds the provider from its fixture document (PROVIDER-GUIDE.md).
func Open(d provider.Deps, cfg Config, file string, data []byte) (*provider.Instance, error) {
	f, err := fixture.Load[Fixtures](file, data)
	if err != nil {
		return nil, err
	}
	st := newMemStore(f.built)
	sessions := websession.New[inviteTxn](sessionCookie, d.Clock, d.IDs)
	inv := inviteDeps{log: d.Log, st: st, clk: d.Clock, ids: d.IDs, sessions: sessions}
	return &provider.Instance{
		Name:  "mixi",
		Title: "mixiアプリ モバイル (OpenSocial 0.8 RESTful API)",
		// The API host [doc]. The invite:friends pages were served by mixi's
		// mobile gateway, whose host the docs never name, so they are reached
		// under the prefix or this host [chosen].
		Hosts:   []string{"api.mixi-platform.com"},
		Handler: newHandler(d.Log, cfg, st, d.Clock, d.IDs, sessions),
		Admin:   adminRoutes(st, d.Clock, d.IDs),
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
	return newHandler(log, cfg, st, clk, src, websession.New[inviteTxn](sessionCookie, clk, src))
}

func newHandler(log *slog.Logger, _ Config, st Store, clk clock.Clock, src ids.Source, sessions *websession.Manager[inviteTxn]) http.Handler {
	return routes(log, st, clk, src, sessions)
}

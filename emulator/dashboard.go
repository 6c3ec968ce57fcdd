package emulator

import (
	"embed"
	"html/template"
	"net/http"
	"net/url"
	"time"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/httpx"
	"github.com/fakeapi/fakeapi/internal/journal"
	"github.com/fakeapi/fakeapi/internal/provider"
)

//go:embed templates/*.html
var templateFS embed.FS

var dashboardTmpl = template.Must(template.New("").Funcs(template.FuncMap{
	"statusClass": func(s int) int { return s / 100 },
}).ParseFS(templateFS, "templates/*.html"))

// dashboardLimit is how many journal entries the page shows.
const dashboardLimit = 20

type dashboardProvider struct {
	Name, Title, BaseURL string
	Hosts                []string
	Summary              []provider.Stat
	Accounts             []provider.Account
}

// handleDashboard handles "GET /_fakeapi/".
func (e *Emulator) handleDashboard() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		origin := httpx.Scheme(r) + "://" + r.Host
		data := struct {
			Version, Clock, Uptime, TokenQuery string
			Frozen                             bool
			Faults                             int
			Providers                          []dashboardProvider
			Journal                            []journal.Entry
		}{
			Version: e.cfg.Version,
			Clock:   e.clk.Now().Format(time.RFC3339),
			Uptime:  clock.Real{}.Now().Sub(e.started).Round(time.Second).String(),
			Frozen:  e.clk.Frozen(),
			Faults:  len(e.faults.List()),
		}
		if tok := r.URL.Query().Get("token"); tok != "" {
			data.TokenQuery = "?token=" + url.QueryEscape(tok)
		}
		for _, p := range e.providers {
			data.Providers = append(data.Providers, dashboardProvider{
				Name: p.Name, Title: p.Title, BaseURL: origin + "/" + p.Name, Hosts: p.Hosts,
				Summary: p.State.Summary(), Accounts: p.State.Accounts(),
			})
		}
		entries := e.journal.List(journal.Filter{Limit: dashboardLimit})
		for i := len(entries) - 1; i >= 0; i-- { // newest first
			data.Journal = append(data.Journal, entries[i])
		}
		if err := httpx.RenderHTML(w, http.StatusOK, dashboardTmpl, "dashboard.html", data); err != nil {
			e.cfg.Log.Error("render dashboard", "err", err)
			httpx.AdminError(w, http.StatusInternalServerError, "could not render the dashboard; see the emulator log")
		}
	}
}

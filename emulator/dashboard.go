package emulator

import (
	"embed"
	"html/template"
	"net/http"
	"time"

	"github.com/fakeapi/fakeapi/internal/faults"
	"github.com/fakeapi/fakeapi/internal/httpx"
	"github.com/fakeapi/fakeapi/internal/journal"
	"github.com/fakeapi/fakeapi/internal/provider"
)

// The dashboard is one server-rendered page plus a script and a style sheet,
// all embedded: it must work on a machine with no network, and the page's
// Content-Security-Policy (in the template) allows scripts and styles from
// the emulator itself only.
//
//go:embed templates/dashboard.html templates/dashboard.js templates/dashboard.css
var templateFS embed.FS

var dashboardTmpl = template.Must(template.New("").Funcs(template.FuncMap{
	"statusClass": func(s int) int { return s / 100 },
}).ParseFS(templateFS, "templates/*.html"))

// dashboardLimit is how many journal entries the page shows; the script asks
// the journal for as many (the table's data-limit).
const dashboardLimit = 50

type dashboardProvider struct {
	Name, Title, BaseURL string
	Hosts                []string
	Summary              []provider.Stat
	Accounts             []provider.Account
}

// handleDashboard handles "GET /_fakeapi/". The first view is complete
// without JavaScript (providers, accounts, journal, clock, fault rules, reset
// buttons, state download); the script then keeps it live through the JSON
// admin API and re-reads this page for the provider and account tables.
func (e *Emulator) handleDashboard() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		origin := httpx.Scheme(r) + "://" + r.Host
		clk := e.clockView()
		data := struct {
			Version, Clock, Offset string
			Frozen                 bool
			Limit                  int
			Faults                 []faults.Rule
			Providers              []dashboardProvider
			Journal                []journal.Entry
		}{
			Version: e.cfg.Version,
			Clock:   e.clk.Now().Format(time.RFC3339),
			Offset:  clk.Offset,
			Frozen:  clk.Frozen,
			Limit:   dashboardLimit,
			Faults:  e.faults.List(),
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

// dashboardAsset serves one embedded file of the dashboard. It sits behind
// the admin token like the page: the browser sends the cookie that opening
// the page with ?token= set.
func dashboardAsset(name, contentType string) http.HandlerFunc {
	body, err := templateFS.ReadFile("templates/" + name)
	if err != nil {
		panic("dashboard asset " + name + " is not embedded: " + err.Error())
	}
	return func(w http.ResponseWriter, r *http.Request) {
		httpx.PageHeaders(w.Header())
		httpx.WriteBytes(w, http.StatusOK, contentType, body)
	}
}

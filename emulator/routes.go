package emulator

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// adminRoutes lists every route of the admin API; providers' own admin routes
// are mounted under /_fakeapi/<name>/.
func (e *Emulator) adminRoutes() http.Handler {
	r := chi.NewRouter()
	r.NotFound(adminNotFound)
	r.MethodNotAllowed(adminMethodNotAllowed(r))
	r.Use(e.logAdmin, e.requireAdminHost, e.requireAdminToken, crossOriginProtection, e.capAdminBody)

	r.Get("/_fakeapi", redirectToDashboard)             // the dashboard lives at the slash
	r.Get("/_fakeapi/", e.handleDashboard())            // HTML dashboard: requests, providers, accounts, clock, faults, state
	r.Get("/_fakeapi/health", e.handleHealth())         // liveness: status, version, uptime, providers
	r.Post("/_fakeapi/reset", e.handleReset())          // all providers, or ?provider=, back to the fixtures
	r.Get("/_fakeapi/state", e.handleStateGet())        // export everything, or ?provider=
	r.Put("/_fakeapi/state", e.handleStatePut())        // import, validated like fixtures, all or nothing
	r.Post("/_fakeapi/save", e.handleSave())            // write -state-file now
	r.Get("/_fakeapi/journal", e.handleJournalGet())    // requests and responses, ?provider=&method=&path=&limit=
	r.Delete("/_fakeapi/journal", e.handleJournalDel()) // forget the journal
	r.Get("/_fakeapi/faults", e.handleFaultsGet())      // the live fault rules
	r.Post("/_fakeapi/faults", e.handleFaultsPost())    // add a rule
	r.Delete("/_fakeapi/faults", e.handleFaultsDel())   // remove every rule
	r.Delete("/_fakeapi/faults/{id}", e.handleFaultsDel())
	r.Get("/_fakeapi/clock", e.handleClockGet())   // the emulator clock
	r.Post("/_fakeapi/clock", e.handleClockPost()) // advance, set or freeze it

	// The dashboard's script and style sheet, embedded in the binary.
	r.Get("/_fakeapi/dashboard.js", dashboardAsset("dashboard.js", "text/javascript; charset=utf-8"))
	r.Get("/_fakeapi/dashboard.css", dashboardAsset("dashboard.css", "text/css; charset=utf-8"))

	for _, p := range e.providers {
		if p.Admin != nil {
			prefix := "/_fakeapi/" + p.Name
			r.Mount(prefix, http.StripPrefix(prefix, p.Admin))
		}
	}
	return r
}

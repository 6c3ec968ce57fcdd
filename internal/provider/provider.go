// Package provider is the contract between the emulator and each emulated
// provider package. A provider package exports
//
//	func Open(d provider.Deps, cfg Config, file string, data []byte) (*provider.Instance, error)
//
// which decodes and validates its fixture document (internal/fixture), builds
// its store and returns an Instance; the emulator mounts Instance.Handler under
// the prefix "/"+Name and under the real host names, and drives reset, state
// export/import and fault injection through the rest of the Instance.
// It knows no provider.
package provider

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/ids"
	"github.com/fakeapi/fakeapi/internal/journal"
)

// Deps are what every provider receives; nothing else is global.
type Deps struct {
	Log   *slog.Logger
	Clock clock.Clock
	IDs   ids.Source
	// Journal records requests the provider itself sends (a gateway's hop
	// to an app's server, say), beside those the root records for it.
	// Entries are shown as they are added: mask secrets first
	// (journal.NewMasker).
	Journal *journal.Journal
}

// Instance is one provider as the emulator sees it.
type Instance struct {
	// Name is the short name: prefix "/"+Name, admin routes under
	// "/_fakeapi/"+Name+"/", key in state documents, ?provider= value.
	Name string
	// Title is the human name shown on the dashboard.
	Title string
	// Hosts are the real host names served at the root. A name with a
	// leading dot (".assist-tencho.com") matches that domain and any host
	// under it.
	Hosts []string
	// Handler serves the provider's real paths. Under the prefix it sees the
	// path with the prefix removed; httpx.Base(r) tells which prefix ("" when
	// addressed by host name) so pages, redirects and cookies point back.
	Handler http.Handler
	// Admin serves the provider's own admin routes (tokens, usage, devlog,
	// requests, …) with the path after "/_fakeapi/"+Name; nil when none.
	// Errors use the admin shape httpx.AdminError.
	Admin http.Handler
	// WriteError writes the provider's own error body for status: used for
	// injected faults, bodies over the cap answered by the root, and panics.
	WriteError func(w http.ResponseWriter, r *http.Request, status int)
	// State is the admin surface over the provider's store.
	State State
	// Secrets names what the request journal masks in this provider's
	// traffic, beyond the HTTP-wide secrets the journal masks itself
	// (Authorization, Cookie, Set-Cookie).
	Secrets Secrets
}

// Secrets are the names of a provider's secret headers and parameters.
type Secrets struct {
	// Headers are masked whole, keeping a scheme word such as "Bearer".
	// Names are matched in any case.
	Headers []string
	// Params are masked in queries, fragments, form bodies and Location
	// headers. Names are matched in any case.
	Params []string
}

// State is what the admin API does with a provider's data.
type State interface {
	// Reset puts the store back to the fixtures the provider was opened with.
	Reset()
	// Export returns the live state as a document of the same schema as the
	// fixture file, so it can be imported again or saved as fixtures.
	Export() any
	// Prepare decodes and validates a document exactly as a fixture file
	// (file names it in errors) and returns a commit that swaps it in. Nothing
	// changes until commit is called, so an import of several providers is
	// all-or-nothing.
	Prepare(file string, data []byte) (commit func(), err error)
	// Summary counts what is live, for the dashboard and health.
	Summary() []Stat
	// Accounts lists the test accounts, for the dashboard.
	Accounts() []Account
}

// Stat is one line of a summary, such as {"users", 3}.
type Stat struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// Account is one test account or app credential shown to users.
type Account struct {
	Kind   string `json:"kind"`             // "user", "app", "developer", …
	ID     string `json:"id"`               // login name, client id, consumer key
	Secret string `json:"secret,omitempty"` // password, client secret
	Note   string `json:"note,omitempty"`
}

// MatchHost reports whether host (with or without port, any case) is one of
// hosts, honouring leading-dot domain entries.
func MatchHost(hosts []string, host string) bool {
	return MatchNormalHost(hosts, NormalHost(host))
}

// NormalHost is the form of a Host header that MatchNormalHost compares:
// lower case, without port or trailing dot. A router that tries several
// providers normalises once.
func NormalHost(host string) string {
	return strings.TrimSuffix(strings.ToLower(stripPort(host)), ".")
}

// MatchNormalHost is MatchHost for a host already passed through NormalHost.
func MatchNormalHost(hosts []string, h string) bool {
	for _, want := range hosts {
		if strings.HasPrefix(want, ".") {
			if h == want[1:] || strings.HasSuffix(h, want) {
				return true
			}
			continue
		}
		if h == want {
			return true
		}
	}
	return false
}

func stripPort(host string) string {
	if strings.HasPrefix(host, "[") {
		if i := strings.IndexByte(host, ']'); i > 0 {
			return host[1:i]
		}
		return host
	}
	if i := strings.LastIndexByte(host, ':'); i >= 0 && strings.Count(host, ":") == 1 {
		return host[:i]
	}
	return host
}

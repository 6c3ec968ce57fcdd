// PLACEHOLDER: replaced by the assist provider implementation.
package assist

import (
	"net/http"

	"github.com/fakeapi/fakeapi/internal/httpx"
	"github.com/fakeapi/fakeapi/internal/provider"
)

// Config is the provider's own configuration.
type Config struct {
	// TrustProxy makes the IP allow-list read X-Forwarded-For (behind a trusted proxy).
	TrustProxy bool
}

// Open builds the provider from its fixture document.
func Open(d provider.Deps, cfg Config, file string, data []byte) (*provider.Instance, error) {
	writeError := func(w http.ResponseWriter, r *http.Request, status int) {
		httpx.WriteJSON(w, status, "application/json", map[string]string{"error": http.StatusText(status)})
	}
	return &provider.Instance{
		Name:       "assist",
		Title:      "assist",
		Hosts:      []string{".assist-tencho.com"},
		Handler:    http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { writeError(w, r, http.StatusNotFound) }),
		WriteError: writeError,
		State:      placeholderState{},
	}, nil
}

type placeholderState struct{}

func (placeholderState) Reset()                                 {}
func (placeholderState) Export() any                            { return map[string]any{} }
func (placeholderState) Prepare(string, []byte) (func(), error) { return func() {}, nil }
func (placeholderState) Summary() []provider.Stat               { return nil }
func (placeholderState) Accounts() []provider.Account           { return nil }

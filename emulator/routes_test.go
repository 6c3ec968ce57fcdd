package emulator

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/fakeapi/fakeapi/internal/golden"
	"github.com/go-chi/chi/v5"
	"github.com/stretchr/testify/require"
)

// TestAdminRoutesGolden walks the admin router, so a slip such as
// r.Put("/x", handleDelete) shows up as a diff.
func TestAdminRoutesGolden(t *testing.T) {
	e := newFake(t)
	routes, ok := e.admin.(chi.Routes)
	require.True(t, ok)
	var lines []string
	seen := map[string]bool{}
	err := chi.Walk(routes, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if strings.HasSuffix(route, "/*") { // a provider's admin mount answers every method
			method = "*"
		}
		line := fmt.Sprintf("%-7s %s", method, route)
		if !seen[line] {
			seen[line] = true
			lines = append(lines, line)
		}
		return nil
	})
	require.NoError(t, err)
	sort.Strings(lines)
	golden.Assert(t, "admin_routes", []byte(strings.Join(lines, "\n")+"\n"))
}

package kii

import (
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/internal/golden"
)

// TestRoutes walks both routers and compares with testdata/routes.golden,
// catching a route registered under the wrong method or path.
func TestRoutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var b strings.Builder
	walk := func(title string, r chi.Routes) {
		fmt.Fprintf(&b, "# %s\n", title)
		var lines []string
		require.NoError(t, chi.Walk(r, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
			lines = append(lines, fmt.Sprintf("%-40s %s\n", route, method))
			return nil
		}))
		// chi keeps a path's methods in a map: sort for a stable file.
		slices.Sort(lines)
		b.WriteString(strings.Join(lines, ""))
	}
	walk("Kii API (under /kii and the Kii site hosts)", newRouter(slog.New(slog.DiscardHandler), e.store, e.clk, nil))
	walk("admin (under /_fakeapi/kii)", newAdmin(e.store, e.clk, nil))
	golden.Assert(t, "routes", []byte(b.String()))
}

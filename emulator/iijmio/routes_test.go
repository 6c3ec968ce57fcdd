package iijmio

import (
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/internal/golden"
)

// TestRoutes walks both routers so a slip such as a handler on the
// wrong method shows up as a diff of testdata/routes.golden.
func TestRoutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var lines []string
	for _, r := range []struct {
		prefix string
		h      http.Handler
	}{{"/iijmio", e.inst.Handler}, {"/_fakeapi/iijmio", e.inst.Admin}} {
		routes, ok := r.h.(chi.Routes)
		require.True(t, ok, "the handler is the chi router")
		require.NoError(t, chi.Walk(routes, func(method, route string, h http.Handler, _ ...func(http.Handler) http.Handler) error {
			n, ok := h.(interface{ handlerName() string })
			require.True(t, ok, "%s %s: handler not tagged with named{}", method, route)
			lines = append(lines, method+" "+r.prefix+route+" → "+n.handlerName())
			return nil
		}))
	}
	sort.Strings(lines)
	golden.Assert(t, "routes", []byte(strings.Join(lines, "\n")+"\n"))
}

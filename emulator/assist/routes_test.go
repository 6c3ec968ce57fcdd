package assist

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/internal/golden"
)

// TestRoutes walks both routers against testdata/routes.golden.
func TestRoutes(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	walk := func(title string, r chi.Routes) {
		fmt.Fprintf(&b, "# %s\n", title)
		var lines []string
		require.NoError(t, chi.Walk(r, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
			lines = append(lines, fmt.Sprintf("%-6s %s\n", method, route))
			return nil
		}))
		// chi keeps a route's methods in a map: sort by path, then method.
		sort.Slice(lines, func(i, j int) bool {
			pi, pj := lines[i][7:], lines[j][7:]
			return pi < pj || (pi == pj && lines[i] < lines[j])
		})
		b.WriteString(strings.Join(lines, ""))
	}
	api := chi.NewRouter()
	addRoutes(api, nil, Config{}, nil, nil, nil, nil, nil, func(h http.Handler) http.Handler { return h })
	walk("real paths (under /assist or any *.assist-tencho.com host)", api)
	admin := chi.NewRouter()
	addAdminRoutes(admin, nil, nil, nil, nil, &adminUI{})
	walk("admin (under /_fakeapi/assist)", admin)
	golden.Assert(t, "routes", []byte(b.String()))
}

// TestAdminMountedUnderAParentRouter: the admin routes work inside the
// root's chi router, which mounts them under /_fakeapi/assist.
func TestAdminMountedUnderAParentRouter(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	parent := chi.NewRouter()
	parent.Mount("/_fakeapi/assist", http.StripPrefix("/_fakeapi/assist", e.inst.Admin))
	for target, want := range map[string]int{
		"/_fakeapi/assist/apps/client-any": 200,
		"/_fakeapi/assist/apps/nope":       404,
		"/_fakeapi/assist/nope":            404,
	} {
		r := httptest.NewRequest(http.MethodGet, target, nil)
		w := httptest.NewRecorder()
		parent.ServeHTTP(w, r)
		assert.Equal(t, want, w.Code, target)
	}
	r := httptest.NewRequest(http.MethodPatch, "/_fakeapi/assist/apps/client-any", nil)
	w := httptest.NewRecorder()
	parent.ServeHTTP(w, r)
	assert.Equal(t, http.StatusMethodNotAllowed, w.Code)
	assert.Equal(t, "GET, PUT, DELETE", w.Header().Get("Allow"))
}

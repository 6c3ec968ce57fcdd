package iijmio

import (
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

// TestRoutes walks both routers (style R3) so a slip such as a handler on the
// wrong method shows up as a diff of testdata/routes.golden.
func TestRoutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var lines []string
	for _, r := range []struct {
		prefix string
		h      http.Handler
	}{{"/iijmio", e.inst.Handler}, {"/_fakeapi/iijmio", e.inst.Admin}} {
		routes, ok := r.h.(interface{ routes() chi.Routes })
		require.True(t, ok)
		require.NoError(t, chi.Walk(routes.routes(), func(method, route string, h http.Handler, _ ...func(http.Handler) http.Handler) error {
			n, ok := h.(interface{ handlerName() string })
			require.True(t, ok, "%s %s: handler not tagged with named{}", method, route)
			lines = append(lines, method+" "+r.prefix+route+" → "+n.handlerName())
			return nil
		}))
	}
	sort.Strings(lines)
	golden.Assert(t, "routes", []byte(strings.Join(lines, "\n")+"\n"))
}

func TestStaleRawPathAfterPrefixCut(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := newRequest("GET", "/iijmio/mobile/d/v1/coupon/", "", headerDeveloper, tDev, headerAuthorization, tToken)
	r.URL.Path = pathCouponV1
	r.URL.RawPath = "/iijmio/mobile/d/v1/coupon/" // as if the root cut Path only
	w := httptest.NewRecorder()
	e.inst.Handler.ServeHTTP(w, r)
	assert.Equal(t, http.StatusOK, w.Code, w.Body.String())
}

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

// TestStaticRoutesAreChis checks the map withCleanPath serves static routes
// from: every entry is a route chi itself resolves that exact path to, and
// the hot API routes are in it.
func TestStaticRoutesAreChis(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, h := range []http.Handler{e.inst.Handler, e.inst.Admin} {
		c, ok := h.(cleanPath)
		require.True(t, ok)
		require.NotEmpty(t, c.static)
		for rt, sh := range c.static {
			assert.Equal(t, rt.path, c.mux.Find(chi.NewRouteContext(), rt.method, rt.path), "%s %s", rt.method, rt.path)
			assert.NotContains(t, rt.path, "{")
			_, ok := sh.(interface{ handlerName() string })
			assert.True(t, ok, "%s %s", rt.method, rt.path)
		}
	}
	c := e.inst.Handler.(cleanPath)
	for _, p := range []string{pathCouponV1, pathCouponV2, pathPacketV1, pathPacketV2} {
		for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodOptions} {
			assert.Contains(t, c.static, route{m, p})
		}
	}
	assert.Contains(t, c.static, route{http.MethodPut, pathCouponV1})
}

// TestMountedUnderChi serves the API from inside another chi router, which
// routes the sub-router on its own routing state, not on URL.Path: the
// static map must step aside even when URL.Path is one of its paths.
func TestMountedUnderChi(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	parent := chi.NewRouter()
	parent.Mount("/outer", e.inst.Handler)
	parent.Mount("/mobile/d/v1/coupon", e.inst.Handler) // sub-router sees "/"
	for _, tc := range []struct {
		target string
		want   int
	}{
		{"/outer" + pathCouponV1, http.StatusOK},
		{pathCouponV1, http.StatusNotFound},
	} {
		r := newRequest("GET", tc.target, "", headerDeveloper, tDev, headerAuthorization, tToken)
		w := httptest.NewRecorder()
		parent.ServeHTTP(w, r)
		assert.Equal(t, tc.want, w.Code, "%s: %s", tc.target, w.Body.String())
	}
}

package mixi

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/fixture"
	"github.com/fakeapi/fakeapi/internal/golden"
	"github.com/fakeapi/fakeapi/internal/ids"
	"github.com/fakeapi/fakeapi/internal/websession"
)

// walk lists "METHOD path" of every route, sorted.
func walk(t *testing.T, r chi.Routes) []string {
	t.Helper()
	var out []string
	require.NoError(t, chi.Walk(r, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		out = append(out, fmt.Sprintf("%-6s %s", method, route))
		return nil
	}))
	sort.Strings(out)
	return out
}

// TestRoutes pins every endpoint: a slip such as r.Put where r.Get was
// meant shows up as a diff of testdata/routes.golden.
func TestRoutes(t *testing.T) {
	t.Parallel()
	f, err := fixture.Load[Fixtures]("mixi.json", []byte(testFixture))
	require.NoError(t, err)
	st := newMemStore(f.built)
	clk := clock.NewControlled(nil)
	src := ids.Seeded(1)
	sessions := websession.New[inviteTxn](sessionCookie, clk, src)
	gw := newGateway(gatewayDeps{log: slog.New(slog.DiscardHandler), st: st, clk: clk, ids: src, sessions: sessions})
	api := walk(t, routes(slog.New(slog.DiscardHandler), st, clk, src, sessions, gw, 0))
	admin := walk(t, adminRoutes(st, clk, src, gw))
	doc := "# provider routes\n" + strings.Join(api, "\n") + "\n# admin routes (/_fakeapi/mixi)\n" + strings.Join(admin, "\n") + "\n"
	golden.Assert(t, "routes", []byte(doc))
}

func TestNotFoundAndMethodNotAllowed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		method string
		path   string
		status int
		allow  string
		ct     string
	}{
		{"should answer an unknown API path in mixi's format", "GET", "/mixi/os/0.8/activities/@me/@self", 404, "", "text/plain; charset=utf-8"},
		{"should answer an unknown top path in mixi's format", "GET", "/mixi/nothing", 404, "", "text/plain; charset=utf-8"},
		{"should answer a deeper unknown path", "GET", "/mixi/os/0.8/people/@me/@friends/1/2", 404, "", "text/plain; charset=utf-8"},
		{"should answer 405 with Allow for people", "PATCH", "/mixi/os/0.8/people/@me/@self", 405, "GET, POST, PUT, DELETE", "text/plain; charset=utf-8"},
		{"should answer 405 with Allow for appdata", "PATCH", "/mixi/os/0.8/appdata/@me/@self/@app", 405, "GET, POST, PUT, DELETE", "text/plain; charset=utf-8"},
		{"should answer 405 with Allow for albums", "DELETE", "/mixi/os/0.8/albums/@me/@self", 405, "GET", "text/plain; charset=utf-8"},
		{"should answer 405 on the invite pages as a page", "GET", "/mixi/invite/friends/confirm", 405, "POST", "text/html; charset=utf-8"},
		{"should answer 404 under the invite path as a page", "GET", "/mixi/invite/friends/nothing", 404, "", "text/html; charset=utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			w := e.serve(newRequest(tt.method, "http://localhost:8080"+tt.path, nil))
			require.Equal(t, tt.status, w.Code, w.Body.String())
			assert.Equal(t, tt.allow, w.Header().Get("Allow"))
			assert.Equal(t, tt.ct, w.Header().Get("Content-Type"))
			if strings.HasPrefix(tt.ct, "text/plain") {
				assert.Equal(t, errorBody(tt.status), w.Body.String())
			}
		})
	}
}

// WriteError is what the root sends for injected faults, declared-too-large
// bodies and panics: mixi's format, a page on the invite paths.
func TestWriteError(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, status := range []int{400, 401, 403, 404, 413, 500, 503} {
		w := httptest.NewRecorder()
		e.inst.WriteError(w, newRequest("GET", "http://localhost/mixi/os/0.8/people/@me/@self", nil), status)
		assert.Equal(t, status, w.Code)
		assert.Equal(t, errorBody(status), w.Body.String())
		assert.Equal(t, "text/plain; charset=utf-8", w.Header().Get("Content-Type"))

		w = httptest.NewRecorder()
		e.inst.WriteError(w, newRequest("POST", "http://localhost/mixi/invite:friends", nil), status)
		assert.Equal(t, status, w.Code)
		assert.Equal(t, "text/html; charset=utf-8", w.Header().Get("Content-Type"))
		assert.Contains(t, w.Body.String(), `id="error"`)
	}
	assert.Equal(t, "500 - Internal Server Error", errorBody(500))
}

// An unexpected error is logged and answered with the generic 500, never
// its text.
func TestUnexpectedErrorIsNotLeaked(t *testing.T) {
	t.Parallel()
	var logged strings.Builder
	log := slog.New(slog.NewTextHandler(&logged, nil))
	w := httptest.NewRecorder()
	writeError(log, w, newRequest("GET", "http://localhost/mixi/os/0.8/people/@me/@self", nil), fmt.Errorf("secret detail"))
	assert.Equal(t, http.StatusInternalServerError, w.Code)
	assert.Equal(t, "500 - Internal Server Error", w.Body.String())
	assert.Contains(t, logged.String(), "secret detail")
}

// An injected 5xx on the invite flow sends the user back with error=500
// when the callback is known and valid; otherwise the error page.
func TestInviteFaultRedirects(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	q := url.Values{"callback": {"http://app.example.jp/done"}, "opensocial_app_id": {appID}, "opensocial_owner_id": {sakura}}
	w := httptest.NewRecorder()
	e.inst.WriteError(w, newRequest(http.MethodPost, "http://localhost/mixi/invite:friends?"+q.Encode(), nil), http.StatusServiceUnavailable)
	assert.Equal(t, http.StatusFound, w.Code)
	assert.Equal(t, "http://app.example.jp/done?result=false&error=500", w.Header().Get("Location"))

	q.Set("callback", "http://evil.example.com/")
	w = httptest.NewRecorder()
	e.inst.WriteError(w, newRequest(http.MethodPost, "http://localhost/mixi/invite:friends?"+q.Encode(), nil), http.StatusInternalServerError)
	assert.Equal(t, http.StatusInternalServerError, w.Code, "no redirect to an unvalidated callback")

	w = httptest.NewRecorder()
	e.inst.WriteError(w, newRequest(http.MethodPost, "http://localhost/mixi/invite/friends/select", strings.NewReader("txn=x")), http.StatusInternalServerError)
	assert.Equal(t, http.StatusInternalServerError, w.Code, "no session, no callback")
}

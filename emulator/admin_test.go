package emulator

import (
	"fmt"
	"github.com/fakeapi/fakeapi/internal/clock"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/fakeapi/fakeapi/internal/journal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func journalFilter(provider string) journal.Filter { return journal.Filter{Provider: provider} }

func TestAdminTable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, target, body string
		wantStatus                 int
		wantError                  string // substring of {"error"}; "" for success
	}{
		{"should report health", "GET", "/_fakeapi/health", "", 200, ""},
		{"should reset all", "POST", "/_fakeapi/reset", "", 200, ""},
		{"should reset one", "POST", "/_fakeapi/reset?provider=kii", "", 200, ""},
		{"should refuse an unknown provider on reset", "POST", "/_fakeapi/reset?provider=foo", "", 400, `unknown provider "foo"`},
		{"should refuse an unknown provider on export", "GET", "/_fakeapi/state?provider=foo", "", 400, `unknown provider "foo"`},
		{"should refuse malformed state", "PUT", "/_fakeapi/state", `{"kii": `, 400, "state:1:9: unexpected end of document"},
		{"should refuse a state for an unknown provider", "PUT", "/_fakeapi/state", `{"kii": {"items": []}, "zzz": {}}`, 400, `state:1:31: zzz: unknown provider "zzz"`},
		{"should refuse a state array", "PUT", "/_fakeapi/state", `[]`, 400, "state:1:1: got JSON array, want an object"},
		{"should refuse a bad journal limit", "GET", "/_fakeapi/journal?limit=x", "", 400, `limit "x"`},
		{"should refuse a journal filter on an unknown provider", "GET", "/_fakeapi/journal?provider=foo", "", 400, "unknown provider"},
		{"should refuse a fault with nothing to do", "POST", "/_fakeapi/faults", `{"provider":"kii"}`, 400, "at least one of status, latency or drop"},
		{"should refuse a fault for an unknown provider", "POST", "/_fakeapi/faults", `{"provider":"x","status":500}`, 400, "unknown provider"},
		{"should refuse a fault with unknown fields", "POST", "/_fakeapi/faults", `{"status":500,"oops":1}`, 400, "unknown field"},
		{"should refuse a fault that is not JSON", "POST", "/_fakeapi/faults", `status=500`, 400, "malformed JSON"},
		{"should refuse deleting an unknown fault", "DELETE", "/_fakeapi/faults/nope", "", 404, `no fault rule "nope"`},
		{"should refuse an empty clock body", "POST", "/_fakeapi/clock", `{}`, 400, "advance"},
		{"should refuse a bad duration", "POST", "/_fakeapi/clock", `{"advance":"soon"}`, 400, `advance "soon"`},
		{"should refuse moving the clock back", "POST", "/_fakeapi/clock", `{"advance":"-1h"}`, 400, "only moves forward"},
		{"should refuse setting the clock in the past", "POST", "/_fakeapi/clock", `{"set":"2001-01-01T00:00:00Z"}`, 400, "only moves forward"},
		{"should refuse a bad time", "POST", "/_fakeapi/clock", `{"set":"tomorrow"}`, 400, `set "tomorrow"`},
		{"should answer unknown admin routes with JSON", "GET", "/_fakeapi/nope", "", 404, "no admin route GET /_fakeapi/nope"},
		{"should answer wrong methods with JSON", "PATCH", "/_fakeapi/state", "", 405, "allowed: GET, PUT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newFake(t)
			w := do(t, e, tt.method, tt.target, tt.body, "Content-Type", "application/json")
			assert.Equal(t, tt.wantStatus, w.Code, w.Body.String())
			assert.Contains(t, w.Header().Get("Content-Type"), "application/json")
			if tt.wantError != "" {
				assert.Contains(t, decode(t, w)["error"], tt.wantError)
			}
		})
	}
}

func TestMethodNotAllowedListsAllow(t *testing.T) {
	t.Parallel()
	e := newFake(t)
	w := do(t, e, http.MethodPost, "/_fakeapi/state", "")
	assert.Equal(t, http.StatusMethodNotAllowed, w.Code)
	assert.Equal(t, "GET, PUT", w.Header().Get("Allow"))
}

func TestHealth(t *testing.T) {
	t.Parallel()
	e := newFake(t)
	got := decode(t, do(t, e, http.MethodGet, "/_fakeapi/health", ""))
	assert.Equal(t, "ok", got["status"])
	assert.Equal(t, []any{"iijmio", "kii", "assist", "mixi"}, got["providers"])
	assert.Contains(t, got, "uptime")
	assert.Contains(t, got, "version")
}

func TestResetAndStateRoundTrip(t *testing.T) {
	t.Parallel()
	e := newFake(t)
	do(t, e, http.MethodPost, "/kii/items", "b")
	do(t, e, http.MethodPost, "/mixi/items", "m")
	w := do(t, e, http.MethodGet, "/_fakeapi/state?provider=kii", "")
	require.Equal(t, http.StatusOK, w.Code)
	assert.JSONEq(t, `{"kii":{"items":["a","b"]}}`, w.Body.String())
	exported := w.Body.String()

	require.Equal(t, http.StatusOK, do(t, e, http.MethodPost, "/_fakeapi/reset?provider=kii", "").Code)
	assert.JSONEq(t, `{"kii":{"items":["a"]}}`, do(t, e, http.MethodGet, "/_fakeapi/state?provider=kii", "").Body.String())
	assert.Equal(t, []string{"a", "m"}, e.byName["mixi"].State.Export().(fakeDoc).Items, "should leave other providers alone")

	w = do(t, e, http.MethodPut, "/_fakeapi/state", exported, "Content-Type", "application/json")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.JSONEq(t, `{"kii":{"items":["a","b"]}}`, do(t, e, http.MethodGet, "/_fakeapi/state?provider=kii", "").Body.String())

	require.Equal(t, http.StatusOK, do(t, e, http.MethodPost, "/_fakeapi/reset", "").Code)
	all := decode(t, do(t, e, http.MethodGet, "/_fakeapi/state", ""))
	for _, n := range []string{"iijmio", "kii", "assist", "mixi"} {
		assert.Equal(t, map[string]any{"items": []any{"a"}}, all[n], n)
	}
}

func TestStateImportIsAllOrNothing(t *testing.T) {
	t.Parallel()
	e := newFake(t)
	before := do(t, e, http.MethodGet, "/_fakeapi/state", "").Body.String()
	doc := "{\n  \"assist\": {\"items\": [\"new\"]},\n  \"kii\": {\"items\": [\n    \"x\",\n    \"x\"\n  ]}\n}"
	w := do(t, e, http.MethodPut, "/_fakeapi/state", doc)
	require.Equal(t, http.StatusBadRequest, w.Code)
	assert.Equal(t, `state:5:5: kii.items[1]: duplicate "x"`, decode(t, w)["error"], "should point into the whole document")
	assert.JSONEq(t, before, do(t, e, http.MethodGet, "/_fakeapi/state", "").Body.String(), "should change nothing, assist included")
}

func TestJournalRecordsAndMasks(t *testing.T) {
	t.Parallel()
	e := newFake(t)
	do(t, e, http.MethodGet, "/kii/api/x?password=secret&a=1", "", "Authorization", "Bearer tok123")
	do(t, e, http.MethodPost, "/iijmio/items", "z")
	do(t, e, http.MethodGet, "/_fakeapi/health", "") // admin requests are not journaled
	w := do(t, e, http.MethodGet, "/_fakeapi/journal", "")
	require.Equal(t, http.StatusOK, w.Code)
	var got struct{ Entries []journal.Entry }
	require.NoError(t, jsonUnmarshal(w.Body.Bytes(), &got))
	require.Len(t, got.Entries, 2)
	first := got.Entries[0]
	assert.Equal(t, "kii", first.Provider)
	assert.Equal(t, "/api/x", first.Path, "the provider's real path, the path fault rules match")
	assert.Equal(t, "/kii", first.Base)
	assert.Equal(t, "password=***&a=1", first.Query)
	assert.Equal(t, "Bearer ***", first.Headers["Authorization"])
	assert.Equal(t, 200, first.Status)
	assert.NotContains(t, w.Body.String(), "tok123")
	assert.NotContains(t, w.Body.String(), "secret")

	var filtered struct{ Entries []journal.Entry }
	require.NoError(t, jsonUnmarshal(do(t, e, http.MethodGet, "/_fakeapi/journal?provider=iijmio&method=post&path=/ite", "").Body.Bytes(), &filtered))
	require.Len(t, filtered.Entries, 1)
	assert.Equal(t, "/items", filtered.Entries[0].Path)
	assert.Equal(t, "z", filtered.Entries[0].RequestBody)

	assert.Equal(t, http.StatusNoContent, do(t, e, http.MethodDelete, "/_fakeapi/journal", "").Code)
	assert.JSONEq(t, `{"entries":[]}`, do(t, e, http.MethodGet, "/_fakeapi/journal", "").Body.String())
}

// Entries carry the bodies, capped at journal.MaxBody and with the
// provider's secrets masked.
func TestJournalShouldKeepMaskedCappedBodies(t *testing.T) {
	t.Parallel()
	e := newFake(t, func(c *Config) { c.MaxBody = 64 << 10 })
	do(t, e, http.MethodPost, "/kii/items", `{"user":"u","password":"hunter2"}`, "Content-Type", "application/json")
	do(t, e, http.MethodPost, "/kii/items", "password=hunter2&x=1", "Content-Type", "application/x-www-form-urlencoded")
	big := `{"password":"hunter2","pad":"` + strings.Repeat("p", 2*journal.MaxBody) + `"}`
	do(t, e, http.MethodPost, "/kii/items", big, "Content-Type", "application/json")
	entries := e.journal.List(journal.Filter{Provider: "kii"})
	require.Len(t, entries, 3)
	assert.Equal(t, `{"user":"u","password":"***"}`, entries[0].RequestBody)
	assert.Contains(t, entries[0].ResponseBody, `"provider":"kii"`)
	assert.Equal(t, "password=***&x=1", entries[1].RequestBody)
	assert.True(t, entries[2].BodyTruncated)
	assert.LessOrEqual(t, len(entries[2].RequestBody), journal.MaxBody)
	assert.True(t, strings.HasPrefix(entries[2].RequestBody, `{"password":"***","pad":"ppp`))
	for _, en := range entries {
		assert.NotContains(t, en.RequestBody, "hunter2")
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	e := newFake(t)
	w := do(t, e, http.MethodPost, "/_fakeapi/faults", `{"provider":"kii","method":"GET","path":"/api/*","status":503,"times":2}`)
	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	id := decode(t, w)["id"].(string)
	assert.NotEmpty(t, id)

	assert.Equal(t, http.StatusOK, do(t, e, http.MethodGet, "/iijmio/api/x", "").Code, "should not hit another provider")
	assert.Equal(t, http.StatusOK, do(t, e, http.MethodPost, "/kii/api/x", "").Code, "should not hit another method")
	for range 2 {
		w = do(t, e, http.MethodGet, "/kii/api/x", "")
		assert.Equal(t, http.StatusServiceUnavailable, w.Code)
		assert.Equal(t, "kii", decode(t, w)["fake"], "should answer in the provider's own format")
	}
	assert.Equal(t, http.StatusOK, do(t, e, http.MethodGet, "/kii/api/x", "").Code, "should retire after times")
	entries := e.journal.List(journalFilter("kii"))
	assert.Equal(t, id, entries[len(entries)-2].Fault)

	// Same rule by real host: paths are the provider's real paths.
	do(t, e, http.MethodPost, "/_fakeapi/faults", `{"path":"/mobile/*","status":500}`)
	assert.Equal(t, http.StatusInternalServerError, do(t, e, http.MethodGet, "/mobile/d/v1/coupon/", "", "Host", "api.iijmio.jp").Code)
	assert.Equal(t, http.StatusInternalServerError, do(t, e, http.MethodGet, "/iijmio/mobile/d/v1/coupon/", "").Code)
	w = do(t, e, http.MethodGet, "/_fakeapi/faults", "")
	assert.Len(t, decode(t, w)["faults"], 1)
	assert.Equal(t, http.StatusNoContent, do(t, e, http.MethodDelete, "/_fakeapi/faults", "").Code)
	assert.Equal(t, http.StatusOK, do(t, e, http.MethodGet, "/iijmio/mobile/d/v1/coupon/", "").Code)
}

func TestFaultLatencyAndDrop(t *testing.T) {
	t.Parallel()
	e := newFake(t)
	do(t, e, http.MethodPost, "/_fakeapi/faults", `{"provider":"mixi","latency":"30ms","times":1}`)
	start := time.Now()
	w := do(t, e, http.MethodGet, "/mixi/x", "")
	assert.Equal(t, http.StatusOK, w.Code, "latency alone should pass the request on")
	assert.GreaterOrEqual(t, time.Since(start), 30*time.Millisecond)

	do(t, e, http.MethodPost, "/_fakeapi/faults", `{"provider":"mixi","drop":true,"times":1}`)
	assert.PanicsWithValue(t, http.ErrAbortHandler, func() { do(t, e, http.MethodGet, "/mixi/x", "") },
		"should abort the connection the way net/http expects")
	entries := e.journal.List(journalFilter("mixi"))
	assert.Equal(t, 0, entries[len(entries)-1].Status, "should journal a dropped request with no status")
}

func TestClockAPI(t *testing.T) {
	t.Parallel()
	e := newFake(t)
	before := e.clk.Now()
	w := do(t, e, http.MethodPost, "/_fakeapi/clock", `{"advance":"2160h"}`)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Equal(t, before.Add(2160*time.Hour), e.clk.Now())
	got := decode(t, w)
	// The clock froze when newFake built the emulator: while frozen, the
	// offset shrinks by the wall time since, milliseconds on a busy machine.
	off, err := time.ParseDuration(got["offset"].(string))
	require.NoError(t, err)
	assert.InDelta(t, float64(2160*time.Hour), float64(off), float64(time.Second), "offset %s", off)
	assert.Equal(t, true, got["frozen"])

	target := e.clk.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	w = do(t, e, http.MethodPost, "/_fakeapi/clock", `{"set":"`+target+`","freeze":false}`)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Equal(t, false, decode(t, w)["frozen"])
	assert.Equal(t, target, e.clk.Now().UTC().Format(time.RFC3339))
	assert.Equal(t, http.StatusOK, do(t, e, http.MethodGet, "/_fakeapi/clock", "").Code)
}

// Sequences that once broke the clock (wrapping to 1742, or reaching year
// 10000, after which state export, the journal and save answered 500) are
// refused with a 400 that says why, and leave everything working.
func TestClockShouldRefuseMovesOutOfRange(t *testing.T) {
	t.Parallel()
	for _, steps := range [][]string{
		{`{"advance":"876000h"}`, `{"advance":"876000h"}`, `{"advance":"876000h"}`},
		{`{"freeze":true}`, `{"set":"9999-12-31T23:00:00Z"}`, `{"advance":"2h"}`},
		{`{"set":"2199-12-31T23:00:00Z"}`, `{"advance":"2h"}`},
		{`{"advance":"2562047h47m16.854775807s"}`},
	} {
		e := newFake(t)
		refused := 0
		for _, body := range steps {
			w := do(t, e, http.MethodPost, "/_fakeapi/clock", body)
			if w.Code == http.StatusBadRequest {
				refused++
				assert.Contains(t, w.Body.String(), "stays between 2000-01-01T00:00:00Z and 2200-01-01T00:00:00Z", body)
				continue
			}
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		}
		assert.Positive(t, refused, "%v should be refused somewhere", steps)
		now := e.clk.Now()
		assert.False(t, now.After(clock.Max), "%v took the clock to %s", steps, now)
		for _, target := range []string{"/_fakeapi/state", "/_fakeapi/journal", "/_fakeapi/clock"} {
			assert.Equal(t, http.StatusOK, do(t, e, http.MethodGet, target, "").Code, "%v then GET %s", steps, target)
		}
	}
}

func TestAdminToken(t *testing.T) {
	t.Parallel()
	e := newFake(t, func(c *Config) { c.AdminToken = "s3cret" })
	assert.Equal(t, http.StatusOK, do(t, e, http.MethodGet, "/_fakeapi/health", "").Code, "health should stay open")
	w := do(t, e, http.MethodGet, "/_fakeapi/state", "")
	assert.Equal(t, http.StatusUnauthorized, w.Code)
	assert.Equal(t, msgAdminToken, decode(t, w)["error"])
	assert.Equal(t, http.StatusUnauthorized, do(t, e, http.MethodGet, "/_fakeapi/state", "", "Authorization", "Bearer wrong").Code)
	assert.Equal(t, http.StatusOK, do(t, e, http.MethodGet, "/_fakeapi/state", "", "Authorization", "Bearer s3cret").Code)
	assert.Equal(t, http.StatusOK, do(t, e, http.MethodGet, "/_fakeapi/state", "", "X-Fakeapi-Token", "s3cret").Code)
	w = do(t, e, http.MethodGet, "/_fakeapi/?token=s3cret", "")
	assert.Equal(t, http.StatusOK, w.Code)
	// The links of an admin page opened with ?token= (the dashboard's, the
	// Assist admin UI's) carry no token: a strict same-site cookie keeps it.
	cookies := w.Result().Cookies()
	require.Len(t, cookies, 1)
	assert.Equal(t, "fakeapi_admin_token", cookies[0].Name)
	assert.Equal(t, http.SameSiteStrictMode, cookies[0].SameSite)
	assert.True(t, cookies[0].HttpOnly)
	assert.Equal(t, "/_fakeapi", cookies[0].Path)
	assert.Equal(t, http.StatusOK, do(t, e, http.MethodGet, "/_fakeapi/mixi/requests", "", "Cookie", "fakeapi_admin_token=s3cret").Code)
	assert.Equal(t, http.StatusUnauthorized, do(t, e, http.MethodGet, "/_fakeapi/mixi/requests", "", "Cookie", "fakeapi_admin_token=wrong").Code)
	assert.Empty(t, do(t, e, http.MethodGet, "/_fakeapi/state", "", "Authorization", "Bearer s3cret").Result().Cookies(), "scripts sending a header get no cookie")
	assert.Equal(t, http.StatusUnauthorized, do(t, e, http.MethodGet, "/_fakeapi/kii/devlog", "").Code, "should guard provider admin routes too")
	assert.Equal(t, http.StatusOK, do(t, e, http.MethodGet, "/kii/x", "").Code, "should not guard provider traffic")
}

func TestCrossOriginAdminWritesRefused(t *testing.T) {
	t.Parallel()
	e := newFake(t)
	w := do(t, e, http.MethodPost, "/_fakeapi/reset", "", "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
	assert.Equal(t, http.StatusForbidden, w.Code)
	assert.Equal(t, http.StatusOK, do(t, e, http.MethodGet, "/_fakeapi/state", "", "Sec-Fetch-Site", "cross-site").Code, "reads stay allowed")
	assert.Equal(t, http.StatusOK, do(t, e, http.MethodPost, "/_fakeapi/reset", "", "Sec-Fetch-Site", "same-origin").Code)
}

func TestProviderAdminMounted(t *testing.T) {
	t.Parallel()
	e := newFake(t)
	got := decode(t, do(t, e, http.MethodGet, "/_fakeapi/mixi/requests", ""))
	assert.Equal(t, map[string]any{"admin": "mixi", "path": "/requests"}, got)
}

// A large import collects its own garbage before it returns, so the
// requests after it do not pay for it; small ones (what tests send all the
// time) do not force a collection. The runtime counts forced collections;
// the test is not parallel, so no other test forces one meanwhile.
func TestLargeStateImportShouldFreeItsGarbage(t *testing.T) {
	e := newFake(t)
	base := forcedGCs()
	calls := func() int { return int(forcedGCs() - base) }
	require.NoError(t, e.ImportState("small", []byte(`{"kii":{"items":["a"]}}`)))
	assert.Equal(t, 0, calls(), "a small import should not force a collection")

	var b strings.Builder
	b.WriteString(`{"kii":{"items":["x0"`)
	for i := 1; b.Len() < bigImport; i++ {
		fmt.Fprintf(&b, `,"x%d"`, i)
	}
	big := b.String() + `]}}`
	require.NoError(t, e.ImportState("big", []byte(big)))
	assert.Equal(t, 1, calls(), "a large import should collect its garbage")
	require.Error(t, e.ImportState("big", []byte(strings.Replace(big, `"x1"`, `"x0"`, 1))))
	assert.Equal(t, 2, calls(), "a refused large import leaves garbage too")
}

func forcedGCs() uint64 {
	s := []metrics.Sample{{Name: "/gc/cycles/forced:gc-cycles"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// DNS rebinding: a page on evil.example whose name resolves to 127.0.0.1
// sends its own name in Host and looks same-origin to the browser, so only
// the Host check can tell it from the developer's own tools.
func TestAdminHostCheckShouldRefuseRebindingHosts(t *testing.T) {
	t.Parallel()
	e := newFake(t, func(c *Config) { c.CheckAdminHost, c.AdminHosts = true, []string{"fakeapi"} })
	rebinding := []string{"Host", "evil.example:8080", "Origin", "http://evil.example:8080", "Sec-Fetch-Site", "same-origin", "Content-Type", "application/json"}
	for _, req := range []struct{ method, target, body string }{
		{"PUT", "/_fakeapi/state", `{}`},
		{"GET", "/_fakeapi/state", ""},
		{"POST", "/_fakeapi/clock", `{"advance":"1h"}`},
		{"POST", "/_fakeapi/reset", ""},
		{"GET", "/_fakeapi/", ""},
	} {
		w := do(t, e, req.method, req.target, req.body, rebinding...)
		assert.Equal(t, http.StatusForbidden, w.Code, "%s %s", req.method, req.target)
		assert.Contains(t, w.Body.String(), `Host \"evil.example:8080\"`)
		assert.Contains(t, w.Body.String(), "-admin-hosts")
	}
	for _, host := range []string{"localhost:8080", "LOCALHOST", "app.localhost:1", "127.0.0.1:8080", "[::1]:8080", "10.1.2.3", "fakeapi:8080", "fakeapi."} {
		w := do(t, e, "GET", "/_fakeapi/clock", "", "Host", host)
		assert.Equal(t, http.StatusOK, w.Code, "Host %s: %s", host, w.Body.String())
	}
	w := do(t, e, "GET", "/kii/api/x", "", rebinding...)
	assert.Equal(t, http.StatusOK, w.Code, "provider routes should answer any Host")
	long := strings.Repeat("a", 5000) + ".example"
	w = do(t, e, "GET", "/_fakeapi/clock", "", "Host", long)
	assert.Equal(t, http.StatusForbidden, w.Code)
	assert.Less(t, w.Body.Len(), 1000, "the message should quote a short prefix of the Host only")

	open := newFake(t)
	assert.Equal(t, http.StatusOK, do(t, open, "GET", "/_fakeapi/clock", "", rebinding...).Code,
		"without CheckAdminHost (listening on every interface) any Host should pass")
}

// A large body to a small admin endpoint is refused before it is read, and
// no answer quotes more than a short prefix of what was sent (a 50 MB clock
// body once got a 52 MB error).
func TestAdminBodiesShouldBeCappedAndNotEchoed(t *testing.T) {
	t.Parallel()
	e := newFake(t, func(c *Config) { c.MaxAdminBody = 1 << 10 })
	big := `{"advance":"` + strings.Repeat("9", 4<<10) + `"}`
	w := do(t, e, http.MethodPost, "/_fakeapi/clock", big, "Content-Type", "application/json")
	assert.Equal(t, http.StatusRequestEntityTooLarge, w.Code)
	assert.Contains(t, w.Body.String(), "-max-admin-body")

	for _, tt := range []struct{ method, target, body string }{
		{"POST", "/_fakeapi/clock", `{"advance":"` + strings.Repeat("z", 900) + `"}`},
		{"POST", "/_fakeapi/clock", `{"set":"` + strings.Repeat("z", 900) + `"}`},
		{"POST", "/_fakeapi/faults", `{"path":"` + strings.Repeat("z", 900) + `","status":503}`},
		{"POST", "/_fakeapi/faults", `{"provider":"` + strings.Repeat("z", 900) + `"}`},
		{"POST", "/_fakeapi/reset?provider=" + strings.Repeat("z", 5000), ""},
		{"GET", "/_fakeapi/journal?limit=" + strings.Repeat("z", 5000), ""},
		{"DELETE", "/_fakeapi/faults/" + strings.Repeat("z", 5000), ""},
	} {
		w := do(t, e, tt.method, tt.target, tt.body, "Content-Type", "application/json")
		assert.GreaterOrEqual(t, w.Code, 400, tt.target)
		assert.Less(t, w.Body.Len(), 400, "%s %s: %s", tt.method, tt.target, w.Body.String())
	}

	state := `{"kii":{"items":["` + strings.Repeat("s", 4<<10) + `"]}}`
	w = do(t, e, http.MethodPut, "/_fakeapi/state", state, "Content-Type", "application/json")
	assert.Equal(t, http.StatusOK, w.Code, "a state import has its own, larger cap: %s", w.Body.String())
}

func TestFaultRulesShouldBeCapped(t *testing.T) {
	t.Parallel()
	e := newFake(t, func(c *Config) { c.MaxFaults = 2 })
	for i := range 2 {
		w := do(t, e, http.MethodPost, "/_fakeapi/faults", fmt.Sprintf(`{"path":"/x%d","status":503}`, i), "Content-Type", "application/json")
		require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	}
	w := do(t, e, http.MethodPost, "/_fakeapi/faults", `{"path":"/y","status":503}`, "Content-Type", "application/json")
	assert.Equal(t, http.StatusConflict, w.Code)
	assert.Contains(t, w.Body.String(), "-max-faults")
}

// Imports run one at a time: three concurrent 100 MB imports once held
// 2.9 GB. A second import while one is being read gets a 409 at once,
// before its own body is read.
func TestStateImportsShouldRunOneAtATime(t *testing.T) {
	t.Parallel()
	e := newFake(t)
	pr, pw := io.Pipe()
	first := make(chan int)
	go func() {
		r := httptest.NewRequest(http.MethodPut, "/_fakeapi/state", pr)
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		e.ServeHTTP(w, r)
		first <- w.Code
	}()
	_, err := pw.Write([]byte(`{"kii":{"items":[`)) // the first import is now reading its body
	require.NoError(t, err)
	w := do(t, e, http.MethodPut, "/_fakeapi/state", `{"mixi":{"items":["b"]}}`, "Content-Type", "application/json")
	assert.Equal(t, http.StatusConflict, w.Code, w.Body.String())
	assert.Equal(t, "1", w.Header().Get("Retry-After"))
	assert.Equal(t, msgImportBusy, decode(t, w)["error"])
	_, err = pw.Write([]byte(`"a"]}}`))
	require.NoError(t, err)
	require.NoError(t, pw.Close())
	assert.Equal(t, http.StatusOK, <-first)
	w = do(t, e, http.MethodPut, "/_fakeapi/state", `{"mixi":{"items":["b"]}}`, "Content-Type", "application/json")
	assert.Equal(t, http.StatusOK, w.Code, "the next import should run once the first is done")
	assert.Equal(t, []string{"a"}, e.byName["kii"].State.Export().(fakeDoc).Items)
}

// {"kii": null} and a second "kii" key once silently wiped Kii's apps; both
// are refused with their position, and nothing changes.
func TestStateImportShouldRefuseNullAndDuplicateProviders(t *testing.T) {
	t.Parallel()
	e := newFake(t)
	for body, want := range map[string]string{
		`{"kii": null}`: "state:1:9: kii: got JSON null, want an object",
		`{"kii": {"items":["x"]}, "kii": {"items":[]}}`: `state:1:26: kii: duplicate field "kii"`,
	} {
		w := do(t, e, http.MethodPut, "/_fakeapi/state", body, "Content-Type", "application/json")
		assert.Equal(t, http.StatusBadRequest, w.Code, body)
		assert.Equal(t, want, decode(t, w)["error"], body)
	}
	assert.Equal(t, []string{"a"}, e.byName["kii"].State.Export().(fakeDoc).Items, "nothing should change")
}

// Admin calls are logged, changes at info; the admin token never shows.
func TestAdminCallsShouldBeLogged(t *testing.T) {
	t.Parallel()
	var logs strings.Builder
	e := newFake(t, func(c *Config) {
		c.Log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
		c.AdminToken = "s3cret"
	})
	do(t, e, http.MethodPost, "/_fakeapi/reset?provider=kii&token=s3cret", "")
	do(t, e, http.MethodGet, "/_fakeapi/state?token=s3cret", "")
	assert.Contains(t, logs.String(), `msg=admin method=POST path=/_fakeapi/reset query="provider=kii&token=***" status=200`)
	assert.NotContains(t, logs.String(), "path=/_fakeapi/state", "reads are logged at debug")
	assert.NotContains(t, logs.String(), "s3cret")
}

// The first 429 a provider answers on its own (not by a fault rule) says
// once how to switch the limits off.
func TestFirst429ShouldLogHowToSwitchLimitsOff(t *testing.T) {
	t.Parallel()
	var logs strings.Builder
	e := newFake(t, func(c *Config) {
		c.Log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	})
	do(t, e, http.MethodPost, "/_fakeapi/faults", `{"provider":"kii","status":429,"times":1}`, "Content-Type", "application/json")
	do(t, e, http.MethodGet, "/kii/x", "")
	assert.NotContains(t, logs.String(), "rate-limits", "an injected 429 is the test's own doing")
	for range 3 {
		do(t, e, http.MethodGet, "/kii/status/429", "")
	}
	assert.Equal(t, 1, strings.Count(logs.String(), "-rate-limits=false"), logs.String())
}

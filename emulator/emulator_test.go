package emulator

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func fakeFixtures(items string) fstest.MapFS {
	fs := fstest.MapFS{}
	for _, n := range []string{"iijmio", "kii", "assist", "mixi"} {
		fs[n+".json"] = &fstest.MapFile{Data: []byte(`{"items": [` + items + `]}`)}
	}
	return fs
}

func newFake(t *testing.T, mod ...func(*Config)) *Emulator {
	t.Helper()
	clk := clock.NewControlled(nil)
	clk.Freeze(true)
	cfg := Config{Fixtures: fakeFixtures(`"a"`), FixturesName: "testfixtures", Providers: fakeOpeners(), Clock: clk, HasSeed: true, Seed: 1, MaxBody: 64}
	for _, m := range mod {
		m(&cfg)
	}
	e, err := New(cfg)
	require.NoError(t, err)
	return e
}

func do(t *testing.T, h http.Handler, method, target, body string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, target, rd)
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "Host" {
			r.Host = hdr[i+1]
			continue
		}
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func decode(t *testing.T, w *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &m), "body: %s", w.Body.String())
	return m
}

func TestRouting(t *testing.T) {
	t.Parallel()
	e := newFake(t)
	tests := []struct {
		name, target, host     string
		wantProvider, wantPath string
		wantBase               string
	}{
		{"should route the iijmio prefix", "/iijmio/mobile/d/v1/coupon/", "localhost:8080", "iijmio", "/mobile/d/v1/coupon/", "/iijmio"},
		{"should route the kii prefix", "/kii/api/apps/abc/oauth2/token", "localhost", "kii", "/api/apps/abc/oauth2/token", "/kii"},
		{"should route the assist prefix", "/assist/api/oauth/token.php", "127.0.0.1:8080", "assist", "/api/oauth/token.php", "/assist"},
		{"should route the mixi prefix", "/mixi/os/0.8/people/@me/@self", "localhost", "mixi", "/os/0.8/people/@me/@self", "/mixi"},
		{"should route a bare prefix to the provider root", "/kii", "localhost", "kii", "/", "/kii"},
		{"should route api.iijmio.jp by host", "/mobile/d/v1/coupon/", "api.iijmio.jp", "iijmio", "/mobile/d/v1/coupon/", ""},
		{"should route every kii site host", "/api/apps/a/users/me", "api-sg.kii.com:443", "kii", "/api/apps/a/users/me", ""},
		{"should route api-cn3.kii.com", "/api/oauth2/token", "api-cn3.kii.com", "kii", "/api/oauth2/token", ""},
		{"should route any assist-tencho.com host", "/api/v1/orders.php", "shop1.assist-tencho.com", "assist", "/api/v1/orders.php", ""},
		{"should route api.mixi-platform.com", "/os/0.8/people/@me/@self", "API.MIXI-PLATFORM.COM", "mixi", "/os/0.8/people/@me/@self", ""},
		{"should keep the prefix under a real host", "/iijmio/x", "api.mixi-platform.com", "mixi", "/iijmio/x", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := do(t, e, http.MethodGet, tt.target, "", "Host", tt.host)
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			got := decode(t, w)
			assert.Equal(t, tt.wantProvider, got["provider"])
			assert.Equal(t, tt.wantPath, got["path"])
			assert.Equal(t, tt.wantBase, got["base"])
			assert.NotEmpty(t, w.Header().Get("X-Request-Id"))
		})
	}
}

// Found by emulator/hostile_test.go: any X-Request-Id up to 128 bytes was
// echoed, CR and LF included, into the response header (net/http's wire
// writer blanks them, an in-process caller's recorder did not).
func TestRequestIDShouldBeEchoedOnlyWhenPrintable(t *testing.T) {
	t.Parallel()
	e := newFake(t)
	for _, tt := range []struct{ sent, want string }{
		{"abc-123_XYZ", "abc-123_XYZ"},
		{strings.Repeat("r", 128), strings.Repeat("r", 128)},
		{strings.Repeat("r", 129), ""},
		{"rid\r\nX-Evil: 1", ""},
		{"with space", ""},
		{"tab\there", ""},
		{"非ASCII", ""},
	} {
		w := do(t, e, http.MethodGet, "/kii/x", "", "X-Request-Id", tt.sent)
		got := w.Header().Get("X-Request-Id")
		if tt.want != "" {
			assert.Equal(t, tt.want, got, "%q should be echoed", tt.sent)
			continue
		}
		assert.NotEqual(t, tt.sent, got, "%q should be replaced", tt.sent)
		assert.Regexp(t, `^[0-9a-f]{16}$`, got, "a fresh id for %q", tt.sent)
	}
}

func TestUnknownPathIsJSON404(t *testing.T) {
	t.Parallel()
	e := newFake(t)
	for _, target := range []string{"/", "/nope", "/iijmiox/mobile"} {
		w := do(t, e, http.MethodGet, target, "")
		assert.Equal(t, http.StatusNotFound, w.Code, target)
		assert.Contains(t, w.Header().Get("Content-Type"), "application/json")
		assert.Contains(t, decode(t, w)["error"], "no provider at")
	}
}

func TestPanicAnswersInTheProvidersFormat(t *testing.T) {
	t.Parallel()
	e := newFake(t)
	w := do(t, e, http.MethodGet, "/kii/panic", "")
	assert.Equal(t, http.StatusInternalServerError, w.Code)
	assert.Equal(t, map[string]any{"fake": "kii", "status": float64(500)}, decode(t, w))
	entries := e.journal.List(journalFilter("kii"))
	require.Len(t, entries, 1)
	assert.Equal(t, 500, entries[0].Status)
}

func TestBodyCap(t *testing.T) {
	t.Parallel()
	e := newFake(t)
	w := do(t, e, http.MethodPost, "/mixi/items", strings.Repeat("x", 65))
	assert.Equal(t, http.StatusRequestEntityTooLarge, w.Code)
	assert.Equal(t, "mixi", decode(t, w)["fake"], "should answer in the provider's format")

	// A chunked body has no length: the provider's read fails at the cap.
	r := httptest.NewRequest(http.MethodPost, "/mixi/items", io.MultiReader(strings.NewReader(strings.Repeat("y", 100))))
	r.ContentLength = -1
	w = httptest.NewRecorder()
	e.ServeHTTP(w, r)
	assert.Equal(t, http.StatusRequestEntityTooLarge, w.Code)
	assert.Equal(t, []string{"a"}, e.byName["mixi"].State.Export().(fakeDoc).Items, "should change nothing")
}

func TestFixtureErrorsStopStartWithPositions(t *testing.T) {
	t.Parallel()
	fs := fakeFixtures(`"a"`)
	fs["kii.json"] = &fstest.MapFile{Data: []byte("{\"items\": [\n  \"a\",\n  \"a\"\n]}")}
	_, err := New(Config{Fixtures: fs, FixturesName: "dir", Providers: fakeOpeners()})
	require.Error(t, err)
	assert.Equal(t, `dir/kii.json:3:3: items[1]: duplicate "a"`, err.Error())

	fs["kii.json"] = &fstest.MapFile{Data: []byte(`{"items": ["a"], "extra": 1}`)}
	_, err = New(Config{Fixtures: fs, FixturesName: "dir", Providers: fakeOpeners()})
	require.Error(t, err)
	assert.Equal(t, `dir/kii.json:1:18: extra: unknown field "extra"`, err.Error())
}

// A misspelled file in the fixtures directory would silently leave the
// embedded fixtures in place: it fails the start and lists the names.
func TestFixturesDirShouldRefuseFilesOfNoProvider(t *testing.T) {
	t.Parallel()
	fs := fakeFixtures(`"a"`)
	fs["kii2.json"] = &fstest.MapFile{Data: []byte(`{}`)}
	_, err := New(Config{Fixtures: fs, FixturesName: "dir", Providers: fakeOpeners()})
	require.Error(t, err)
	assert.Equal(t, "fixtures dir: kii2.json is no provider's file; want any of iijmio.json, kii.json, assist.json, mixi.json", err.Error())

	delete(fs, "kii2.json")
	fs[".DS_Store"] = &fstest.MapFile{Data: []byte("x")}
	fs["sub/notes.txt"] = &fstest.MapFile{Data: []byte("x")}
	_, err = New(Config{Fixtures: fs, FixturesName: "dir", Providers: fakeOpeners()})
	assert.NoError(t, err, "hidden files and directories are not fixtures")
}

// Start-up says which fixtures and which state file it loaded.
func TestStartShouldLogWhatItLoaded(t *testing.T) {
	t.Parallel()
	var logs strings.Builder
	dir := t.TempDir()
	state := filepath.Join(dir, "state.json")
	require.NoError(t, os.WriteFile(state, []byte(`{"kii":{"items":["s"]}}`), 0o644))
	_, err := New(Config{Fixtures: fakeFixtures(`"a"`), FixturesName: "dir", Providers: fakeOpeners(), StateFile: state,
		Log: slog.New(slog.NewTextHandler(&logs, nil))})
	require.NoError(t, err)
	for _, want := range []string{`msg="fixtures loaded" provider=kii file=dir/kii.json`, `msg="state file loaded" file=` + state} {
		assert.Contains(t, logs.String(), want)
	}
}

func TestFixturesDirFallsBackToEmbedded(t *testing.T) {
	t.Parallel()
	fs := fakeFixtures(`"mine"`)
	delete(fs, "mixi.json")
	_, err := New(Config{Fixtures: fs, FixturesName: "dir", Providers: fakeOpeners()})
	// The embedded mixi.json is the real provider's document, which the fake
	// schema does not accept: the error names the embedded file.
	if err != nil {
		assert.Contains(t, err.Error(), "fixtures/mixi.json")
	}
}

func TestStateFileLoadedAtStartAndSavedAtomically(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"kii": {"items": ["from-file"]}}`), 0o644))
	e := newFake(t, func(c *Config) { c.StateFile = path })
	assert.Equal(t, []string{"from-file"}, e.byName["kii"].State.Export().(fakeDoc).Items)
	assert.Equal(t, []string{"a"}, e.byName["mixi"].State.Export().(fakeDoc).Items)

	do(t, e, http.MethodPost, "/kii/items", "new")
	w := do(t, e, http.MethodPost, "/_fakeapi/save", "")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(data), `"kii":{"items":["from-file","new"]}`)
	left, _ := filepath.Glob(filepath.Join(dir, ".state.json.tmp-*"))
	assert.Empty(t, left, "should leave no temporary file")

	e2 := newFake(t, func(c *Config) { c.StateFile = path })
	assert.Equal(t, []string{"from-file", "new"}, e2.byName["kii"].State.Export().(fakeDoc).Items)

	require.NoError(t, os.WriteFile(path, []byte(`{"kii": {"items": [""]}}`), 0o644))
	_, err = New(Config{Fixtures: fakeFixtures(`"a"`), Providers: fakeOpeners(), StateFile: path})
	require.Error(t, err)
	assert.Contains(t, err.Error(), path+":1:20: kii.items[0]: empty item")
}

// A state file that could never be written fails the start, naming the
// path, instead of losing the whole run's state at shutdown. CI runs as
// root, so the cases are ones root cannot write either.
func TestStateFileShouldBeWritableAtStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "plain")
	require.NoError(t, os.WriteFile(file, []byte("x"), 0o644))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "isdir"), 0o755))
	for _, tt := range []struct{ path, want string }{
		{filepath.Join(dir, "missing", "state.json"), "directory " + filepath.Join(dir, "missing") + " does not exist"},
		{filepath.Join(file, "state.json"), "is not a directory"},
		{filepath.Join(dir, "isdir"), "is a directory"},
	} {
		_, err := New(Config{Fixtures: fakeFixtures(`"a"`), Providers: fakeOpeners(), StateFile: tt.path})
		require.Error(t, err, tt.path)
		assert.Contains(t, err.Error(), "state file "+tt.path)
		assert.Contains(t, err.Error(), tt.want)
	}
}

// A save killed between writing its temporary file and renaming it leaves
// the file behind; the next start removes it and keeps the state file.
func TestStartShouldRemoveTempFilesOfAKilledSave(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"kii": {"items": ["kept"]}}`), 0o644))
	stale := filepath.Join(dir, ".state.json.tmp-123456")
	require.NoError(t, os.WriteFile(stale, []byte(`{"kii": {"items": ["half`), 0o644))
	other := filepath.Join(dir, ".other.json.tmp-1")
	require.NoError(t, os.WriteFile(other, nil, 0o644))
	e := newFake(t, func(c *Config) { c.StateFile = path })
	assert.Equal(t, []string{"kept"}, e.byName["kii"].State.Export().(fakeDoc).Items)
	assert.NoFileExists(t, stale)
	assert.FileExists(t, other, "another file's temporary files are not ours to remove")
}

// A save that cannot write says why in the answer, not only in the log.
func TestSaveShouldSayWhyItFailed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	e := newFake(t, func(c *Config) { c.StateFile = path })
	require.NoError(t, os.Mkdir(path, 0o755)) // rename onto a directory fails, even for root
	require.NoError(t, os.WriteFile(filepath.Join(path, "x"), nil, 0o644))
	w := do(t, e, http.MethodPost, "/_fakeapi/save", "")
	assert.Equal(t, http.StatusInternalServerError, w.Code)
	msg := decode(t, w)["error"].(string)
	assert.Contains(t, msg, "could not save the state to "+path)
	assert.Contains(t, msg, "rename")
	left, _ := filepath.Glob(filepath.Join(dir, ".state.json.tmp-*"))
	assert.Empty(t, left, "a failed save should remove its temporary file")
}

func TestSaveWithoutStateFile(t *testing.T) {
	t.Parallel()
	e := newFake(t)
	w := do(t, e, http.MethodPost, "/_fakeapi/save", "")
	assert.Equal(t, http.StatusConflict, w.Code)
	assert.Equal(t, msgNoStateFile, decode(t, w)["error"])
}

func TestClockReachesProviders(t *testing.T) {
	t.Parallel()
	e := newFake(t)
	require.NoError(t, e.clk.Set(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)))
	w := do(t, e, http.MethodPost, "/_fakeapi/clock", `{"advance":"48h"}`, "Content-Type", "application/json")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	w = do(t, e, http.MethodGet, "/iijmio/x", "")
	assert.Equal(t, "2030-01-03", decode(t, w)["time"])
	assert.Equal(t, "Thu, 03 Jan 2030 00:00:00 GMT", w.Header().Get("Date"), "Date should follow the emulator clock too")
	for _, target := range []string{"/kii/nope", "/mixi/panic"} {
		assert.Equal(t, "Thu, 03 Jan 2030 00:00:00 GMT", do(t, e, http.MethodGet, target, "").Header().Get("Date"), target)
	}
}

// TestPooledCallsShouldNotCarryOver alternates requests of different kinds
// (a prefix with an escaped path, a real host, a panic, a refused body) and
// checks each sees only its own path, base and status.
func TestPooledCallsShouldNotCarryOver(t *testing.T) {
	t.Parallel()
	e := newFake(t)
	for i := range 50 {
		w := do(t, e, http.MethodGet, "/kii/a%2Fb/c", "")
		require.Equal(t, http.StatusOK, w.Code)
		got := decode(t, w)
		assert.Equal(t, "/a/b/c", got["path"], "round %d", i)
		assert.Equal(t, "/kii", got["base"])

		w = do(t, e, http.MethodGet, "/os/x", "", "Host", "api.mixi-platform.com")
		require.Equal(t, http.StatusOK, w.Code)
		got = decode(t, w)
		assert.Equal(t, "/os/x", got["path"], "round %d", i)
		assert.Equal(t, "", got["base"])

		w = do(t, e, http.MethodGet, "/iijmio/panic", "")
		assert.Equal(t, http.StatusInternalServerError, w.Code)

		w = do(t, e, http.MethodPost, "/assist/items", strings.Repeat("x", 100))
		assert.Equal(t, http.StatusRequestEntityTooLarge, w.Code)
	}
	entries := e.journal.List(journalFilter(""))
	require.NotEmpty(t, entries)
	last := entries[len(entries)-4:]
	assert.Equal(t, []string{"/kii/a/b/c", "/os/x", "/iijmio/panic", "/assist/items"},
		[]string{last[0].Base + last[0].Path, last[1].Base + last[1].Path, last[2].Base + last[2].Path, last[3].Base + last[3].Path})
	assert.Equal(t, []int{200, 200, 500, 413}, []int{last[0].Status, last[1].Status, last[2].Status, last[3].Status})
}

// TestHostAnswerIsKeptPerHost alternates Host headers, a real host, the
// same in another spelling, and a host of no provider, so each request must
// be routed by its own Host.
func TestHostAnswerIsKeptPerHost(t *testing.T) {
	t.Parallel()
	e := newFake(t)
	for range 3 {
		for _, tc := range []struct{ host, target, want string }{
			{"api.iijmio.jp", "/x", "iijmio"},
			{"api.iijmio.jp", "/kii/y", "iijmio"},
			{"localhost:8080", "/kii/y", "kii"},
			{"localhost:8080", "/mixi/y", "mixi"},
			{"API-JP.KII.COM:443", "/x", "kii"},
			{"shop.assist-tencho.com", "/x", "assist"},
			{"api.iijmio.jp.", "/x", "iijmio"},
		} {
			w := do(t, e, http.MethodGet, tc.target, "", "Host", tc.host)
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			assert.Equal(t, tc.want, decode(t, w)["provider"], "%s %s", tc.host, tc.target)
		}
	}
}

package browser_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fakeapi/fakeapi/e2e/internal/e2etest"
)

const (
	// chromiumEnv overrides the browser binary (default: Debian's).
	chromiumEnv     = "FAKEAPI_CHROMIUM"
	defaultChromium = "/usr/bin/chromium"
	// snapEnv=1 saves a screenshot of every page visited, not only of
	// failures (to look at the pages).
	snapEnv = "FAKEAPI_E2E_SCREENSHOTS"

	// stepTimeout bounds one step (navigate, click, wait), so a missing
	// element fails in seconds, not at the test's deadline.
	stepTimeout = 15 * time.Second
	// browserTimeout bounds a whole browser session.
	browserTimeout = 90 * time.Second
)

// chromiumFlags are the browser's flags, exactly these: without the
// background-networking ones chromium tries to reach outside hosts
// (issue 7). chromedp adds only --remote-debugging-port=0 and the
// --user-data-dir given.
var chromiumFlags = []string{
	"headless", "no-sandbox", "disable-gpu", "disable-quic", "no-first-run",
	"disable-background-networking", "disable-component-update", "disable-sync",
}

// tab is one headless chromium with a fresh profile and one page.
type tab struct {
	ctx context.Context
}

// newTab starts chromium for the test, with a fresh --user-data-dir, and
// stops it when the test ends. A test that fails leaves a screenshot of the
// page it was on.
func newTab(t *testing.T) *tab {
	t.Helper()
	exe := os.Getenv(chromiumEnv)
	if exe == "" {
		exe = defaultChromium
	}
	_, err := os.Stat(exe)
	e2etest.Need(t, "chromium ("+exe+")", err)

	profile := t.TempDir()
	// Chromium's helpers can still write in the profile a moment after the
	// browser exits; empty it with retries before t.TempDir's own cleanup,
	// which would fail the test on "directory not empty".
	t.Cleanup(func() { removeWithRetry(profile) })

	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(exe), chromedp.UserDataDir(profile)}
	for _, f := range chromiumFlags {
		opts = append(opts, chromedp.Flag(f, true))
	}
	base, cancelBase := context.WithTimeout(context.Background(), browserTimeout)
	alloc, cancelAlloc := chromedp.NewExecAllocator(base, opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelCtx(); cancelAlloc(); cancelBase() })

	b := &tab{ctx: ctx}
	if err := chromedp.Do(ctx); err != nil { // launch now, so a broken browser fails here
		t.Fatalf("start chromium %s: %v", exe, err)
	}
	// Registered after the browser's cleanup, so it runs first, while the
	// page is still there.
	t.Cleanup(func() {
		if t.Failed() {
			b.screenshot(t, "at-failure")
		}
	})
	return b
}

// do runs one named step; on failure it saves a screenshot and stops the test.
func (b *tab) do(t *testing.T, step string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.fail(t, step, err)
	}
	b.snap(t, step)
}

// run runs f as the subtest name; if it fails, a screenshot of the page it
// left is saved under the subtest's output folder.
func (b *tab) run(t *testing.T, name string, f func(t *testing.T)) bool {
	t.Helper()
	return t.Run(name, func(t *testing.T) {
		t.Cleanup(func() {
			if t.Failed() {
				b.screenshot(t, "at-failure")
			}
		})
		f(t)
	})
}

// navigate opens url and returns the HTTP status of the page.
func (b *tab) navigate(t *testing.T, step, url string) int64 {
	t.Helper()
	return b.response(t, step, chromedp.Navigate(url))
}

// click clicks the element with the id, waits for the page it loads and
// returns that page's HTTP status (after redirects).
func (b *tab) click(t *testing.T, step, id string) int64 {
	t.Helper()
	return b.response(t, step, chromedp.Click(chromedp.ID(id)))
}

func (b *tab) response(t *testing.T, step string, actions ...chromedp.Action[chromedp.Void]) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, actions...)
	if err != nil {
		b.fail(t, step, err)
	}
	b.snap(t, step)
	return resp.Status
}

// get runs one named step that reads a value; on failure as do.
func get[T any](t *testing.T, b *tab, step string, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.fail(t, step, err)
	}
	return v
}

// exists reports whether an element with the id is on the current page now,
// without waiting.
func exists(t *testing.T, b *tab, id string) bool {
	t.Helper()
	return get(t, b, "look for #"+id, chromedp.Evaluate[bool](fmt.Sprintf(`document.getElementById(%q) !== null`, id)))
}

// location is the page's current URL.
func location(t *testing.T, b *tab) string {
	t.Helper()
	return get(t, b, "read the location", chromedp.Location())
}

// text is the trimmed text of the element with the id, waiting for it.
func text(t *testing.T, b *tab, id string) string {
	t.Helper()
	return strings.TrimSpace(get(t, b, "read #"+id, chromedp.TextContent(chromedp.ID(id))))
}

func (b *tab) fail(t *testing.T, step string, err error) {
	t.Helper()
	shot := b.screenshot(t, step)
	t.Fatalf("browser step %q failed: %v\n(page: %s)", step, err, shot)
}

// snap saves a screenshot of every step when FAKEAPI_E2E_SCREENSHOTS=1.
func (b *tab) snap(t *testing.T, step string) {
	if os.Getenv(snapEnv) == "1" {
		b.screenshot(t, step)
	}
}

var (
	shotMu  sync.Mutex // guards shotSeq
	shotSeq int
	unsafe  = regexp.MustCompile(`[^\p{L}\p{N}._-]+`)
)

// screenshot saves a PNG of the whole page and its HTML under the test's
// output folder and returns the PNG's path (or why there is none).
func (b *tab) screenshot(t *testing.T, step string) string {
	t.Helper()
	dir, err := outputDir(t)
	if err != nil {
		t.Logf("no screenshot of %q: %v", step, err)
		return "no screenshot"
	}
	shotMu.Lock()
	shotSeq++
	name := fmt.Sprintf("%02d-%s", shotSeq, strings.Trim(unsafe.ReplaceAllString(step, "-"), "-"))
	shotMu.Unlock()

	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("no screenshot of %q: %v", step, err)
		return "no screenshot"
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Logf("no screenshot of %q: %v", step, err)
		return "no screenshot"
	}
	if html, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`)); err == nil {
		_ = os.WriteFile(filepath.Join(dir, name+".html"), []byte(html), 0o644)
	}
	t.Logf("screenshot of %q: %s", step, path)
	return path
}

// outputDir is where a test's screenshots go: t.ArtifactDir() when go test
// runs with -artifacts (kept under -outputdir), else
// $TMPDIR/fakeapi-e2e/<test name>, which outlives the test.
func outputDir(t *testing.T) (string, error) {
	if f := flag.Lookup("test.artifacts"); f != nil && f.Value.String() == "true" {
		return t.ArtifactDir(), nil
	}
	dir := filepath.Join(os.TempDir(), "fakeapi-e2e", unsafe.ReplaceAllString(t.Name(), "_"))
	return dir, os.MkdirAll(dir, 0o755)
}

func removeWithRetry(dir string) {
	for range 50 {
		if err := os.RemoveAll(dir); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// callbackPage is what the test's redirect URI serves: its script reads the
// query and location.hash (where the implicit grant puts the token) and
// publishes both as window.seen, and shows them.
var callbackPage = template.Must(template.New("cb").Parse(`<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>callback</title></head>
<body><h1>callback</h1><dl id="params"></dl>
<script>
function read(s) {
  var out = {};
  new URLSearchParams(s).forEach(function (v, k) {
    out[k] = v;
    var dt = document.createElement('dt'), dd = document.createElement('dd');
    dt.textContent = k; dd.textContent = v;
    document.getElementById('params').append(dt, dd);
  });
  return out;
}
window.seen = {query: read(location.search.slice(1)), hash: read(location.hash.slice(1))};
</script>
</body></html>`))

// seen is what the callback page's script read.
type seen struct {
	Query map[string]string `json:"query"`
	Hash  map[string]string `json:"hash"`
}

func (s seen) String() string { b, _ := json.Marshal(s); return string(b) }

// readCallback waits for the callback page's script and returns what it read.
func readCallback(t *testing.T, b *tab) seen {
	t.Helper()
	return get(t, b, "wait for the callback page's script", chromedp.Poll[seen](`window.seen`))
}

// callbackServer is the client application: it serves callbackPage at every
// path and records each request's query. Its host is 127.0.0.1, which the
// fixtures register as loopback redirect URIs; its port is random, so a
// provider that matches redirect URIs exactly needs the emulator's
// -loopback-redirect-any-port (emulatortest.WithLoopbackRedirectAnyPort).
type callbackServer struct {
	*httptest.Server
	mu   sync.Mutex // guards hits
	hits []string   // path?query of each request, in order
}

func newCallbackServer(t *testing.T, extra map[string]http.Handler) *callbackServer {
	t.Helper()
	cs := &callbackServer{}
	mux := http.NewServeMux()
	for p, h := range extra {
		mux.Handle(p, h)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/favicon.ico" {
			http.NotFound(w, r)
			return
		}
		cs.mu.Lock()
		cs.hits = append(cs.hits, r.URL.RequestURI())
		cs.mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = callbackPage.Execute(w, nil)
	})
	cs.Server = httptest.NewServer(mux)
	t.Cleanup(cs.Close)
	return cs
}

// Hits is a copy of the requests received so far.
func (cs *callbackServer) Hits() []string {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return append([]string(nil), cs.hits...)
}

// decodeJSON decodes and closes a response body.
func decodeJSON(resp *http.Response, v any) error {
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(v)
}

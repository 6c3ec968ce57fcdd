package emulator

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fakeapi/fakeapi/emulator/assist"
	"github.com/fakeapi/fakeapi/emulator/iijmio"
	"github.com/fakeapi/fakeapi/emulator/kii"
	"github.com/fakeapi/fakeapi/emulator/mixi"
	"github.com/fakeapi/fakeapi/fixtures"
	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/faults"
	"github.com/fakeapi/fakeapi/internal/httpx"
	"github.com/fakeapi/fakeapi/internal/ids"
	"github.com/fakeapi/fakeapi/internal/journal"
	"github.com/fakeapi/fakeapi/internal/provider"
)

// Emulator is the whole fakeapi server as one http.Handler.
type Emulator struct {
	cfg       Config
	clk       *clock.Controlled
	ids       ids.Source
	providers []*provider.Instance // in display order
	names     []string             // their names, in the same order
	byName    map[string]*provider.Instance
	journal   *journal.Journal
	faults    *faults.Set
	admin     http.Handler
	started   time.Time                 // wall time, for uptime
	maskers   map[string]journal.Masker // by provider name

	rateLimitHint sync.Once // the first 429 of a rate limit says how to switch limits off

	stateMu  sync.Mutex // serializes reset, import and save so each sees one consistent state
	importMu sync.Mutex // held by the one PUT /_fakeapi/state being read and decoded
}

// Provider is an emulated API as New opens it. Open decodes and validates
// the provider's fixture document (file names it in errors) and returns the
// provider's Instance.
type Provider struct {
	Name string
	Open func(d provider.Deps, cfg Config, file string, data []byte) (*provider.Instance, error)
}

// Builtin returns the four providers fakeapi emulates, in the order they
// are shown. Adding a provider to fakeapi means adding it here
// (docs/PROVIDER-GUIDE.md).
func Builtin() []Provider {
	return []Provider{
		{"iijmio", func(d provider.Deps, cfg Config, file string, data []byte) (*provider.Instance, error) {
			return iijmio.Open(d, iijmio.Config{DisableRateLimits: cfg.DisableRateLimits, MaxTokens: cfg.MaxTokens, MaxSessions: cfg.MaxSessions,
				LoopbackRedirectAnyPort: cfg.LoopbackRedirectAnyPort}, file, data)
		}},
		{"kii", func(d provider.Deps, cfg Config, file string, data []byte) (*provider.Instance, error) {
			return kii.Open(d, kii.Config{LoginFailureLimit: cfg.KiiLoginFailureLimit, LoginLockout: cfg.KiiLoginLockout, MaxTokens: cfg.MaxTokens}, file, data)
		}},
		{"assist", func(d provider.Deps, cfg Config, file string, data []byte) (*provider.Instance, error) {
			return assist.Open(d, assist.Config{TrustProxy: cfg.TrustProxy, StrictJSON: cfg.AssistStrictJSON, Throttle: cfg.AssistThrottle,
				RevokeOnCodeReplay: cfg.AssistRevokeOnCodeReplay, LoopbackRedirectAnyPort: cfg.LoopbackRedirectAnyPort, MaxTokens: cfg.MaxTokens, MaxSessions: cfg.MaxSessions}, file, data)
		}},
		{"mixi", func(d provider.Deps, cfg Config, file string, data []byte) (*provider.Instance, error) {
			return mixi.Open(d, mixi.Config{SAPTimeout: cfg.MixiSAPTimeout, MaxSessions: cfg.MaxSessions, MaxOAuthParam: cfg.OAuth1MaxParam}, file, data)
		}},
	}
}

// New opens every provider from its fixtures (and the state file, when
// there is one). It fails on the first bad document, naming it by
// file:line:col.
func New(cfg Config) (*Emulator, error) {
	cfg = cfg.withDefaults()
	src := ids.New()
	if cfg.HasSeed {
		src = ids.Seeded(cfg.Seed)
	}
	e := &Emulator{
		cfg:     cfg,
		clk:     cfg.Clock,
		ids:     src,
		byName:  map[string]*provider.Instance{},
		journal: journal.New(cfg.JournalSize),
		maskers: map[string]journal.Masker{},
		faults:  faults.NewSet(src, cfg.MaxFaults),
		started: clock.Real{}.Now(),
	}
	deps := provider.Deps{Log: cfg.Log, Clock: cfg.Clock, IDs: src, Journal: e.journal}
	if err := checkFixtureNames(cfg); err != nil {
		return nil, err
	}
	for _, prov := range cfg.Providers {
		name := prov.Name
		if _, dup := e.byName[name]; dup {
			return nil, fmt.Errorf("provider %q listed twice", name)
		}
		file, data, err := fixtureFile(cfg, name)
		if err != nil {
			return nil, err
		}
		cfg.Log.Info("fixtures loaded", "provider", name, "file", file, "bytes", len(data))
		p, err := prov.Open(deps, cfg, file, data)
		if err != nil {
			return nil, err
		}
		if p.Name != name {
			return nil, fmt.Errorf("provider %q opened as %q", name, p.Name)
		}
		e.names = append(e.names, name)
		e.providers = append(e.providers, p)
		e.byName[name] = p
		e.maskers[name] = journal.NewMasker(p.Secrets.Headers, p.Secrets.Params)
	}
	e.admin = e.adminRoutes()
	if cfg.StateFile != "" {
		if err := prepareStateDir(cfg.StateFile); err != nil {
			return nil, err
		}
		data, err := os.ReadFile(cfg.StateFile)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return nil, fmt.Errorf("read state file: %w", err)
		default:
			if err := e.importState(cfg.StateFile, data); err != nil {
				return nil, err
			}
			cfg.Log.Info("state file loaded", "file", cfg.StateFile, "bytes", len(data))
		}
	}
	return e, nil
}

// checkFixtureNames fails on a file in the fixtures directory that no
// provider reads: a misspelled kii.json would otherwise leave the embedded
// Kii fixtures in place without a word. Hidden files and directories are
// not fixtures and are passed over.
func checkFixtureNames(cfg Config) error {
	if cfg.Fixtures == nil {
		return nil
	}
	entries, err := fs.ReadDir(cfg.Fixtures, ".")
	if err != nil {
		return fmt.Errorf("read fixtures: %w", err)
	}
	var want []string
	for _, p := range cfg.Providers {
		want = append(want, p.Name+".json")
	}
	for _, en := range entries {
		if en.IsDir() || strings.HasPrefix(en.Name(), ".") || slices.Contains(want, en.Name()) {
			continue
		}
		return fmt.Errorf("fixtures %s: %s is no provider's file; want any of %s", cfg.FixturesName, en.Name(), strings.Join(want, ", "))
	}
	return nil
}

// fixtureFile returns the fixture document of a provider: the file in
// cfg.Fixtures when it has one, else the embedded default.
func fixtureFile(cfg Config, name string) (string, []byte, error) {
	fname := name + ".json"
	if cfg.Fixtures != nil {
		data, err := fs.ReadFile(cfg.Fixtures, fname)
		if err == nil {
			return path.Join(cfg.FixturesName, fname), data, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", nil, fmt.Errorf("read fixtures: %w", err)
		}
	}
	data, err := fixtures.FS.ReadFile(fname)
	if err != nil {
		return "", nil, fmt.Errorf("embedded fixtures: %w", err)
	}
	return "fixtures/" + fname, data, nil
}

// Names returns the providers' names in display order.
func (e *Emulator) Names() []string { return slices.Clone(e.names) }

// Providers returns the providers in display order.
func (e *Emulator) Providers() []*provider.Instance { return e.providers }

// Clock is the emulator clock shared by every provider.
func (e *Emulator) Clock() *clock.Controlled { return e.clk }

// ServeHTTP routes the request to the admin API or a provider.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if p == "/_fakeapi" || strings.HasPrefix(p, "/_fakeapi/") {
		e.admin.ServeHTTP(w, r)
		return
	}
	if prov := e.providerByHost(r.Host); prov != nil {
		e.serveProvider(w, r, prov, "", r.URL.Path)
		return
	}
	prefix, rest := splitPrefix(p)
	if prov, ok := e.byName[strings.TrimPrefix(prefix, "/")]; ok {
		e.serveProvider(w, r, prov, prefix, rest)
		return
	}
	httpx.AdminError(w, http.StatusNotFound, fmt.Sprintf(
		"no provider at %q: use the prefixes /iijmio, /kii, /assist or /mixi, a provider's real Host, or /_fakeapi/ for the admin API", p))
}

// providerByHost is the provider whose real host names include host, or
// nil.
func (e *Emulator) providerByHost(host string) *provider.Instance {
	norm := provider.NormalHost(host)
	for _, prov := range e.providers {
		if provider.MatchNormalHost(prov.Hosts, norm) {
			return prov
		}
	}
	return nil
}

// splitPrefix splits "/kii/api/x" into "/kii" and "/api/x", slicing p
// rather than building new strings.
func splitPrefix(p string) (string, string) {
	if len(p) < 2 || p[0] != '/' {
		return "", p
	}
	i := strings.IndexByte(p[1:], '/')
	if i < 0 {
		return p, "/"
	}
	return p[:1+i], p[1+i:]
}

// providerRequest is the request a provider sees: a shallow copy carrying
// the mount base (httpx.Base) and, under a prefix, the path without it.
// RawPath is kept only while it still encodes Path, because chi routes on
// RawPath when it is set; this is the one place a request's path is fixed,
// so providers route on what they are given.
func providerRequest(r *http.Request, prefix, rest string) *http.Request {
	r2 := r.WithContext(httpx.BaseContext(r.Context(), prefix))
	if prefix == "" {
		return r2
	}
	u := *r.URL
	u.Path = rest
	u.RawPath = ""
	if raw, ok := strings.CutPrefix(r.URL.RawPath, prefix); ok {
		if raw == "" {
			raw = "/"
		}
		if unescaped, err := url.PathUnescape(raw); err == nil && unescaped == rest {
			u.RawPath = raw
		}
	}
	r2.URL = &u
	return r2
}

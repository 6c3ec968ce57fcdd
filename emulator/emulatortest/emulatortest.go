// Package emulatortest runs the whole fakeapi emulator in-process for Go
// tests, the way net/http/httptest runs a handler:
//
//	srv := emulatortest.Start(t)
//	resp, err := srv.Client().Get(srv.Kii() + "/api/apps/da0b6a25/users/me")
//
// Everything it does to the emulator (reset, clock, journal, faults, state)
// goes through the /_fakeapi/ admin API, so it exposes no internal type and
// behaves exactly like a test against the binary or the Docker image.
// Client() also routes the providers' real host names (api.iijmio.jp,
// api.kii.com, *.assist-tencho.com, api.mixi-platform.com …, over http or
// https) to the in-process server, for code with hard-coded base URLs.
package emulatortest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/fakeapi/fakeapi/emulator"
	"github.com/fakeapi/fakeapi/internal/provider"
)

// Option configures Start and New.
type Option func(*emulator.Config)

// WithFixtures replaces the embedded fixtures by the <provider>.json files in dir.
func WithFixtures(dir string) Option {
	return func(c *emulator.Config) { c.Fixtures, c.FixturesName = os.DirFS(dir), dir }
}

// WithSeed makes ids, tokens and codes deterministic.
func WithSeed(seed uint64) Option {
	return func(c *emulator.Config) { c.Seed, c.HasSeed = seed, true }
}

// WithoutRateLimits turns IIJmio's per-token rate limits off.
func WithoutRateLimits() Option { return func(c *emulator.Config) { c.DisableRateLimits = true } }

// WithTrustProxy makes Assist's IP allow-list read X-Forwarded-For.
func WithTrustProxy() Option { return func(c *emulator.Config) { c.TrustProxy = true } }

// WithKiiLoginThrottle locks a Kii user out for lockout after limit wrong
// passwords in a row (docs/providers/kii.md, "Login throttling").
func WithKiiLoginThrottle(limit int, lockout time.Duration) Option {
	return func(c *emulator.Config) { c.KiiLoginFailureLimit, c.KiiLoginLockout = limit, lockout }
}

// WithMixiSAPTimeout is how long mixi's mobile gateway waits for an app's
// server (-mixi-sap-timeout; mixi's 10 seconds by default).
func WithMixiSAPTimeout(d time.Duration) Option {
	return func(c *emulator.Config) { c.MixiSAPTimeout = d }
}

// WithAssistStrictJSON makes Assist refuse order bodies with raw non-ASCII
// text.
func WithAssistStrictJSON() Option { return func(c *emulator.Config) { c.AssistStrictJSON = true } }

// WithAssistThrottle makes Assist allow one API request per second per
// access token.
func WithAssistThrottle() Option { return func(c *emulator.Config) { c.AssistThrottle = true } }

// WithAssistRevokeOnCodeReplay makes a used Assist code exchanged again by
// its app revoke the token of its first exchange, as
// -assist-revoke-on-code-replay does; by default that token stays valid.
func WithAssistRevokeOnCodeReplay() Option {
	return func(c *emulator.Config) { c.AssistRevokeOnCodeReplay = true }
}

// WithLoopbackRedirectAnyPort lets a registered loopback redirect URI of
// IIJmio and Assist match a request on any valid port, as
// -loopback-redirect-any-port does; by default redirect URIs match exactly.
func WithLoopbackRedirectAnyPort() Option {
	return func(c *emulator.Config) { c.LoopbackRedirectAnyPort = true }
}

// WithMaxTokens caps the codes and tokens each provider keeps of those it
// issued (Kii: per app) at n; the oldest are evicted first, fixture and
// imported ones never.
func WithMaxTokens(n int) Option { return func(c *emulator.Config) { c.MaxTokens = n } }

// WithMaxSessions caps the browser sessions, and the authorization
// transactions, each provider keeps at n; the oldest are dropped first.
func WithMaxSessions(n int) Option { return func(c *emulator.Config) { c.MaxSessions = n } }

// WithAdminToken requires token on the admin API, as -admin-token does; the
// Server's own helpers send it.
func WithAdminToken(token string) Option { return func(c *emulator.Config) { c.AdminToken = token } }

// WithStateFile loads state from path at start when it exists; Save writes
// it (POST /_fakeapi/save).
func WithStateFile(path string) Option { return func(c *emulator.Config) { c.StateFile = path } }

// WithMaxBody caps provider request bodies at n bytes (-max-body).
func WithMaxBody(n int64) Option { return func(c *emulator.Config) { c.MaxBody = n } }

// WithMaxStateBody caps state imports at n bytes (-max-state-body).
func WithMaxStateBody(n int64) Option { return func(c *emulator.Config) { c.MaxStateBody = n } }

// WithMaxAdminBody caps other admin request bodies at n bytes
// (-max-admin-body).
func WithMaxAdminBody(n int64) Option { return func(c *emulator.Config) { c.MaxAdminBody = n } }

// WithMaxFaults caps the live fault rules at n (-max-faults).
func WithMaxFaults(n int) Option { return func(c *emulator.Config) { c.MaxFaults = n } }

// WithOAuth1MaxParam is the longest oauth_* value mixi accepts
// (-oauth1-max-param).
func WithOAuth1MaxParam(n int) Option { return func(c *emulator.Config) { c.OAuth1MaxParam = n } }

// WithJournalSize keeps the last n requests in the journal (-journal-size).
func WithJournalSize(n int) Option { return func(c *emulator.Config) { c.JournalSize = n } }

// WithLogger sends the emulator's access log and errors to log.
func WithLogger(log *slog.Logger) Option { return func(c *emulator.Config) { c.Log = log } }

// Server is a running in-process emulator.
type Server struct {
	// URL is the root, without a trailing slash: URL+"/_fakeapi/" is the dashboard.
	URL string

	srv   *httptest.Server
	hosts []string
	token string // the admin token, when the emulator requires one
	fail  func(format string, args ...any)
}

// Start runs an emulator for the test and closes it with t.Cleanup. A helper
// call that fails stops the test with t.Fatalf.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := New(opts...)
	if err != nil {
		t.Fatalf("emulatortest: start: %v", err)
	}
	s.fail = func(format string, args ...any) { t.Helper(); t.Fatalf(format, args...) }
	t.Cleanup(s.Close)
	return s
}

// New runs an emulator outside a test; call Close when done. Helper calls
// that fail panic, since there is no test to fail.
func New(opts ...Option) (*Server, error) {
	var cfg emulator.Config
	for _, o := range opts {
		o(&cfg)
	}
	// The server listens on loopback, like the binary by default, and gets
	// the same guard against DNS rebinding when it has no admin token.
	cfg.CheckAdminHost = cfg.AdminToken == ""
	e, err := emulator.New(cfg)
	if err != nil {
		return nil, err
	}
	s := &Server{srv: httptest.NewServer(e), token: cfg.AdminToken, fail: func(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }}
	s.URL = s.srv.URL
	for _, p := range e.Providers() {
		s.hosts = append(s.hosts, p.Hosts...)
	}
	return s, nil
}

// Close shuts the server down, waiting for requests in flight.
func (s *Server) Close() { s.srv.Close() }

// IIJmio is the base URL of the IIJmio provider (real paths follow it).
func (s *Server) IIJmio() string { return s.URL + "/iijmio" }

// Kii is the base URL of the Kii provider.
func (s *Server) Kii() string { return s.URL + "/kii" }

// Assist is the base URL of the Assist Tencho provider.
func (s *Server) Assist() string { return s.URL + "/assist" }

// Mixi is the base URL of the mixi provider.
func (s *Server) Mixi() string { return s.URL + "/mixi" }

// Client returns a client for the server that also sends requests for the
// providers' real host names to it (any scheme), keeping the Host header so
// the emulator routes them as the real host. It follows no redirects to
// other hosts differently from http.Client's default.
func (s *Server) Client() *http.Client {
	base := s.srv.Client().Transport
	return &http.Client{Transport: &hostTransport{s: s, base: base}}
}

type hostTransport struct {
	s    *Server
	base http.RoundTripper
}

func (t *hostTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if !provider.MatchHost(t.s.hosts, r.URL.Host) {
		return t.base.RoundTrip(r)
	}
	r2 := r.Clone(r.Context())
	r2.Host = r.URL.Host
	r2.URL.Scheme = "http"
	r2.URL.Host = strings.TrimPrefix(t.s.URL, "http://")
	return t.base.RoundTrip(r2)
}

// Dialer is for clients that build their own transport: it connects every
// address to the server. Use it as http.Transport.DialContext.
func (s *Server) Dialer() func(ctx context.Context, network, addr string) (net.Conn, error) {
	target := strings.TrimPrefix(s.URL, "http://")
	var d net.Dialer
	return func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, target)
	}
}

// admin calls the admin API and decodes the answer into out (when not nil).
func (s *Server) admin(method, path string, body any, out any) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			s.fail("emulatortest: %s %s: %v", method, path, err)
			return
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.URL+"/_fakeapi/"+path, rd)
	if err != nil {
		s.fail("emulatortest: %s %s: %v", method, path, err)
		return
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if s.token != "" {
		req.Header.Set("X-Fakeapi-Token", s.token)
	}
	resp, err := s.srv.Client().Do(req)
	if err != nil {
		s.fail("emulatortest: %s %s: %v", method, path, err)
		return
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		s.fail("emulatortest: %s %s: %s: %s", method, path, resp.Status, data)
		return
	}
	if out != nil {
		if raw, ok := out.(*[]byte); ok {
			*raw = data
			return
		}
		if err := json.Unmarshal(data, out); err != nil {
			s.fail("emulatortest: %s %s: decode: %v", method, path, err)
		}
	}
}

// Reset puts the named providers ("iijmio", "kii", "assist", "mixi"; all
// when none) back to their fixtures.
func (s *Server) Reset(providers ...string) {
	if len(providers) == 0 {
		s.admin(http.MethodPost, "reset", nil, nil)
		return
	}
	for _, p := range providers {
		s.admin(http.MethodPost, "reset?provider="+p, nil, nil)
	}
}

type clockView struct {
	Now    time.Time `json:"now"`
	Frozen bool      `json:"frozen"`
}

// Now is the emulator clock's time.
func (s *Server) Now() time.Time {
	var c clockView
	s.admin(http.MethodGet, "clock", nil, &c)
	return c.Now
}

// Advance moves the emulator clock forward by d and returns the new time:
// tokens expire, codes time out and days roll over without waiting.
func (s *Server) Advance(d time.Duration) time.Time {
	var c clockView
	s.admin(http.MethodPost, "clock", map[string]string{"advance": d.String()}, &c)
	return c.Now
}

// SetTime moves the emulator clock forward to t (it never goes back).
func (s *Server) SetTime(t time.Time) {
	s.admin(http.MethodPost, "clock", map[string]string{"set": t.Format(time.RFC3339Nano)}, nil)
}

// Freeze stops (true) or restarts (false) the emulator clock.
func (s *Server) Freeze(on bool) {
	s.admin(http.MethodPost, "clock", map[string]bool{"freeze": on}, nil)
}

// Entry is one journaled request.
type Entry struct {
	Seq             int64             `json:"seq"`
	Time            time.Time         `json:"time"`
	RequestID       string            `json:"requestId"`
	Provider        string            `json:"provider"`
	Host            string            `json:"host"`
	Method          string            `json:"method"`
	Base            string            `json:"base"` // "/kii" under the prefix, "" under the real host
	Path            string            `json:"path"` // the provider's real path, as fault rules match it
	Query           string            `json:"query"`
	Headers         map[string]string `json:"headers"`
	Status          int               `json:"status"`
	ResponseHeaders map[string]string `json:"responseHeaders"`
	Bytes           int64             `json:"bytes"`
	DurationMS      float64           `json:"durationMs"`
	Fault           string            `json:"fault"`
	// The first 4 KiB of each body, secrets masked.
	RequestBody   string `json:"requestBody"`
	ResponseBody  string `json:"responseBody"`
	BodyTruncated bool   `json:"bodyTruncated"`
}

// Journal returns the journaled requests, oldest first; provider, when given,
// keeps only that provider's.
func (s *Server) Journal(provider ...string) []Entry {
	path := "journal"
	if len(provider) > 0 {
		path += "?provider=" + provider[0]
	}
	var out struct{ Entries []Entry }
	s.admin(http.MethodGet, path, nil, &out)
	return out.Entries
}

// ClearJournal forgets every journaled request.
func (s *Server) ClearJournal() { s.admin(http.MethodDelete, "journal", nil, nil) }

// Fault is a failure rule; see POST /_fakeapi/faults in the README.
type Fault struct {
	Provider    string  `json:"provider,omitempty"`
	Method      string  `json:"method,omitempty"`
	Path        string  `json:"path,omitempty"` // the provider's real path; '*' matches any run of characters
	Status      int     `json:"status,omitempty"`
	Latency     string  `json:"latency,omitempty"`
	Drop        bool    `json:"drop,omitempty"`
	Times       int     `json:"times,omitempty"`
	Probability float64 `json:"probability,omitempty"`
}

// AddFault installs a rule and returns its id.
func (s *Server) AddFault(f Fault) string {
	var out struct{ ID string }
	s.admin(http.MethodPost, "faults", f, &out)
	return out.ID
}

// FailNext makes the next n requests of method ("" for any) to provider's
// path answer status in that provider's own error format. path is the
// provider's real path, as Entry.Path shows it; '*' matches any run of
// characters.
func (s *Server) FailNext(provider, method, path string, status, n int) string {
	return s.AddFault(Fault{Provider: provider, Method: method, Path: path, Status: status, Times: n})
}

// RemoveFault deletes one rule.
func (s *Server) RemoveFault(id string) { s.admin(http.MethodDelete, "faults/"+id, nil, nil) }

// ClearFaults deletes every rule.
func (s *Server) ClearFaults() { s.admin(http.MethodDelete, "faults", nil, nil) }

// ExportState returns the live state of the named providers (all when none)
// as the JSON document PUT /_fakeapi/state takes.
func (s *Server) ExportState(providers ...string) []byte {
	path := "state"
	if len(providers) > 0 {
		path += "?" + url.Values{"provider": providers}.Encode()
	}
	var raw []byte
	s.admin(http.MethodGet, path, nil, &raw)
	return raw
}

// ImportState replaces state from a document like ExportState's. A bad
// document changes nothing and is returned as an error (with its position).
func (s *Server) ImportState(doc []byte) error {
	req, err := http.NewRequest(http.MethodPut, s.URL+"/_fakeapi/state", bytes.NewReader(doc))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.srv.Client().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error string }
		_ = json.NewDecoder(resp.Body).Decode(&e)
		return fmt.Errorf("import state: %s: %s", resp.Status, e.Error)
	}
	return nil
}

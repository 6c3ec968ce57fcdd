package emulator

import (
	"io/fs"
	"log/slog"
	"time"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/httpx"
)

// Config assembles an Emulator. The zero value serves the embedded fixtures.
type Config struct {
	// Log receives the access log and errors; nil discards them.
	Log *slog.Logger
	// Fixtures, when set, holds files (<provider>.json) that replace the
	// embedded ones; FixturesName is its name in error messages.
	Fixtures     fs.FS
	FixturesName string
	// Seed makes ids, tokens and codes deterministic when HasSeed is set.
	Seed    uint64
	HasSeed bool
	// AdminToken, when set, is required by every /_fakeapi/ route but health.
	AdminToken string
	// CheckAdminHost makes the admin API answer only requests whose Host is
	// a loopback name, an IP literal or one of AdminHosts: the guard against
	// DNS rebinding for an emulator on loopback without an admin token.
	CheckAdminHost bool
	// AdminHosts are further Host names the admin API answers under
	// CheckAdminHost (a compose service name, say).
	AdminHosts []string
	// StateFile is loaded by New when it exists and written by Save.
	StateFile string
	// MaxBody caps provider request bodies (httpx.DefaultMaxBody when 0).
	MaxBody int64
	// MaxStateBody caps PUT /_fakeapi/state (DefaultMaxStateBody when 0).
	MaxStateBody int64
	// MaxAdminBody caps every other admin request body (DefaultMaxAdminBody
	// when 0).
	MaxAdminBody int64
	// MaxFaults is how many fault rules can be live at once
	// (DefaultMaxFaults when 0): each provider request is matched against
	// every rule.
	MaxFaults int
	// JournalSize is how many requests the journal keeps (DefaultJournalSize when 0).
	JournalSize int
	// DisableRateLimits turns IIJmio's per-token limits off (load tests).
	DisableRateLimits bool
	// TrustProxy makes Assist's IP allow-list read X-Forwarded-For.
	TrustProxy bool
	// AssistStrictJSON refuses Assist order bodies with raw non-ASCII text
	// (docs/providers/assist.md); a fixture's settings can turn it on too.
	AssistStrictJSON bool
	// OAuth1MaxParam is the longest oauth_* value mixi's OAuth 1.0 check
	// accepts (oauth1.DefaultMaxParam, 256 bytes, when 0).
	OAuth1MaxParam int
	// AssistThrottle allows one Assist API request per second per token.
	AssistThrottle bool
	// AssistRevokeOnCodeReplay makes a used Assist code exchanged again by
	// its app revoke the token of its first exchange (RFC 9700); off, the
	// replay is refused and that token stays valid
	// (docs/providers/assist.md, "Token").
	AssistRevokeOnCodeReplay bool
	// LoopbackRedirectAnyPort lets a registered http://127.0.0.1 or
	// http://[::1] redirect URI of IIJmio and Assist match a request that
	// differs only in a valid port (RFC 8252 section 7.3). Off, redirect
	// URIs match exactly, as both services document
	// (docs/providers/iijmio.md and docs/providers/assist.md, "Redirect URIs").
	LoopbackRedirectAnyPort bool
	// KiiLoginFailureLimit locks a Kii user out for KiiLoginLockout after
	// this many wrong passwords in a row (0: off), for apps whose fixture
	// sets no limit of its own (docs/providers/kii.md, "Login throttling").
	KiiLoginFailureLimit int
	KiiLoginLockout      time.Duration
	// MixiSAPTimeout is how long mixi's mobile gateway waits for an app's
	// server (0: mixi's 10 seconds; docs/providers/mixi.md, "What the SAP
	// receives").
	MixiSAPTimeout time.Duration
	// MaxTokens caps the codes and tokens each provider issued (Kii: per
	// app); past it the oldest are evicted and the evictions logged.
	// Those of the fixtures and of state imports are never evicted. 0
	// leaves each provider its default, 50,000
	// (docs/providers/<name>.md, "Token cap").
	MaxTokens int
	// MaxSessions caps the browser sessions, and the authorization
	// transactions, of each provider's pages (IIJmio, Assist); the oldest
	// go first. 0 leaves websession.DefaultLimit, 10,000.
	MaxSessions int
	// Version is reported by health and the dashboard.
	Version string
	// Clock is the emulator clock; nil starts one at wall time.
	Clock *clock.Controlled
	// Providers are the APIs served, in display order; nil serves
	// Builtin(). A program embedding the emulator can serve a subset, or an
	// API of its own (docs/PROVIDER-GUIDE.md).
	Providers []Provider
}

// Defaults for the zero Config.
const (
	DefaultJournalSize  = 1000
	DefaultMaxStateBody = 512 << 20
	DefaultMaxAdminBody = 64 << 10
	DefaultMaxFaults    = 100
)

func (c Config) withDefaults() Config {
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.MaxBody <= 0 {
		c.MaxBody = httpx.DefaultMaxBody
	}
	if c.MaxStateBody <= 0 {
		c.MaxStateBody = DefaultMaxStateBody
	}
	if c.MaxAdminBody <= 0 {
		c.MaxAdminBody = DefaultMaxAdminBody
	}
	if c.MaxFaults <= 0 {
		c.MaxFaults = DefaultMaxFaults
	}
	if c.JournalSize <= 0 {
		c.JournalSize = DefaultJournalSize
	}
	if c.Version == "" {
		c.Version = "dev"
	}
	if c.Providers == nil {
		c.Providers = Builtin()
	}
	if c.Clock == nil {
		c.Clock = clock.NewControlled(nil)
	}
	return c
}

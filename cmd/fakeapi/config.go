package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// errUsage is returned after the flag package has already explained the problem.
var errUsage = errors.New("usage")

// config is the parsed command line: each flag's default comes
// from its FAKEAPI_* variable.
type config struct {
	addr            string
	fixturesDir     string
	logFormat       string
	logLevel        string
	tlsCert         string
	tlsKey          string
	tlsSelfSigned   string
	tlsHosts        []string
	adminToken      string
	adminHosts      []string
	seed            uint64
	hasSeed         bool
	stateFile       string
	maxBody         int64
	maxStateBody    int64
	maxAdminBody    int64
	maxFaults       int
	oauth1MaxParam  int
	journalSize     int
	rateLimits      bool
	trustProxy      bool
	assistStrict    bool
	assistThrottle  bool
	assistRevoke    bool
	loopbackAnyPort bool
	kiiFailLimit    int
	kiiLockout      time.Duration
	mixiSAPTimeout  time.Duration
	maxTokens       int
	maxSessions     int
	shutdownTimeout time.Duration
	// gcHeadroom is the heap floor in MB (internal/gctune); 0 is Go's
	// default pacing, which is also used when the user set GOGC.
	gcHeadroom int64
	userGOGC   bool
}

// checkAdminHost reports whether the admin API must check Host against DNS
// rebinding: on a loopback listener without an admin token, or wherever the
// user named admin hosts. On every interface (a container's ":8080") other
// machines and compose service names reach it by any name, and the README
// tells to set an admin token there.
func (c config) checkAdminHost() bool {
	if c.adminToken != "" {
		return false
	}
	if len(c.adminHosts) > 0 {
		return true
	}
	host, _, err := net.SplitHostPort(c.addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

func (c config) tls() bool { return c.tlsSelfSigned != "" || c.tlsCert != "" }

// parseConfig reads flags after the program name and subcommand.
func parseConfig(name string, args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	var c config
	var envErr error
	env := func(key, def string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return def
	}
	envBool := func(key string, def bool) bool {
		v := getenv(key)
		if v == "" {
			return def
		}
		b, err := strconv.ParseBool(v)
		if err != nil && envErr == nil {
			envErr = fmt.Errorf("invalid %s=%q: want true or false", key, v)
		}
		return b
	}
	envInt := func(key string, def int64) int64 {
		v := getenv(key)
		if v == "" {
			return def
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil && envErr == nil {
			envErr = fmt.Errorf("invalid %s=%q: want a whole number", key, v)
		}
		return n
	}
	envDur := func(key string, def time.Duration) time.Duration {
		v := getenv(key)
		if v == "" {
			return def
		}
		d, err := time.ParseDuration(v)
		if err != nil && envErr == nil {
			envErr = fmt.Errorf("invalid %s=%q: want a Go duration such as 10s", key, v)
		}
		return d
	}

	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, `Usage:
  %[1]s [flags]               run the emulator (flags below; each also reads its FAKEAPI_* variable)
  %[1]s version               print the version (also -version, --version)
  %[1]s healthcheck [-addr]   exit 0 when the emulator at -addr answers /_fakeapi/health (the image's HEALTHCHECK)

Flags:
`, filepath.Base(name))
		fs.PrintDefaults()
	}
	fs.StringVar(&c.addr, "addr", env("FAKEAPI_ADDR", "127.0.0.1:8080"), "listen address; the default answers this machine only, \":8080\" every interface (FAKEAPI_ADDR; the Docker image sets :8080)")
	fs.StringVar(&c.fixturesDir, "fixtures", env("FAKEAPI_FIXTURES", ""), "directory whose <provider>.json files replace the embedded fixtures (FAKEAPI_FIXTURES)")
	fs.StringVar(&c.logFormat, "log-format", env("FAKEAPI_LOG_FORMAT", "text"), "log format: text or json (FAKEAPI_LOG_FORMAT)")
	fs.StringVar(&c.logLevel, "log-level", env("FAKEAPI_LOG_LEVEL", "info"), "log level: debug, info, warn or error (FAKEAPI_LOG_LEVEL)")
	fs.StringVar(&c.tlsCert, "tls-cert", env("FAKEAPI_TLS_CERT", ""), "TLS certificate PEM file (FAKEAPI_TLS_CERT)")
	fs.StringVar(&c.tlsKey, "tls-key", env("FAKEAPI_TLS_KEY", ""), "TLS private key PEM file (FAKEAPI_TLS_KEY)")
	fs.StringVar(&c.tlsSelfSigned, "tls-self-signed", env("FAKEAPI_TLS_SELF_SIGNED", ""), "serve TLS with a certificate made at start for localhost and every real host name, writing its PEM to this file for clients to trust (FAKEAPI_TLS_SELF_SIGNED)")
	tlsHosts := fs.String("tls-hosts", env("FAKEAPI_TLS_HOSTS", ""), "comma-separated host names and IP addresses the -tls-self-signed certificate also covers, such as a compose service name (FAKEAPI_TLS_HOSTS)")
	fs.StringVar(&c.adminToken, "admin-token", env("FAKEAPI_ADMIN_TOKEN", ""), "require this token on /_fakeapi/ (FAKEAPI_ADMIN_TOKEN)")
	adminHosts := fs.String("admin-hosts", env("FAKEAPI_ADMIN_HOSTS", ""), "comma-separated Host names the admin API also answers when it checks Host: on loopback without -admin-token, localhost and IP addresses only (FAKEAPI_ADMIN_HOSTS)")
	seed := fs.String("seed", env("FAKEAPI_SEED", ""), "make ids, tokens and codes deterministic from this number (FAKEAPI_SEED)")
	fs.StringVar(&c.stateFile, "state-file", env("FAKEAPI_STATE_FILE", ""), "load state from this file at start, save it on shutdown and POST /_fakeapi/save (FAKEAPI_STATE_FILE)")
	fs.Int64Var(&c.maxBody, "max-body", envInt("FAKEAPI_MAX_BODY", 1<<20), "largest request body in bytes (FAKEAPI_MAX_BODY)")
	fs.Int64Var(&c.maxStateBody, "max-state-body", envInt("FAKEAPI_MAX_STATE_BODY", 512<<20), "largest state document PUT /_fakeapi/state takes, in bytes (FAKEAPI_MAX_STATE_BODY)")
	fs.Int64Var(&c.maxAdminBody, "max-admin-body", envInt("FAKEAPI_MAX_ADMIN_BODY", 64<<10), "largest body of any other admin request, in bytes (FAKEAPI_MAX_ADMIN_BODY)")
	oauth1MaxParam := fs.Int("oauth1-max-param", int(envInt("FAKEAPI_OAUTH1_MAX_PARAM", 256)), "longest oauth_* value mixi's OAuth 1.0 check accepts, in bytes; a longer one gets 401 parameter_rejected (nonces and consumer keys are further held to 47 bytes) (FAKEAPI_OAUTH1_MAX_PARAM)")
	maxFaults := fs.Int("max-faults", int(envInt("FAKEAPI_MAX_FAULTS", 100)), "fault rules live at once (FAKEAPI_MAX_FAULTS)")
	journal := fs.Int("journal-size", int(envInt("FAKEAPI_JOURNAL_SIZE", 1000)), "requests kept in the journal (FAKEAPI_JOURNAL_SIZE)")
	fs.BoolVar(&c.rateLimits, "rate-limits", envBool("FAKEAPI_RATE_LIMITS", true), "enforce IIJmio's per-token rate limits (FAKEAPI_RATE_LIMITS)")
	fs.BoolVar(&c.trustProxy, "trust-proxy", envBool("FAKEAPI_TRUST_PROXY", false), "read client addresses from X-Forwarded-For (FAKEAPI_TRUST_PROXY)")
	fs.BoolVar(&c.assistStrict, "assist-strict-json", envBool("FAKEAPI_ASSIST_STRICT_JSON", false), "Assist refuses order bodies with raw non-ASCII text, as its FAQ asks for \\uXXXX escapes (FAKEAPI_ASSIST_STRICT_JSON)")
	fs.BoolVar(&c.assistThrottle, "assist-throttle", envBool("FAKEAPI_ASSIST_THROTTLE", false), "Assist allows one API request per second per access token (FAKEAPI_ASSIST_THROTTLE)")
	fs.BoolVar(&c.assistRevoke, "assist-revoke-on-code-replay", envBool("FAKEAPI_ASSIST_REVOKE_ON_CODE_REPLAY", false), "a code Assist already exchanged, exchanged again by its app, revokes the token of its first exchange (RFC 9700); off, that token stays valid (FAKEAPI_ASSIST_REVOKE_ON_CODE_REPLAY)")
	fs.BoolVar(&c.loopbackAnyPort, "loopback-redirect-any-port", envBool("FAKEAPI_LOOPBACK_REDIRECT_ANY_PORT", false), "IIJmio and Assist let a registered http://127.0.0.1 or http://[::1] redirect URI match a request on any valid port (RFC 8252 section 7.3); off, redirect URIs match exactly, as the real services document (FAKEAPI_LOOPBACK_REDIRECT_ANY_PORT)")
	kiiFail := fs.Int("kii-login-failure-limit", int(envInt("FAKEAPI_KII_LOGIN_FAILURE_LIMIT", 0)), "lock a Kii user out after this many wrong passwords in a row; 0 is off, as Kii documents no throttling (FAKEAPI_KII_LOGIN_FAILURE_LIMIT)")
	fs.DurationVar(&c.kiiLockout, "kii-login-lockout", envDur("FAKEAPI_KII_LOGIN_LOCKOUT", 5*time.Minute), "how long a throttled Kii user is locked out (FAKEAPI_KII_LOGIN_LOCKOUT)")
	fs.DurationVar(&c.mixiSAPTimeout, "mixi-sap-timeout", envDur("FAKEAPI_MIXI_SAP_TIMEOUT", 10*time.Second), "how long mixi's mobile gateway waits for an app's server, mixi's 10 s by default (FAKEAPI_MIXI_SAP_TIMEOUT)")
	maxTokens := fs.Int("max-tokens", int(envInt("FAKEAPI_MAX_TOKENS", 50_000)), "codes and tokens each provider keeps of those it issued (Kii: per app), the oldest evicted first; fixture and imported ones never (FAKEAPI_MAX_TOKENS)")
	maxSessions := fs.Int("max-sessions", int(envInt("FAKEAPI_MAX_SESSIONS", 10_000)), "browser sessions, and authorization transactions, each provider keeps, the oldest dropped first (FAKEAPI_MAX_SESSIONS)")
	fs.Int64Var(&c.gcHeadroom, "gc-headroom", envInt("FAKEAPI_GC_HEADROOM", 64), "MB the heap may grow between garbage collections however small it is; 0 for Go's default pacing, which GOGC in the environment also selects (FAKEAPI_GC_HEADROOM)")
	c.userGOGC = getenv("GOGC") != ""
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", envDur("FAKEAPI_SHUTDOWN_TIMEOUT", 10*time.Second), "how long in-flight requests may finish at shutdown (FAKEAPI_SHUTDOWN_TIMEOUT)")
	if envErr != nil {
		return c, envErr
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, err
		}
		return c, errUsage
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q; subcommands are healthcheck and version", fs.Arg(0))
	}
	c.journalSize = *journal
	c.maxFaults = *maxFaults
	c.oauth1MaxParam = *oauth1MaxParam
	c.kiiFailLimit = *kiiFail
	c.maxTokens = *maxTokens
	c.maxSessions = *maxSessions
	c.adminHosts = splitList(*adminHosts)
	c.tlsHosts = splitList(*tlsHosts)
	if *seed != "" {
		n, err := strconv.ParseUint(*seed, 10, 64)
		if err != nil {
			return c, fmt.Errorf("invalid -seed %q: want a whole number >= 0", *seed)
		}
		c.seed, c.hasSeed = n, true
	}
	return c, c.validate()
}

func (c config) validate() error {
	if _, port, err := net.SplitHostPort(c.addr); err != nil {
		return fmt.Errorf("invalid -addr %q: %v", c.addr, strings.TrimPrefix(err.Error(), "address "+c.addr+": "))
	} else if _, err := strconv.ParseUint(port, 10, 16); err != nil && port != "" {
		return fmt.Errorf("invalid -addr %q: port %q is not a number from 0 to 65535", c.addr, port)
	}
	switch c.logFormat {
	case "text", "json":
	default:
		return fmt.Errorf("invalid -log-format %q: want text or json", c.logFormat)
	}
	if _, err := parseLevel(c.logLevel); err != nil {
		return err
	}
	if (c.tlsCert == "") != (c.tlsKey == "") {
		return errors.New("-tls-cert and -tls-key go together")
	}
	if c.tlsCert != "" && c.tlsSelfSigned != "" {
		return errors.New("give -tls-cert/-tls-key or -tls-self-signed, not both")
	}
	if len(c.tlsHosts) > 0 && c.tlsSelfSigned == "" {
		return errors.New("-tls-hosts names what the -tls-self-signed certificate covers: give -tls-self-signed too")
	}
	for _, h := range c.tlsHosts {
		if !validCertHost(h) {
			return fmt.Errorf("invalid -tls-hosts entry %q: want a host name (letters, digits, '-', '_', '.', an optional leading '*.') or an IP address, without a port", h)
		}
	}
	for _, limit := range []struct {
		flag string
		n    int64
	}{
		{"-max-body", c.maxBody}, {"-max-state-body", c.maxStateBody}, {"-max-admin-body", c.maxAdminBody},
		{"-max-faults", int64(c.maxFaults)}, {"-oauth1-max-param", int64(c.oauth1MaxParam)}, {"-journal-size", int64(c.journalSize)},
		{"-max-tokens", int64(c.maxTokens)}, {"-max-sessions", int64(c.maxSessions)},
	} {
		if limit.n < 1 {
			return fmt.Errorf("invalid %s %d: want at least 1", limit.flag, limit.n)
		}
	}
	if c.gcHeadroom < 0 || c.gcHeadroom > 1<<20 {
		return fmt.Errorf("invalid -gc-headroom %d: want 0 to 1048576 (MB)", c.gcHeadroom)
	}
	if c.kiiFailLimit < 0 {
		return fmt.Errorf("invalid -kii-login-failure-limit %d: want 0 (off) or more", c.kiiFailLimit)
	}
	if c.kiiLockout <= 0 {
		return fmt.Errorf("invalid -kii-login-lockout %s: want more than 0", c.kiiLockout)
	}
	if c.mixiSAPTimeout <= 0 {
		return fmt.Errorf("invalid -mixi-sap-timeout %s: want more than 0", c.mixiSAPTimeout)
	}
	if c.shutdownTimeout <= 0 {
		return fmt.Errorf("invalid -shutdown-timeout %s: want more than 0", c.shutdownTimeout)
	}
	return nil
}

// splitList reads a comma-separated flag, dropping blanks around and between entries.
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// validCertHost reports whether h can go into a certificate's names: an IP
// address, or a DNS name in ASCII (compose service names may hold '_').
func validCertHost(h string) bool {
	if ip, err := netip.ParseAddr(h); err == nil {
		return ip.Zone() == ""
	}
	name := strings.TrimPrefix(h, "*.")
	if name == "" || len(name) > 253 {
		return false
	}
	for label := range strings.SplitSeq(name, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}

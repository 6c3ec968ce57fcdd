package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/fakeapi/fakeapi/emulator"
	"github.com/fakeapi/fakeapi/internal/gctune"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = ""

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// versionLine is what `fakeapi version` prints: the version and, where the
// build recorded one, the VCS revision it was built from.
func versionLine() string {
	line := "fakeapi " + buildVersion()
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return line
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev == "" {
		return line
	}
	line += " (revision " + rev
	if modified == "true" {
		line += ", modified"
	}
	return line + ")"
}

// run is the whole program: args include the program name.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	name, rest := "fakeapi", args
	if len(args) > 0 {
		name, rest = args[0], args[1:]
	}
	if len(rest) > 0 {
		switch rest[0] {
		case "version", "-version", "--version":
			fmt.Fprintln(stdout, versionLine())
			return nil
		case "healthcheck":
			return healthcheck(ctx, name+" healthcheck", rest[1:], getenv, stdout, stderr)
		}
	}
	cfg, err := parseConfig(name, rest, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	return serve(ctx, cfg, stdout, stderr)
}

func serve(ctx context.Context, cfg config, stdout, stderr io.Writer) error {
	log, err := newLogger(cfg, stderr)
	if err != nil {
		return err
	}
	ecfg := emulator.Config{
		Log: log, AdminToken: cfg.adminToken, CheckAdminHost: cfg.checkAdminHost(), AdminHosts: cfg.adminHosts, StateFile: cfg.stateFile, MaxBody: cfg.maxBody,
		MaxStateBody: cfg.maxStateBody, MaxAdminBody: cfg.maxAdminBody, MaxFaults: cfg.maxFaults, OAuth1MaxParam: cfg.oauth1MaxParam,
		JournalSize: cfg.journalSize, DisableRateLimits: !cfg.rateLimits, TrustProxy: cfg.trustProxy,
		AssistStrictJSON: cfg.assistStrict, AssistThrottle: cfg.assistThrottle, AssistRevokeOnCodeReplay: cfg.assistRevoke, LoopbackRedirectAnyPort: cfg.loopbackAnyPort,
		KiiLoginFailureLimit: cfg.kiiFailLimit, KiiLoginLockout: cfg.kiiLockout, MixiSAPTimeout: cfg.mixiSAPTimeout,
		MaxTokens: cfg.maxTokens, MaxSessions: cfg.maxSessions,
		Version: buildVersion(), Seed: cfg.seed, HasSeed: cfg.hasSeed,
	}
	if cfg.fixturesDir != "" {
		st, err := os.Stat(cfg.fixturesDir)
		if err != nil || !st.IsDir() {
			return fmt.Errorf("invalid -fixtures %q: not a directory", cfg.fixturesDir)
		}
		ecfg.Fixtures, ecfg.FixturesName = os.DirFS(cfg.fixturesDir), cfg.fixturesDir
	}
	emu, err := emulator.New(ecfg)
	if err != nil {
		return err
	}
	if cfg.gcHeadroom > 0 && !cfg.userGOGC {
		defer gctune.Start(uint64(cfg.gcHeadroom) << 20).Stop()
		// The fixtures' decoding garbage would stay until the heap grew by
		// the headroom: collect it once, off the path to the ready line
		// (in line it added ~2 ms to the cold start).
		go runtime.GC()
	}
	tlsCfg, err := tlsConfig(cfg, certHosts(emu))
	if err != nil {
		return err
	}
	// Listen before announcing, so "address in use" is an error, not a log line.
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	scheme := "http"
	if tlsCfg != nil {
		ln = tls.NewListener(ln, tlsCfg)
		scheme = "https"
	}
	srv := &http.Server{
		Handler:           emu,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      90 * time.Second, // above the longest injected latency
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	if cfg.logFormat == "json" {
		fmt.Fprintln(stdout, readyJSON(scheme, ln.Addr(), emu.Names()))
	} else {
		fmt.Fprintln(stdout, readyLine(scheme, ln.Addr(), emu.Names()))
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", cfg.shutdownTimeout)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.shutdownTimeout)
	defer cancel()
	shutdownErr := srv.Shutdown(sctx)
	if shutdownErr != nil {
		log.Warn("in-flight requests did not finish in time", "err", shutdownErr)
		_ = srv.Close()
	}
	if cfg.stateFile != "" {
		if err := emu.Save(); err != nil {
			return fmt.Errorf("save state: %w", err)
		}
		log.Info("state saved", "file", cfg.stateFile)
	}
	return nil
}

// readyLine is the one line printed when the server accepts connections.
func readyLine(scheme string, addr net.Addr, names []string) string {
	base := baseURL(scheme, addr)
	var b strings.Builder
	b.WriteString("fakeapi ready: ")
	for _, n := range names {
		fmt.Fprintf(&b, "%s=%s/%s ", n, base, n)
	}
	fmt.Fprintf(&b, "admin=%s/_fakeapi/", base)
	return b.String()
}

// readyJSON is the ready line under -log-format json: one JSON object, like
// the log lines, with each provider's base URL.
func readyJSON(scheme string, addr net.Addr, names []string) string {
	base := baseURL(scheme, addr)
	urls := map[string]string{"admin": base + "/_fakeapi/"}
	for _, n := range names {
		urls[n] = base + "/" + n
	}
	b, _ := json.Marshal(struct {
		Time    string            `json:"time"`
		Level   string            `json:"level"`
		Msg     string            `json:"msg"`
		Version string            `json:"version"`
		URLs    map[string]string `json:"urls"`
	}{time.Now().UTC().Format(time.RFC3339Nano), "INFO", "fakeapi ready", buildVersion(), urls})
	return string(b)
}

// baseURL is the URL clients reach addr at: localhost for a wildcard
// listener.
func baseURL(scheme string, addr net.Addr) string {
	host, port, _ := net.SplitHostPort(addr.String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	} else if ip.To4() == nil {
		host = "[" + host + "]"
	}
	return scheme + "://" + host + ":" + port
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("invalid -log-level %q: want debug, info, warn or error", s)
	}
	return l, nil
}

func newLogger(cfg config, w io.Writer) (*slog.Logger, error) {
	level, err := parseLevel(cfg.logLevel)
	if err != nil {
		return nil, err
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.logFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}

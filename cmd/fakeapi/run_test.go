package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startRun runs run() on a free port and returns the ready line's base URL.
func startRun(t *testing.T, args []string, env map[string]string) (string, context.CancelFunc, <-chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, append([]string{"fakeapi", "-addr", "127.0.0.1:0"}, args...), envOf(env), pw, io.Discard)
		_ = pw.Close()
		done <- err
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err, "no ready line")
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	m := regexp.MustCompile(`admin=(\S+)/_fakeapi/`).FindStringSubmatch(line)
	require.Len(t, m, 2, "ready line %q", line)
	return m[1], cancel, done
}

func TestRunServesAndStopsCleanly(t *testing.T) {
	t.Parallel()
	base, cancel, done := startRun(t, nil, nil)
	resp, err := http.Get(base + "/_fakeapi/health")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after cancel")
	}
}

func TestReadyLineNamesEveryProvider(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	go func() {
		_ = run(ctx, []string{"fakeapi", "-addr", "127.0.0.1:0"}, envOf(nil), pw, io.Discard)
		_ = pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err)
	assert.Regexp(t, `^fakeapi ready: iijmio=http://127\.0\.0\.1:\d+/iijmio kii=http://127\.0\.0\.1:\d+/kii assist=http://127\.0\.0\.1:\d+/assist mixi=http://127\.0\.0\.1:\d+/mixi admin=http://127\.0\.0\.1:\d+/_fakeapi/\n$`, line)
	cancel()
	go func() { _, _ = io.Copy(io.Discard, pr) }()
}

func TestRunReportsErrors(t *testing.T) {
	t.Parallel()
	err := run(context.Background(), []string{"fakeapi", "-fixtures", "/does/not/exist"}, envOf(nil), io.Discard, io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `invalid -fixtures "/does/not/exist"`)

	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "kii.json"), []byte("{\n  \"nope\": 1\n}"), 0o644))
	err = run(context.Background(), []string{"fakeapi", "-fixtures", dir}, envOf(nil), io.Discard, io.Discard)
	require.Error(t, err)
	assert.Equal(t, filepath.Join(dir, "kii.json")+`:2:3: nope: unknown field "nope"`, err.Error())

	missing := filepath.Join(dir, "no-such-dir", "state.json")
	err = run(context.Background(), []string{"fakeapi", "-addr", "127.0.0.1:0", "-state-file", missing}, envOf(nil), io.Discard, io.Discard)
	require.Error(t, err, "a state file that can never be written should fail the start")
	assert.Contains(t, err.Error(), "state file "+missing)

	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()
	err = run(context.Background(), []string{"fakeapi", "-addr", busy.Addr().String()}, envOf(nil), io.Discard, io.Discard)
	require.Error(t, err, "should fail to listen, not log")
	assert.Contains(t, err.Error(), "address already in use")
}

func TestVersionAndHealthcheck(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	for _, arg := range []string{"version", "-version", "--version"} {
		out.Reset()
		require.NoError(t, run(context.Background(), []string{"fakeapi", arg}, envOf(nil), &out, io.Discard), arg)
		assert.Regexp(t, `^fakeapi \S+( \(revision [0-9a-f]+(, modified)?\))?\n$`, out.String(), arg)
	}
	var help strings.Builder
	require.NoError(t, run(context.Background(), []string{"/usr/local/bin/fakeapi", "-h"}, envOf(nil), io.Discard, &help))
	for _, want := range []string{"fakeapi version", "fakeapi healthcheck", "-addr", "FAKEAPI_"} {
		assert.Contains(t, help.String(), want, "-h should list the subcommands and flags")
	}

	base, cancel, done := startRun(t, nil, nil)
	defer func() { cancel(); <-done }()
	port := base[strings.LastIndex(base, ":")+1:]
	out.Reset()
	require.NoError(t, run(context.Background(), []string{"fakeapi", "healthcheck"}, envOf(map[string]string{"FAKEAPI_ADDR": ":" + port}), &out, io.Discard))
	assert.Equal(t, "ok\n", out.String())
	err := run(context.Background(), []string{"fakeapi", "healthcheck", "-addr", "127.0.0.1:1"}, envOf(nil), io.Discard, io.Discard)
	assert.Error(t, err, "should fail when nothing listens")
}

// The binary's default listener is loopback without an admin token, so
// its admin API refuses a Host that DNS rebinding would send, while the
// providers answer it.
func TestDefaultRunShouldRefuseRebindingHosts(t *testing.T) {
	t.Parallel()
	base, cancel, done := startRun(t, nil, nil)
	defer func() { cancel(); <-done }()
	get := func(path, host string) int {
		req, err := http.NewRequest(http.MethodGet, base+path, nil)
		require.NoError(t, err)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	assert.Equal(t, http.StatusForbidden, get("/_fakeapi/state", "evil.example"))
	assert.Equal(t, http.StatusOK, get("/_fakeapi/state", "localhost"))
	assert.Equal(t, http.StatusNotFound, get("/kii/api/apps/nope/users/me", "evil.example"), "Kii's own APP_NOT_FOUND: providers answer any Host")
}

func TestSelfSignedTLS(t *testing.T) {
	t.Parallel()
	pemPath := filepath.Join(t.TempDir(), "fakeapi.pem")
	base, cancel, done := startRun(t, []string{"-tls-self-signed", pemPath}, nil)
	defer func() { cancel(); <-done }()
	require.True(t, strings.HasPrefix(base, "https://"), base)
	pemData, err := os.ReadFile(pemPath)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(pemData))
	block, _ := pemDecode(pemData)
	cert, err := x509.ParseCertificate(block)
	require.NoError(t, err)
	for _, h := range []string{"api.iijmio.jp", "api-eu.kii.com", "shop1.assist-tencho.com", "api.mixi-platform.com", "localhost"} {
		assert.NoError(t, cert.VerifyHostname(h), h)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get(base + "/_fakeapi/health")
	require.NoError(t, err, "should verify with the written PEM as the only root")
	defer resp.Body.Close()
	var h map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&h))
	assert.Equal(t, "ok", h["status"])
}

// With -admin-token, Assist's admin UI opened with ?token= stays usable as
// a person clicks its links, which carry no token.
func TestAssistAdminUILinksShouldKeepTheAdminToken(t *testing.T) {
	t.Parallel()
	base, cancel, done := startRun(t, []string{"-admin-token", "s3cret"}, nil)
	defer func() { cancel(); <-done }()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	client := &http.Client{Jar: jar}
	get := func(url string) (int, string) {
		resp, err := client.Get(url)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(b)
	}
	status, page := get(base + "/_fakeapi/assist/ui/apps?token=s3cret")
	require.Equal(t, http.StatusOK, status, page)
	links := regexp.MustCompile(`href="(/_fakeapi/assist/ui/[^"?]+)"`).FindAllStringSubmatch(page, -1)
	require.NotEmpty(t, links, "the apps page should link to apps and grants")
	for _, l := range links {
		status, body := get(base + l[1])
		assert.Equal(t, http.StatusOK, status, "%s: %s", l[1], body)
	}
	resp, err := http.Get(base + links[0][1])
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "without the cookie the link is refused")
}

// Under -log-format json the ready line is a JSON object too, so a log
// collector reads every line the same way.
func TestReadyLineShouldBeJSONUnderJSONLogs(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"fakeapi", "-addr", "127.0.0.1:0", "-log-format", "json"}, envOf(nil), pw, io.Discard)
		_ = pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err)
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	var ready struct {
		Msg  string
		URLs map[string]string
	}
	require.NoError(t, json.Unmarshal([]byte(line), &ready), line)
	assert.Equal(t, "fakeapi ready", ready.Msg)
	for _, n := range []string{"iijmio", "kii", "assist", "mixi", "admin"} {
		assert.Contains(t, ready.URLs, n)
	}
	resp, err := http.Get(ready.URLs["admin"] + "health")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	cancel()
	assert.NoError(t, <-done)
}

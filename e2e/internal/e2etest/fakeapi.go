package e2etest

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// BinaryEnv names a prebuilt fakeapi binary; without it Build compiles one.
const BinaryEnv = "FAKEAPI_BIN"

// Build returns the fakeapi binary to test: $FAKEAPI_BIN when set (CI builds
// it once), else ./cmd/fakeapi compiled into dir with the go command on PATH.
func Build(dir string) (string, error) {
	if bin := os.Getenv(BinaryEnv); bin != "" {
		abs, err := filepath.Abs(bin)
		if err != nil {
			return "", err
		}
		if _, err := os.Stat(abs); err != nil {
			return "", fmt.Errorf("%s: %w", BinaryEnv, err)
		}
		return abs, nil
	}
	bin := filepath.Join(dir, "fakeapi")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/fakeapi/fakeapi/cmd/fakeapi")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/fakeapi: %v\n%s", err, out)
	}
	return bin, nil
}

// Fakeapi is a running fakeapi process.
type Fakeapi struct {
	// Root is scheme://127.0.0.1:port, without a trailing slash.
	Root string
	// Addr is 127.0.0.1:port.
	Addr string
	// CAFile is the PEM of the self-signed certificate (TLS only).
	CAFile string
	// Client trusts CAFile when TLS is on; it follows no redirects.
	Client *http.Client

	cmd    *exec.Cmd
	stderr *lockedBuffer
}

// IIJmio, Kii, Assist and Mixi are the providers' base URLs under the prefix.
func (f *Fakeapi) IIJmio() string { return f.Root + "/iijmio" }
func (f *Fakeapi) Kii() string    { return f.Root + "/kii" }
func (f *Fakeapi) Assist() string { return f.Root + "/assist" }
func (f *Fakeapi) Mixi() string   { return f.Root + "/mixi" }

// Log is what the process wrote to stderr so far (its access log).
func (f *Fakeapi) Log() string { return f.stderr.String() }

var readyRE = regexp.MustCompile(`^fakeapi ready: .*admin=(https?://[^/\s]+)/_fakeapi/$`)

// Start runs bin on a free loopback port with args added, waits for its ready
// line and stops it with SIGTERM when the test ends. With tls it serves
// HTTPS with a certificate made at start for 127.0.0.1 and every real host
// name (-tls-self-signed), which Client and CAFile trust.
func Start(t testing.TB, bin string, tls bool, args ...string) *Fakeapi {
	t.Helper()
	f := &Fakeapi{stderr: &lockedBuffer{}}
	all := []string{"-addr", "127.0.0.1:0"}
	if tls {
		f.CAFile = filepath.Join(t.TempDir(), "fakeapi-ca.pem")
		all = append(all, "-tls-self-signed", f.CAFile)
	}
	f.cmd = exec.Command(bin, append(all, args...)...)
	f.cmd.Env = cleanEnv()
	f.cmd.Stderr = f.stderr
	stdout, err := f.cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("fakeapi stdout: %v", err)
	}
	if err := f.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	t.Cleanup(func() { f.stop(t) })

	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case ready <- sc.Text():
			default:
			}
		}
	}()
	select {
	case line := <-ready:
		m := readyRE.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("unexpected ready line %q; stderr:\n%s", line, f.Log())
		}
		f.Root = m[1]
		u, err := url.Parse(f.Root)
		if err != nil {
			t.Fatalf("ready line %q: %v", line, err)
		}
		f.Addr = u.Host
	case <-time.After(20 * time.Second):
		t.Fatalf("fakeapi printed no ready line within 20s; stderr:\n%s", f.Log())
	}
	f.Client, err = f.newClient()
	if err != nil {
		t.Fatalf("client for %s: %v", f.Root, err)
	}
	return f
}

func (f *Fakeapi) newClient() (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if f.CAFile != "" {
		pem, err := os.ReadFile(f.CAFile)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("no certificate in %s", f.CAFile)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	}
	return &http.Client{
		Transport:     tr,
		Timeout:       20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}, nil
}

func (f *Fakeapi) stop(t testing.TB) {
	_ = f.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- f.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil && !t.Failed() {
			t.Errorf("fakeapi exited with %v; stderr:\n%s", err, f.Log())
		}
	case <-time.After(15 * time.Second):
		_ = f.cmd.Process.Kill()
		<-done
		t.Errorf("fakeapi did not stop within 15s of SIGTERM")
	}
	if t.Failed() {
		t.Logf("fakeapi stderr:\n%s", f.Log())
	}
}

// cleanEnv is the test's environment without FAKEAPI_* settings, so a
// developer's shell cannot change the emulator under test.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "FAKEAPI_") {
			env = append(env, kv)
		}
	}
	return env
}

// lockedBuffer is a bytes.Buffer safe for the process writer and readers.
type lockedBuffer struct {
	mu sync.Mutex // guards b
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

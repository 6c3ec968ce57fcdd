package main

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// buildFlags are the Dockerfile's: a static, reproducible binary.
var buildFlags = []string{"build", "-trimpath", "-ldflags", "-s -w -X main.version=e2e", "-o"}

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
	buildOut  []byte
)

// fakeapiBinary builds cmd/fakeapi once per test run, as the Dockerfile does.
func fakeapiBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "fakeapi-bin-")
		if err != nil {
			buildErr = err
			return
		}
		buildPath = filepath.Join(dir, "fakeapi")
		cmd := exec.Command("go", append(buildFlags, buildPath, ".")...)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		buildOut, buildErr = cmd.CombinedOutput()
	})
	require.NoError(t, buildErr, "go build: %s", buildOut)
	return buildPath
}

// process is a started fakeapi binary.
type process struct {
	cmd    *exec.Cmd
	base   string // http://127.0.0.1:PORT
	stderr *strings.Builder
	done   chan error
}

// readyRE finds the admin URL in the ready line, text or JSON
// (-log-format json).
var readyRE = regexp.MustCompile(`admin(?:=|":")(http[^"\s]+)/_fakeapi/`)

// startProcess runs cmd (whose last args include -addr 127.0.0.1:0) and waits
// for its ready line.
func startProcess(t *testing.T, cmd *exec.Cmd) *process {
	t.Helper()
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	p := &process{cmd: cmd, stderr: &strings.Builder{}, done: make(chan error, 1)}
	cmd.Stderr = &lockedWriter{w: p.stderr}
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	lines := make(chan string, 1)
	go func() {
		r := bufio.NewReader(stdout)
		line, _ := r.ReadString('\n')
		lines <- line
		_, _ = io.Copy(io.Discard, r)
		p.done <- cmd.Wait()
	}()
	select {
	case line := <-lines:
		m := readyRE.FindStringSubmatch(line)
		require.Len(t, m, 2, "ready line %q; stderr: %s", line, p.stderr)
		p.base = m[1]
	case <-time.After(20 * time.Second):
		t.Fatalf("no ready line; stderr: %s", p.stderr)
	}
	return p
}

// wait returns the process's exit error, failing after timeout.
func (p *process) wait(t *testing.T, timeout time.Duration) error {
	t.Helper()
	select {
	case err := <-p.done:
		return err
	case <-time.After(timeout):
		t.Fatalf("process did not exit within %s; stderr: %s", timeout, p.stderr)
		return nil
	}
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func call(t *testing.T, method, url, body string, hdr ...string) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	require.NoError(t, err)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, data
}

// TestBinaryEndToEnd starts the real binary as a process and drives the admin
// API the way a CI job would, then stops it with SIGTERM.
func TestBinaryEndToEnd(t *testing.T) {
	t.Parallel()
	bin := fakeapiBinary(t)
	state := filepath.Join(t.TempDir(), "state.json")
	p := startProcess(t, exec.Command(bin, "-addr", "127.0.0.1:0", "-state-file", state, "-seed", "7", "-log-format", "json"))
	admin := p.base + "/_fakeapi/"
	const kii = "/kii/api/apps/da0b6a25"
	kiiHdr := []string{"Content-Type", "application/json", "X-Kii-AppID", "da0b6a25", "X-Kii-AppKey", "8174099687a26621f4e2cdd7cc03b3da"}

	status, body := call(t, "GET", admin+"health", "")
	require.Equal(t, http.StatusOK, status)
	var health struct {
		Status, Version string
		Providers       []string
	}
	require.NoError(t, json.Unmarshal(body, &health))
	assert.Equal(t, "ok", health.Status)
	assert.Equal(t, "e2e", health.Version)
	assert.Equal(t, []string{"iijmio", "kii", "assist", "mixi"}, health.Providers)

	// A registration changes state; reset takes it away; import brings it back.
	status, body = call(t, "POST", p.base+kii+"/users", `{"loginName":"e2e_user","password":"e2e-pass-123"}`, kiiHdr...)
	require.Equal(t, http.StatusCreated, status, "%s", body)
	_, exported := call(t, "GET", admin+"state?provider=kii", "")
	assert.Contains(t, string(exported), "e2e_user")
	status, _ = call(t, "POST", admin+"reset?provider=kii", "")
	require.Equal(t, http.StatusOK, status)
	_, after := call(t, "GET", admin+"state?provider=kii", "")
	assert.NotContains(t, string(after), "e2e_user")
	status, body = call(t, "PUT", admin+"state", string(exported), "Content-Type", "application/json")
	require.Equal(t, http.StatusOK, status, string(body))
	status, body = call(t, "POST", p.base+kii+"/oauth2/token", `{"grant_type":"password","username":"e2e_user","password":"e2e-pass-123"}`, kiiHdr...)
	require.Equal(t, http.StatusOK, status, "the imported user should log in: %s", body)

	// Journal: the login is there, its password is not.
	status, body = call(t, "GET", admin+"journal?provider=kii&method=POST&path=/api/apps/da0b6a25/oauth2", "")
	require.Equal(t, http.StatusOK, status)
	var j struct {
		Entries []struct {
			Path   string
			Status int
		}
	}
	require.NoError(t, json.Unmarshal(body, &j))
	require.NotEmpty(t, j.Entries)
	assert.Equal(t, 200, j.Entries[len(j.Entries)-1].Status)
	assert.NotContains(t, string(body), "e2e-pass-123")

	// Faults answer in Kii's own format.
	status, _ = call(t, "POST", admin+"faults", `{"provider":"kii","path":"*/oauth2/token","status":503,"times":1}`, "Content-Type", "application/json")
	require.Equal(t, http.StatusCreated, status)
	status, body = call(t, "POST", p.base+kii+"/oauth2/token", `{"grant_type":"password","username":"e2e_user","password":"e2e-pass-123"}`, kiiHdr...)
	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.Contains(t, string(body), `"errorCode"`)

	// The clock moves forward and tells so.
	status, body = call(t, "POST", admin+"clock", `{"advance":"24h"}`, "Content-Type", "application/json")
	require.Equal(t, http.StatusOK, status, string(body))
	assert.Contains(t, string(body), `"offset":"24h`)

	// SIGTERM: clean exit and a whole state file.
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, p.wait(t, 10*time.Second), "should exit 0; stderr: %s", p.stderr)
	data, err := os.ReadFile(state)
	require.NoError(t, err)
	assert.True(t, json.Valid(data), "the state file should be whole JSON")
	assert.Contains(t, string(data), "e2e_user")
	assert.Contains(t, p.stderr.String(), `"msg":"request"`, "should log requests as JSON")

	// The saved state is loaded at the next start.
	p2 := startProcess(t, exec.Command(bin, "-addr", "127.0.0.1:0", "-state-file", state))
	status, body = call(t, "POST", p2.base+kii+"/oauth2/token", `{"grant_type":"password","username":"e2e_user","password":"e2e-pass-123"}`, kiiHdr...)
	assert.Equal(t, http.StatusOK, status, string(body))
	require.NoError(t, p2.cmd.Process.Signal(syscall.SIGINT))
	require.NoError(t, p2.wait(t, 10*time.Second))
}

func TestBinaryRefusesABadFixture(t *testing.T) {
	t.Parallel()
	bin := fakeapiBinary(t)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "mixi.json"), []byte("{\n  \"apps\": 3\n}\n"), 0o644))
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-fixtures", dir)
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, 1, exit.ExitCode())
	assert.Contains(t, stderr.String(), filepath.Join(dir, "mixi.json")+":2:11: apps: got JSON number, want an array")
}

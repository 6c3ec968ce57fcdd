package interop_test

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/e2e/internal/e2etest"
)

// curlResult is one curl run: the body and what -w '%{json}' reported.
type curlResult struct {
	Body        string
	Status      int    `json:"http_code"`
	RedirectURL string `json:"redirect_url"`
	ContentType string `json:"content_type"`
}

// curler runs the system curl against a running fakeapi.
type curler struct {
	exe string
	f   *e2etest.Fakeapi
	jar string // cookie jar file shared by the runs (-b/-c)
}

func newCurler(t *testing.T, f *e2etest.Fakeapi) *curler {
	t.Helper()
	exe, err := exec.LookPath("curl")
	e2etest.Need(t, "curl", err)
	return &curler{exe: exe, f: f, jar: filepath.Join(t.TempDir(), "cookies.txt")}
}

// run replays a curl command line (args as in the seed, minus the shell
// quoting) and adds only what the test needs around it: quiet output, the
// emulator's certificate, the real host names connected to the emulator
// (--connect-to, so the URL is the seed's own), the cookie jar, and
// -w '%{json}' to read the status. It never follows redirects.
func (c *curler) run(t *testing.T, args ...string) curlResult {
	t.Helper()
	body := filepath.Join(t.TempDir(), "body")
	_, port, err := net.SplitHostPort(c.f.Addr)
	require.NoError(t, err)
	all := []string{"-sS", "-o", body, "-w", "%{json}", "-b", c.jar, "-c", c.jar}
	if c.f.CAFile != "" {
		all = append(all, "--cacert", c.f.CAFile, "--connect-to", "::127.0.0.1:"+port)
	}
	cmd := exec.Command(c.exe, append(all, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "curl %q: %s", args, stderr.String())
	var res curlResult
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &res), stdout.String())
	b, err := os.ReadFile(body)
	if !os.IsNotExist(err) { // curl writes no file for an empty body
		require.NoError(t, err)
	}
	res.Body = string(b)
	return res
}

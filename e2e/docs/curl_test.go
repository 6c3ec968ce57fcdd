// Package docs_test runs every curl example of the README and docs/ against
// the built binary, so that a documented call cannot rot: a README whose
// first IIJmio call left out a required header, or a recipe that kept JSON
// escapes in an Authorization header, fails here.
package docs_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/e2e/internal/e2etest"
)

// example is one curl example: a fenced sh block, or an inline code span,
// that calls curl.
type example struct {
	file   string
	line   int
	script string
	expect string // an HTTP status other than 2xx the example shows on purpose
	skip   string // why it cannot run here (a Docker network, a placeholder)
}

// annotation marks the example after it:
//
//	<!-- curl-example: expect 403 -->
//	<!-- curl-example: skip (needs the compose network) -->
var annotation = regexp.MustCompile(`<!--\s*curl-example:\s*(expect\s+(\d{3})|skip\s*\((.+)\))\s*-->`)

var inlineCurl = regexp.MustCompile("`(curl [^`]+)`")

// collect finds the examples of one Markdown file.
func collect(t *testing.T, file string) []example {
	t.Helper()
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	var out []example
	lines := strings.Split(string(data), "\n")
	var pending *example // annotation waiting for its example
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if m := annotation.FindStringSubmatch(l); m != nil {
			pending = &example{expect: m[2], skip: m[3]}
			continue
		}
		if fence, ok := strings.CutPrefix(strings.TrimSpace(l), "```"); ok && fence != "" {
			lang := strings.Fields(fence)[0]
			start := i + 1
			var body []string
			for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
				body = append(body, lines[i])
			}
			script := strings.Join(body, "\n")
			if (lang == "sh" || lang == "bash" || lang == "shell") && strings.Contains(script, "curl ") {
				ex := example{file: file, line: start, script: script}
				if pending != nil {
					ex.expect, ex.skip = pending.expect, pending.skip
				}
				out = append(out, ex)
			}
			pending = nil
			continue
		}
		for _, m := range inlineCurl.FindAllStringSubmatch(l, -1) {
			ex := example{file: file, line: i + 1, script: m[1]}
			if pending != nil {
				ex.expect, ex.skip = pending.expect, pending.skip
				pending = nil
			}
			out = append(out, ex)
		}
		if strings.TrimSpace(l) != "" {
			pending = nil
		}
	}
	return out
}

// curlShim is put first on PATH for the examples: it runs the real curl
// against the test's emulator and records each status, so the test can
// check that every call of the example answered 2xx (or what the example
// expects).
const curlShim = `#!/usr/bin/env bash
set -u
out=$("$REAL_CURL" -w '\n%{http_code}' "$@")
rc=$?
status=${out##*$'\n'}
printf '%s\n' "$status" >>"$STATUS_LOG"
printf '%s' "${out%$'\n'*}"
exit $rc
`

func TestCurlExamplesShouldWorkAsPasted(t *testing.T) {
	t.Parallel()
	realCurl, err := exec.LookPath("curl")
	e2etest.Need(t, "curl", err)
	bin, err := e2etest.Build(t.TempDir())
	require.NoError(t, err)

	files := []string{"../../README.md"}
	docs, err := filepath.Glob("../../docs/*.md")
	require.NoError(t, err)
	more, err := filepath.Glob("../../docs/*/*.md")
	require.NoError(t, err)
	files = append(append(files, docs...), more...)
	var examples []example
	for _, f := range files {
		examples = append(examples, collect(t, f)...)
	}
	require.NotEmpty(t, examples, "the README shows curl examples")

	shimDir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(shimDir, "curl"), []byte(curlShim), 0o755))
	ran := 0
	for _, ex := range examples {
		name := fmt.Sprintf("%s:%d", strings.TrimPrefix(ex.file, "../../"), ex.line)
		t.Run(name, func(t *testing.T) {
			if ex.skip != "" {
				t.Skipf("annotated: %s", ex.skip)
			}
			require.NotContains(t, ex.script, "…", "an example with a placeholder cannot be pasted; make it runnable, or annotate it with <!-- curl-example: skip (why) -->")
			f := e2etest.Start(t, bin, false)
			script := strings.NewReplacer("http://localhost:8080", f.Root, "localhost:8080", f.Addr).Replace(ex.script)
			statusLog := filepath.Join(t.TempDir(), "status")
			cmd := exec.Command("bash", "-euo", "pipefail", "-c", script)
			cmd.Dir = t.TempDir()
			cmd.Env = append(os.Environ(), "PATH="+shimDir+":"+os.Getenv("PATH"), "REAL_CURL="+realCurl, "STATUS_LOG="+statusLog)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			done := make(chan error, 1)
			require.NoError(t, cmd.Start())
			go func() { done <- cmd.Wait() }()
			select {
			case err = <-done:
			case <-time.After(30 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatalf("example ran over 30 s")
			}
			require.NoError(t, err, "script:\n%s\nstdout:\n%s\nstderr:\n%s", script, stdout.String(), stderr.String())
			log, err := os.ReadFile(statusLog)
			require.NoError(t, err, "the example called curl")
			for _, status := range strings.Fields(string(log)) {
				if ex.expect != "" {
					require.Equal(t, ex.expect, status, "stdout:\n%s", stdout.String())
					continue
				}
				require.Regexp(t, `^2\d\d$`, status, "script:\n%s\nstdout:\n%s\nstderr:\n%s", script, stdout.String(), stderr.String())
			}
			ran++
		})
	}
	t.Logf("%d of %d curl examples ran", ran, len(examples))
}

package recipes_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/e2e/internal/e2etest"
)

// examples is the recipes' directory, from this package's.
const examples = "../../examples"

// fakeapiBin is the binary under test: $FAKEAPI_BIN, or ./cmd/fakeapi built
// once for the package.
var fakeapiBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "fakeapi-recipes-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fakeapiBin, err = e2etest.Build(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// settingsOnce reads `fakeapi -h`: every flag with the FAKEAPI_* variable
// its usage names.
var settingsOnce = sync.OnceValues(func() (map[string]string, error) {
	out, err := exec.Command(fakeapiBin, "-h").CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("fakeapi -h: %v\n%s", err, out)
	}
	flagRE := regexp.MustCompile(`^  -([a-z0-9-]+)`)
	envRE := regexp.MustCompile(`\((FAKEAPI_[A-Z0-9_]+)[;)]`)
	settings := map[string]string{}
	flag := ""
	for line := range strings.SplitSeq(string(out), "\n") {
		if m := flagRE.FindStringSubmatch(line); m != nil {
			flag = m[1]
			continue
		}
		if m := envRE.FindStringSubmatch(line); m != nil && flag != "" {
			settings[m[1]] = flag
			flag = ""
		}
	}
	if len(settings) < 10 {
		return nil, fmt.Errorf("fakeapi -h lists %d settings with a variable, too few to be right:\n%s", len(settings), out)
	}
	return settings, nil
})

// flagOf is the flag `fakeapi -h` lists for the variable name, failing the
// test when it lists none: a recipe must not set what the binary ignores.
func flagOf(t *testing.T, name string) string {
	t.Helper()
	settings, err := settingsOnce()
	require.NoError(t, err)
	flag, ok := settings[name]
	require.True(t, ok, "%s is no setting of fakeapi (fakeapi -h lists none such)", name)
	return flag
}

// argsOf turns a recipe's FAKEAPI_* environment into the flags that mean the
// same, for e2etest.Start. The listen address stays the test's own (a free
// loopback port), and replace maps other variables to local values (a
// certificate path in a container, say).
func argsOf(t *testing.T, env map[string]string, replace map[string]string) []string {
	t.Helper()
	var args []string
	for name, value := range env {
		flag := flagOf(t, name)
		if name == "FAKEAPI_ADDR" {
			continue
		}
		if v, ok := replace[name]; ok {
			value = v
		}
		args = append(args, "-"+flag+"="+value)
	}
	return args
}

// scrubbed is the test's environment without what could point a recipe
// elsewhere: the recipes' own settings, CA bundles and proxies.
func scrubbed() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, "FAKEAPI_"), strings.HasPrefix(name, "MIXI_"),
			strings.HasPrefix(name, "KII_"), strings.HasPrefix(name, "ASSIST_"), strings.HasPrefix(name, "CURL_"):
			continue
		}
		switch strings.ToUpper(name) {
		case "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "NODE_EXTRA_CA_CERTS", "NODE_OPTIONS",
			"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY":
			continue
		}
		env = append(env, kv)
	}
	return env
}

// runRecipe runs one recipe program in dir with env added and returns its
// standard output; a non-zero exit fails the test with both outputs.
func runRecipe(t *testing.T, dir string, env map[string]string, name string, args ...string) string {
	t.Helper()
	stdout, stderr, err := execRecipe(dir, env, name, args...)
	require.NoError(t, err, "%s %s in %s failed\nstdout:\n%s\nstderr:\n%s", name, args, dir, stdout, stderr)
	return stdout
}

// execRecipe runs one recipe program in dir with env added to the scrubbed
// environment, for at most 90 s.
func execRecipe(dir string, env map[string]string, name string, args ...string) (stdout, stderr string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = scrubbed()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

// needFile checks that a tool's file (an npm module, say) is installed.
func needFile(t *testing.T, tool, path, install string) {
	t.Helper()
	_, err := os.Stat(path)
	if err != nil {
		err = fmt.Errorf("%s (%s): %w", tool, install, err)
	}
	e2etest.Need(t, tool, err)
}

// recipeDir is examples/<name>, absolute.
func recipeDir(t *testing.T, name string) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join(examples, name))
	require.NoError(t, err)
	return dir
}

package recipes_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/fakeapi/fakeapi/e2e/internal/e2etest"
)

// pythonExe is Debian's interpreter: the PATH python3 may be another build
// that cannot import Debian's python3-requests-oauthlib.
const pythonExe = "/usr/bin/python3"

// transport is one way a recipe reaches the emulator: plain HTTP, or HTTPS
// with the self-signed certificate trusted through the variable trust names.
type transport struct {
	name  string
	tls   bool
	trust string
}

func transports(caVars ...string) []transport {
	ts := []transport{{name: "over HTTP"}}
	for _, v := range caVars {
		ts = append(ts, transport{name: "over HTTPS trusting the PEM through " + v, tls: true, trust: v})
	}
	return ts
}

// recipe is one client recipe: how to run it against an emulator (env holds
// the trust variable, if any) and what its output must hold.
type recipe struct {
	dir   string
	setup func(f *e2etest.Fakeapi, env map[string]string)
	cmd   []string
	check func(t *testing.T, out string)
}

// each starts a fresh emulator for every transport and runs the recipe
// there; then once over HTTPS without trusting the certificate, where it
// must fail, so the trusted runs show the trust setting at work.
func (r recipe) each(t *testing.T, ts []transport) {
	for _, tr := range ts {
		t.Run(tr.name, func(t *testing.T) {
			f := e2etest.Start(t, fakeapiBin, tr.tls)
			env := map[string]string{}
			if tr.trust != "" {
				env[tr.trust] = f.CAFile
			}
			r.setup(f, env)
			r.check(t, runRecipe(t, r.dir, env, r.cmd[0], r.cmd[1:]...))
		})
	}
	t.Run("over HTTPS without trusting the PEM, refused", func(t *testing.T) {
		f := e2etest.Start(t, fakeapiBin, true)
		env := map[string]string{}
		r.setup(f, env)
		stdout, stderr, err := execRecipe(r.dir, env, r.cmd[0], r.cmd[1:]...)
		assert.Error(t, err, "an untrusted certificate should stop the recipe\nstdout:\n%s\nstderr:\n%s", stdout, stderr)
	})
}

// TestMixiPythonRecipe runs examples/mixi-python: requests-oauthlib signs a
// profile read, a friends page with fields, a Persistence write and its
// read-back, and a request with a wrong secret is refused.
func TestMixiPythonRecipe(t *testing.T) {
	_, err := os.Stat(pythonExe)
	if err == nil {
		if out, cerr := exec.Command(pythonExe, "-c", "import requests_oauthlib").CombinedOutput(); cerr != nil {
			err = fmt.Errorf("python3-requests-oauthlib missing: %v: %s", cerr, bytes.TrimSpace(out))
		}
	}
	e2etest.Need(t, pythonExe+" with requests_oauthlib (Debian python3-requests-oauthlib)", err)
	dir := recipeDir(t, "mixi-python")

	recipe{
		dir:   dir,
		setup: func(f *e2etest.Fakeapi, env map[string]string) { env["MIXI_API_BASE"] = f.Mixi() },
		cmd:   []string{pythonExe, "mixi_requests_oauthlib.py"},
		check: func(t *testing.T, out string) {
			assert.Contains(t, out, "viewer 1000001 さくら\n")
			assert.Contains(t, out, "friends 9, first page:\n  1000002 たろう male 1985-11-03\n")
			assert.Contains(t, out, "appdata recipe=requests-oauthlib\n")
			assert.Contains(t, out, "wrong secret refused: signature_invalid\n")
		},
	}.each(t, transports("REQUESTS_CA_BUNDLE"))
}

// nodeModule checks node and one npm module of a recipe directory.
func nodeModule(t *testing.T, dir, module string) string {
	t.Helper()
	node, err := exec.LookPath("node")
	e2etest.Need(t, "node", err)
	needFile(t, "npm "+module, filepath.Join(dir, "node_modules", module, "package.json"), "npm ci in "+dir)
	return node
}

// TestMixiNodeRecipe runs examples/mixi-node: npm oauth-1.0a signs the same
// requests as the Python recipe.
func TestMixiNodeRecipe(t *testing.T) {
	dir := recipeDir(t, "mixi-node")
	node := nodeModule(t, dir, "oauth-1.0a")

	recipe{
		dir:   dir,
		setup: func(f *e2etest.Fakeapi, env map[string]string) { env["MIXI_API_BASE"] = f.Mixi() },
		cmd:   []string{node, "mixi.js"},
		check: func(t *testing.T, out string) {
			assert.Contains(t, out, "viewer 1000001 さくら\n")
			assert.Contains(t, out, "friends 9, first page:\n  1000002 たろう male 1985-11-03\n")
			assert.Contains(t, out, "appdata recipe=oauth-1.0a\n")
			assert.Contains(t, out, "wrong secret refused: signature_invalid\n")
		},
	}.each(t, transports("NODE_EXTRA_CA_CERTS"))
}

// TestKiiJSSDKRecipe runs examples/kii-js: Kii's own SDK logs a fixture
// user in, registers a user, changes its password, is refused the old one
// and deletes the user.
func TestKiiJSSDKRecipe(t *testing.T) {
	dir := recipeDir(t, "kii-js")
	node := nodeModule(t, dir, "kii-cloud-sdk")

	recipe{
		dir:   dir,
		setup: func(f *e2etest.Fakeapi, env map[string]string) { env["KII_SITE"] = f.Kii() + "/api" },
		cmd:   []string{node, "kii.js"},
		check: func(t *testing.T, out string) {
			assert.Contains(t, out, "logged in taro.yamada taro@example.jp token yes\n")
			assert.Regexp(t, `registered recipe_\d+ [0-9a-f-]{36}\n`, out)
			assert.Contains(t, out, "password changed, logged in with the new one\n")
			assert.Contains(t, out, "old password refused: invalid_grant")
			assert.Regexp(t, `deleted recipe_\d+\n`, out)
		},
	}.each(t, transports("NODE_EXTRA_CA_CERTS"))
}

// TestAssistPHPRecipe runs examples/assist-php: php-cli drives the login and
// consent forms, exchanges the code as the FAQ's PHP sample does, reads
// order 5 and is refused a second exchange.
func TestAssistPHPRecipe(t *testing.T) {
	php, err := exec.LookPath("php")
	e2etest.Need(t, "php (Debian php-cli)", err)
	dir := recipeDir(t, "assist-php")

	recipe{
		dir:   dir,
		setup: func(f *e2etest.Fakeapi, env map[string]string) { env["ASSIST_SITE"] = f.Assist() },
		cmd:   []string{php, "assist.php"},
		check: func(t *testing.T, out string) {
			assert.Contains(t, out, "authorized: code for 3f9a1c0d5e7b2a4c6d8e\n")
			assert.Contains(t, out, "token: bearer, expires_in NULL\n")
			assert.Contains(t, out, "order 5: 山田 太郎, 5500 yen, 新規受付\n")
			assert.Contains(t, out, "second exchange refused: invalid_grant\n")
		},
	}.each(t, transports("ASSIST_CA_FILE", "SSL_CERT_FILE"))
}

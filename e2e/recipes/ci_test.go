package recipes_test

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	yaml "go.yaml.in/yaml/v3"

	"github.com/fakeapi/fakeapi/e2e/internal/e2etest"
)

// image is what the recipes assume of the image the Dockerfile builds.
type image struct {
	entrypoint  string   // the binary's path
	port        string   // EXPOSE
	addr        string   // ENV FAKEAPI_ADDR
	healthcheck []string // HEALTHCHECK CMD, exec form
	uid         string   // USER
}

// readDockerfile reads the final stage of ../../Dockerfile.
func readDockerfile(t *testing.T) image {
	t.Helper()
	b, err := os.ReadFile("../../Dockerfile")
	require.NoError(t, err)
	var img image
	jsonArray := func(s string) []string {
		var v []string
		require.NoError(t, json.Unmarshal([]byte(s), &v), "want an exec-form JSON array: %s", s)
		return v
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		switch f := strings.Fields(line); {
		case len(f) == 0:
		case f[0] == "FROM":
			img = image{} // only the final stage counts
		case f[0] == "ENTRYPOINT":
			ep := jsonArray(strings.TrimSpace(strings.TrimPrefix(line, "ENTRYPOINT")))
			require.Len(t, ep, 1, "the recipes pass settings as the environment to an entrypoint of the binary alone")
			img.entrypoint = ep[0]
		case f[0] == "EXPOSE":
			img.port = strings.TrimSuffix(f[1], "/tcp")
		case f[0] == "ENV" && strings.HasPrefix(f[1], "FAKEAPI_ADDR="):
			img.addr = strings.TrimPrefix(f[1], "FAKEAPI_ADDR=")
		case f[0] == "HEALTHCHECK":
			_, cmd, ok := strings.Cut(line, " CMD ")
			require.True(t, ok, "HEALTHCHECK without CMD: %s", line)
			img.healthcheck = jsonArray(strings.TrimSpace(cmd))
		case f[0] == "USER":
			img.uid, _, _ = strings.Cut(f[1], ":")
		}
	}
	return img
}

// TestDockerfileIsWhatTheRecipesAssume pins what the Docker recipes rely on:
// the binary as the entrypoint, port 8080 on every interface, the
// HEALTHCHECK running `fakeapi healthcheck` in exec form (the image has no
// shell, so Docker's --health-cmd could not run it), and uid 65532, which
// owns the compose recipe's certificate volume.
func TestDockerfileIsWhatTheRecipesAssume(t *testing.T) {
	img := readDockerfile(t)
	assert.Equal(t, image{
		entrypoint:  "/fakeapi",
		port:        "8080",
		addr:        ":8080",
		healthcheck: []string{"/fakeapi", "healthcheck"},
		uid:         "65532",
	}, img)
}

// loadYAML decodes one recipe file.
func loadYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(b, v), "%s is not valid YAML", path)
}

// redirectCurl writes a .curlrc that sends every request curl makes to addr
// whatever host and port the URL names, and returns the environment that
// makes curl read it.
func redirectCurl(t *testing.T, addr string) map[string]string {
	t.Helper()
	_, err := exec.LookPath("curl")
	e2etest.Need(t, "curl", err)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".curlrc"), fmt.Appendf(nil, "connect-to = \"::%s\"\n", addr), 0o644))
	return map[string]string{"CURL_HOME": dir}
}

// runShell runs a recipe's shell script with env added; a failure fails the
// test with the script's output.
func runShell(t *testing.T, env map[string]string, shell []string, script string) string {
	t.Helper()
	args := append(shell[1:], script)
	stdout, stderr, err := execRecipe(t.TempDir(), env, shell[0], args...)
	require.NoError(t, err, "the recipe's script failed\nscript:\n%s\nstdout:\n%s\nstderr:\n%s", script, stdout, stderr)
	return stdout
}

// composeUnescape applies compose's interpolation to a command: "$$" is a
// "$" for the shell; any other "$NAME" or "${…}" compose would replace with
// the host's variables before the container sees it, which the client
// script must not depend on.
func composeUnescape(t *testing.T, s string) string {
	t.Helper()
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch c := s[i+1]; {
		case c == '$':
			b.WriteByte('$')
			i++
		case c == '{' || c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z':
			t.Errorf("compose would interpolate %q from the host; write $$ for the shell", s[i:min(len(s), i+20)])
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}

type composeService struct {
	Image       string            `yaml:"image"`
	Environment map[string]string `yaml:"environment"`
	Sysctls     map[string]string `yaml:"sysctls"`
	Volumes     []string          `yaml:"volumes"`
	Networks    map[string]struct {
		Aliases []string `yaml:"aliases"`
	} `yaml:"networks"`
	Ports       []string `yaml:"ports"`
	Healthcheck struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
	DependsOn map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Entrypoint []string `yaml:"entrypoint"`
	Command    []string `yaml:"command"`
}

// TestComposeRecipe checks examples/docker-compose/compose.yaml against the
// image and the binary, then runs it without Docker: the binary started with
// the fakeapi service's settings (its own port, the PEM in a temporary
// directory for /certs), the service's health check, and the client's script
// with curl's requests to the real host names sent to the binary.
func TestComposeRecipe(t *testing.T) {
	var compose struct {
		Services map[string]composeService `yaml:"services"`
		Volumes  map[string]struct {
			DriverOpts map[string]string `yaml:"driver_opts"`
		} `yaml:"volumes"`
	}
	path := filepath.Join(examples, "docker-compose", "compose.yaml")
	loadYAML(t, path, &compose)
	img := readDockerfile(t)
	fakeapi, client := compose.Services["fakeapi"], compose.Services["client"]
	require.NotEmpty(t, fakeapi.Image, "the service fakeapi")
	require.NotEmpty(t, client.Image, "the service client")
	env := fakeapi.Environment

	t.Run("should name the hosts and the service in the certificate", func(t *testing.T) {
		assert.ElementsMatch(t, []string{"api.iijmio.jp", "api.kii.com", "api-jp.kii.com", "asp101.assist-tencho.com", "api.mixi-platform.com"},
			fakeapi.Networks["default"].Aliases)
		assert.Contains(t, strings.Split(env["FAKEAPI_TLS_HOSTS"], ","), "fakeapi", "the service name, so https://fakeapi verifies")
		assert.NotEmpty(t, env["FAKEAPI_ADMIN_TOKEN"], "every container on the network reaches the admin API")
		for name := range env {
			flagOf(t, name)
		}
	})
	t.Run("should share the PEM through a volume the image's user can write", func(t *testing.T) {
		dir := filepath.Dir(env["FAKEAPI_TLS_SELF_SIGNED"])
		require.NotEqual(t, ".", dir)
		var volume string
		for _, v := range fakeapi.Volumes {
			if src, dst, _ := strings.Cut(v, ":"); dst == dir {
				volume = src
			}
		}
		require.NotEmpty(t, volume, "fakeapi should mount a volume at %s", dir)
		assert.Contains(t, client.Volumes, volume+":"+dir+":ro", "the client should read the same volume")
		assert.Contains(t, compose.Volumes[volume].DriverOpts["o"], "uid="+img.uid, "the image runs as uid %s", img.uid)
		assert.Equal(t, "service_healthy", client.DependsOn["fakeapi"].Condition)
	})
	_, port, err := net.SplitHostPort(env["FAKEAPI_ADDR"])
	require.NoError(t, err)
	t.Run("should publish to loopback and check health with the image's binary", func(t *testing.T) {
		for _, p := range fakeapi.Ports {
			assert.Regexp(t, `^127\.0\.0\.1:\d+:`+port+`$`, p)
		}
		assert.Equal(t, append([]string{"CMD"}, img.healthcheck...), fakeapi.Healthcheck.Test)
		if n, err := strconv.Atoi(port); err == nil && n < 1024 {
			assert.Equal(t, "0", fakeapi.Sysctls["net.ipv4.ip_unprivileged_port_start"], "uid %s binds port %s", img.uid, port)
		}
		assert.Contains(t, readFile(t, path), "docker build -t "+fakeapi.Image+" .", "the file says how to build the image it names")
	})

	certs := t.TempDir()
	local := func(s string) string { return strings.ReplaceAll(s, "/certs/", certs+"/") }
	f := e2etest.Start(t, fakeapiBin, false, argsOf(t, env, map[string]string{"FAKEAPI_TLS_SELF_SIGNED": local(env["FAKEAPI_TLS_SELF_SIGNED"])})...)
	require.True(t, strings.HasPrefix(f.Root, "https://"), "the service serves TLS: %s", f.Root)
	_, localPort, err := net.SplitHostPort(f.Addr)
	require.NoError(t, err)

	t.Run("should pass its health check", func(t *testing.T) {
		hc := map[string]string{}
		for k, v := range env {
			hc[k] = local(v)
		}
		hc["FAKEAPI_ADDR"] = ":" + localPort
		cmd := fakeapi.Healthcheck.Test[1:]
		require.Equal(t, img.entrypoint, cmd[0])
		out := runRecipe(t, t.TempDir(), hc, fakeapiBin, cmd[1:]...)
		assert.Equal(t, "ok\n", out)
	})
	t.Run("should answer the client at every real host name over verified TLS", func(t *testing.T) {
		require.Len(t, client.Command, 1, "one script")
		require.Equal(t, "/bin/sh", client.Entrypoint[0])
		cenv := redirectCurl(t, f.Addr)
		for k, v := range client.Environment {
			cenv[k] = local(v)
		}
		script := local(composeUnescape(t, client.Command[0]))
		out := runShell(t, cenv, client.Entrypoint, script)
		assert.Contains(t, out, "all providers answered under their real host names")
		assert.Contains(t, out, `"frozen":`, "the clock through https://fakeapi with the token")
	})
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

type actionsStep struct {
	ID   string `yaml:"id"`
	Uses string `yaml:"uses"`
	Run  string `yaml:"run"`
}

type actionsJob struct {
	Needs    any `yaml:"needs"`
	Services map[string]struct {
		Image   string            `yaml:"image"`
		Ports   []string          `yaml:"ports"`
		Env     map[string]string `yaml:"env"`
		Options string            `yaml:"options"`
	} `yaml:"services"`
	Outputs map[string]string `yaml:"outputs"`
	Env     map[string]string `yaml:"env"`
	Steps   []actionsStep     `yaml:"steps"`
}

// TestGitHubActionsRecipe checks examples/github-actions/fakeapi.yml against
// the image and the binary, then runs its smoke step against the binary
// started with the service's settings, curl's requests to the published
// port sent there.
func TestGitHubActionsRecipe(t *testing.T) {
	var wf struct {
		Jobs map[string]actionsJob `yaml:"jobs"`
	}
	loadYAML(t, filepath.Join(examples, "github-actions", "fakeapi.yml"), &wf)
	img := readDockerfile(t)
	job, ok := wf.Jobs["test"]
	require.True(t, ok, "the job test")
	svc, ok := job.Services["fakeapi"]
	require.True(t, ok, "the service fakeapi")

	t.Run("should take the image the first job pushes", func(t *testing.T) {
		m := regexp.MustCompile(`^\$\{\{ needs\.([a-z-]+)\.outputs\.image \}\}$`).FindStringSubmatch(svc.Image)
		require.NotNil(t, m, "image %q", svc.Image)
		assert.Equal(t, m[1], job.Needs)
		build := wf.Jobs[m[1]]
		assert.NotEmpty(t, build.Outputs["image"])
		var script string
		for _, s := range build.Steps {
			script += s.Run
		}
		assert.Contains(t, script, `docker build -t "$IMAGE"`)
		assert.Contains(t, script, `docker push "$IMAGE"`)
	})
	t.Run("should publish the image's port to loopback and keep its health check", func(t *testing.T) {
		require.NotEmpty(t, svc.Ports)
		for _, p := range svc.Ports {
			assert.Regexp(t, `^127\.0\.0\.1:\d+:`+img.port+`$`, p)
		}
		assert.NotContains(t, svc.Options, "--health-cmd", "Docker runs it with /bin/sh, which the image lacks")
		assert.Contains(t, svc.Options, "--health-interval")
		for name := range svc.Env {
			flagOf(t, name)
		}
	})

	var smoke string
	for _, s := range job.Steps {
		if s.ID == "fakeapi-smoke" {
			smoke = s.Run
		}
	}
	require.NotEmpty(t, smoke, "the step fakeapi-smoke")
	require.NotContains(t, smoke, "${{", "the smoke step reads only its environment")
	f := e2etest.Start(t, fakeapiBin, false, argsOf(t, svc.Env, nil)...)
	env := redirectCurl(t, f.Addr)
	for k, v := range job.Env {
		env[k] = v
	}
	u, err := url.Parse(env["FAKEAPI_URL"])
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1", u.Hostname(), "FAKEAPI_URL is the published port")
	// GitHub's shell for run steps on Linux.
	out := runShell(t, env, []string{"bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"}, smoke)
	assert.Contains(t, out, "fakeapi is up at "+env["FAKEAPI_URL"])
}

// gitlabService is an entry of services: a name, or a map with an alias.
type gitlabService struct {
	Name  string `yaml:"name"`
	Alias string `yaml:"alias"`
}

func (s *gitlabService) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		return n.Decode(&s.Name)
	}
	type plain gitlabService
	return n.Decode((*plain)(s))
}

type gitlabJob struct {
	Image        string            `yaml:"image"`
	Services     []gitlabService   `yaml:"services"`
	Variables    map[string]string `yaml:"variables"`
	BeforeScript []string          `yaml:"before_script"`
	Script       []string          `yaml:"script"`
}

// gitlabOwn are the variables of the GitLab recipe that are not fakeapi's
// settings. GitLab passes them to the service too, so fakeapi must never
// read them as settings.
var gitlabOwn = []string{"FAKEAPI_REPOSITORY", "FAKEAPI_REF", "FAKEAPI_IMAGE", "FAKEAPI_URL"}

// TestGitLabCIRecipe checks examples/gitlab-ci/gitlab-ci.yml against the
// image and the binary, then runs the test job's before_script against the
// binary started with the variables the service gets, curl's requests to
// http://fakeapi:8080 sent there.
func TestGitLabCIRecipe(t *testing.T) {
	var file map[string]yaml.Node
	loadYAML(t, filepath.Join(examples, "gitlab-ci", "gitlab-ci.yml"), &file)
	decode := func(key string, v any) {
		n, ok := file[key]
		require.True(t, ok, "the key %s", key)
		require.NoError(t, n.Decode(v), "%s", key)
	}
	var global map[string]string
	var job, build gitlabJob
	decode("variables", &global)
	decode("test", &job)
	decode("fakeapi-image", &build)
	img := readDockerfile(t)

	// What GitLab would expand; the CI_* values stand in for the server's.
	vars := map[string]string{"CI_REGISTRY_IMAGE": "registry.example.test/group/app", "CI_PIPELINE_ID": "101", "CI_JOB_ID": "202"}
	expand := func(s string) string { return os.Expand(s, func(k string) string { return vars[k] }) }
	for _, m := range []map[string]string{global, job.Variables} {
		for k, v := range m {
			vars[k] = expand(v)
		}
	}

	t.Run("should run the image the first job pushes under the alias fakeapi", func(t *testing.T) {
		require.Len(t, job.Services, 1)
		assert.Equal(t, "$FAKEAPI_IMAGE", job.Services[0].Name)
		assert.Equal(t, "fakeapi", job.Services[0].Alias)
		assert.True(t, strings.HasPrefix(vars["FAKEAPI_IMAGE"], vars["CI_REGISTRY_IMAGE"]+"/"), "the project's registry: %s", vars["FAKEAPI_IMAGE"])
		script := strings.Join(build.Script, "\n")
		assert.Contains(t, script, `docker build -t "$FAKEAPI_IMAGE"`)
		assert.Contains(t, script, `docker push "$FAKEAPI_IMAGE"`)
		u, err := url.Parse(vars["FAKEAPI_URL"])
		require.NoError(t, err)
		assert.Equal(t, "fakeapi:"+img.port, u.Host)
	})
	settings := map[string]string{}
	t.Run("should set only fakeapi's settings, and a token", func(t *testing.T) {
		all, err := settingsOnce()
		require.NoError(t, err)
		for k, v := range vars {
			switch {
			case !strings.HasPrefix(k, "FAKEAPI_"):
			case contains(gitlabOwn, k):
				assert.NotContains(t, all, k, "%s is a setting of fakeapi now; the recipe must not pass it to the service by accident", k)
			default:
				flagOf(t, k)
				settings[k] = v
			}
		}
		assert.NotEmpty(t, settings["FAKEAPI_ADMIN_TOKEN"], "services share the runner's network")
	})

	f := e2etest.Start(t, fakeapiBin, false, argsOf(t, settings, nil)...)
	env := redirectCurl(t, f.Addr)
	for k, v := range vars {
		env[k] = v
	}
	script := strings.Join(job.BeforeScript, "\n")
	out := runShell(t, env, []string{"bash", "-eo", "pipefail", "-c"}, script)
	assert.Contains(t, out, `"status":"ok"`)
	assert.Contains(t, out, `"frozen":`, "the clock with the admin token")
	assert.Contains(t, out, "fakeapi is up at http://fakeapi:"+img.port)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TestTestcontainersRecipe checks examples/testcontainers, which needs Docker
// to run (.ci/run vets and builds it): a module of its own with a pinned
// testcontainers-go the main module does not gain, waiting on the health
// endpoint of the image's port, which answers without the admin token the
// container is given.
func TestTestcontainersRecipe(t *testing.T) {
	dir := filepath.Join(examples, "testcontainers")
	gomod := readFile(t, filepath.Join(dir, "go.mod"))
	assert.Regexp(t, `(?m)^module github\.com/fakeapi/fakeapi/examples/testcontainers$`, gomod)
	assert.Regexp(t, `(?m)^\s*github\.com/testcontainers/testcontainers-go v\d+\.\d+\.\d+$`, gomod, "a pinned release")
	assert.NotContains(t, readFile(t, "../../go.mod"), "testcontainers", "the main module stays without it")

	src := readFile(t, filepath.Join(dir, "fakeapi.go"))
	img := readDockerfile(t)
	assert.Contains(t, src, `wait.ForHTTP("/_fakeapi/health")`)
	assert.Contains(t, src, `const port = "`+img.port+`/tcp"`)
	assert.Contains(t, src, `"FAKEAPI_ADMIN_TOKEN"`)
	flagOf(t, "FAKEAPI_ADMIN_TOKEN")

	f := e2etest.Start(t, fakeapiBin, false, "-admin-token", "secret")
	resp, err := f.Client.Get(f.Root + "/_fakeapi/health")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, "the wait strategy sends no token")
}

// TestNodeRecipesPinned checks that each Node recipe's install line names
// the exact version its package.json and package-lock.json pin.
func TestNodeRecipesPinned(t *testing.T) {
	for _, c := range []struct{ dir, file, module string }{
		{"mixi-node", "mixi.js", "oauth-1.0a"},
		{"kii-js", "kii.js", "kii-cloud-sdk"},
	} {
		t.Run(c.dir, func(t *testing.T) {
			dir := filepath.Join(examples, c.dir)
			var pkg struct {
				Dependencies map[string]string `json:"dependencies"`
			}
			require.NoError(t, json.Unmarshal([]byte(readFile(t, filepath.Join(dir, "package.json"))), &pkg))
			version := pkg.Dependencies[c.module]
			require.Regexp(t, `^\d+\.\d+\.\d+$`, version, "an exact version")
			var lock struct {
				Packages map[string]struct {
					Version string `json:"version"`
				} `json:"packages"`
			}
			require.NoError(t, json.Unmarshal([]byte(readFile(t, filepath.Join(dir, "package-lock.json"))), &lock))
			assert.Equal(t, version, lock.Packages["node_modules/"+c.module].Version)
			assert.Contains(t, readFile(t, filepath.Join(dir, c.file)), "npm install "+c.module+"@"+version)
		})
	}
}

// Package fakeapicontainer runs fakeapi in a Docker container for Go tests,
// with testcontainers-go: the container is ready once /_fakeapi/health
// answers 200 (wait.ForHTTP), its port is published on the Docker host's
// loopback only, and its admin API requires a token made for the run.
//
// Copy this file into your project; the tests beside it show its use.
// Running it needs a Docker engine (or another engine testcontainers-go
// supports); without one Run returns the engine's error.
package fakeapicontainer

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/netip"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"
)

// port is where the image listens (its FAKEAPI_ADDR=:8080).
const port = "8080/tcp"

// Fakeapi is a running fakeapi container.
type Fakeapi struct {
	*testcontainers.DockerContainer
	// URL is http://host:port of the published port, without a trailing
	// slash: the providers are under URL+"/iijmio", "/kii", "/assist" and
	// "/mixi", the admin API under URL+"/_fakeapi/".
	URL string
	// AdminToken is the token the admin API requires, sent as
	// "Authorization: Bearer " + AdminToken or X-Fakeapi-Token.
	AdminToken string
}

// Run starts image (for example "fakeapi:latest", built with
// `docker build -t fakeapi .` in a fakeapi checkout) with env added to its
// environment (FAKEAPI_* settings, such as FAKEAPI_SEED or
// FAKEAPI_RATE_LIMITS) and opts after the defaults. It returns once the
// health endpoint answers 200, within 60 s. Terminate the container when
// done: testcontainers.CleanupContainer(t, f.DockerContainer) in a test,
// right after Run and before checking its error (f is never nil).
func Run(ctx context.Context, image string, env map[string]string, opts ...testcontainers.ContainerCustomizer) (*Fakeapi, error) {
	token := rand.Text()
	all := map[string]string{"FAKEAPI_ADMIN_TOKEN": token}
	for k, v := range env {
		all[k] = v
	}
	p := network.MustParsePort(port)
	defaults := []testcontainers.ContainerCustomizer{
		testcontainers.WithExposedPorts(port),
		// Publish on the Docker host's loopback, not on every interface:
		// with a remote Docker host, drop this and rely on the token.
		testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
			hc.PortBindings = network.PortMap{p: {{HostIP: netip.MustParseAddr("127.0.0.1"), HostPort: "0"}}}
		}),
		testcontainers.WithEnv(all),
		// The health endpoint answers without the admin token, as probes need.
		testcontainers.WithWaitStrategy(wait.ForHTTP("/_fakeapi/health").WithPort(port).WithStartupTimeout(60 * time.Second)),
	}
	ctr, err := testcontainers.Run(ctx, image, append(defaults, opts...)...)
	f := &Fakeapi{DockerContainer: ctr, AdminToken: all["FAKEAPI_ADMIN_TOKEN"]}
	if err != nil {
		return f, fmt.Errorf("fakeapi container: %w", err)
	}
	f.URL, err = ctr.PortEndpoint(ctx, port, "http")
	if err != nil {
		return f, fmt.Errorf("fakeapi container port: %w", err)
	}
	return f, nil
}

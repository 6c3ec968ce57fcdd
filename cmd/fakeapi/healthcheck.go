package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// healthcheck asks the local server for /_fakeapi/health, for a Docker
// HEALTHCHECK in an image with no shell or curl. It reads the same flags and
// FAKEAPI_* variables as the server, so it finds the same port and scheme.
func healthcheck(ctx context.Context, name string, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(name, args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	_, port, _ := net.SplitHostPort(cfg.addr)
	scheme := "http"
	if cfg.tls() {
		scheme = "https"
	}
	url := scheme + "://127.0.0.1:" + port + "/_fakeapi/health"
	client := &http.Client{
		Timeout: 3 * time.Second,
		// The probe checks liveness, not the certificate it may have made itself.
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, //nolint:gosec
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %s", url, resp.Status)
	}
	fmt.Fprintln(stdout, "ok")
	return nil
}

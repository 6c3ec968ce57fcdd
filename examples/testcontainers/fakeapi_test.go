package fakeapicontainer_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/testcontainers/testcontainers-go"

	fakeapicontainer "github.com/fakeapi/fakeapi/examples/testcontainers"
)

// startFakeapi runs the image named by FAKEAPI_IMAGE, or builds one from the
// fakeapi checkout this example lives in (../..).
func startFakeapi(t *testing.T) *fakeapicontainer.Fakeapi {
	t.Helper()
	ctx := context.Background()
	env := map[string]string{"FAKEAPI_SEED": "1", "FAKEAPI_RATE_LIMITS": "false"}
	image := os.Getenv("FAKEAPI_IMAGE")
	var opts []testcontainers.ContainerCustomizer
	if image == "" {
		opts = append(opts, testcontainers.WithDockerfile(testcontainers.FromDockerfile{Context: "../..", KeepImage: true}))
	}
	f, err := fakeapicontainer.Run(ctx, image, env, opts...)
	testcontainers.CleanupContainer(t, f.DockerContainer) // also a container that failed to get ready
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestKiiLogin logs a fixture user in at the emulated Kii Cloud.
func TestKiiLogin(t *testing.T) {
	f := startFakeapi(t)

	req, err := http.NewRequest(http.MethodPost, f.URL+"/kii/api/apps/da0b6a25/oauth2/token",
		strings.NewReader(`{"grant_type":"password","username":"user_123456","password":"123ABC"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth("da0b6a25", "8174099687a26621f4e2cdd7cc03b3da")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var token struct {
		ID          string `json:"id"`
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&token); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || token.AccessToken == "" {
		t.Fatalf("Kii login: %s, token %+v", resp.Status, token)
	}
}

// TestAdminReset resets the emulator through its admin API, which requires
// the container's admin token.
func TestAdminReset(t *testing.T) {
	f := startFakeapi(t)

	req, err := http.NewRequest(http.MethodPost, f.URL+"/_fakeapi/reset", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("reset without the token: %s, want 401", resp.Status)
	}

	req.Header.Set("Authorization", "Bearer "+f.AdminToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("reset with the token: %s, want 200", resp.Status)
	}
}

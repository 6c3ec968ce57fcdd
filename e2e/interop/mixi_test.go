package interop_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/e2e/internal/e2etest"
)

// mixi's default fixture: app 13579 and its viewer (docs/providers/mixi.md).
const (
	mixiConsumerKey    = "3f5c2a9e1b7d4c6a8e0f"
	mixiConsumerSecret = "8d2e7b1c9a4f6e3d0b5a7c2e9f1d4b6a8c3e5f70"
	mixiViewer         = "1000001"
	// pythonExe is Debian's interpreter: the PATH python3 may be another
	// build that cannot import Debian's python3-oauthlib.
	pythonExe = "/usr/bin/python3"
)

// signedRequest is one request for a signing script (node/mixi.js,
// python/mixi_oauthlib.py).
type signedRequest struct {
	Name       string         `json:"name"`
	Method     string         `json:"method"`
	URL        string         `json:"url"`
	JSON       map[string]any `json:"json,omitempty"`
	BodyHash   bool           `json:"bodyHash,omitempty"`
	Tamper     bool           `json:"tamper,omitempty"`
	TamperBody bool           `json:"tamperBody,omitempty"`
}

// signedResult is what the script got back.
type signedResult struct {
	Name            string `json:"name"`
	Authorization   string `json:"authorization"` // the header the library sent
	Status          int    `json:"status"`
	WWWAuthenticate string `json:"wwwAuthenticate"`
	Body            string `json:"body"`
}

// signer runs one script with the requests on stdin.
type signer func(t *testing.T, reqs []signedRequest) map[string]signedResult

// nodeSigner is npm oauth-1.0a, installed by npm ci from the committed lock.
func nodeSigner(t *testing.T) signer {
	t.Helper()
	node, err := exec.LookPath("node")
	e2etest.Need(t, "node", err)
	_, err = os.Stat(filepath.Join("node", "node_modules", "oauth-1.0a", "package.json"))
	if err != nil {
		err = fmt.Errorf("npm module oauth-1.0a not installed (npm ci in e2e/interop/node): %w", err)
	}
	e2etest.Need(t, "npm oauth-1.0a", err)
	return func(t *testing.T, reqs []signedRequest) map[string]signedResult {
		return runSigner(t, "node", exec.Command(node, "mixi.js"), reqs)
	}
}

// pythonSigner is Debian's python3-oauthlib under /usr/bin/python3.
func pythonSigner(t *testing.T) signer {
	t.Helper()
	_, err := os.Stat(pythonExe)
	if err == nil {
		if out, cerr := exec.Command(pythonExe, "-c", "import oauthlib").CombinedOutput(); cerr != nil {
			err = fmt.Errorf("python3-oauthlib missing: %v: %s", cerr, bytes.TrimSpace(out))
		}
	}
	e2etest.Need(t, pythonExe+" with oauthlib (Debian python3-oauthlib)", err)
	return func(t *testing.T, reqs []signedRequest) map[string]signedResult {
		return runSigner(t, "python", exec.Command(pythonExe, "mixi_oauthlib.py"), reqs)
	}
}

func runSigner(t *testing.T, dir string, cmd *exec.Cmd, reqs []signedRequest) map[string]signedResult {
	t.Helper()
	spec, err := json.Marshal(map[string]any{
		"consumer": map[string]string{"key": mixiConsumerKey, "secret": mixiConsumerSecret},
		"requests": reqs,
	})
	require.NoError(t, err)
	var stdout, stderr bytes.Buffer
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(spec)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "%s: %s", cmd, stderr.String())
	var results []signedResult
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &results), stdout.String())
	require.Len(t, results, len(reqs))
	byName := map[string]signedResult{}
	for _, r := range results {
		byName[r.Name] = r
	}
	return byName
}

// referenceGet signs url with the emulator's own signer (POST
// /_fakeapi/mixi/sign) and returns the body, the baseline the independent
// clients must get byte for byte.
func referenceGet(t *testing.T, f *e2etest.Fakeapi, url string) string {
	t.Helper()
	payload, err := json.Marshal(map[string]string{"method": http.MethodGet, "url": url, "consumerKey": mixiConsumerKey})
	require.NoError(t, err)
	resp, err := f.Client.Post(f.Root+"/_fakeapi/mixi/sign", "application/json", bytes.NewReader(payload))
	require.NoError(t, err)
	var signed struct {
		Authorization string `json:"authorization"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&signed))
	resp.Body.Close()
	require.NotEmpty(t, signed.Authorization)

	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", signed.Authorization)
	resp, err = f.Client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	return string(body)
}

// TestMixiSignedByIndependentLibraries sends the same mixi requests signed
// by npm oauth-1.0a and by python oauthlib: profile and friends reads (a
// signed query with an encoded comma), a JSON appdata write with
// oauth_body_hash (oauthlib always adds it; oauth-1.0a when asked) and
// without it, the read-back, and a tampered signature and body, refused.
func TestMixiSignedByIndependentLibraries(t *testing.T) {
	f := start(t, false)
	self := f.Mixi() + "/os/0.8/people/@me/@self?xoauth_requestor_id=" + mixiViewer
	friends := f.Mixi() + "/os/0.8/people/@me/@friends?xoauth_requestor_id=" + mixiViewer + "&fields=birthday,gender&count=3&startIndex=1"
	appdata := f.Mixi() + "/os/0.8/appdata/@me/@self/@app?xoauth_requestor_id=" + mixiViewer
	wantSelf := referenceGet(t, f, self)
	wantFriends := referenceGet(t, f, friends)

	for _, c := range []struct {
		lib    string
		signer func(*testing.T) signer
	}{
		{"node", nodeSigner},
		{"python", pythonSigner},
	} {
		t.Run("should accept requests signed by "+c.lib+" and refuse tampered ones", func(t *testing.T) {
			sign := c.signer(t)
			key := "interop_" + c.lib
			value := "花束 & ✓ " + c.lib + " " + time.Now().Format(time.RFC3339Nano)
			reqs := []signedRequest{
				{Name: "self", Method: http.MethodGet, URL: self},
				{Name: "friends", Method: http.MethodGet, URL: friends},
				{Name: "write", Method: http.MethodPost, URL: appdata, JSON: map[string]any{key: value}, BodyHash: true},
				{Name: "read", Method: http.MethodGet, URL: appdata + "&fields=" + key},
				{Name: "tampered signature", Method: http.MethodGet, URL: self, Tamper: true},
				{Name: "tampered body", Method: http.MethodPost, URL: appdata, JSON: map[string]any{key: "x"}, BodyHash: true, TamperBody: true},
			}
			if c.lib == "node" { // oauth-1.0a can also leave a JSON body unsigned, as mixi allows
				reqs = append(reqs, signedRequest{Name: "write unhashed", Method: http.MethodPut, URL: appdata, JSON: map[string]any{key + "_2": "2"}})
			}
			got := sign(t, reqs)

			accepted := func(name, body string) {
				t.Helper()
				r := got[name]
				assert.Equal(t, http.StatusOK, r.Status, "%s: %s %s", name, r.WWWAuthenticate, r.Body)
				assert.Equal(t, body, r.Body, name)
				params := oauthParams(r.Authorization)
				assert.Equal(t, "HMAC-SHA1", params["oauth_signature_method"], name)
				assert.Equal(t, mixiConsumerKey, params["oauth_consumer_key"], name)
			}
			accepted("self", wantSelf)
			accepted("friends", wantFriends)
			accepted("write", `{"entry":{}}`)
			assert.NotEmpty(t, oauthParams(got["write"].Authorization)["oauth_body_hash"], "the JSON body is signed through oauth_body_hash")
			var read struct {
				Entry map[string]map[string]string `json:"entry"`
			}
			require.Equal(t, http.StatusOK, got["read"].Status, got["read"].Body)
			require.NoError(t, json.Unmarshal([]byte(got["read"].Body), &read))
			assert.Equal(t, map[string]map[string]string{mixiViewer: {key: value}}, read.Entry, "the write arrived intact")

			for _, name := range []string{"tampered signature", "tampered body"} {
				r := got[name]
				assert.Equal(t, http.StatusUnauthorized, r.Status, name)
				assert.True(t, strings.HasPrefix(r.WWWAuthenticate, `OAuth realm="http://api.mixi-platform.com/", oauth_problem="signature_invalid"`),
					"%s: %s", name, r.WWWAuthenticate)
				assert.Contains(t, r.Body, "oauth_problem=signature_invalid", name)
			}
			if c.lib == "node" {
				accepted("write unhashed", `{"entry":{}}`)
				assert.NotContains(t, oauthParams(got["write unhashed"].Authorization), "oauth_body_hash")
			}
		})
	}
}

// oauthParams parses an "OAuth k="v", …" header (values percent-decoded).
func oauthParams(header string) map[string]string {
	out := map[string]string{}
	rest, ok := strings.CutPrefix(header, "OAuth ")
	if !ok {
		return out
	}
	for _, kv := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok {
			continue
		}
		if dv, err := url.PathUnescape(strings.Trim(v, `"`)); err == nil {
			out[k] = dv
		}
	}
	return out
}

package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSIGTERMUnderLoadShouldDrainAndSaveWholeState starts the built binary
// with -state-file, holds reads and writes in flight with injected latency,
// and sends SIGTERM while they sleep: every in-flight request must be
// answered (the writes included), the process must exit 0 within 5 s, and
// the state file must be whole JSON that holds those writes and loads again.
func TestSIGTERMUnderLoadShouldDrainAndSaveWholeState(t *testing.T) {
	t.Parallel()
	bin := fakeapiBinary(t)
	state := filepath.Join(t.TempDir(), "state.json")
	p := startProcess(t, exec.Command(bin, "-addr", "127.0.0.1:0", "-state-file", state, "-log-level", "warn", "-rate-limits=false"))
	admin := p.base + "/_fakeapi/"
	const kii = "/kii/api/apps/da0b6a25"
	kiiHdr := []string{"Content-Type", "application/json", "X-Kii-AppID", "da0b6a25", "X-Kii-AppKey", "8174099687a26621f4e2cdd7cc03b3da"}
	iijmioHdr := []string{"X-IIJmio-Developer", "MioponDemoApp000001", "X-IIJmio-Authorization", "MioTaroDemoToken0000000000000001"}

	// Every matching request sleeps 1.5 s before its handler runs, so
	// writes land after SIGTERM.
	for _, rule := range []string{
		`{"provider":"kii","method":"POST","path":"*/users","latency":"1500ms"}`,
		`{"provider":"iijmio","method":"GET","path":"/mobile/d/v1/coupon/","latency":"1500ms"}`,
	} {
		status, body := call(t, "POST", admin+"faults", rule, "Content-Type", "application/json")
		require.Equal(t, http.StatusCreated, status, "%s", body)
	}

	const writes, reads = 8, 8
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: writes + reads}, Timeout: 20 * time.Second}
	type result struct {
		what   string
		status int
		err    error
	}
	results := make(chan result, writes+reads)
	var wg sync.WaitGroup
	send := func(what, method, url, body string, hdr []string) {
		defer wg.Done()
		req, err := http.NewRequest(method, url, strings.NewReader(body))
		if err != nil {
			results <- result{what, 0, err}
			return
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := client.Do(req)
		if err != nil {
			results <- result{what, 0, err}
			return
		}
		_ = resp.Body.Close()
		results <- result{what, resp.StatusCode, nil}
	}
	for i := range writes {
		wg.Add(1)
		go send(fmt.Sprintf("register drain_%d", i), "POST", p.base+kii+"/users",
			fmt.Sprintf(`{"loginName":"drain_%d","password":"drain-pass-%d"}`, i, i), kiiHdr)
	}
	for i := range reads {
		wg.Add(1)
		go send(fmt.Sprintf("coupon GET %d", i), "GET", p.base+"/iijmio/mobile/d/v1/coupon/", "", iijmioHdr)
	}

	// Let every request reach its injected sleep, then ask the process to stop.
	time.Sleep(400 * time.Millisecond)
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, p.wait(t, 5*time.Second), "should exit 0 within 5 s of SIGTERM; stderr: %s", p.stderr)

	wg.Wait()
	close(results)
	for r := range results {
		if assert.NoError(t, r.err, "%s should be answered, not cut off", r.what) {
			want := http.StatusOK
			if strings.HasPrefix(r.what, "register") {
				want = http.StatusCreated
			}
			assert.Equal(t, want, r.status, r.what)
		}
	}

	data, err := os.ReadFile(state)
	require.NoError(t, err)
	require.True(t, json.Valid(data), "the state file should be whole JSON")
	var doc struct {
		Kii struct {
			Apps []struct {
				AppID string `json:"appID"`
				Users []struct {
					LoginName string `json:"loginName"`
				} `json:"users"`
			} `json:"apps"`
		} `json:"kii"`
	}
	require.NoError(t, json.Unmarshal(data, &doc))
	saved := map[string]bool{}
	for _, app := range doc.Kii.Apps {
		for _, u := range app.Users {
			saved[u.LoginName] = true
		}
	}
	for i := range writes {
		assert.True(t, saved[fmt.Sprintf("drain_%d", i)], "drain_%d was written during the drain and should be saved", i)
	}
	entries, err := os.ReadDir(filepath.Dir(state))
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file should be left beside the state file")

	// The file loads again: at start, and through the admin API.
	p2 := startProcess(t, exec.Command(bin, "-addr", "127.0.0.1:0", "-state-file", state, "-log-level", "warn"))
	status, body := call(t, "POST", p2.base+kii+"/oauth2/token", `{"grant_type":"password","username":"drain_7","password":"drain-pass-7"}`, kiiHdr...)
	assert.Equal(t, http.StatusOK, status, "a user registered during the drain should log in after a restart: %s", body)
	status, body = call(t, "PUT", p2.base+"/_fakeapi/state", string(data), "Content-Type", "application/json")
	assert.Equal(t, http.StatusOK, status, "the saved file should import through the admin API: %s", body)
	require.NoError(t, p2.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, p2.wait(t, 5*time.Second))
}

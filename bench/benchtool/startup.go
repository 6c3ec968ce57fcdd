package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// headerFlags collects repeated -H "Name: value" flags.
type headerFlags []string

func (h *headerFlags) String() string     { return strings.Join(*h, ", ") }
func (h *headerFlags) Set(v string) error { *h = append(*h, v); return nil }

// StartupResult is one line of results.jsonl for a cold-start series.
type StartupResult struct {
	Kind            string    `json:"kind"` // "startup"
	Name            string    `json:"name"`
	StartMS         []float64 `json:"startMs"`
	MedianStartMS   float64   `json:"medianStartMs"`
	IdleRSSKB       []int     `json:"idleRssKb"`
	MedianIdleRSSKB int       `json:"medianIdleRssKb"`
}

var baseRE = regexp.MustCompile(`https?://[^/\s]+`)

// runStartup starts the command n times and measures, each time, the wall
// time from exec to the first 200 on -path, then the resident set after
// -idle of rest.
func runStartup(args []string) error {
	fs := flag.NewFlagSet("startup", flag.ContinueOnError)
	n := fs.Int("n", 10, "starts")
	name := fs.String("name", "", "series name in the report")
	path := fs.String("path", "/_fakeapi/health", "path that must answer 200")
	idle := fs.Duration("idle", time.Second, "rest before reading the idle RSS")
	var hdr headerFlags
	fs.Var(&hdr, "H", `request header "Name: value" (repeatable)`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New("startup: want -- BINARY ARGS…")
	}
	res := StartupResult{Kind: "startup", Name: *name}
	for range *n {
		ms, rss, err := startOnce(fs.Args(), *path, hdr, *idle)
		if err != nil {
			return err
		}
		res.StartMS = append(res.StartMS, ms)
		res.IdleRSSKB = append(res.IdleRSSKB, rss)
	}
	res.MedianStartMS = medianF(res.StartMS)
	res.MedianIdleRSSKB = int(medianF(intsToF(res.IdleRSSKB)))
	return json.NewEncoder(os.Stdout).Encode(res)
}

func startOnce(argv []string, path string, hdr []string, idle time.Duration) (float64, int, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stderr = nil
	out, err := cmd.StdoutPipe()
	if err != nil {
		return 0, 0, err
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		lines <- line
	}()
	var base string
	select {
	case line := <-lines:
		base = baseRE.FindString(line)
		if base == "" {
			return 0, 0, fmt.Errorf("%s: no URL in the ready line %q", argv[0], line)
		}
	case <-time.After(30 * time.Second):
		return 0, 0, fmt.Errorf("%s: no ready line within 30s", argv[0])
	}
	var elapsed time.Duration
	for {
		req, err := http.NewRequest(http.MethodGet, base+path, nil)
		if err != nil {
			return 0, 0, err
		}
		for _, h := range hdr {
			k, v, _ := strings.Cut(h, ":")
			req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
		}
		resp, err := client.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				elapsed = time.Since(t0)
				break
			}
		}
		if time.Since(t0) > 30*time.Second {
			return 0, 0, fmt.Errorf("%s: no 200 on %s within 30s (last: %v)", argv[0], path, err)
		}
		time.Sleep(200 * time.Microsecond)
	}
	time.Sleep(idle)
	rss, err := rssKB(cmd.Process.Pid)
	if err != nil {
		return 0, 0, err
	}
	return float64(elapsed.Microseconds()) / 1000, rss, nil
}

// rssKB reads VmRSS of a process.
func rssKB(pid int) (int, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
		}
	}
	return 0, fmt.Errorf("no VmRSS for pid %d", pid)
}

func medianF(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func intsToF(xs []int) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = float64(x)
	}
	return out
}

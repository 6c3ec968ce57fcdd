// Command pprofserver serves the emulator the way cmd/fakeapi does (same
// emulator.Config fields, same http.Server timeouts) plus net/http/pprof on a
// second address, for profiling under wrk:
//
//	go run ./bench/pprofserver -addr 127.0.0.1:8080 -pprof 127.0.0.1:6060 &
//	wrk -t2 -c32 -d10s -s bench/wrk/requests.lua http://127.0.0.1:8080 -- FILE 2 &
//	go tool pprof -top http://127.0.0.1:6060/debug/pprof/profile?seconds=5
//
// It is a measuring aid only; the figures in docs/PERFORMANCE.md come from
// the real binary (bench/run.sh).
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"os"
	"time"

	"github.com/fakeapi/fakeapi/emulator"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "emulator address")
	paddr := flag.String("pprof", "127.0.0.1:6060", "pprof address")
	fixtures := flag.String("fixtures", "", "directory of <provider>.json files")
	rateLimits := flag.Bool("rate-limits", false, "enforce IIJmio's rate limits")
	level := flag.String("log-level", "warn", "debug, info, warn or error")
	flag.Parse()

	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*level)); err != nil {
		fail(err)
	}
	cfg := emulator.Config{
		Log:               slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl})),
		DisableRateLimits: !*rateLimits,
	}
	if *fixtures != "" {
		cfg.Fixtures, cfg.FixturesName = os.DirFS(*fixtures), *fixtures
	}
	e, err := emulator.New(cfg)
	if err != nil {
		fail(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	go func() { fail(http.ListenAndServe(*paddr, mux)) }()
	srv := &http.Server{Addr: *addr, Handler: e, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 90 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10}
	fmt.Printf("pprofserver ready: http://%s/ pprof=http://%s/debug/pprof/\n", *addr, *paddr)
	fail(srv.ListenAndServe())
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "pprofserver:", err)
	os.Exit(1)
}

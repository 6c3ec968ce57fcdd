package main

import (
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	_ "net/http/pprof"
	"os"

	"github.com/fakeapi/fakeapi/emulator"
)

type Route struct {
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    []byte            `json:"body"`
}

func main() {
	addr := flag.String("addr", "127.0.0.1:18090", "")
	paddr := flag.String("pprof", "127.0.0.1:6060", "")
	man := flag.String("manifest", "", "")
	flag.Parse()
	go http.ListenAndServe(*paddr, nil)
	if *man != "" {
		data, _ := os.ReadFile(*man)
		var m struct{ Routes []Route }
		json.Unmarshal(data, &m)
		ans := map[string]Route{}
		hs := map[string]http.Header{}
		for _, r := range m.Routes {
			ans[r.Method+" "+r.Path] = r
			h := http.Header{}
			for k, v := range r.Headers {
				h.Set(k, v)
			}
			hs[r.Method+" "+r.Path] = h
		}
		panic(http.ListenAndServe(*addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			k := r.Method + " " + r.URL.Path
			a := ans[k]
			for k, v := range hs[k] {
				w.Header()[k] = v
			}
			w.WriteHeader(a.Status)
			w.Write(a.Body)
		})))
	}
	cfg := emulator.Config{DisableRateLimits: true, Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	e, err := emulator.New(cfg)
	if err != nil {
		panic(err)
	}
	panic(http.ListenAndServe(*addr, e))
}

// Command baseline is the yardstick of bench/run.sh: a minimal net/http
// server that answers each benchmarked route with the bytes the emulator
// answered it with (status, headers and body, captured once by benchtool
// manifest), straight from memory. It does no routing beyond one map look-up,
// no authentication and no state, so the emulator's figures divided by its
// figures are the price of being an emulator.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Route is one captured answer. Body is base64 in the manifest (encoding/json's []byte).
type Route struct {
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    []byte            `json:"body"`
}

// Manifest is the file written by benchtool manifest.
type Manifest struct {
	Routes []Route `json:"routes"`
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "baseline:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("baseline", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	manifest := fs.String("manifest", "", "routes captured by benchtool manifest (JSON)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	answers := map[string]answer{}
	if *manifest != "" {
		data, err := os.ReadFile(*manifest)
		if err != nil {
			return err
		}
		var m Manifest
		if err := json.Unmarshal(data, &m); err != nil {
			return fmt.Errorf("%s: %w", *manifest, err)
		}
		for _, r := range m.Routes {
			h := http.Header{}
			for k, v := range r.Headers {
				h.Set(k, v)
			}
			answers[r.Method+" "+r.Path] = answer{status: r.Status, header: h, body: r.Body}
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler(answers), ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("baseline ready: http://%s/\n", ln.Addr())
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		_ = srv.Shutdown(context.Background())
	}()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}

// handler answers from the map; the request body is read, as a real
// handler would, so keep-alive costs the same.
func handler(answers map[string]answer) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		a, ok := answers[r.Method+" "+r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		for k, v := range a.header {
			h[k] = v
		}
		w.WriteHeader(a.status)
		_, _ = w.Write(a.body)
	}
}

package emulator

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/httpx"
	"github.com/fakeapi/fakeapi/internal/journal"
	"github.com/fakeapi/fakeapi/internal/provider"
)

// recorder remembers what a handler wrote, for the journal and the access
// log, and whether a panic can still be answered.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (rec *recorder) WriteHeader(code int) {
	if rec.status == 0 {
		rec.status = code
	}
	rec.ResponseWriter.WriteHeader(code)
}

func (rec *recorder) Write(b []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	n, err := rec.ResponseWriter.Write(b)
	rec.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection.
func (rec *recorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }

// serveProvider runs the root middleware around one provider request: orig is
// the request as received (for the journal); the provider sees it mounted at
// base ("/<name>" or "" under a real host) with the path rest.
func (e *Emulator) serveProvider(w http.ResponseWriter, orig *http.Request, p *provider.Instance, base, rest string) {
	start := clock.Real{}.Now()
	rid := orig.Header.Get("X-Request-Id")
	if !validRequestID(rid) {
		rid = e.ids.Hex(8)
	}
	w.Header().Set("X-Request-Id", rid)
	// net/http would write the wall clock's Date; a client that checks
	// Date against token expiry or cache age must see the emulator's time,
	// the time the bodies speak of.
	w.Header().Set("Date", e.clk.Now().UTC().Format(http.TimeFormat))
	rec := &recorder{ResponseWriter: w}
	r := providerRequest(orig, base, rest)
	fault := ""

	defer func() {
		v := recover()
		if v != nil && v != http.ErrAbortHandler {
			e.cfg.Log.Error("panic serving request", "provider", p.Name, "method", r.Method, "path", r.URL.Path,
				"requestId", rid, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if rec.status == 0 {
				p.WriteError(rec, r, http.StatusInternalServerError)
			}
		}
		status := rec.status
		if v == http.ErrAbortHandler {
			status = 0 // the connection was dropped; nothing was answered
		} else if status == 0 {
			status = http.StatusOK
		}
		e.record(orig, rec, p.Name, rid, status, fault, start)
		if v == http.ErrAbortHandler {
			panic(v)
		}
	}()

	if orig.ContentLength > e.cfg.MaxBody {
		p.WriteError(rec, r, http.StatusRequestEntityTooLarge)
		return
	}
	if a, ok := e.faults.Match(p.Name, r.Method, r.URL.Path); ok {
		fault = a.RuleID
		if a.Latency > 0 && !sleep(r.Context(), a.Latency) {
			return
		}
		switch {
		case a.Drop:
			panic(http.ErrAbortHandler)
		case a.Status != 0:
			p.WriteError(rec, r, a.Status)
			return
		}
	}
	httpx.LimitBody(e.cfg.MaxBody)(p.Handler).ServeHTTP(rec, r)
}

// validRequestID accepts a caller's X-Request-Id of 1 to 128 visible ASCII
// characters: it is echoed in a response header and written to the log and
// the journal, so a CR, LF or other control byte must not pass.
func validRequestID(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '!' || s[i] > '~' {
			return false
		}
	}
	return true
}

// sleep waits d unless the client goes away first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// record adds the request to the journal and the access log.
func (e *Emulator) record(r *http.Request, rec *recorder, name, rid string, status int, fault string, start time.Time) {
	took := time.Since(start)
	mask := e.maskers[name]
	e.journal.Add(journal.Entry{
		Time:            e.clk.Now(),
		RequestID:       rid,
		Provider:        name,
		Host:            r.Host,
		Method:          r.Method,
		Path:            r.URL.Path,
		Query:           mask.Query(r.URL.RawQuery),
		Headers:         mask.Headers(r.Header),
		Status:          status,
		ResponseHeaders: mask.Headers(rec.Header()),
		Bytes:           rec.bytes,
		DurationMS:      float64(took.Microseconds()) / 1000,
		Fault:           fault,
	})
	if !e.cfg.Log.Enabled(r.Context(), slog.LevelInfo) {
		return
	}
	attrs := []slog.Attr{
		slog.String("provider", name),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", status),
		slog.Int64("bytes", rec.bytes),
		slog.Duration("duration", took),
		slog.String("requestId", rid),
	}
	if fault != "" {
		attrs = append(attrs, slog.String("fault", fault))
	}
	e.cfg.Log.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
}

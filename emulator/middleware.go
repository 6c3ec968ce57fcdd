package emulator

import (
	"context"
	"fmt"
	"io"
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
	body   capped // the first journal.MaxBody bytes written
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
	rec.body.Write(b[:n])
	return n, err
}

// capped keeps the first journal.MaxBody bytes written to it.
type capped struct {
	b         []byte
	truncated bool
}

func (c *capped) Write(p []byte) (int, error) {
	room := journal.MaxBody - len(c.b)
	if len(p) > room {
		p, c.truncated = p[:room], true
	}
	c.b = append(c.b, p...)
	return len(p), nil
}

// teeBody copies what a handler reads of the request body into a capped
// buffer, for the journal.
type teeBody struct {
	io.ReadCloser
	copy *capped
}

func (t teeBody) Read(p []byte) (int, error) {
	n, err := t.ReadCloser.Read(p)
	t.copy.Write(p[:n])
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
	reqBody := new(capped)
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = teeBody{r.Body, reqBody}
	}
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
		e.record(orig, r, rec, reqBody, p.Name, base, rid, status, fault, start)
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
func (e *Emulator) record(r, pr *http.Request, rec *recorder, reqBody *capped, name, base, rid string, status int, fault string, start time.Time) {
	took := time.Since(start)
	mask := e.maskers[name]

	e.journal.Add(journal.Entry{
		Time:            e.clk.Now(),
		RequestID:       rid,
		Provider:        name,
		Host:            r.Host,
		Method:          r.Method,
		Base:            base,
		Path:            pr.URL.Path,
		Query:           mask.Query(r.URL.RawQuery),
		Headers:         mask.Headers(r.Header),
		Status:          status,
		ResponseHeaders: mask.Headers(rec.Header()),
		Bytes:           rec.bytes,
		DurationMS:      float64(took.Microseconds()) / 1000,
		Fault:           fault,
		BodyTruncated:   reqBody.truncated || rec.body.truncated,
	}.WithBodies(mask, r.Header.Get("Content-Type"), reqBody.b, rec.Header().Get("Content-Type"), rec.body.b,
		rec.Header().Get("Content-Encoding") != ""))
	if status == http.StatusTooManyRequests && fault == "" {
		e.rateLimitHint.Do(func() {
			e.cfg.Log.Warn("a provider answered 429 Too Many Requests, as the real service would at this rate; "+
				"-rate-limits=false switches IIJmio's limits off, and Assist throttles only with -assist-throttle or its fixture's settings.throttle",
				"provider", name, "path", pr.URL.Path)
		})
	}
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

// Package httpx holds the HTTP plumbing every provider shares:
// body caps, JSON decoding and encoding that never writes half a response,
// HTML rendering into a buffer, the mount base of a request and client
// addresses. It knows no provider; each provider wraps these with its own
// byte format and error writer.
package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	jsonv2 "github.com/go-json-experiment/json"
	"html/template"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/netip"
	"strings"
	"unicode/utf8"
)

// DefaultMaxBody caps request bodies unless configured otherwise.
const DefaultMaxBody = 1 << 20

// LimitBody caps every request body at n bytes. Reads past the cap fail
// with *http.MaxBytesError, which providers turn into their own 413.
func LimitBody(n int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > n {
				// Decided before reading: the body will not fit.
				r.Body = http.MaxBytesReader(w, io.NopCloser(strings.NewReader("")), 0)
				r = r.WithContext(context.WithValue(r.Context(), tooLargeKey{}, true))
			} else if r.Body != nil && r.Body != http.NoBody {
				r.Body = http.MaxBytesReader(w, r.Body, n)
			}
			next.ServeHTTP(w, r)
		})
	}
}

type tooLargeKey struct{}

// DeclaredTooLarge reports whether the request's Content-Length already
// exceeded the cap, so a handler can answer 413 without reading.
func DeclaredTooLarge(r *http.Request) bool {
	v, _ := r.Context().Value(tooLargeKey{}).(bool)
	return v
}

// ErrTooLarge is returned by the readers here when the body passed the cap.
var ErrTooLarge = errors.New("request body too large")

// ErrBodyRead wraps any other failure to read a body: the client hung up
// mid-body or stalled past the server's read timeout. It is the client's
// fault, so providers answer it with their 400, never a 500.
var ErrBodyRead = errors.New("could not read the request body")

// IsTooLarge reports whether err came from a capped body.
func IsTooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe) || errors.Is(err, ErrTooLarge)
}

// ReadBody reads the whole (capped) body.
func ReadBody(r *http.Request) ([]byte, error) {
	if DeclaredTooLarge(r) {
		return nil, ErrTooLarge
	}
	if r.Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(r.Body)
	if IsTooLarge(err) {
		return nil, ErrTooLarge
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBodyRead, err)
	}
	return b, nil
}

// ErrBadJSON wraps every JSON decoding failure of DecodeJSON.
var ErrBadJSON = errors.New("malformed JSON body")

// DecodeJSON reads the body as exactly one JSON value into v. Errors wrap
// ErrTooLarge or ErrBadJSON so a provider can map them to its own body.
func DecodeJSON(r *http.Request, v any, disallowUnknown bool) error {
	b, err := ReadBody(r)
	if err != nil {
		return err
	}
	return UnmarshalStrict(b, v, disallowUnknown)
}

// UnmarshalStrict decodes exactly one JSON value from b into v, with
// go-json-experiment/json: trailing data, duplicate names and invalid UTF-8
// are refused; names match in any case, as clients of the admin API and
// older encoding/json callers expect.
func UnmarshalStrict(b []byte, v any, disallowUnknown bool) error {
	if err := jsonv2.Unmarshal(b, v, jsonv2.RejectUnknownMembers(disallowUnknown), jsonv2.MatchCaseInsensitiveNames(true)); err != nil {
		return errors.Join(ErrBadJSON, err)
	}
	return nil
}

// MediaType returns the request's media type, lower-cased, without parameters.
func MediaType(r *http.Request) string {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(strings.SplitN(ct, ";", 2)[0]))
	}
	return mt
}

// WriteJSON marshals v before touching the response, so a marshal failure is
// still a clean 500, then writes status and body. extra headers are set first.
func WriteJSON(w http.ResponseWriter, status int, contentType string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		slog.Default().Error("httpx: marshal response", "err", err)
		http.Error(w, `{"error":"internal error"}`, http.StatusInternalServerError)
		return
	}
	WriteBytes(w, status, contentType, b)
}

// WriteBytes writes a ready body with its length.
func WriteBytes(w http.ResponseWriter, status int, contentType string, body []byte) {
	h := w.Header()
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	h.Set("Content-Length", itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// AdminError writes the admin API's error shape, {"error": "..."}.
func AdminError(w http.ResponseWriter, status int, msg string) {
	WriteJSON(w, status, "application/json; charset=utf-8", map[string]string{"error": Clip(msg, MaxMessage)})
}

// MaxMessage is the longest admin error message: an input quoted into one
// must not turn a large bad request into an equally large answer.
const MaxMessage = 1024

// Clip shortens s to at most n bytes (not splitting a UTF-8 sequence),
// marking the cut with "…".
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// PageHeaders are set on every HTML page a person uses (docs/oauth.md,
// "Browser sessions"):
// no framing, no referrer, no caching.
func PageHeaders(h http.Header) {
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "frame-ancestors 'none'")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
}

// RenderHTML executes the named template into a buffer first,
// so a template error is a clean 500 and never half a page.
func RenderHTML(w http.ResponseWriter, status int, t *template.Template, name string, data any) error {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		return err
	}
	PageHeaders(w.Header())
	WriteBytes(w, status, "text/html; charset=utf-8", buf.Bytes())
	return nil
}

type baseKey struct{}

// WithBase records the path prefix the request arrived under ("/iijmio" when
// addressed by prefix, "" when addressed by the provider's real host name),
// so pages, redirects and cookies point back to the same place.
func WithBase(r *http.Request, base string) *http.Request {
	return r.WithContext(BaseContext(r.Context(), base))
}

// BaseContext is WithBase's context, for a caller that copies the request
// anyway (the emulator root strips the prefix in the same copy).
func BaseContext(ctx context.Context, base string) context.Context {
	return context.WithValue(ctx, baseKey{}, base)
}

// Base returns the prefix recorded by WithBase.
func Base(r *http.Request) string {
	base, _ := r.Context().Value(baseKey{}).(string)
	return base
}

// CookiePath is the cookie Path for the provider's mount point.
func CookiePath(r *http.Request) string {
	if b := Base(r); b != "" {
		return b
	}
	return "/"
}

// RemoteAddr is the address of the peer that sent the request.
func RemoteAddr(r *http.Request) (netip.Addr, bool) {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		a, err := netip.ParseAddr(r.RemoteAddr)
		return a.Unmap(), err == nil
	}
	return ap.Addr().Unmap(), true
}

// ClientAddr is the client's address: the peer, or with trustProxy the
// right-most valid address in X-Forwarded-For, the one our trusted proxy
// appended. Entries to its left were sent by the client and can be forged.
func ClientAddr(r *http.Request, trustProxy bool) (netip.Addr, bool) {
	if trustProxy {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			all := strings.Join(xff, ",")
			last := strings.TrimSpace(all[strings.LastIndexByte(all, ',')+1:])
			if a, err := netip.ParseAddr(last); err == nil {
				return a.Unmap().WithZone(""), true
			}
		}
	}
	return RemoteAddr(r)
}

// Scheme is "https" for TLS requests and "http" otherwise.
func Scheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

// Package journal keeps the last requests the emulator served, with secrets
// masked, in a bounded ring buffer for GET /_fakeapi/journal.
package journal

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Entry is one request and its response.
type Entry struct {
	Seq             int64             `json:"seq"`
	Time            time.Time         `json:"time"`
	RequestID       string            `json:"requestId"`
	Provider        string            `json:"provider"`
	Host            string            `json:"host"`
	Method          string            `json:"method"`
	Path            string            `json:"path"`
	Query           string            `json:"query,omitempty"`
	Headers         map[string]string `json:"headers,omitempty"`
	Status          int               `json:"status"`
	ResponseHeaders map[string]string `json:"responseHeaders,omitempty"`
	Bytes           int64             `json:"bytes"`
	DurationMS      float64           `json:"durationMs"`
	Fault           string            `json:"fault,omitempty"`

	// RawQuery, RawHeaders and RawResponseHeaders, when set, are masked
	// into Query, Headers and ResponseHeaders when the entry is listed
	// rather than when it is added: masking every request up front cost the
	// hot path more than the rest of the root middleware (docs/PERFORMANCE.md).
	// The maps must not change after Add.
	RawQuery           string      `json:"-"`
	RawHeaders         http.Header `json:"-"`
	RawResponseHeaders http.Header `json:"-"`
}

// masked returns e with its raw parts masked into the listed fields.
func (e Entry) masked() Entry {
	if e.RawQuery != "" {
		e.Query = MaskQuery(e.RawQuery)
	}
	if e.RawHeaders != nil {
		e.Headers = MaskHeaders(e.RawHeaders)
	}
	if e.RawResponseHeaders != nil {
		e.ResponseHeaders = MaskHeaders(e.RawResponseHeaders)
	}
	e.RawQuery, e.RawHeaders, e.RawResponseHeaders = "", nil, nil
	return e
}

// Filter selects entries; empty fields match everything.
type Filter struct {
	Provider string
	Method   string
	Path     string // a prefix of Path
	Limit    int    // the newest Limit entries; 0 for all
}

// Journal is a fixed-size ring of entries.
type Journal struct {
	mu   sync.Mutex // guards buf, next, full and seq
	buf  []Entry
	next int
	full bool
	seq  int64
}

// New returns a journal that keeps the last size entries.
func New(size int) *Journal {
	if size < 1 {
		size = 1
	}
	return &Journal{buf: make([]Entry, size)}
}

// Add records e, assigning its sequence number.
func (j *Journal) Add(e Entry) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.seq++
	e.Seq = j.seq
	j.buf[j.next] = e
	j.next++
	if j.next == len(j.buf) {
		j.next = 0
		j.full = true
	}
}

// List returns the matching entries, oldest first, with secrets masked.
func (j *Journal) List(f Filter) []Entry {
	j.mu.Lock()
	var all []Entry
	if j.full {
		all = append(all, j.buf[j.next:]...)
	}
	all = append(all, j.buf[:j.next]...)
	j.mu.Unlock()
	out := all[:0]
	for _, e := range all {
		if (f.Provider == "" || e.Provider == f.Provider) &&
			(f.Method == "" || strings.EqualFold(e.Method, f.Method)) &&
			(f.Path == "" || strings.HasPrefix(e.Path, f.Path)) {
			out = append(out, e)
		}
	}
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[len(out)-f.Limit:]
	}
	for i := range out {
		out[i] = out[i].masked()
	}
	return out
}

// Clear forgets every entry.
func (j *Journal) Clear() {
	j.mu.Lock()
	defer j.mu.Unlock()
	clear(j.buf)
	j.next, j.full = 0, false
}

const masked = "***"

// secretHeaders are replaced entirely; their scheme word is kept.
var secretHeaders = map[string]bool{
	"Authorization":          true,
	"Proxy-Authorization":    true,
	"X-Iijmio-Authorization": true,
	"Cookie":                 true,
	"Set-Cookie":             true,
	"X-Kii-Appkey":           true,
	"X-Fakeapi-Token":        true,
}

// secretParams are masked in queries, fragments and Location headers.
var secretParams = map[string]bool{
	"password": true, "client_secret": true, "access_token": true, "refresh_token": true,
	"code": true, "oauth_signature": true, "token": true, "csrf_token": true,
	"newpassword": true, "oldpassword": true, "appkey": true,
}

// MaskHeaders copies h into a flat map with secrets masked.
func MaskHeaders(h http.Header) map[string]string {
	if len(h) == 0 {
		return nil
	}
	out := make(map[string]string, len(h))
	for k, vs := range h {
		v := strings.Join(vs, ", ")
		switch {
		case secretHeaders[k]:
			if scheme, _, ok := strings.Cut(v, " "); ok && (k == "Authorization" || k == "Proxy-Authorization") {
				v = scheme + " " + masked
			} else {
				v = masked
			}
		case k == "Location":
			v = MaskURL(v)
		}
		out[k] = v
	}
	return out
}

// MaskQuery masks secret parameters of a query string, keeping the order.
func MaskQuery(q string) string {
	if q == "" {
		return ""
	}
	parts := strings.Split(q, "&")
	for i, p := range parts {
		k, _, ok := strings.Cut(p, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			key = k
		}
		if ok && secretParams[strings.ToLower(key)] {
			parts[i] = k + "=" + masked
		}
	}
	return strings.Join(parts, "&")
}

// MaskURL masks secret parameters in a URL's query and fragment.
func MaskURL(s string) string {
	rest, frag, hasFrag := strings.Cut(s, "#")
	base, q, hasQ := strings.Cut(rest, "?")
	out := base
	if hasQ {
		out += "?" + MaskQuery(q)
	}
	if hasFrag {
		out += "#" + MaskQuery(frag)
	}
	return out
}

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
	// Add copies the maps' contents; listed entries never carry them.
	RawQuery           string      `json:"-"`
	RawHeaders         http.Header `json:"-"`
	RawResponseHeaders http.Header `json:"-"`
}

// Filter selects entries; empty fields match everything.
type Filter struct {
	Provider string
	Method   string
	Path     string // a prefix of Path
	Limit    int    // the newest Limit entries; 0 for all
}

func (f Filter) match(e *Entry) bool {
	return (f.Provider == "" || e.Provider == f.Provider) &&
		(f.Method == "" || strings.EqualFold(e.Method, f.Method)) &&
		(f.Path == "" || strings.HasPrefix(e.Path, f.Path))
}

// Journal is a fixed-size ring of entries.
type Journal struct {
	mu   sync.Mutex // guards buf, next, full and seq
	buf  []slot
	next int
	full bool
	seq  int64
}

// slot is one entry of the ring. The raw header maps are copied into text,
// which the slot reuses: keeping the request's and the response's header
// maps alive for the journal's thousand requests was half the emulator's
// live heap, all of it pointers for the garbage collector to follow
// (docs/PERFORMANCE.md); text and the field offsets hold none.
type slot struct {
	e          Entry // without RawHeaders and RawResponseHeaders
	text       []byte
	req, resp  []field
	raw, rawRs bool // whether RawHeaders, RawResponseHeaders were set
}

// field is one header in text: name text[k:v], value text[v:end].
type field struct{ k, v, end uint32 }

// maxKept is the largest text a slot keeps for reuse; an entry with larger
// headers gets a buffer of its own, so one huge request does not pin its
// size in a slot for good.
const maxKept = 8 << 10

// New returns a journal that keeps the last size entries.
func New(size int) *Journal {
	if size < 1 {
		size = 1
	}
	return &Journal{buf: make([]slot, size)}
}

// Add records e, assigning its sequence number. Its raw header maps are
// copied: they may change after Add returns.
func (j *Journal) Add(e Entry) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.seq++
	e.Seq = j.seq
	s := &j.buf[j.next]
	if cap(s.text) > maxKept {
		s.text, s.req, s.resp = nil, nil, nil
	}
	s.text = s.text[:0]
	s.req, s.text = appendFields(s.req[:0], s.text, e.RawHeaders)
	s.resp, s.text = appendFields(s.resp[:0], s.text, e.RawResponseHeaders)
	s.raw, s.rawRs = e.RawHeaders != nil, e.RawResponseHeaders != nil
	e.RawHeaders, e.RawResponseHeaders = nil, nil
	s.e = e
	j.next++
	if j.next == len(j.buf) {
		j.next = 0
		j.full = true
	}
}

// appendFields copies h into text as MaskHeaders sees it: one value per
// name, several joined by ", ".
func appendFields(fs []field, text []byte, h http.Header) ([]field, []byte) {
	for k, vs := range h {
		f := field{k: uint32(len(text))}
		text = append(text, k...)
		f.v = uint32(len(text))
		for i, v := range vs {
			if i > 0 {
				text = append(text, ", "...)
			}
			text = append(text, v...)
		}
		f.end = uint32(len(text))
		fs = append(fs, f)
	}
	return fs, text
}

// maskedFields builds the listed header map of fields, secrets masked.
func maskedFields(text []byte, fs []field) map[string]string {
	if len(fs) == 0 {
		return nil
	}
	out := make(map[string]string, len(fs))
	for _, f := range fs {
		k := string(text[f.k:f.v])
		out[k] = maskHeader(k, string(text[f.v:f.end]))
	}
	return out
}

// listed is the slot's entry with its raw parts masked into the listed
// fields. The headers are built here, under the journal's lock, because
// the slot's text is reused by the next Add.
func (s *slot) listed() Entry {
	e := s.e
	if e.RawQuery != "" {
		e.Query = MaskQuery(e.RawQuery)
	}
	if s.raw {
		e.Headers = maskedFields(s.text, s.req)
	}
	if s.rawRs {
		e.ResponseHeaders = maskedFields(s.text, s.resp)
	}
	e.RawQuery = ""
	return e
}

// List returns the matching entries, oldest first, with secrets masked.
func (j *Journal) List(f Filter) []Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	var idx []int
	if j.full {
		for i := j.next; i < len(j.buf); i++ {
			if f.match(&j.buf[i].e) {
				idx = append(idx, i)
			}
		}
	}
	for i := 0; i < j.next; i++ {
		if f.match(&j.buf[i].e) {
			idx = append(idx, i)
		}
	}
	if f.Limit > 0 && len(idx) > f.Limit {
		idx = idx[len(idx)-f.Limit:]
	}
	out := make([]Entry, len(idx))
	for n, i := range idx {
		out[n] = j.buf[i].listed()
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
		out[k] = maskHeader(k, strings.Join(vs, ", "))
	}
	return out
}

// maskHeader masks the value v of header k.
func maskHeader(k, v string) string {
	switch {
	case secretHeaders[k]:
		if scheme, _, ok := strings.Cut(v, " "); ok && (k == "Authorization" || k == "Proxy-Authorization") {
			return scheme + " " + masked
		}
		return masked
	case k == "Location":
		return MaskURL(v)
	}
	return v
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

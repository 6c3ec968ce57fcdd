// Package journal keeps the last requests the emulator served, with secrets
// masked, in a bounded ring buffer for GET /_fakeapi/journal.
package journal

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-json-experiment/json/jsontext"
)

// Entry is one request and its response, with secrets already masked.
type Entry struct {
	Seq       int64     `json:"seq"`
	Time      time.Time `json:"time"`
	RequestID string    `json:"requestId"`
	Provider  string    `json:"provider"`
	Host      string    `json:"host"`
	Method    string    `json:"method"`
	// Base is the prefix the request came under ("/kii"), "" when it was
	// addressed by the provider's real host name; Path is the provider's
	// real path, the same path fault rules match.
	Base            string            `json:"base,omitempty"`
	Path            string            `json:"path"`
	Query           string            `json:"query,omitempty"`
	Headers         map[string]string `json:"headers,omitempty"`
	Status          int               `json:"status"`
	ResponseHeaders map[string]string `json:"responseHeaders,omitempty"`
	Bytes           int64             `json:"bytes"`
	DurationMS      float64           `json:"durationMs"`
	Fault           string            `json:"fault,omitempty"`
	// RequestBody and ResponseBody are the first MaxBody bytes of each body,
	// secrets masked; BodyTruncated marks a body cut there.
	RequestBody   string `json:"requestBody,omitempty"`
	ResponseBody  string `json:"responseBody,omitempty"`
	BodyTruncated bool   `json:"bodyTruncated,omitempty"`

	raw *rawBodies // masked into the two fields above when listed
}

// rawBodies are an entry's bodies as captured: the journal's own copies,
// masked only when the entry is listed, since reading a JSON body token by
// token on every request cost more than the rest of the journal.
type rawBodies struct {
	mask          Masker
	reqCT, respCT string
	req, resp     []byte
	skipResp      bool // the response was encoded (gzip): its bytes are not text
}

// WithBodies returns e carrying the bodies it recorded, masked with mask
// when listed. req and resp must be the journal's to keep: no one may
// write them afterwards.
func (e Entry) WithBodies(mask Masker, reqCT string, req []byte, respCT string, resp []byte, respEncoded bool) Entry {
	e.raw = &rawBodies{mask: mask, reqCT: reqCT, respCT: respCT, req: req, resp: resp, skipResp: respEncoded}
	return e
}

func (e Entry) masked() Entry {
	if e.raw == nil {
		return e
	}
	b := e.raw
	e.raw = nil
	e.RequestBody = b.mask.Body(b.reqCT, b.req)
	if !b.skipResp {
		e.ResponseBody = b.mask.Body(b.respCT, b.resp)
	}
	return e
}

// MaxBody is how much of each body an entry keeps: enough for any API call
// of the emulated providers, while a full journal stays a few MB.
const MaxBody = 4 << 10

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

// List returns the matching entries, oldest first.
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

// Masker masks the secrets of one provider's traffic: the HTTP-wide ones
// every provider shares, and the headers and parameters the provider
// declares (provider.Instance.Secrets).
type Masker struct {
	headers map[string]bool // canonical header names
	params  map[string]bool // lower-case parameter names
}

// NewMasker masks the given header and parameter names (any case) beside
// Authorization, Proxy-Authorization, Cookie, Set-Cookie and the admin
// token header.
func NewMasker(headers, params []string) Masker {
	m := Masker{
		headers: map[string]bool{
			"Authorization": true, "Proxy-Authorization": true, "Cookie": true, "Set-Cookie": true,
			"X-Fakeapi-Token": true,
		},
		params: map[string]bool{},
	}
	for _, h := range headers {
		m.headers[http.CanonicalHeaderKey(h)] = true
	}
	for _, p := range params {
		m.params[strings.ToLower(p)] = true
	}
	return m
}

// Headers copies h into a flat map with secrets masked. A scheme word
// ("Bearer", "OAuth") is kept, since it tells how the client authenticated.
func (m Masker) Headers(h http.Header) map[string]string {
	if len(h) == 0 {
		return nil
	}
	out := make(map[string]string, len(h))
	for k, vs := range h {
		v := strings.Join(vs, ", ")
		switch {
		case m.headers[k]:
			if scheme, _, ok := strings.Cut(v, " "); ok && (k == "Authorization" || k == "Proxy-Authorization") {
				v = scheme + " " + masked
			} else {
				v = masked
			}
		case k == "Location":
			v = m.URL(v)
		}
		out[k] = v
	}
	return out
}

// Query masks secret parameters of a query string, keeping the order.
func (m Masker) Query(q string) string {
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
		if ok && m.params[strings.ToLower(key)] {
			parts[i] = k + "=" + masked
		}
	}
	return strings.Join(parts, "&")
}

// Body masks the secrets of a request or response body: the values of
// secret parameters in a form, and of secret members anywhere in a JSON
// document. Other bodies are kept as they are; so is a JSON document cut
// short by MaxBody, up to the cut.
func (m Masker) Body(contentType string, body []byte) string {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	switch {
	case mt == "application/x-www-form-urlencoded":
		return m.Query(string(body))
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		return m.json(body)
	}
	return string(body)
}

// json masks string values of secret members in place, keeping the
// document's own formatting. A document cut short (by MaxBody) is kept up to
// the cut, less a secret value the cut fell into.
func (m Masker) json(body []byte) string {
	dec := jsontext.NewDecoder(bytes.NewReader(body), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	var out []byte
	last := 0       // body[:last] is in out already
	secret := false // the next value belongs to a secret member
	for {
		start := dec.InputOffset()
		tok, err := dec.ReadToken()
		if err != nil {
			if secret {
				// The cut fell inside the secret's value.
				if i := bytes.IndexByte(body[start:], '"'); i >= 0 {
					return string(append(append(out, body[last:int(start)+i]...), `"***`...))
				}
			}
			return string(append(out, body[last:]...))
		}
		kind := tok.Kind()
		switch {
		case kind == '"' && isObjectName(dec):
			secret = m.params[strings.ToLower(tok.String())]
		case secret && kind == '"':
			end := int(dec.InputOffset())
			quote := int(start) + bytes.IndexByte(body[start:end], '"')
			out = append(append(out, body[last:quote]...), `"***"`...)
			last = end
			secret = false
		case kind != '{' && kind != '[':
			secret = false
		}
	}
}

// isObjectName reports whether the token just read was an object member's
// name: in an object, names are the odd tokens.
func isObjectName(dec *jsontext.Decoder) bool {
	kind, n := dec.StackIndex(dec.StackDepth())
	return kind == '{' && n%2 == 1
}

// URL masks secret parameters in a URL's query and fragment.
func (m Masker) URL(s string) string {
	rest, frag, hasFrag := strings.Cut(s, "#")
	base, q, hasQ := strings.Cut(rest, "?")
	out := base
	if hasQ {
		out += "?" + m.Query(q)
	}
	if hasFrag {
		out += "#" + m.Query(frag)
	}
	return out
}

package mixi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/fakeapi/fakeapi/internal/httpx"
)

// compressAPI answers gzip to an API client whose Accept-Encoding accepts
// gzip, as production mixi clients asked on every call, and leaves every
// other response byte for byte as it was. The API's bodies are compressed
// (JSON, Atom and the text/plain errors); the invite pages are not
// (docs/providers/mixi.md, "Compression").
var compressAPI = httpx.Gzip(acceptsGzip, "application/json", "application/atom+xml", "text/plain")

// compressStatus is compressAPI for Instance.WriteError, so an injected
// fault on the API is compressed like any other error.
func compressStatus(write func(w http.ResponseWriter, r *http.Request, status int)) func(w http.ResponseWriter, r *http.Request, status int) {
	return httpx.GzipStatus(compressAPI, write)
}

// acceptsGzip reports whether an Accept-Encoding value lists gzip (any
// case) with a q-value above 0 (RFC 9110 §12.5.3: q=0 is "not
// acceptable"); "*" is not read as gzip [chosen].
func acceptsGzip(header string) bool {
	for tok := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(tok, ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		for p := range strings.SplitSeq(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(k, "q") {
				if q, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && q <= 0 {
					return false
				}
			}
		}
		return true
	}
	return false
}

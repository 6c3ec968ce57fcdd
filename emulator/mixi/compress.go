package mixi

import (
	"compress/flate"
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5/middleware"
)

// compressAPI answers gzip to an API client whose Accept-Encoding accepts
// gzip, as production mixi clients asked on every call, and leaves every
// other response byte for byte as it was. The API's bodies are compressed
// (JSON, Atom and the text/plain errors); the invite pages are not
// (docs/providers/mixi.md, "Compression").
func compressAPI(next http.Handler) http.Handler {
	gz := middleware.Compress(flate.DefaultCompression, "application/json", "application/atom+xml", "text/plain")(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !acceptsGzip(r.Header.Get("Accept-Encoding")) {
			next.ServeHTTP(w, r)
			return
		}
		gz.ServeHTTP(w, r)
	})
}

// compressStatus is compressAPI for Instance.WriteError, so an injected
// fault on the API is compressed like any other error; the status rides in
// the request's context to the writer built once.
func compressStatus(write func(w http.ResponseWriter, r *http.Request, status int)) func(w http.ResponseWriter, r *http.Request, status int) {
	gz := compressAPI(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		write(w, r, r.Context().Value(statusKey{}).(int))
	}))
	return func(w http.ResponseWriter, r *http.Request, status int) {
		if !acceptsGzip(r.Header.Get("Accept-Encoding")) {
			write(w, r, status)
			return
		}
		gz.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), statusKey{}, status)))
	}
}

type statusKey struct{}

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

package iijmio

import (
	"compress/flate"
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5/middleware"
)

// compressJSON answers gzip to a client whose Accept-Encoding names gzip,
// as the real Apache's mod_deflate did, and leaves every other response
// byte for byte as it was. Only application/json is compressed: the API's
// bodies, errors included, not the login and consent pages. mod_deflate
// offers gzip alone and reads Accept-Encoding as a list of tokens, so
// "deflate" or "x-gzip" alone get the plain body (docs/providers/iijmio.md,
// "Compression").
func compressJSON(next http.Handler) http.Handler {
	gz := middleware.Compress(flate.DefaultCompression, "application/json")(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !acceptsGzip(r.Header.Get("Accept-Encoding")) {
			next.ServeHTTP(w, r)
			return
		}
		gz.ServeHTTP(varyOnce{w}, r)
	})
}

// compressStatus is compressJSON for Instance.WriteError, so an injected
// fault's JSON is compressed like any other error. The compressor is built
// once; the status rides in the request's context.
func compressStatus(write func(w http.ResponseWriter, r *http.Request, status int)) func(w http.ResponseWriter, r *http.Request, status int) {
	gz := compressJSON(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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

// statusKey carries compressStatus's status to the writer it wraps.
type statusKey struct{}

// acceptsGzip reports whether an Accept-Encoding value lists the token
// gzip, ignoring case and parameters, as mod_deflate does (it does not read
// q-values either).
func acceptsGzip(header string) bool {
	for tok := range strings.SplitSeq(header, ",") {
		tok, _, _ = strings.Cut(tok, ";")
		if strings.EqualFold(strings.TrimSpace(tok), "gzip") {
			return true
		}
	}
	return false
}

// varyOnce keeps one "Vary: Accept-Encoding" when the compressor adds its
// own to the one every API response carries.
type varyOnce struct{ http.ResponseWriter }

func (v varyOnce) WriteHeader(status int) {
	h := v.Header()
	if vs := h.Values("Vary"); len(vs) > 1 {
		h["Vary"] = slices.Compact(vs)
	}
	v.ResponseWriter.WriteHeader(status)
}

func (v varyOnce) Unwrap() http.ResponseWriter { return v.ResponseWriter }

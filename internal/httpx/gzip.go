package httpx

import (
	"compress/flate"
	"context"
	"net/http"
	"slices"
	"sync"

	"github.com/go-chi/chi/v5/middleware"
)

// Gzip returns middleware that answers gzip, for the given content types,
// to requests whose Accept-Encoding accepts says asks for it (providers
// read the header differently: IIJmio's Apache ignored q-values, mixi's
// clients may send q=0), and leaves every other response byte for byte.
// One compressor serves every handler it wraps, made on the first request
// that wants it: chi's compressor builds its encoders when made, which
// would cost a few milliseconds of every start.
func Gzip(accepts func(acceptEncoding string) bool, types ...string) func(http.Handler) http.Handler {
	compressor := sync.OnceValue(func() *middleware.Compressor {
		return middleware.NewCompressor(flate.DefaultCompression, types...)
	})
	return func(next http.Handler) http.Handler {
		gz := sync.OnceValue(func() http.Handler { return compressor().Handler(next) })
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !accepts(r.Header.Get("Accept-Encoding")) {
				next.ServeHTTP(w, r)
				return
			}
			gz().ServeHTTP(varyOnce{w}, r)
		})
	}
}

// GzipStatus is a provider's error writer (provider.Instance.WriteError)
// behind the gzip middleware, so an injected fault is compressed like any
// other error of the API. The status rides in the request's context.
func GzipStatus(gzip func(http.Handler) http.Handler, write func(w http.ResponseWriter, r *http.Request, status int)) func(w http.ResponseWriter, r *http.Request, status int) {
	h := gzip(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		write(w, r, r.Context().Value(statusKey{}).(int))
	}))
	return func(w http.ResponseWriter, r *http.Request, status int) {
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), statusKey{}, status)))
	}
}

type statusKey struct{}

// varyOnce keeps one "Vary: Accept-Encoding" when the compressor adds its
// own to one the provider sets on every response.
type varyOnce struct{ http.ResponseWriter }

func (v varyOnce) WriteHeader(status int) {
	h := v.Header()
	if vs := h.Values("Vary"); len(vs) > 1 {
		h["Vary"] = slices.Compact(vs)
	}
	v.ResponseWriter.WriteHeader(status)
}

func (v varyOnce) Unwrap() http.ResponseWriter { return v.ResponseWriter }

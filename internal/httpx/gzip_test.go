package httpx

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGzipShouldCompressOnlyWhatIsAskedFor(t *testing.T) {
	t.Parallel()
	body := strings.Repeat(`{"a":"b"}`, 100)
	mw := Gzip(func(ae string) bool { return strings.Contains(ae, "gzip") }, "application/json")
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Vary", "Accept-Encoding")
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}))
	for _, ae := range []string{"", "deflate"} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Accept-Encoding", ae)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		assert.Empty(t, w.Header().Get("Content-Encoding"), ae)
		assert.Equal(t, body, w.Body.String(), "a client that does not ask gets the bytes as they were")
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Accept-Encoding", "gzip")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	assert.Equal(t, "gzip", w.Header().Get("Content-Encoding"))
	assert.Equal(t, []string{"Accept-Encoding"}, w.Header().Values("Vary"), "one Vary")
	zr, err := gzip.NewReader(w.Body)
	require.NoError(t, err)
	got, err := io.ReadAll(zr)
	require.NoError(t, err)
	assert.Equal(t, body, string(got))

	var gotStatus int
	write := GzipStatus(mw, func(w http.ResponseWriter, r *http.Request, status int) {
		gotStatus = status
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	})
	w = httptest.NewRecorder()
	write(w, r, http.StatusServiceUnavailable)
	assert.Equal(t, http.StatusServiceUnavailable, gotStatus)
	assert.Equal(t, http.StatusServiceUnavailable, w.Code)
	assert.Equal(t, "gzip", w.Header().Get("Content-Encoding"))
}

package mixi

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func gunzip(t *testing.T, b []byte) string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	require.NoError(t, err)
	out, err := io.ReadAll(zr)
	require.NoError(t, err)
	return string(out)
}

// getWith is a signed GET of the default app with extra request headers.
func (e *env) getWith(t *testing.T, viewer, path string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := e.signedRequest(t, http.MethodGet, path+"&xoauth_requestor_id="+viewer, appKey, appSecret, nil, "")
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	return e.serve(r)
}

func TestCompressesAPIResponsesForGzipClients(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, path string
		status     int
		ct         string
	}{
		{"should gzip a person", "/people/@me/@self?fields=@all", 200, contentJSON},
		{"should gzip a friends page in Atom", "/people/@me/@friends?format=atom", 200, contentAtom},
		{"should gzip albums", "/albums/@me/@self?visibility=all", 200, contentJSON},
		{"should gzip an error", "/people/1000006/@self?x=1", 403, "text/plain; charset=utf-8"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			plain := newEnv(t).getWith(t, sakura, tt.path)
			w := newEnv(t).getWith(t, sakura, tt.path, "Accept-Encoding", "gzip, deflate")
			require.Equal(t, tt.status, w.Code)
			assert.Equal(t, "gzip", w.Header().Get("Content-Encoding"))
			assert.Equal(t, "Accept-Encoding", w.Header().Get("Vary"))
			assert.Equal(t, tt.ct, w.Header().Get("Content-Type"))
			assert.Empty(t, w.Header().Get("Content-Length"))
			assert.Empty(t, plain.Header().Get("Content-Encoding"))
			assert.Equal(t, plain.Body.String(), gunzip(t, w.Body.Bytes()), "the same bytes, compressed")
		})
	}
	t.Run("should gzip the OAuth 401", func(t *testing.T) {
		r := newRequest(http.MethodGet, "http://localhost:8080/mixi/os/0.8/people/@me/@self", nil)
		r.Header.Set("Accept-Encoding", "gzip")
		w := newEnv(t).serve(r)
		require.Equal(t, http.StatusUnauthorized, w.Code)
		assert.Equal(t, "gzip", w.Header().Get("Content-Encoding"))
		assert.Contains(t, gunzip(t, w.Body.Bytes()), "oauth_problem=parameter_absent")
		assert.Contains(t, w.Header().Get("WWW-Authenticate"), "parameter_absent")
	})
	t.Run("should gzip an injected fault on the API, not on the pages", func(t *testing.T) {
		e := newEnv(t)
		r := newRequest(http.MethodGet, "http://localhost/mixi/os/0.8/people/@me/@self", nil)
		r.Header.Set("Accept-Encoding", "gzip")
		w := httptest.NewRecorder()
		e.inst.WriteError(w, r, http.StatusServiceUnavailable)
		assert.Equal(t, http.StatusServiceUnavailable, w.Code)
		assert.Equal(t, "gzip", w.Header().Get("Content-Encoding"))
		assert.Equal(t, errorBody(http.StatusServiceUnavailable), gunzip(t, w.Body.Bytes()))

		r = newRequest(http.MethodPost, "http://localhost/mixi/invite/friends/select", nil)
		r.Header.Set("Accept-Encoding", "gzip")
		w = httptest.NewRecorder()
		e.inst.WriteError(w, r, http.StatusInternalServerError)
		assert.Empty(t, w.Header().Get("Content-Encoding"), "pages stay plain")
		assert.Contains(t, w.Body.String(), `id="error"`)
	})
}

func TestNoCompressionUnlessGzipIsAccepted(t *testing.T) {
	t.Parallel()
	for _, ae := range []string{"", "identity", "deflate", "br", "x-gzip", "gzipx", "gzip;q=0", "gzip; q=0.0, deflate", "*"} {
		t.Run("should answer identity to Accept-Encoding "+ae, func(t *testing.T) {
			t.Parallel()
			w := newEnv(t).getWith(t, sakura, "/people/@me/@self?x=1", "Accept-Encoding", ae)
			require.Equal(t, http.StatusOK, w.Code)
			assert.Empty(t, w.Header().Get("Content-Encoding"))
			assert.NotEmpty(t, w.Header().Get("Content-Length"))
			assert.Contains(t, w.Body.String(), `"nickname":"さくら"`)
		})
	}
	for _, ae := range []string{"GZIP", "deflate, gzip;q=0.5", "gzip;q=1.0"} {
		assert.True(t, acceptsGzip(ae), ae)
	}
}

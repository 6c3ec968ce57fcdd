package iijmio

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

// gunzip decodes a gzip body.
func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	require.NoError(t, err)
	out, err := io.ReadAll(zr)
	require.NoError(t, err)
	return out
}

func TestCompressesJSONForGzipClients(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, path, body string
		hdr                      []string
		status                   int
	}{
		{"should gzip GET coupon v1", "GET", pathCouponV1, "", nil, http.StatusOK},
		{"should gzip GET coupon v2", "GET", pathCouponV2, "", nil, http.StatusOK},
		{"should gzip GET packet v1", "GET", pathPacketV1, "", nil, http.StatusOK},
		{"should gzip PUT coupon's OK", "PUT", pathCouponV1, `{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdo12345678","couponUse":true}]}]}`, nil, http.StatusOK},
		{"should gzip an error body", "GET", pathCouponV1, "", []string{headerAuthorization, "wrong"}, http.StatusForbidden},
		{"should gzip a 404", "GET", "/mobile/d/v9/nothing/", "", nil, http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hdr := append([]string{headerDeveloper, tDev, headerAuthorization, tToken}, tt.hdr...)
			plain := newEnv(t, noLimits).do(tt.method, "/iijmio"+tt.path, tt.body, hdr...)
			w := newEnv(t, noLimits).do(tt.method, "/iijmio"+tt.path, tt.body, append(hdr, "Accept-Encoding", "gzip, deflate")...)
			require.Equal(t, tt.status, w.Code)
			assert.Equal(t, "gzip", w.Header().Get("Content-Encoding"))
			assert.Equal(t, []string{"Accept-Encoding"}, w.Header().Values("Vary"), "should send Vary once")
			assert.Empty(t, w.Header().Get("Content-Length"), "the compressed length is not known up front")
			assertAPIHeaders(t, w.Result().Header)
			assert.Equal(t, plain.Body.String(), string(gunzip(t, w.Body.Bytes())), "should compress the same bytes")
		})
	}
}

func TestCompressesInjectedFaults(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := httptest.NewRecorder()
	e.inst.WriteError(w, newRequest("GET", pathCouponV1, "", "Accept-Encoding", "gzip"), http.StatusServiceUnavailable)
	assert.Equal(t, http.StatusServiceUnavailable, w.Code)
	assert.Equal(t, "gzip", w.Header().Get("Content-Encoding"))
	assert.Equal(t, `{"returnCode": "Service Unavailable"}`, string(gunzip(t, w.Body.Bytes())))
	w = httptest.NewRecorder()
	e.inst.WriteError(w, newRequest("GET", pathCouponV1, ""), http.StatusServiceUnavailable)
	assertCode(t, w, http.StatusServiceUnavailable, codeUnavailable)
}

func TestNoCompressionUnlessGzipIsAsked(t *testing.T) {
	t.Parallel()
	for _, ae := range []string{"", "identity", "deflate", "br", "x-gzip", "gzipx"} {
		t.Run("should answer identity to Accept-Encoding "+ae, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			hdr := []string{headerDeveloper, tDev, headerAuthorization, tToken}
			if ae != "" {
				hdr = append(hdr, "Accept-Encoding", ae)
			}
			w := e.do("GET", "/iijmio"+pathCouponV1, "", hdr...)
			require.Equal(t, http.StatusOK, w.Code)
			assert.Empty(t, w.Header().Get("Content-Encoding"))
			assert.Equal(t, itoa(w.Body.Len()), w.Header().Get("Content-Length"), "the 2014 capture's curl -I got a Content-Length")
			assert.Equal(t, []string{"Accept-Encoding"}, w.Header().Values("Vary"), "mod_deflate sends Vary to every client")
			assertAPIHeaders(t, w.Result().Header)
		})
	}
}

func TestCompressionTokens(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		header string
		want   bool
	}{
		{"gzip", true},
		{"GZIP", true},
		{"deflate, gzip;q=1.0, *;q=0.5", true},
		{"br,gzip", true},
		{" gzip ; q=0.8 ", true},
		{"", false},
		{"deflate", false},
		{"x-gzip", false},
		{"gzipx", false},
		{"*", false},
	} {
		assert.Equal(t, tt.want, acceptsGzip(tt.header), "Accept-Encoding %q", tt.header)
	}
}

func TestPagesAndPreflightAreNotCompressed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.do("GET", "/iijmio"+authorizePath+"?"+authQuery(tDev, tRedirect, "s").Encode(), "", "Accept-Encoding", "gzip")
	require.Equal(t, http.StatusOK, w.Code)
	assert.Empty(t, w.Header().Get("Content-Encoding"), "only the API's JSON is compressed")
	w = e.do("OPTIONS", "/iijmio"+pathCouponV1, "", "Accept-Encoding", "gzip")
	require.Equal(t, http.StatusOK, w.Code)
	assert.Empty(t, w.Header().Get("Content-Encoding"))
	assert.Equal(t, []string{"Accept-Encoding"}, w.Header().Values("Vary"))
}

func TestHeadWithGzip(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.do("HEAD", "/iijmio"+pathCouponV1, "", headerDeveloper, tDev, headerAuthorization, tToken, "Accept-Encoding", "gzip")
	require.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, "gzip", w.Header().Get("Content-Encoding"), "HEAD announces what GET would send")
	assert.Equal(t, []string{"Accept-Encoding"}, w.Header().Values("Vary"))
}

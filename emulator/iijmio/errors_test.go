package iijmio

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/internal/golden"
)

func TestNotFoundAndMethodNotAllowed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, path string
		status             int
		code               string
		allow              string
	}{
		{"should 404 a path without the trailing slash", "GET", "/mobile/d/v1/coupon", 404, codeNotFound, ""},
		{"should 404 an unknown version", "GET", "/mobile/d/v3/coupon/", 404, codeNotFound, ""},
		{"should 404 the root", "GET", "/", 404, codeNotFound, ""},
		{"should 404 below the authorization path (bare app id redirects land here)", "GET", "/mobile/d/v1/authorization/jp.example.app", 404, codeNotFound, ""},
		{"should 404 a v2 authorization endpoint", "GET", "/mobile/d/v2/authorization/", 404, codeNotFound, ""},
		{"should 404 OPTIONS on an unknown path", "OPTIONS", "/mobile/d/v1/nothing/", 404, codeNotFound, ""},
		{"should 405 POST on coupon", "POST", pathCouponV1, 405, codeMethodNotAllowed, "GET, HEAD, PUT, OPTIONS"},
		{"should 405 DELETE on coupon v2", "DELETE", pathCouponV2, 405, codeMethodNotAllowed, "GET, HEAD, PUT, OPTIONS"},
		{"should 405 PUT on packet", "PUT", pathPacketV1, 405, codeMethodNotAllowed, "GET, HEAD, OPTIONS"},
		{"should 405 PATCH on packet v2", "PATCH", pathPacketV2, 405, codeMethodNotAllowed, "GET, HEAD, OPTIONS"},
		{"should 405 HEAD on authorization, which answers no HEAD", "HEAD", authorizePath, 405, codeMethodNotAllowed, "GET, POST"},
		{"should 405 PUT on authorization", "PUT", authorizePath, 405, codeMethodNotAllowed, "GET, POST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			w := e.api(tt.method, tt.path, "")
			assertCode(t, w, tt.status, tt.code)
			assert.Equal(t, tt.allow, w.Header().Get("Allow"))
		})
	}
}

// TestAllowListsExactlyTheServedMethods checks every 405's Allow against
// the routes: each method it lists is answered (not 405), each other
// method is a 405, HEAD included where the route answers HEAD
// (docs/providers/iijmio.md, "Errors").
func TestAllowListsExactlyTheServedMethods(t *testing.T) {
	t.Parallel()
	all := []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
	for _, path := range []string{pathCouponV1, pathCouponV2, pathPacketV1, pathPacketV2, authorizePath} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, noLimits)
			allow := e.api("TRACE", path, "").Header().Get("Allow")
			require.NotEmpty(t, allow)
			listed := strings.Split(allow, ", ")
			for _, m := range all {
				code := e.api(m, path, "").Code
				if slices.Contains(listed, m) {
					assert.NotEqual(t, http.StatusMethodNotAllowed, code, "%s is in Allow %q but answers 405", m, allow)
				} else {
					assert.Equal(t, http.StatusMethodNotAllowed, code, "%s answers %d but is missing from Allow %q", m, code, allow)
				}
			}
		})
	}
}

func TestNotFoundBodyMatchesCapturedBytes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	golden.Assert(t, "not_found", e.api("GET", "/nothing", "").Body.Bytes())
}

func TestPreflight(t *testing.T) {
	t.Parallel()
	for _, path := range []string{pathCouponV1, pathCouponV2, pathPacketV1, pathPacketV2} {
		t.Run("should answer OPTIONS "+path+" without credentials", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			w := e.do("OPTIONS", "/iijmio"+path, "",
				"Origin", "https://app.example.jp",
				"Access-Control-Request-Method", "PUT",
				"Access-Control-Request-Headers", "x-iijmio-developer,x-iijmio-authorization,content-type")
			assert.Equal(t, http.StatusOK, w.Code)
			assert.Empty(t, w.Body.String())
			assert.Equal(t, "*", w.Header().Get("Access-Control-Allow-Origin"))
			assert.Equal(t, "X-IIJmio-Developer,X-IIJmio-Authorization,X-IIJmio-Application,Content-Type", w.Header().Get("Access-Control-Allow-Headers"))
			assert.Equal(t, "GET,PUT", w.Header().Get("Access-Control-Allow-Methods"))
		})
	}
}

func TestWriteErrorForFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		code   string
	}{
		{"should answer an injected 500", 500, codeInternal},
		{"should answer an injected 503 as maintenance", 503, codeUnavailable},
		{"should answer a refused body with 413", 413, codeTooLarge},
		{"should answer 429", 429, codeTooManyRequests},
		{"should answer 404", 404, codeNotFound},
		{"should answer 400", 400, codeBadData},
		{"should answer 403", 403, codeAuthFailure},
		{"should still send JSON for an unusual status", 502, "Bad Gateway"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			w := httptest.NewRecorder()
			e.inst.WriteError(w, httptest.NewRequest("GET", pathCouponV1, nil), tt.status)
			assertCode(t, w, tt.status, tt.code)
		})
	}
}

func TestWriteErrorOnAuthorization(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	valid := authorizePath + "?response_type=token&client_id=" + tDev + "&redirect_uri=" + tRedirect + "&state=s1"

	w := httptest.NewRecorder()
	e.inst.WriteError(w, httptest.NewRequest("GET", valid, nil), 503)
	assert.Equal(t, http.StatusFound, w.Code)
	assert.Equal(t, tRedirect+"#error=temporarily_unavailable&error_description="+qe(descUnavailable)+"&state=s1", w.Header().Get("Location"),
		"should redirect once client and redirect URI check out")

	w = httptest.NewRecorder()
	e.inst.WriteError(w, httptest.NewRequest("GET", valid, nil), 500)
	assert.Equal(t, tRedirect+"#error=server_error&error_description="+qe(descServerError)+"&state=s1", w.Header().Get("Location"))

	w = httptest.NewRecorder()
	e.inst.WriteError(w, httptest.NewRequest("GET", authorizePath+"?client_id=nobody&redirect_uri=https://evil.example/", nil), 500)
	assert.Equal(t, 500, w.Code)
	assert.Empty(t, w.Header().Get("Location"), "should never redirect for an unknown client")
	assert.Equal(t, "text/html; charset=utf-8", w.Header().Get("Content-Type"))

	w = httptest.NewRecorder()
	e.inst.WriteError(w, httptest.NewRequest("POST", authorizePath, strings.NewReader("x=1")), 413)
	assert.Equal(t, 413, w.Code)
	assert.Equal(t, "text/html; charset=utf-8", w.Header().Get("Content-Type"))
}

func TestStatusForUnknownErrorIsGeneric500(t *testing.T) {
	t.Parallel()
	status, code, known := statusFor(errors.New("disk on fire: secret detail"))
	assert.Equal(t, 500, status)
	assert.Equal(t, codeInternal, code)
	assert.False(t, known)

	w := httptest.NewRecorder()
	errorWriter(discardLog())(w, httptest.NewRequest("GET", "/", nil), errors.New("secret detail"))
	assert.Equal(t, `{"returnCode": "Internal Server Error"}`, w.Body.String(), "should never leak err.Error()")

	w = httptest.NewRecorder()
	errorWriter(discardLog())(w, httptest.NewRequest("GET", "/", nil), &rateLimitedError{retryAfter: 12})
	assert.Equal(t, "12", w.Header().Get("Retry-After"))
	require.Equal(t, 429, w.Code)
}

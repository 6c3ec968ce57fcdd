package iijmio

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// assertCode checks status, the exact {"returnCode": …} body and the API
// headers every response carries (docs/providers/iijmio.md, "Wire format").
func assertCode(t *testing.T, w interface {
	Result() *http.Response
}, status int, code string) {
	t.Helper()
	res := w.Result()
	body := readAll(t, res)
	assert.Equal(t, status, res.StatusCode)
	assert.Equal(t, `{"returnCode": "`+code+`"}`, body)
	assertAPIHeaders(t, res.Header)
}

func assertAPIHeaders(t *testing.T, h http.Header) {
	t.Helper()
	assert.Equal(t, "application/json", h.Get("Content-Type"))
	assert.Equal(t, "*", h.Get("Access-Control-Allow-Origin"))
	assert.Equal(t, "X-IIJmio-Developer,X-IIJmio-Authorization,X-IIJmio-Application,Content-Type", h.Get("Access-Control-Allow-Headers"))
	assert.Equal(t, "GET,PUT", h.Get("Access-Control-Allow-Methods"))
	assert.Equal(t, "Accept-Encoding", h.Get("Vary"))
}

func TestAuthHeaderChecks(t *testing.T) {
	t.Parallel()
	endpoints := []struct{ method, path, body string }{
		{"GET", pathCouponV1, ""},
		{"GET", pathCouponV2, ""},
		{"PUT", pathCouponV1, `{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdo12345678","couponUse":true}]}]}`},
		{"PUT", pathCouponV2, `{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdo12345678","couponUse":true}]}]}`},
		{"GET", pathPacketV1, ""},
		{"GET", pathPacketV2, ""},
	}
	tests := []struct {
		name   string
		hdr    []string
		status int
		code   string
	}{
		{"should want X-IIJmio-Authorization first when both are missing", nil, 403, codeNoAuthorization},
		{"should want X-IIJmio-Authorization when only the developer is sent", []string{headerDeveloper, tDev}, 403, codeNoAuthorization},
		{"should treat an empty X-IIJmio-Authorization as missing", []string{headerDeveloper, tDev, headerAuthorization, ""}, 403, codeNoAuthorization},
		{"should want X-IIJmio-Developer", []string{headerAuthorization, tToken}, 403, codeNoDeveloper},
		{"should reject an unregistered developer before looking at the token", []string{headerDeveloper, "nobody", headerAuthorization, "wrong"}, 403, codeNotRegistered},
		{"should reject an unknown token", []string{headerDeveloper, tDev, headerAuthorization, "wrong"}, 403, codeAuthFailure},
		{"should reject a Bearer-prefixed token as a wrong token", []string{headerDeveloper, tDev, headerAuthorization, "Bearer " + tToken}, 403, codeAuthFailure},
		{"should reject a token issued to another developer", []string{headerDeveloper, tDev2, headerAuthorization, tToken}, 403, codeAuthFailure},
		{"should reject a token 90 days old", []string{headerDeveloper, tDev, headerAuthorization, tTokenOld}, 403, codeAuthFailure},
		{"should ignore X-IIJmio-Application", []string{headerDeveloper, tDev, headerAuthorization, tToken, "X-IIJmio-Application", "x"}, 200, codeOK},
	}
	for _, ep := range endpoints {
		for _, tt := range tests {
			t.Run(ep.method+" "+ep.path+" "+tt.name, func(t *testing.T) {
				t.Parallel()
				e := newEnv(t)
				w := e.do(ep.method, "/iijmio"+ep.path, ep.body, tt.hdr...)
				if tt.status == 200 {
					assert.Equal(t, 200, w.Code)
					assertAPIHeaders(t, w.Result().Header)
					return
				}
				assertCode(t, w, tt.status, tt.code)
			})
		}
	}
}

func TestTokenExpiryOnTheClock(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits)
	tok := mintToken(t, e, tUser, tDev)
	require.Equal(t, 200, e.do("GET", "/iijmio"+pathCouponV1, "", headerDeveloper, tDev, headerAuthorization, tok).Code)

	_, err := e.clk.Advance(tokenTTL - time.Second)
	require.NoError(t, err)
	assert.Equal(t, 200, e.do("GET", "/iijmio"+pathCouponV1, "", headerDeveloper, tDev, headerAuthorization, tok).Code,
		"should still accept the token one second before 90 days")

	_, err = e.clk.Advance(time.Second)
	require.NoError(t, err)
	assertCode(t, e.do("GET", "/iijmio"+pathCouponV1, "", headerDeveloper, tDev, headerAuthorization, tok), 403, codeAuthFailure)
}

func TestHostRoutingWithoutPrefix(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.do("GET", "http://api.iijmio.jp"+pathCouponV1, "", headerDeveloper, tDev, headerAuthorization, tToken)
	assert.Equal(t, 200, r.Code, "should serve the real path under the real host")
}

func TestOpenDeclaresSecrets(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	assert.Equal(t, []string{"X-IIJmio-Authorization"}, e.inst.Secrets.Headers)
	assert.ElementsMatch(t, []string{"access_token", "password", "csrf_token"}, e.inst.Secrets.Params)
}

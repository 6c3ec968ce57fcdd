package iijmio

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRateLimits(t *testing.T) {
	t.Parallel()
	put := `{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdo12345678","couponUse":true}]}]}`
	tests := []struct {
		name   string
		method string
		paths  []string // alternated: v1 and v2 share one bucket
		body   string
		limit  int
	}{
		{"should allow 5 GET coupon a minute across v1 and v2", "GET", []string{pathCouponV1, pathCouponV2}, "", 5},
		{"should allow 1 PUT coupon a minute across v1 and v2", "PUT", []string{pathCouponV1, pathCouponV2}, put, 1},
		{"should allow 5 GET packet a minute across v1 and v2", "GET", []string{pathPacketV1, pathPacketV2}, "", 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			for i := range tt.limit {
				require.Equal(t, http.StatusOK, e.api(tt.method, tt.paths[i%2], tt.body).Code, "request %d", i+1)
				_, err := e.clk.Advance(10 * time.Second)
				require.NoError(t, err)
			}
			w := e.api(tt.method, tt.paths[tt.limit%2], tt.body)
			assertCode(t, w, http.StatusTooManyRequests, codeTooManyRequests)
			// The first request was at +0s; now is +10s·limit.
			assert.Equal(t, itoa(60-10*tt.limit), w.Header().Get("Retry-After"))

			other := mintToken(t, e, tUser, tDev)
			assert.Equal(t, http.StatusOK, e.do(tt.method, "/iijmio"+tt.paths[0], tt.body, headerDeveloper, tDev, headerAuthorization, other).Code,
				"should count per token")

			_, err := e.clk.Advance(time.Duration(60-10*tt.limit) * time.Second)
			require.NoError(t, err)
			assert.Equal(t, http.StatusOK, e.api(tt.method, tt.paths[0], tt.body).Code, "should allow again after Retry-After")
		})
	}
}

func TestRateLimitCountsOnlyAuthenticatedAndAdmitted(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for range 10 {
		e.do("GET", "/iijmio"+pathCouponV1, "", headerDeveloper, tDev2, headerAuthorization, tToken) // 403
	}
	for range 5 {
		require.Equal(t, http.StatusOK, e.api("GET", pathCouponV1, "").Code, "should not count requests that failed auth")
	}
	for range 3 {
		require.Equal(t, http.StatusTooManyRequests, e.api("GET", pathCouponV1, "").Code)
	}
	_, err := e.clk.Advance(60 * time.Second)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, e.api("GET", pathCouponV1, "").Code, "should not count refused requests")

	// A bad PUT body still counts: it passed the header and token checks.
	assert.Equal(t, http.StatusBadRequest, e.api("PUT", pathCouponV1, `{}`).Code)
	assert.Equal(t, http.StatusTooManyRequests, e.api("PUT", pathCouponV1, `{}`).Code)
}

func TestRateLimitsDisabled(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits)
	for i := range 50 {
		require.Equal(t, http.StatusOK, e.api("PUT", pathCouponV2, `{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdo12345678","couponUse":true}]}]}`).Code, "request %d", i)
		require.Equal(t, http.StatusOK, e.api("GET", pathCouponV1, "").Code)
	}
}

func TestResetForgetsRateLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	require.Equal(t, http.StatusOK, e.api("PUT", pathCouponV1, `{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdo12345678","couponUse":true}]}]}`).Code)
	require.Equal(t, http.StatusTooManyRequests, e.api("PUT", pathCouponV1, `{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdo12345678","couponUse":true}]}]}`).Code)
	e.inst.State.Reset()
	assert.Equal(t, http.StatusOK, e.api("PUT", pathCouponV1, `{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdo12345678","couponUse":true}]}]}`).Code)
}

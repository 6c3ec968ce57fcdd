package assist

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBearerErrors(t *testing.T) {
	t.Parallel()
	const invalid = `Bearer realm="Service", error="invalid_token", error_description="The access token provided is invalid"`
	const malformed = `Bearer realm="Service", error="invalid_request", error_description="Malformed auth header"`
	tests := []struct {
		name      string
		authz     []string
		query     string
		status    int
		challenge string
		body      string
	}{
		{"should ask for a token when none is sent", nil, "", 401, `Bearer realm="Service"`,
			`{"error":"invalid_request","error_description":"The access token was not found"}`},
		{"should not take access_token from the URL", nil, "?access_token=tok-any", 401, `Bearer realm="Service"`,
			`{"error":"invalid_request","error_description":"The access token was not found"}`},
		{"should call another scheme malformed", []string{"Basic dG9rLWFueTo="}, "", 400, malformed,
			`{"error":"invalid_request","error_description":"Malformed auth header"}`},
		{"should call a bare scheme malformed", []string{"Bearer"}, "", 400, malformed,
			`{"error":"invalid_request","error_description":"Malformed auth header"}`},
		{"should call two tokens malformed", []string{"Bearer tok-any tok-b"}, "", 400, malformed,
			`{"error":"invalid_request","error_description":"Malformed auth header"}`},
		{"should call two headers malformed", []string{"Bearer tok-any", "Bearer tok-any"}, "", 400, malformed,
			`{"error":"invalid_request","error_description":"Malformed auth header"}`},
		{"should refuse an unknown token", []string{"Bearer nope"}, "", 401, invalid,
			`{"error":"invalid_token","error_description":"The access token provided is invalid"}`},
		{"should accept a lower-case scheme", []string{"bearer tok-any"}, "", 200, "", ""},
	}
	e := newEnv(t, Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := api(http.MethodGet, "/api/v1/orders.php"+tt.query, "", nil)
			for _, a := range tt.authz {
				r.Header.Add("Authorization", a)
			}
			w := e.serve(r)
			assert.Equal(t, tt.status, w.Code)
			if tt.status != 200 {
				assert.Equal(t, tt.challenge, w.Header().Get("WWW-Authenticate"))
				assert.Equal(t, tt.body, w.Body.String())
			}
		})
	}
}

func TestIPAllowList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		token  string
		remote string
		xff    string
		trust  bool
		status int
	}{
		{"should let anyone use an app with an empty list", "tok-any", "192.0.2.77:5000", "", false, 200},
		{"should let anyone use an empty list over IPv6", "tok-any", "[2001:db8:9::9]:5000", "", false, 200},
		{"should allow the listed IPv4 address", "tok-v4", "203.0.113.9:40000", "", false, 200},
		{"should refuse another IPv4 address", "tok-v4", "203.0.113.10:40000", "", false, 403},
		{"should match an IPv4-mapped IPv6 peer as IPv4", "tok-v4", "[::ffff:203.0.113.9]:40000", "", false, 200},
		{"should allow the listed IPv6 address", "tok-v6", "[2001:db8::1]:443", "", false, 200},
		{"should refuse another IPv6 address", "tok-v6", "[2001:db8::2]:443", "", false, 403},
		{"should allow an IPv4 address inside the CIDR", "tok-cidr", "198.51.100.200:1", "", false, 200},
		{"should refuse an IPv4 address outside the CIDR", "tok-cidr", "198.51.101.1:1", "", false, 403},
		{"should allow an IPv6 address inside the CIDR", "tok-cidr", "[2001:db8:ff:1::5]:1", "", false, 200},
		{"should refuse an IPv6 address outside the CIDR", "tok-cidr", "[2001:db8:fe::5]:1", "", false, 403},
		{"should ignore X-Forwarded-For without a trusted proxy", "tok-v4", "192.0.2.1:1", "203.0.113.9", false, 403},
		{"should use X-Forwarded-For behind a trusted proxy", "tok-v4", "10.0.0.1:1", "203.0.113.9", true, 200},
		{"should use the right-most X-Forwarded-For entry", "tok-v4", "10.0.0.1:1", "203.0.113.9, 192.0.2.66", true, 403},
		{"should not believe a forged left-most entry", "tok-v4", "10.0.0.1:1", "192.0.2.66, 203.0.113.9", true, 200},
		{"should fall back to the peer when X-Forwarded-For is garbage", "tok-v4", "203.0.113.9:1", "unknown", true, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, Config{TrustProxy: tt.trust})
			r := api(http.MethodGet, "/api/v1/orders.php", tt.token, nil)
			r.RemoteAddr = tt.remote
			if tt.xff != "" {
				r.Header.Set("X-Forwarded-For", tt.xff)
			}
			w := e.serve(r)
			require.Equal(t, tt.status, w.Code, w.Body.String())
			if tt.status == 403 {
				m := decodeJSON(t, w.Body.Bytes())
				assert.Equal(t, "access_denied", m["error"])
				assert.Regexp(t, `^IP address [0-9a-f.:]+ is not allowed$`, m["error_description"])
			}
		})
	}
	t.Run("should name the refused address", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, Config{})
		r := api(http.MethodGet, "/api/v1/orders.php", "tok-v4", nil)
		r.RemoteAddr = "203.0.113.10:1"
		assert.Equal(t, `{"error":"access_denied","error_description":"IP address 203.0.113.10 is not allowed"}`, e.serve(r).Body.String())
	})
	t.Run("should apply an edited list to the next call", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, Config{})
		r := api(http.MethodGet, "/api/v1/orders.php", "tok-any", nil)
		require.Equal(t, 200, e.serve(r).Code)
		w := adminDo(t, e, http.MethodPut, "/_fakeapi/assist/apps/client-any", `{"ipAllowList":["203.0.113.0/24"]}`)
		require.Equal(t, 200, w.Code, w.Body.String())
		assert.Equal(t, 403, e.serve(api(http.MethodGet, "/api/v1/orders.php", "tok-any", nil)).Code)
	})
}

func TestRevocationTakesEffectAtOnce(t *testing.T) {
	t.Parallel()
	get := func(e *env, tok string) int { return e.serve(api(http.MethodGet, "/api/v1/orders.php", tok, nil)).Code }
	t.Run("should refuse a token of a revoked grant on the next call", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, Config{})
		require.Equal(t, 200, get(e, "tok-any"))
		require.Equal(t, 204, adminDo(t, e, http.MethodDelete, "/_fakeapi/assist/grants/client-any?shop=shop-a", "").Code)
		assert.Equal(t, 401, get(e, "tok-any"))
		assert.Equal(t, 200, get(e, "tok-b"), "other apps keep working")
	})
	t.Run("should refuse a token of a deleted app on the next call", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, Config{})
		require.Equal(t, 204, adminDo(t, e, http.MethodDelete, "/_fakeapi/assist/apps/client-any", "").Code)
		assert.Equal(t, 401, get(e, "tok-any"))
	})
	t.Run("should refuse a grant revocation for another shop", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, Config{})
		assert.Equal(t, 404, adminDo(t, e, http.MethodDelete, "/_fakeapi/assist/grants/client-any?shop=shop-b", "").Code)
		assert.Equal(t, 200, get(e, "tok-any"))
	})
}

func TestThrottle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{Throttle: true})
	get := func() *http.Response {
		return e.serve(api(http.MethodGet, "/api/v1/orders.php", "tok-any", nil)).Result()
	}
	assert.Equal(t, 200, get().StatusCode)
	r := get()
	assert.Equal(t, 429, r.StatusCode)
	assert.Equal(t, "1", r.Header.Get("Retry-After"))
	_, err := e.clk.Advance(time.Second)
	require.NoError(t, err)
	assert.Equal(t, 200, get().StatusCode)
	off := newEnv(t, Config{})
	for range 3 {
		assert.Equal(t, 200, off.serve(api(http.MethodGet, "/api/v1/orders.php", "tok-any", nil)).Code, "off by default")
	}
}

package assist

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestShopsAreTenants: a request that names a shop by host or directory is
// answered only for tokens of that shop, any other token gets 401
// invalid_token; a request that names no shop is answered for the token's
// own shop (docs/providers/assist.md, "Shops").
func TestShopsAreTenants(t *testing.T) {
	t.Parallel()
	const (
		invalid     = `{"error":"invalid_token","error_description":"The access token provided is invalid"}`
		challenge   = `Bearer realm="Service", error="invalid_token", error_description="The access token provided is invalid"`
		shopAOrder  = `"mall_order_id":"123456-20240401-0000001"` // order 5 of shop-a
		shopBOrder  = `"mall_order_id":"MF-1"`                    // order 1 of shop-b
		hostA       = "asp101.assist-tencho.com"
		hostB       = "asp102.assist-tencho.com"
		unknownHost = "asp999.assist-tencho.com"
	)
	tests := []struct {
		name   string
		method string
		host   string // "" leaves httptest's example.com, which no shop has
		path   string // after /assist
		token  string
		status int
		want   string // in the body of a 2xx
	}{
		{"should answer a request naming no shop for shop-a's token", "GET", "", "/api/v1/orders.php", "tok-any", 200, shopAOrder},
		{"should answer a request naming no shop for shop-b's token", "GET", "", "/api/v1/orders.php", "tok-b", 200, shopBOrder},
		{"should treat a host no shop has as naming no shop", "GET", unknownHost, "/api/v1/orders.php", "tok-b", 200, shopBOrder},
		{"should answer shop-a's directory for shop-a's token", "GET", "", "/shop01/api/v1/orders.php", "tok-any", 200, shopAOrder},
		{"should answer shop-b's directory for shop-b's token", "GET", "", "/shop02/api/v1/orders.php", "tok-b", 200, shopBOrder},
		{"should refuse shop-a's token at shop-b's directory", "GET", "", "/shop02/api/v1/orders.php", "tok-any", 401, ""},
		{"should refuse shop-b's token at shop-a's directory", "GET", "", "/shop01/api/v1/orders.php", "tok-b", 401, ""},
		{"should answer shop-a's host for shop-a's token", "GET", hostA, "/api/v1/orders.php", "tok-any", 200, shopAOrder},
		{"should answer shop-a's host with a port and in upper case", "GET", "ASP101.assist-tencho.com:443", "/api/v1/orders.php", "tok-any", 200, shopAOrder},
		{"should refuse shop-a's token at shop-b's host", "GET", hostB, "/api/v1/orders.php", "tok-any", 401, ""},
		{"should refuse shop-b's token at shop-a's host", "GET", hostA, "/api/v1/orders.php", "tok-b", 401, ""},
		{"should answer a host and directory of the same shop", "GET", hostA, "/shop01/api/v1/orders.php", "tok-any", 200, shopAOrder},
		{"should refuse shop-a's token when the directory names shop-b", "GET", hostA, "/shop02/api/v1/orders.php", "tok-any", 401, ""},
		{"should refuse shop-b's token when the host names shop-a", "GET", hostA, "/shop02/api/v1/orders.php", "tok-b", 401, ""},
		{"should refuse a cross-shop DELETE", "DELETE", hostB, "/api/v1/orders.php?serial_order_id=1", "tok-any", 401, ""},
		{"should refuse a cross-shop POST", "POST", "", "/shop02/api/v1/orders.php", "tok-any", 401, ""},
		{"should refuse a cross-shop PATCH before its 405", "PATCH", "", "/shop02/api/v1/orders.php", "tok-any", 401, ""},
	}
	e := newEnv(t, Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body any
			if tt.method == http.MethodPost {
				body = newOrder()
			}
			r := api(tt.method, tt.path, tt.token, body)
			if tt.host != "" {
				r.Host = tt.host
			}
			w := e.serve(r)
			require.Equal(t, tt.status, w.Code, w.Body.String())
			if tt.status == 401 {
				assert.Equal(t, invalid, w.Body.String())
				assert.Equal(t, challenge, w.Header().Get("WWW-Authenticate"))
				return
			}
			assert.Contains(t, w.Body.String(), tt.want)
		})
	}
	t.Run("should leave the other shop's orders alone after a refused DELETE", func(t *testing.T) {
		w := e.serve(api(http.MethodGet, "/api/v1/orders.php?serial_order_id=1", "tok-b", nil))
		require.Equal(t, 200, w.Code)
		assert.Contains(t, w.Body.String(), shopBOrder)
	})
}

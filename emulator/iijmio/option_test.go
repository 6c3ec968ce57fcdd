package iijmio_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/emulator/emulatortest"
)

// TestLoopbackOptionReachesIIJmio drives the option the way users set it,
// through emulator.Config (-loopback-redirect-any-port): off, the default
// fixture's http://127.0.0.1/callback matches only itself; on, any valid
// port of it (docs/providers/iijmio.md, "Redirect URIs").
func TestLoopbackOptionReachesIIJmio(t *testing.T) {
	t.Parallel()
	status := func(srv *emulatortest.Server, redirect string) int {
		u := srv.IIJmio() + "/mobile/d/v1/authorization/?" + url.Values{
			"response_type": {"token"}, "client_id": {"MioponDemoApp000001"}, "redirect_uri": {redirect}, "state": {"s"},
		}.Encode()
		resp, err := srv.Client().Get(u)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	exact := emulatortest.Start(t)
	assert.Equal(t, http.StatusOK, status(exact, "http://127.0.0.1/callback"))
	assert.Equal(t, http.StatusBadRequest, status(exact, "http://127.0.0.1:43117/callback"), "exact by default")

	anyPort := emulatortest.Start(t, emulatortest.WithLoopbackRedirectAnyPort())
	assert.Equal(t, http.StatusOK, status(anyPort, "http://127.0.0.1/callback"))
	assert.Equal(t, http.StatusOK, status(anyPort, "http://127.0.0.1:43117/callback"))
	assert.Equal(t, http.StatusBadRequest, status(anyPort, "http://127.0.0.1:65536/callback"), "no impossible port")
}

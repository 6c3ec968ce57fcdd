package emulator_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/emulator"
)

// Accounts of the default fixtures (docs/providers/*.md).
const (
	iijmioDeveloper = "MioponDemoApp000001"
	iijmioToken     = "MioTaroDemoToken0000000000000001"
	iijmioCoupon    = "/iijmio/mobile/d/v1/coupon/"

	kiiApp    = "da0b6a25"
	kiiAppKey = "8174099687a26621f4e2cdd7cc03b3da"
	kiiBase   = "/kii/api/apps/" + kiiApp

	mixiKey    = "3f5c2a9e1b7d4c6a8e0f"
	mixiSecret = "8d2e7b1c9a4f6e3d0b5a7c2e9f1d4b6a8c3e5f70"

	assistClient   = "3f9a1c0d5e7b2a4c6d8e"
	assistSecret   = "9b2e4f6a8c0d1e3f5a7b9c2d4e6f8a0b1c3d5e7f"
	assistRedirect = "http://127.0.0.1:8081/callback"
	assistOrders   = "/assist/api/v1/orders.php"
)

var (
	iijmioHeaders = []string{"X-IIJmio-Developer", iijmioDeveloper, "X-IIJmio-Authorization", iijmioToken}
	kiiHeaders    = []string{"X-Kii-AppID", kiiApp, "X-Kii-AppKey", kiiAppKey, "Content-Type", "application/json"}
)

// newEmulator opens the emulator on the embedded fixtures, rate limits off
// (the tests here hammer the API), logging nowhere.
func newEmulator(tb testing.TB, mod ...func(*emulator.Config)) *emulator.Emulator {
	tb.Helper()
	cfg := emulator.Config{DisableRateLimits: true, Log: slog.New(slog.DiscardHandler)}
	for _, m := range mod {
		m(&cfg)
	}
	e, err := emulator.New(cfg)
	require.NoError(tb, err)
	return e
}

// startServer runs a fresh emulator on a real listener.
func startServer(tb testing.TB, mod ...func(*emulator.Config)) (*emulator.Emulator, *httptest.Server) {
	tb.Helper()
	e := newEmulator(tb, mod...)
	srv := httptest.NewServer(e)
	tb.Cleanup(srv.Close)
	return e, srv
}

// response is what a test needs of an answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// send makes one request; hdr alternates names and values ("Host" sets the
// Host). It fails the test only on a transport error, so it is safe in
// goroutines as long as tb is not used after the test ends.
func send(tb testing.TB, c *http.Client, method, url, body string, hdr ...string) response {
	tb.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	require.NoError(tb, err)
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "Host" {
			req.Host = hdr[i+1]
			continue
		}
		req.Header.Add(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	require.NoError(tb, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(tb, err)
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

// serve runs one request through the handler in-process.
func serve(h http.Handler, method, target, body string, hdr ...string) *httptest.ResponseRecorder {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, target, rd)
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "Host" {
			r.Host = hdr[i+1]
			continue
		}
		r.Header.Add(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// exportState is GET /_fakeapi/state, decoded into generic JSON.
func exportState(tb testing.TB, h http.Handler) map[string]any {
	tb.Helper()
	w := serve(h, http.MethodGet, "/_fakeapi/state", "")
	require.Equal(tb, http.StatusOK, w.Code, w.Body.String())
	var doc map[string]any
	require.NoError(tb, json.Unmarshal(w.Body.Bytes(), &doc))
	return doc
}

// importState is PUT /_fakeapi/state.
func importState(tb testing.TB, h http.Handler, doc any) {
	tb.Helper()
	data, err := json.Marshal(doc)
	require.NoError(tb, err)
	w := serve(h, http.MethodPut, "/_fakeapi/state", string(data), "Content-Type", "application/json")
	require.Equal(tb, http.StatusOK, w.Code, w.Body.String())
}

// jsonField is a string member of a JSON object.
func jsonField(tb testing.TB, data []byte, key string) string {
	tb.Helper()
	var m map[string]any
	require.NoError(tb, json.Unmarshal(data, &m), string(data))
	s, ok := m[key].(string)
	require.True(tb, ok, "no string %q in %s", key, data)
	return s
}

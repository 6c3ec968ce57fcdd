package iijmio

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/fixtures"
	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/httpx"
	"github.com/fakeapi/fakeapi/internal/ids"
	"github.com/fakeapi/fakeapi/internal/provider"
)

// testNow is the frozen start of every test clock: 2014-01-15 11:37:57 JST,
// the Date header of the 2014 capture's curl -I (docs/providers/iijmio.md,
// "Sources").
var testNow = time.Date(2014, 1, 15, 2, 37, 57, 0, time.UTC)

// Test accounts of testFixture.
const (
	tDev      = "devTEST000000000001"
	tDev2     = "devTEST000000000002"
	tUser     = "mio-test"
	tPass     = "test-pass"
	tUser2    = "mio-other"
	tToken    = "TestToken0000000000000000000001A"
	tToken2   = "TestToken0000000000000000000002B"
	tTokenOld = "TestToken0000000000000000000003C"
	tRedirect = "https://app.example.jp/cb"
)

// testFixture is small, absolute (no asOf) and shaped after the 2014
// capture's bodies.
const testFixture = `{
  "month": "201401",
  "developers": [
    {"developerId": "devTEST000000000001", "appName": "テスト<アプリ>", "redirectUris": ["https://app.example.jp/cb", "http://127.0.0.1/loop", "jp.example.app"]},
    {"developerId": "devTEST000000000002", "appName": "Other", "redirectUris": ["https://other.example.jp/cb"]}
  ],
  "users": [
    {"mioId": "mio-test", "password": "test-pass", "contracts": [
      {"hddServiceCode": "hdd12345678", "plan": "Family Share", "monthlyBundle": 500,
       "coupons": [
         {"volume": 10, "expire": "201401", "type": "bundle"},
         {"volume": 500, "expire": "201402", "type": "bundle"},
         {"volume": 0, "expire": "201401", "type": "topup"},
         {"volume": 0, "expire": "201402", "type": "topup"},
         {"volume": 0, "expire": "201403", "type": "topup"},
         {"volume": 0, "expire": "201404", "type": "topup"}],
       "lines": [
         {"serviceCode": "hdo12345678", "number": "08012345678", "iccid": "DN0012345678AB", "sms": false, "voice": true, "couponUse": false,
          "simCoupon": {"volume": null},
          "packetLog": [{"date": "20140101", "withCoupon": 0, "withoutCoupon": 12}, {"date": "20140102", "withCoupon": 30, "withoutCoupon": 1}]},
         {"serviceCode": "hdu12345679", "number": "07012345679", "iccid": "8981260012345678901", "sms": true, "voice": false, "couponUse": true},
         {"serviceCode": "hdx12345670", "number": "02012345670", "iccid": "8981100012345678900", "sms": false, "voice": false, "couponUse": true,
          "simCoupon": {"volume": 7}}]},
      {"hddServiceCode": "hdd87654321", "plan": "Eco Minimum",
       "coupons": [{"volume": 3000, "expire": "201402", "type": "bundle"}],
       "history": [{"date": "20140101", "event": "add", "type": "bundle", "volume": 3000}],
       "lines": [
         {"serviceCode": "hdu87654321", "number": "08087654321", "iccid": "8981260087654321000", "sms": true, "voice": true, "couponUse": true}]}]},
    {"mioId": "mio-other", "password": "other-pass", "contracts": [
      {"hddServiceCode": "hdd99999999", "plan": "Light Start",
       "coupons": [{"volume": 100, "expire": "201401", "type": "bundle"}],
       "lines": [{"serviceCode": "hdo99999999", "number": "09099999999", "iccid": "DN0099999999ZZ", "sms": true, "voice": true, "couponUse": true}]}]}
  ],
  "tokens": [
    {"accessToken": "TestToken0000000000000000000001A", "mioId": "mio-test", "developerId": "devTEST000000000001", "issuedAt": "2014-01-15T11:00:00+09:00"},
    {"accessToken": "TestToken0000000000000000000002B", "mioId": "mio-other", "developerId": "devTEST000000000001", "issuedAt": "2014-01-15T11:00:00+09:00"},
    {"accessToken": "TestToken0000000000000000000003C", "mioId": "mio-test", "developerId": "devTEST000000000001", "issuedAt": "2013-10-17T11:37:57+09:00"}
  ]
}`

// env is one provider instance on a frozen clock.
type env struct {
	inst *provider.Instance
	clk  *clock.Controlled
}

type envOpt func(*Config)

func noLimits(c *Config) { c.DisableRateLimits = true }

func newEnv(t testing.TB, opts ...envOpt) *env {
	t.Helper()
	return newEnvWith(t, testFixture, opts...)
}

func newEnvWith(t testing.TB, data string, opts ...envOpt) *env {
	t.Helper()
	clk := clock.NewControlled(func() time.Time { return testNow })
	clk.Freeze(true)
	var cfg Config
	for _, o := range opts {
		o(&cfg)
	}
	inst, err := Open(provider.Deps{Clock: clk, IDs: ids.Seeded(7)}, cfg, "iijmio.json", []byte(data))
	require.NoError(t, err)
	return &env{inst: inst, clk: clk}
}

func newDefaultEnv(t testing.TB, opts ...envOpt) *env {
	t.Helper()
	data, err := fixtures.FS.ReadFile("iijmio.json")
	require.NoError(t, err)
	return newEnvWith(t, string(data), opts...)
}

// ServeHTTP routes like the emulator: /iijmio prefix stripped with base
// recorded, /_fakeapi/iijmio to Admin, anything else by Host.
func (e *env) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasPrefix(r.URL.Path, "/_fakeapi/iijmio/"):
		r2 := r.Clone(r.Context())
		r2.URL.Path = strings.TrimPrefix(r.URL.Path, "/_fakeapi/iijmio")
		r2.URL.RawPath = ""
		e.inst.Admin.ServeHTTP(w, r2)
	case strings.HasPrefix(r.URL.Path, "/iijmio/"):
		r2 := httpx.WithBase(r.Clone(r.Context()), "/iijmio")
		r2.URL.Path = strings.TrimPrefix(r.URL.Path, "/iijmio")
		r2.URL.RawPath = ""
		e.inst.Handler.ServeHTTP(w, r2)
	default:
		e.inst.Handler.ServeHTTP(w, httpx.WithBase(r, ""))
	}
}

// do runs one request through the provider and returns the recorder.
func (e *env) do(method, target, body string, hdr ...string) *httptest.ResponseRecorder {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, target, rd)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	e.ServeHTTP(w, r)
	return w
}

// api runs an authenticated API call as tUser with tDev.
func (e *env) api(method, path, body string) *httptest.ResponseRecorder {
	return e.do(method, "/iijmio"+path, body, headerDeveloper, tDev, headerAuthorization, tToken)
}

func readAll(t testing.TB, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return string(b)
}

// mintToken uses the admin shortcut POST /_fakeapi/iijmio/tokens.
func mintToken(t testing.TB, e *env, mioID, dev string) string {
	t.Helper()
	w := e.do("POST", "/_fakeapi/iijmio/tokens", `{"mioId":"`+mioID+`","developerId":"`+dev+`"}`)
	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	var out struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &out))
	require.Equal(t, tokenTTLSeconds, out.ExpiresIn)
	return out.AccessToken
}

func itoa(n int) string { return strconv.Itoa(n) }

func newRequest(method, target, body string, hdr ...string) *http.Request {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, target, rd)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	return r
}

// serveLimited applies the root's 1 MiB body cap before the provider.
func (e *env) serveLimited(r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	httpx.LimitBody(httpx.DefaultMaxBody)(e).ServeHTTP(w, r)
	return w
}

// addUsage posts to the admin usage endpoint and decodes the result.
func addUsage(t testing.TB, e *env, body string) usageResult {
	t.Helper()
	w := e.do("POST", "/_fakeapi/iijmio/usage", body)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var res usageResult
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &res))
	return res
}

// packetLog returns the packet log of one line from GET packet.
func packetLog(t testing.TB, e *env, path, line string) []PacketDay {
	t.Helper()
	w := e.api("GET", path, "")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var body struct {
		PacketLogInfo []map[string]json.RawMessage `json:"packetLogInfo"`
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &body))
	for _, c := range body.PacketLogInfo {
		for _, kind := range []string{"hdo", "hdu", "hdx"} {
			raw, ok := c[kind+"Info"]
			if !ok {
				continue
			}
			var lines []map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(raw, &lines))
			for _, l := range lines {
				var code string
				require.NoError(t, json.Unmarshal(l[kind+"ServiceCode"], &code))
				if code == line {
					var log []PacketDay
					require.NoError(t, json.Unmarshal(l["packetLog"], &log))
					return log
				}
			}
		}
	}
	t.Fatalf("line %s not in %s", line, path)
	return nil
}

func lastPacketDay(t testing.TB, e *env, path, line string) PacketDay {
	t.Helper()
	log := packetLog(t, e, path, line)
	require.Len(t, log, logDays)
	return log[len(log)-1]
}

func qe(s string) string { return url.QueryEscape(s) }

func discardLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func providerStat(name string, n int) provider.Stat { return provider.Stat{Name: name, Count: n} }

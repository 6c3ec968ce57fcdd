package iijmio

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEndToEndImplicitGrant drives the whole flow with a plain net/http
// client and a cookie jar, as a CI job would: authorization URL → login POST
// (303, followed) → consent POST → fragment → GET coupon → PUT → GET →
// packet log; then the token expires on the emulator clock.
func TestEndToEndImplicitGrant(t *testing.T) {
	t.Parallel()
	e := newDefaultEnv(t)
	b := newBrowser(t, e)
	const dev, redirect = "MioponDemoApp000001", "http://127.0.0.1/callback"

	res := b.authorize(authQuery(dev, redirect, "ABC123456"), "mio-taro", "taro-pass-01")
	require.Equal(t, http.StatusFound, res.StatusCode)
	loc, err := url.Parse(res.Header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, redirect, loc.Scheme+"://"+loc.Host+loc.Path, "should redirect to the registered URI exactly")
	frag, err := url.ParseQuery(loc.Fragment)
	require.NoError(t, err)
	token := frag.Get("access_token")
	assert.Regexp(t, `^[A-Za-z0-9]{32}$`, token)
	assert.Equal(t, "ABC123456", frag.Get("state"))
	assert.Equal(t, "Bearer", frag.Get("token_type"))
	expires, err := strconv.Atoi(frag.Get("expires_in"))
	require.NoError(t, err)
	assert.Equal(t, 7776000, expires)

	call := func(method, path, body string) (int, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, b.srv.URL+"/iijmio"+path, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set(headerDeveloper, dev)
		req.Header.Set(headerAuthorization, token)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		var buf bytes.Buffer
		_, err = buf.ReadFrom(res.Body)
		require.NoError(t, err)
		assert.Equal(t, "*", res.Header.Get("Access-Control-Allow-Origin"))
		return res.StatusCode, buf.Bytes()
	}

	status, body := call("GET", pathCouponV2, "")
	require.Equal(t, http.StatusOK, status, string(body))
	var coupon struct {
		ReturnCode string `json:"returnCode"`
		CouponInfo []struct {
			HddServiceCode string `json:"hddServiceCode"`
			HdxInfo        []struct {
				HdxServiceCode string `json:"hdxServiceCode"`
				CouponUse      bool   `json:"couponUse"`
			} `json:"hdxInfo"`
		} `json:"couponInfo"`
	}
	require.NoError(t, json.Unmarshal(body, &coupon))
	assert.Equal(t, "OK", coupon.ReturnCode)
	require.NotEmpty(t, coupon.CouponInfo)
	require.NotEmpty(t, coupon.CouponInfo[0].HdxInfo)
	hdx := coupon.CouponInfo[0].HdxInfo[0]
	require.False(t, hdx.CouponUse)

	status, body = call("PUT", pathCouponV2, fmt.Sprintf(`{"couponInfo":[{"hdoInfo":[],"hduInfo":[],"hdxInfo":[{"hdxServiceCode":%q,"couponUse":true}]}]}`, hdx.HdxServiceCode))
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, `{"returnCode": "OK"}`, string(body))

	status, body = call("GET", pathCouponV2, "")
	require.Equal(t, http.StatusOK, status)
	require.NoError(t, json.Unmarshal(body, &coupon))
	assert.True(t, coupon.CouponInfo[0].HdxInfo[0].CouponUse, "should show the switch in the next GET")

	status, body = call("GET", pathPacketV1, "")
	require.Equal(t, http.StatusOK, status)
	var packet struct {
		PacketLogInfo []struct {
			HdoInfo []struct {
				PacketLog []PacketDay `json:"packetLog"`
			} `json:"hdoInfo"`
		} `json:"packetLogInfo"`
		ReturnCode string `json:"returnCode"`
	}
	require.NoError(t, json.Unmarshal(body, &packet))
	require.NotEmpty(t, packet.PacketLogInfo[0].HdoInfo)
	log := packet.PacketLogInfo[0].HdoInfo[0].PacketLog
	require.Len(t, log, 31)
	assert.Equal(t, testNow.In(jst).Format("20060102"), log[30].Date, "last entry is today in JST")
	assert.Positive(t, log[29].WithCoupon, "should carry the fixture history, moved by asOf")

	_, err = e.clk.Advance(tokenTTL)
	require.NoError(t, err)
	status, body = call("GET", pathCouponV1, "")
	assert.Equal(t, http.StatusForbidden, status)
	assert.Equal(t, `{"returnCode": "User Authorization Failure"}`, string(body))
}

// TestConcurrentSwitchesAndReads runs parallel PUTs and GETs (go test
// -race): every PUT is all-or-nothing under one lock, so every GET sees
// both lines with the same couponUse.
func TestConcurrentSwitchesAndReads(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits)
	const workers, rounds = 8, 50
	var wg sync.WaitGroup
	errs := make(chan string, workers*rounds)
	for w := range workers {
		wg.Add(3)
		go func() {
			defer wg.Done()
			for i := range rounds {
				use := (w+i)%2 == 0
				body := fmt.Sprintf(`{"couponInfo":[{"hduInfo":[{"hduServiceCode":"hdu12345679","couponUse":%t}],"hdxInfo":[{"hdxServiceCode":"hdx12345670","couponUse":%t}]}]}`, use, use)
				if r := e.api("PUT", pathCouponV2, body); r.Code != http.StatusOK {
					errs <- "PUT " + r.Body.String()
				}
			}
		}()
		go func() {
			defer wg.Done()
			for range rounds {
				r := e.api("GET", pathCouponV2, "")
				if r.Code != http.StatusOK {
					errs <- "GET " + r.Body.String()
					continue
				}
				s := r.Body.String()
				hdu := strings.Contains(s, `"couponUse": true, "hduServiceCode": "hdu12345679"`)
				hdx := strings.Contains(s, `"couponUse": true, "hdxServiceCode": "hdx12345670"`)
				if hdu != hdx {
					errs <- "torn read: " + s
				}
				if r := e.api("GET", pathPacketV2, ""); r.Code != http.StatusOK {
					errs <- "GET packet " + r.Body.String()
				}
			}
		}()
		go func() {
			defer wg.Done()
			if r := e.do("POST", "/_fakeapi/iijmio/usage", `{"serviceCode":"hdu12345679","mb":1}`); r.Code != http.StatusOK {
				errs <- "usage " + r.Body.String()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
	// Every concurrent usage post was counted exactly once.
	today := lastPacketDay(t, e, pathPacketV2, "hdu12345679")
	assert.Equal(t, workers, today.WithCoupon+today.WithoutCoupon)
}

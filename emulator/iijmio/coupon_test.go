package iijmio

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/internal/golden"
)

func TestCouponGetGolden(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, path string }{
		{"coupon_v1", pathCouponV1},
		{"coupon_v2", pathCouponV2},
	} {
		t.Run("should answer "+tt.name+" byte for byte", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			w := e.api("GET", tt.path, "")
			require.Equal(t, http.StatusOK, w.Code)
			assertAPIHeaders(t, w.Result().Header)
			assert.Equal(t, itoa(w.Body.Len()), w.Header().Get("Content-Length"))
			golden.Assert(t, tt.name, w.Body.Bytes())
		})
	}
}

func TestCouponV1MatchesSeedShape(t *testing.T) {
	t.Parallel()
	// The 2014 capture's v1 body with our fixture's values: its keys in its
	// order, nulls and types exactly as captured, plus the two keys later v1
	// bodies carry, each last in its object: plan on the contract, voice on
	// the line (docs/providers/iijmio.md, "GET coupon").
	e := newEnv(t)
	body := e.api("GET", pathCouponV1, "").Body.String()
	assert.True(t, strings.HasPrefix(body, `{"returnCode": "OK", "couponInfo": [{"hddServiceCode": "hdd12345678", "coupon": [{"volume": 10, "expire": "201401", "type": "bundle"}, {"volume": 500, "expire": "201402", "type": "bundle"}, {"volume": 0, "expire": "201401", "type": "topup"}, {"volume": 0, "expire": "201402", "type": "topup"}, {"volume": 0, "expire": "201403", "type": "topup"}, {"volume": 0, "expire": "201404", "type": "topup"}], "hdoInfo": [{"couponUse": false, "coupon": [{"volume": null, "expire": null, "type": "sim"}], "hdoServiceCode": "hdo12345678", "sms": false, "number": "08012345678", "regulation": false, "iccid": "DN0012345678AB", "voice": true}], "plan": "Family Share"}`), body)
	assert.NotContains(t, body, "hdu", "should hide au lines from v1")
}

// TestCouponV1KeepsTheSeedsKeysInOrder: without plan and voice, every v1
// object has exactly the 2014 capture's keys in its order, and the two
// added keys come last (docs/providers/iijmio.md, "GET coupon").
func TestCouponV1KeepsTheSeedsKeysInOrder(t *testing.T) {
	t.Parallel()
	seed := map[string][]string{ // each object's keys as captured, by its first key
		"returnCode":     {"returnCode", "couponInfo"},
		"hddServiceCode": {"hddServiceCode", "coupon", "hdoInfo"},
		"couponUse":      {"couponUse", "coupon", "hdoServiceCode", "sms", "number", "regulation", "iccid"},
		"volume":         {"volume", "expire", "type"},
	}
	added := map[string][]string{"hddServiceCode": {"plan"}, "couponUse": {"voice"}}
	v, err := decodeOrdered(json.NewDecoder(strings.NewReader(newEnv(t).api("GET", pathCouponV1, "").Body.String())))
	require.NoError(t, err)
	var walk func(v any)
	objects := 0
	walk = func(v any) {
		switch v := v.(type) {
		case []any:
			for _, x := range v {
				walk(x)
			}
		case orderedObject:
			objects++
			var keys []string
			for _, kv := range v {
				keys = append(keys, kv.key)
				walk(kv.val)
			}
			want, ok := seed[keys[0]]
			require.True(t, ok, "an object the capture does not have: %v", keys)
			assert.Equal(t, append(slices.Clone(want), added[keys[0]]...), keys)
		}
	}
	walk(v)
	assert.Greater(t, objects, 10)
}

func TestCouponV2KeysAreAlphabetical(t *testing.T) {
	t.Parallel()
	for _, path := range []string{pathCouponV2, pathPacketV1, pathPacketV2} {
		e := newEnv(t)
		assertSortedKeys(t, e.api("GET", path, "").Body.Bytes())
	}
}

// assertSortedKeys walks a JSON document and checks every object's keys are
// in ascending byte order (docs/providers/iijmio.md, "Wire format").
func assertSortedKeys(t *testing.T, b []byte) {
	t.Helper()
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case []any:
			for _, x := range v {
				walk(x)
			}
		case orderedObject:
			for i := 1; i < len(v); i++ {
				assert.Less(t, v[i-1].key, v[i].key, "keys out of order")
			}
			for _, kv := range v {
				walk(kv.val)
			}
		}
	}
	v, err := decodeOrdered(json.NewDecoder(strings.NewReader(string(b))))
	require.NoError(t, err)
	walk(v)
}

type orderedObject []struct {
	key string
	val any
}

func decodeOrdered(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		var obj orderedObject
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, err
			}
			v, err := decodeOrdered(dec)
			if err != nil {
				return nil, err
			}
			obj = append(obj, struct {
				key string
				val any
			}{k.(string), v})
		}
		_, err := dec.Token()
		return obj, err
	case json.Delim('['):
		var arr []any
		for dec.More() {
			v, err := decodeOrdered(dec)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		_, err := dec.Token()
		return arr, err
	}
	return tok, nil
}

func TestCouponHead(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	get := e.api("GET", pathCouponV1, "")
	head := e.api("HEAD", pathCouponV1, "")
	assert.Equal(t, http.StatusOK, head.Code, "should answer curl -I like the 2014 capture")
	assert.Equal(t, get.Header().Get("Content-Length"), head.Header().Get("Content-Length"))
	assertAPIHeaders(t, head.Result().Header)
}

func TestCouponPutErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		version int
		body    string
	}{
		{"should reject an empty body", 1, ``},
		{"should reject a body that is not JSON", 1, `couponUse=true`},
		{"should reject truncated JSON", 1, `{"couponInfo":[{"hdoInfo":[`},
		{"should reject two JSON values", 1, `{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdo12345678","couponUse":true}]}]} {}`},
		{"should reject a top-level array", 1, `[{"hdoInfo":[]}]`},
		{"should reject a top-level null", 1, `null`},
		{"should reject a missing couponInfo", 1, `{}`},
		{"should match couponInfo case-sensitively", 1, `{"CouponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdo12345678","couponUse":true}]}]}`},
		{"should reject couponInfo null", 1, `{"couponInfo":null}`},
		{"should let a repeated couponInfo's last value, null, win", 1, `{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdo12345678","couponUse":true}]}],"couponInfo":null}`},
		{"should reject couponInfo as an object", 1, `{"couponInfo":{"hdoInfo":[]}}`},
		{"should reject a null couponInfo element", 1, `{"couponInfo":[null]}`},
		{"should reject a string couponInfo element", 1, `{"couponInfo":["hdo12345678"]}`},
		{"should reject hdoInfo as an object", 1, `{"couponInfo":[{"hdoInfo":{"hdoServiceCode":"hdo12345678","couponUse":true}}]}`},
		{"should reject a null line entry", 1, `{"couponInfo":[{"hdoInfo":[null]}]}`},
		{"should reject a line without service code", 1, `{"couponInfo":[{"hdoInfo":[{"couponUse":true}]}]}`},
		{"should reject an empty service code", 1, `{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"","couponUse":true}]}]}`},
		{"should reject a numeric service code", 1, `{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":12345678,"couponUse":true}]}]}`},
		{"should reject a line without couponUse (miopon-go omitempty)", 2, `{"couponInfo":[{"hduInfo":[{"hduServiceCode":"hdu12345679"}]}]}`},
		{"should reject couponUse null", 1, `{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdo12345678","couponUse":null}]}]}`},
		{"should reject couponUse as a string", 1, `{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdo12345678","couponUse":"true"}]}]}`},
		{"should reject couponUse as a number", 1, `{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdo12345678","couponUse":1}]}]}`},
		{"should reject an unknown service code", 1, `{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdo00000000","couponUse":true}]}]}`},
		{"should reject another user's line", 1, `{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdo99999999","couponUse":true}]}]}`},
		{"should reject an au line listed under hdoInfo", 2, `{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdu12345679","couponUse":true}]}]}`},
		{"should reject a contract code as a line", 1, `{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdd12345678","couponUse":true}]}]}`},
		{"should reject hduInfo lines in v1", 1, `{"couponInfo":[{"hduInfo":[{"hduServiceCode":"hdu12345679","couponUse":false}]}]}`},
		{"should reject hdxInfo lines in v1", 1, `{"couponInfo":[{"hdxInfo":[{"hdxServiceCode":"hdx12345670","couponUse":false}]}]}`},
		{"should reject an ill-typed value even when a repeat of its key is well typed", 1, `{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdo12345678","couponUse":"yes","couponUse":true}]}]}`},
		{"should reject invalid UTF-8 in a service code", 1, "{\"couponInfo\":[{\"hdoInfo\":[{\"hdoServiceCode\":\"hdo12345678\xff\",\"couponUse\":true}]}]}"},
		{"should reject the whole body when one line is bad", 2, `{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdo12345678","couponUse":true}],"hduInfo":[{"hduServiceCode":"hdu00000000","couponUse":false}]}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			path := pathCouponV1
			if tt.version == 2 {
				path = pathCouponV2
			}
			before := e.api("GET", pathCouponV2, "").Body.String()
			assertCode(t, e.api("PUT", path, tt.body), http.StatusBadRequest, codeBadData)
			assert.Equal(t, before, e.api("GET", pathCouponV2, "").Body.String(), "should change nothing")
		})
	}
}

func TestCouponPutSuccess(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		version int
		body    string
		want    map[string]bool // line → couponUse afterwards
	}{
		{"should switch a docomo line on (the 2014 capture's body)", 1,
			`{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdo12345678","couponUse":true}]}]}`,
			map[string]bool{"hdo12345678": true, "hdu12345679": true, "hdx12345670": true}},
		{"should accept a no-op switch", 1,
			`{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdo12345678","couponUse":false}]}]}`,
			map[string]bool{"hdo12345678": false}},
		{"should switch several kinds in one v2 body", 2,
			`{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdo12345678","couponUse":true}],"hduInfo":[{"hduServiceCode":"hdu12345679","couponUse":false}],"hdxInfo":[{"hdxServiceCode":"hdx12345670","couponUse":false}]}]}`,
			map[string]bool{"hdo12345678": true, "hdu12345679": false, "hdx12345670": false}},
		{"should accept empty hduInfo and hdxInfo arrays (tagattie)", 2,
			`{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdo12345678","couponUse":true}],"hduInfo":[],"hdxInfo":[]}]}`,
			map[string]bool{"hdo12345678": true, "hdu12345679": true}},
		{"should accept empty hduInfo in v1", 1,
			`{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdo12345678","couponUse":true}],"hduInfo":[]}]}`,
			map[string]bool{"hdo12345678": true}},
		{"should accept null arrays from Go clients", 2,
			`{"couponInfo":[{"hdoInfo":null,"hduInfo":[{"hduServiceCode":"hdu12345679","couponUse":false}],"hdxInfo":null}]}`,
			map[string]bool{"hdu12345679": false}},
		{"should accept lines spread over several couponInfo elements and lines of several contracts", 2,
			`{"couponInfo":[{"hddServiceCode":"hdd12345678","hdxInfo":[{"hdxServiceCode":"hdx12345670","couponUse":false}]},{"hduInfo":[{"hduServiceCode":"hdu87654321","couponUse":false}]}]}`,
			map[string]bool{"hdx12345670": false, "hdu87654321": false}},
		{"should let the last mention of a line win", 1,
			`{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdo12345678","couponUse":true},{"hdoServiceCode":"hdo12345678","couponUse":false}]}]}`,
			map[string]bool{"hdo12345678": false}},
		{"should ignore unknown keys", 1,
			`{"extra":1,"couponInfo":[{"x":[],"hdoInfo":[{"hdoServiceCode":"hdo12345678","couponUse":true,"note":"x"}]}]}`,
			map[string]bool{"hdo12345678": true}},
		{"should let the last of a repeated key win", 1,
			`{"couponInfo":[],"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdo12345678","couponUse":true,"couponUse":false}]}]}`,
			map[string]bool{"hdo12345678": false}},
		{"should ignore invalid UTF-8 in unknown keys", 1,
			"{\"note\":\"\xff\",\"couponInfo\":[{\"hdoInfo\":[{\"hdoServiceCode\":\"hdo12345678\",\"couponUse\":true}]}]}",
			map[string]bool{"hdo12345678": true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, noLimits)
			path := pathCouponV1
			if tt.version == 2 {
				path = pathCouponV2
			}
			w := e.api("PUT", path, tt.body)
			assert.Equal(t, http.StatusOK, w.Code)
			assert.Equal(t, `{"returnCode": "OK"}`, w.Body.String(), "should answer the 2014 capture's exact bytes")
			assertAPIHeaders(t, w.Result().Header)
			got := couponUses(t, e)
			for line, use := range tt.want {
				assert.Equal(t, use, got[line], "couponUse of %s", line)
			}
		})
	}
}

// TestCouponPutNamingNoLine: tagattie/IIJmio-AutoSwitch's -f ("force")
// sends {"couponInfo":[{"hdoInfo":[],"hduInfo":[]}]} and expects OK; a body
// that names no line changes nothing and is answered like any no-op switch
// (docs/providers/iijmio.md, "PUT coupon").
func TestCouponPutNamingNoLine(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		version int
		body    string
	}{
		{"should answer OK to tagattie's -f body on v2", 2, `{"couponInfo":[{"hdoInfo":[],"hduInfo":[]}]}`},
		{"should answer OK to tagattie's -f body on v1", 1, `{"couponInfo":[{"hdoInfo":[],"hduInfo":[]}]}`},
		{"should answer OK to all three lists empty", 2, `{"couponInfo":[{"hdoInfo":[],"hduInfo":[],"hdxInfo":[]}]}`},
		{"should answer OK to null lists", 2, `{"couponInfo":[{"hdoInfo":null,"hduInfo":null}]}`},
		{"should answer OK to an element without lists", 1, `{"couponInfo":[{"hddServiceCode":"hdd12345678"}]}`},
		{"should answer OK to an empty couponInfo", 1, `{"couponInfo":[]}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			path := pathCouponV1
			if tt.version == 2 {
				path = pathCouponV2
			}
			before := e.api("GET", pathCouponV2, "").Body.String()
			w := e.api("PUT", path, tt.body)
			assertCode(t, w, http.StatusOK, codeOK)
			assert.Equal(t, before, e.api("GET", pathCouponV2, "").Body.String(), "should change nothing")
			assertCode(t, e.api("PUT", path, tt.body), http.StatusTooManyRequests, codeTooManyRequests)
		})
	}
}

// couponUses reads couponUse per line from GET v2.
func couponUses(t *testing.T, e *env) map[string]bool {
	t.Helper()
	var body struct {
		CouponInfo []map[string]json.RawMessage `json:"couponInfo"`
	}
	require.NoError(t, json.Unmarshal(e.api("GET", pathCouponV2, "").Body.Bytes(), &body))
	out := map[string]bool{}
	for _, c := range body.CouponInfo {
		for _, kind := range []string{"hdo", "hdu", "hdx"} {
			var lines []map[string]any
			require.NoError(t, json.Unmarshal(c[kind+"Info"], &lines))
			for _, l := range lines {
				out[l[kind+"ServiceCode"].(string)] = l["couponUse"].(bool)
			}
		}
	}
	return out
}

func TestCouponPutTooLarge(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	big := `{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdo12345678","couponUse":true,"pad":"` + strings.Repeat("x", 1<<20) + `"}]}]}`
	r := newRequest("PUT", "/iijmio"+pathCouponV1, big, headerDeveloper, tDev, headerAuthorization, tToken)
	r.ContentLength = -1 // chunked: only the read finds out
	w := e.serveLimited(r)
	assertCode(t, w, http.StatusRequestEntityTooLarge, codeTooLarge)

	r = newRequest("PUT", "/iijmio"+pathCouponV2, big, headerDeveloper, tDev, headerAuthorization, tToken)
	_, err := e.clk.Advance(time.Minute) // past the PUT limit
	require.NoError(t, err)
	w = e.serveLimited(r) // Content-Length declared over the cap
	assertCode(t, w, http.StatusRequestEntityTooLarge, codeTooLarge)
}

func TestCouponPutDecidesHowUsageCounts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits)
	// couponUse starts false: usage counts withoutCoupon and keeps the pool.
	res := addUsage(t, e, `{"serviceCode":"hdo12345678","mb":40}`)
	assert.Equal(t, 0, res.WithCoupon)
	assert.Equal(t, 40, res.WithoutCoupon)
	assert.Equal(t, 510, res.CouponRemaining)

	require.Equal(t, 200, e.api("PUT", pathCouponV1, `{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdo12345678","couponUse":true}]}]}`).Code)
	res = addUsage(t, e, `{"serviceCode":"hdo12345678","mb":25}`)
	assert.Equal(t, 25, res.WithCoupon)
	assert.Equal(t, 0, res.WithoutCoupon)
	assert.Equal(t, 485, res.CouponRemaining)

	today := lastPacketDay(t, e, pathPacketV1, "hdo12345678")
	assert.Equal(t, PacketDay{Date: "20140115", WithCoupon: 25, WithoutCoupon: 40}, today)
}

// TestCouponGetShouldNeverServeAStaleBody drives every kind of change the
// store knows, and the clock across a day and a month, and after each one
// compares GET coupon (cached per stamp) with a body rendered afresh.
func TestCouponGetShouldNeverServeAStaleBody(t *testing.T) {
	t.Parallel()
	e := newDefaultEnv(t, noLimits)
	st := e.inst.State.(*instanceState).st
	hdr := []string{headerDeveloper, "MioponDemoApp000001", headerAuthorization, "MioTaroDemoToken0000000000000001", "Content-Type", "application/json"}
	check := func(step string) string {
		t.Helper()
		var v1 string
		for _, v := range []struct {
			path string
			enc  func([]contractView) []byte
		}{{pathCouponV1, encodeCouponV1}, {pathCouponV2, encodeCouponV2}} {
			for range 2 { // the second GET is served from the cache
				w := e.do(http.MethodGet, "/iijmio"+v.path, "", hdr...)
				require.Equal(t, http.StatusOK, w.Code, "%s: %s", step, w.Body)
				assert.Equal(t, string(v.enc(st.Contracts("mio-taro", false))), w.Body.String(), "%s: %s should be current", step, v.path)
			}
			if v.path == pathCouponV1 {
				w := e.do(http.MethodGet, "/iijmio"+v.path, "", hdr...)
				v1 = w.Body.String()
			}
		}
		return v1
	}
	admin := func(path, body string) {
		t.Helper()
		w := e.do(http.MethodPost, "/_fakeapi/iijmio"+path, body)
		require.Less(t, w.Code, 300, "%s: %s", path, w.Body)
	}
	before := check("start")
	w := e.do(http.MethodPut, "/iijmio"+pathCouponV1, `{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdo10000001","couponUse":false}]}]}`, hdr...)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.NotEqual(t, before, check("PUT coupon"), "the switch should show")
	admin("/usage", `{"serviceCode":"hdo10000004","mb":700}`)
	check("usage")
	admin("/coupons", `{"hddServiceCode":"hdd10000001","type":"topup","volume":500}`)
	check("coupon purchase")
	admin("/regulation", `{"serviceCode":"hdo10000001","forced":true}`)
	check("forced regulation")
	_, err := e.clk.Advance(24 * time.Hour)
	require.NoError(t, err)
	check("next day: usage over 366 MB throttles")
	_, err = e.clk.Advance(40 * 24 * time.Hour)
	require.NoError(t, err)
	check("month rollover")
	e.inst.State.Reset()
	check("reset")
	data, err := json.Marshal(e.inst.State.Export())
	require.NoError(t, err)
	commit, err := e.inst.State.Prepare("state", []byte(strings.Replace(string(data), `"couponUse":true`, `"couponUse":false`, 1)))
	require.NoError(t, err)
	commit()
	check("import")
}

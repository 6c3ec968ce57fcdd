package iijmio

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/internal/golden"
)

// coupons reads one contract's coupon list from GET v1 (as tUser, with a
// fresh token so clock jumps do not expire it).
func coupons(t *testing.T, e *env, hdd string) []Coupon {
	t.Helper()
	tok := mintToken(t, e, tUser, tDev)
	var body struct {
		CouponInfo []struct {
			HddServiceCode string   `json:"hddServiceCode"`
			Coupon         []Coupon `json:"coupon"`
		} `json:"couponInfo"`
	}
	w := e.do("GET", "/iijmio"+pathCouponV1, "", headerDeveloper, tDev, headerAuthorization, tok)
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &body))
	for _, c := range body.CouponInfo {
		if c.HddServiceCode == hdd {
			return c.Coupon
		}
	}
	t.Fatalf("no contract %s", hdd)
	return nil
}

func TestUsageDrawsBundleBeforeTopupEarliestFirst(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits)
	w := e.do("POST", "/_fakeapi/iijmio/coupons", `{"hddServiceCode":"hdd12345678","type":"topup","volume":100,"expire":"201402"}`)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.JSONEq(t, `{"volume":100,"expire":"201402","type":"topup"}`, w.Body.String())

	// hdu12345679 has couponUse on; the pool is 10 (bundle 201401) + 500
	// (bundle 201402) + 100 (topup 201402).
	res := addUsage(t, e, `{"serviceCode":"hdu12345679","mb":15}`)
	assert.Equal(t, usageResult{ServiceCode: "hdu12345679", Date: "20140115", WithCoupon: 15, CouponRemaining: 595}, res)
	assert.Equal(t, []Coupon{
		{0, "201401", "bundle"}, {495, "201402", "bundle"},
		{0, "201401", "topup"}, {100, "201402", "topup"}, {0, "201403", "topup"}, {0, "201404", "topup"},
	}, coupons(t, e, "hdd12345678"))

	res = addUsage(t, e, `{"serviceCode":"hdx12345670","mb":600}`)
	assert.Equal(t, 595, res.WithCoupon, "should draw the family pool down to zero")
	assert.Equal(t, 5, res.WithoutCoupon, "should count the rest without coupon")
	assert.Equal(t, 0, res.CouponRemaining)
	assert.Equal(t, PacketDay{Date: "20140115", WithCoupon: 595, WithoutCoupon: 5}, lastPacketDay(t, e, pathPacketV2, "hdx12345670"))
}

func TestUsageOnAPastDay(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits)
	addUsage(t, e, `{"serviceCode":"hdo12345678","mb":7,"date":"20140102"}`)
	log := packetLog(t, e, pathPacketV1, "hdo12345678")
	assert.Equal(t, PacketDay{Date: "20140102", WithCoupon: 30, WithoutCoupon: 8}, log[17], "should add to the fixture's day")
}

func TestRegulationFollowsThreeDayRule(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits)
	regulated := func() bool {
		t.Helper()
		w := e.do("GET", "/_fakeapi/iijmio/usage?serviceCode=hdo12345678", "")
		require.Equal(t, http.StatusOK, w.Code)
		var body struct {
			Lines []lineUsage `json:"lines"`
		}
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &body))
		require.Len(t, body.Lines, 1)
		v1 := e.api("GET", pathCouponV1, "").Body.String()
		assert.Contains(t, v1, `"regulation": `+boolString(body.Lines[0].Regulation), "the API should agree with the admin view")
		return body.Lines[0].Regulation
	}
	// couponUse is off: 366 MB over the 3 days ending yesterday is the limit.
	addUsage(t, e, `{"serviceCode":"hdo12345678","mb":200,"date":"20140113"}`)
	addUsage(t, e, `{"serviceCode":"hdo12345678","mb":166,"date":"20140114"}`)
	assert.False(t, regulated(), "should allow exactly 366 MB")
	addUsage(t, e, `{"serviceCode":"hdo12345678","mb":500}`)
	assert.False(t, regulated(), "should not count today's traffic before tomorrow")
	addUsage(t, e, `{"serviceCode":"hdo12345678","mb":1,"date":"20140111"}`)
	assert.False(t, regulated(), "should not count the day before the window (12th–14th)")
	addUsage(t, e, `{"serviceCode":"hdo12345678","mb":1,"date":"20140112"}`)
	assert.True(t, regulated(), "should throttle above 366 MB")

	advanceDays(t, e, 1) // window 13–15: 200+166+500
	assert.True(t, regulated())
	advanceDays(t, e, 2) // window 15–17: 500
	assert.True(t, regulated())
	advanceDays(t, e, 1) // window 16–18: 0
	assert.False(t, regulated(), "should lift when usage falls back")

	w := e.do("POST", "/_fakeapi/iijmio/regulation", `{"serviceCode":"hdo12345678","forced":true}`)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.True(t, regulated(), "should force regulation on")
	require.Equal(t, http.StatusOK, e.do("POST", "/_fakeapi/iijmio/regulation", `{"serviceCode":"hdo12345678","forced":false}`).Code)
	assert.False(t, regulated())
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func advanceDays(t *testing.T, e *env, n int) {
	t.Helper()
	_, err := e.clk.Advance(time.Duration(n) * 24 * time.Hour)
	require.NoError(t, err)
}

func TestMonthRollover(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits)
	addUsage(t, e, `{"serviceCode":"hdu12345679","mb":60}`) // 10 from 201401, 50 from 201402
	// 2014-02-01 00:00 JST.
	require.NoError(t, e.clk.Set(time.Date(2014, 1, 31, 15, 0, 0, 0, time.UTC)))
	assert.Equal(t, []Coupon{
		{450, "201402", "bundle"}, {500, "201403", "bundle"},
		{0, "201402", "topup"}, {0, "201403", "topup"}, {0, "201404", "topup"}, {0, "201405", "topup"},
	}, coupons(t, e, "hdd12345678"), "should drop January and grant monthlyBundle expiring in March")
	assert.Equal(t, []Coupon{
		{3000, "201402", "bundle"}, {0, "201403", "bundle"},
		{0, "201402", "topup"}, {0, "201403", "topup"}, {0, "201404", "topup"}, {0, "201405", "topup"},
	}, coupons(t, e, "hdd87654321"), "should grant nothing without monthlyBundle")

	// A jump of a year: only what can still be alive is granted.
	require.NoError(t, e.clk.Set(time.Date(2015, 1, 10, 0, 0, 0, 0, time.UTC)))
	assert.Equal(t, []Coupon{
		{500, "201501", "bundle"}, {500, "201502", "bundle"},
		{0, "201501", "topup"}, {0, "201502", "topup"}, {0, "201503", "topup"}, {0, "201504", "topup"},
	}, coupons(t, e, "hdd12345678"))
	assert.Equal(t, []Coupon{
		{0, "201501", "bundle"}, {0, "201502", "bundle"},
		{0, "201501", "topup"}, {0, "201502", "topup"}, {0, "201503", "topup"}, {0, "201504", "topup"},
	}, coupons(t, e, "hdd87654321"))
}

// TestCouponRowsAreAlwaysTwoBundlesAndFourTopups: every contract lists a
// bundle for last month's grant and this month's (expiring this month and
// next) and a topup for this month and each of the next three, zero
// volumes included, in that order, on every day of a year of month
// changes, as the 2014 capture lists them (docs/providers/iijmio.md, "GET
// coupon").
func TestCouponRowsAreAlwaysTwoBundlesAndFourTopups(t *testing.T) {
	t.Parallel()
	for _, fx := range []struct {
		name string
		env  func(t testing.TB, opts ...envOpt) *env
		dev  string
		user string
	}{
		{"test fixture", newEnv, tDev, tUser},
		{"default fixture", newDefaultEnv, "MioponDemoApp000001", "mio-taro"},
	} {
		t.Run(fx.name, func(t *testing.T) {
			t.Parallel()
			e := fx.env(t, noLimits)
			for day := 0; day < 400; day += 7 {
				now := e.clk.Now()
				m := monthOf(now)
				want := []struct{ typ, expire string }{
					{"bundle", m.String()}, {"bundle", (m + 1).String()},
					{"topup", m.String()}, {"topup", (m + 1).String()}, {"topup", (m + 2).String()}, {"topup", (m + 3).String()},
				}
				tok := mintToken(t, e, fx.user, fx.dev)
				var body struct {
					CouponInfo []struct {
						HddServiceCode string   `json:"hddServiceCode"`
						Coupon         []Coupon `json:"coupon"`
					} `json:"couponInfo"`
				}
				w := e.do("GET", "/iijmio"+pathCouponV1, "", headerDeveloper, fx.dev, headerAuthorization, tok)
				require.NoError(t, json.Unmarshal(w.Body.Bytes(), &body))
				require.NotEmpty(t, body.CouponInfo)
				for _, c := range body.CouponInfo {
					require.Len(t, c.Coupon, 6, "%s on %s", c.HddServiceCode, now)
					for i, cp := range c.Coupon {
						assert.Equal(t, want[i].typ, cp.Type, "%s on %s, row %d", c.HddServiceCode, now, i)
						assert.Equal(t, want[i].expire, cp.Expire, "%s on %s, row %d", c.HddServiceCode, now, i)
					}
				}
				advanceDays(t, e, 7)
			}
		})
	}
}

func TestEcoMonthlyGrantAddsHistory(t *testing.T) {
	t.Parallel()
	data := `{"month":"201401","developers":[{"developerId":"d","appName":"a","redirectUris":["x"]}],
	  "users":[{"mioId":"u","password":"p","contracts":[{"hddServiceCode":"hdd1","plan":"Eco Standard","monthlyBundle":5000,"coupons":[],
	  "lines":[{"serviceCode":"hdu1","number":"08011112222","iccid":"8981260011112222333","sms":true,"voice":true,"couponUse":true}]}]}],
	  "tokens":[{"accessToken":"tok","mioId":"u","developerId":"d","issuedAt":"2014-01-15T00:00:00+09:00"}]}`
	e := newEnvWith(t, data)
	require.NoError(t, e.clk.Set(time.Date(2014, 2, 3, 0, 0, 0, 0, time.UTC)))
	w := e.do("GET", "/iijmio"+pathCouponV2, "", headerDeveloper, "d", headerAuthorization, "tok")
	require.Equal(t, http.StatusOK, w.Code)
	assert.Contains(t, w.Body.String(), `"history": [{"date": "20140201", "event": "add", "type": "bundle", "volume": 5000}], "plan": "Eco Standard", "remains": 5000}`)
	assert.NotContains(t, w.Body.String(), `"coupon"`, "should send no coupon lists for Eco plans")
}

// TestEcoHistoryKeepsTheFirstOfTheMonth: asOf moves the Eco plan's monthly
// grants by whole months, like the coupons they record, so they stay on
// the 1st (20170101 in the only captured body) whatever day the fixture is
// loaded on (docs/providers/iijmio.md, "Fixtures").
func TestEcoHistoryKeepsTheFirstOfTheMonth(t *testing.T) {
	t.Parallel()
	for _, day := range []int{1, 15, 22, 31} {
		t.Run(strconv.Itoa(day), func(t *testing.T) {
			t.Parallel()
			e := newDefaultEnv(t)
			// 9:00 JST on the day.
			require.NoError(t, e.clk.Set(time.Date(2014, 3, day, 0, 0, 0, 0, time.UTC)))
			e.inst.State.Reset()
			f := e.inst.State.Export().(Fixtures)
			var history []History
			for _, u := range f.Users {
				for _, c := range u.Contracts {
					if isEcoPlan(c.Plan) {
						history = append(history, c.History...)
					}
				}
			}
			want := []History{
				{Date: "20140201", Event: "add", Type: "bundle", Volume: 3072},
				{Date: "20140301", Event: "add", Type: "bundle", Volume: 3072},
			}
			// The fixture's topup, 10 days before asOf, stays 10 days before today.
			topup := History{Date: (dayOf(e.clk.Now()) - 10).String(), Event: "add", Type: "topup", Volume: 500}
			want = append(want, topup)
			slices.SortStableFunc(want, func(a, b History) int { return strings.Compare(a.Date, b.Date) })
			assert.Equal(t, want, history, "in date order")
		})
	}
}

// TestHistoryOffTheFirstMovesByDays: an event on another day keeps its
// distance from today, like packet-log dates, so it never lands in the
// future.
func TestHistoryOffTheFirstMovesByDays(t *testing.T) {
	t.Parallel()
	data := `{"asOf":"20140115","developers":[{"developerId":"d","appName":"a","redirectUris":["x"]}],
	  "users":[{"mioId":"u","password":"p","contracts":[{"hddServiceCode":"hdd1","plan":"Eco Standard","coupons":[],
	  "history":[{"date":"20140101","event":"add","type":"bundle","volume":5000},{"date":"20140114","event":"add","type":"topup","volume":100}],
	  "lines":[{"serviceCode":"hdu1","number":"08011112222","iccid":"8981260011112222333","sms":true,"voice":true,"couponUse":true}]}]}]}`
	e := newEnvWith(t, data)
	require.NoError(t, e.clk.Set(time.Date(2014, 4, 1, 3, 0, 0, 0, time.UTC))) // 1 April, JST
	e.inst.State.Reset()
	assert.Equal(t, []History{
		{Date: "20140331", Event: "add", Type: "topup", Volume: 100},
		{Date: "20140401", Event: "add", Type: "bundle", Volume: 5000},
	}, e.inst.State.Export().(Fixtures).Users[0].Contracts[0].History, "in date order")
}

func TestUsageAdminErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		body   string
		status int
	}{
		{"should want a body", ``, 400},
		{"should want JSON", `mb=1`, 400},
		{"should reject unknown fields", `{"serviceCode":"hdo12345678","mb":1,"x":1}`, 400},
		{"should want a service code", `{"mb":1}`, 400},
		{"should want mb", `{"serviceCode":"hdo12345678"}`, 400},
		{"should reject zero mb", `{"serviceCode":"hdo12345678","mb":0}`, 400},
		{"should reject negative mb", `{"serviceCode":"hdo12345678","mb":-5}`, 400},
		{"should reject fractional mb", `{"serviceCode":"hdo12345678","mb":1.5}`, 400},
		{"should reject huge mb", `{"serviceCode":"hdo12345678","mb":99999999999}`, 400},
		{"should reject a bad date", `{"serviceCode":"hdo12345678","mb":1,"date":"2014-01-15"}`, 400},
		{"should reject an impossible date", `{"serviceCode":"hdo12345678","mb":1,"date":"20140230"}`, 400},
		{"should reject a future date", `{"serviceCode":"hdo12345678","mb":1,"date":"20140116"}`, 400},
		{"should reject a date before the window", `{"serviceCode":"hdo12345678","mb":1,"date":"20131215"}`, 400},
		{"should 404 an unknown line", `{"serviceCode":"hdo00000000","mb":1}`, 404},
		{"should 404 a contract code", `{"serviceCode":"hdd12345678","mb":1}`, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			w := e.do("POST", "/_fakeapi/iijmio/usage", tt.body)
			assert.Equal(t, tt.status, w.Code, w.Body.String())
			assert.Regexp(t, `^\{"error":".+"\}$`, w.Body.String())
		})
	}
	e := newEnv(t)
	assert.Equal(t, 404, e.do("GET", "/_fakeapi/iijmio/usage?serviceCode=nope", "").Code)
	w := e.do("GET", "/_fakeapi/iijmio/usage", "")
	require.Equal(t, 200, w.Code)
	var all struct{ Lines []lineUsage }
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &all))
	assert.Len(t, all.Lines, 5, "should list every line without serviceCode")
}

// TestGoldenAfterMonthChange pins the four bodies after the JST month
// changes (2014-01 → 2014-02): the coupon rows move (January's bundle and
// topup drop out, March's bundle is granted, May's topup row appears at 0),
// the Eco contract logs its grant on the 1st, and the packet log crosses
// the month (docs/providers/iijmio.md, "GET coupon", "GET packet log",
// "Usage, coupons and throttling").
func TestGoldenAfterMonthChange(t *testing.T) {
	t.Parallel()
	data := strings.Replace(testFixture, `"plan": "Eco Minimum",`, `"plan": "Eco Minimum", "monthlyBundle": 3000,`, 1)
	require.NotEqual(t, testFixture, data)
	for _, tt := range []struct{ name, path string }{
		{"coupon_v1_next_month", pathCouponV1},
		{"coupon_v2_next_month", pathCouponV2},
		{"packet_v1_next_month", pathPacketV1},
		{"packet_v2_next_month", pathPacketV2},
	} {
		t.Run("should answer "+tt.name+" byte for byte", func(t *testing.T) {
			t.Parallel()
			e := newEnvWith(t, data, noLimits)
			addUsage(t, e, `{"serviceCode":"hdo12345678","mb":40,"date":"20140114"}`)
			require.Equal(t, http.StatusOK, e.api("PUT", pathCouponV2, `{"couponInfo":[{"hduInfo":[{"hduServiceCode":"hdu12345679","couponUse":true}]}]}`).Code)
			addUsage(t, e, `{"serviceCode":"hdu12345679","mb":25}`)
			// 2014-02-03 09:00 JST.
			require.NoError(t, e.clk.Set(time.Date(2014, 2, 3, 0, 0, 0, 0, time.UTC)))
			addUsage(t, e, `{"serviceCode":"hdu12345679","mb":7}`)
			w := e.api("GET", tt.path, "")
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			assertAPIHeaders(t, w.Result().Header)
			golden.Assert(t, tt.name, w.Body.Bytes())
		})
	}
}

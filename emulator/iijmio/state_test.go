package iijmio

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/fixtures"
	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/fixture"
	"github.com/fakeapi/fakeapi/internal/ids"
	"github.com/fakeapi/fakeapi/internal/provider"
)

func TestExportPrepareCommitRoundTrips(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits)
	// Live changes of every kind: a switch, usage, a forced regulation, a
	// minted token, a new app, a topup.
	require.Equal(t, 200, e.api("PUT", pathCouponV2, `{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdo12345678","couponUse":true}]}]}`).Code)
	addUsage(t, e, `{"serviceCode":"hdo12345678","mb":123}`)
	require.Equal(t, 200, e.do("POST", "/_fakeapi/iijmio/regulation", `{"serviceCode":"hdx12345670","forced":true}`).Code)
	tok := mintToken(t, e, tUser2, tDev2)
	require.Equal(t, 201, e.do("POST", "/_fakeapi/iijmio/apps", `{"appName":"新アプリ","redirectUris":["https://new.example/cb"]}`).Code)
	require.Equal(t, 200, e.do("POST", "/_fakeapi/iijmio/coupons", `{"hddServiceCode":"hdd99999999","type":"topup","volume":1000}`).Code)

	exported := e.inst.State.Export()
	data, err := json.Marshal(exported)
	require.NoError(t, err)
	beforeV2 := e.api("GET", pathCouponV2, "").Body.String()
	beforePacket := e.api("GET", pathPacketV2, "").Body.String()

	// Into a fresh instance: same answers, same export.
	f := newEnv(t, noLimits)
	commit, err := f.inst.State.Prepare("state.json", data)
	require.NoError(t, err)
	assert.NotEqual(t, beforeV2, f.api("GET", pathCouponV2, "").Body.String(), "should change nothing before commit")
	commit()
	assert.Equal(t, beforeV2, f.api("GET", pathCouponV2, "").Body.String())
	assert.Equal(t, beforePacket, f.api("GET", pathPacketV2, "").Body.String())
	assert.Equal(t, exported, f.inst.State.Export())
	assert.Equal(t, 200, f.do("GET", "/iijmio"+pathCouponV1, "", headerDeveloper, tDev2, headerAuthorization, tok).Code, "should keep live tokens")
	assertCode(t, f.do("GET", "/iijmio"+pathCouponV1, "", headerDeveloper, tDev, headerAuthorization, tTokenOld), 403, codeAuthFailure)
}

func TestPrepareValidatesLikeFixtures(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	before := e.inst.State.Export()
	bad := strings.Replace(testFixture, `"hdu12345679"`, `"hdo12345678"`, 1)
	_, err := e.inst.State.Prepare("state.json", []byte(bad))
	require.Error(t, err)
	assert.Regexp(t, `^state\.json:\d+:\d+: users\[0\]\.contracts\[0\]\.lines\[1\]\.serviceCode: duplicate "hdo12345678"`, err.Error())
	assert.Equal(t, before, e.inst.State.Export(), "should change nothing")
}

func TestResetReturnsToFixtures(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits)
	before := e.inst.State.Export()
	require.Equal(t, 200, e.api("PUT", pathCouponV1, `{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdo12345678","couponUse":true}]}]}`).Code)
	addUsage(t, e, `{"serviceCode":"hdo12345678","mb":5}`)
	tok := mintToken(t, e, tUser, tDev)
	e.inst.State.Reset()
	assert.Equal(t, before, e.inst.State.Export())
	assert.Equal(t, 403, e.do("GET", "/iijmio"+pathCouponV1, "", headerDeveloper, tDev, headerAuthorization, tok).Code, "should forget minted tokens")
}

func TestDefaultFixtures(t *testing.T) {
	t.Parallel()
	e := newDefaultEnv(t)
	f := e.inst.State.Export().(Fixtures)
	assert.GreaterOrEqual(t, len(f.Users), 3)
	assert.GreaterOrEqual(t, len(f.Developers), 2)
	kinds := map[string]bool{}
	plansSeen := map[string]bool{}
	for _, u := range f.Users {
		require.NotEmpty(t, u.Contracts, "clients index couponInfo[0] blindly")
		for _, c := range u.Contracts {
			plansSeen[c.Plan] = true
			require.NotEmpty(t, c.Lines)
			if !isEcoPlan(c.Plan) {
				require.NotEmpty(t, c.Coupons, "clients index coupon[0] blindly")
				assert.Equal(t, "201401", c.Coupons[0].Expire, "asOf should move this month's bundle to the current month")
			}
			for _, l := range c.Lines {
				kinds[l.ServiceCode[:3]] = true
			}
		}
	}
	assert.Equal(t, map[string]bool{"hdo": true, "hdu": true, "hdx": true}, kinds)
	assert.True(t, plansSeen["Family Share"])
	assert.True(t, plansSeen["Eco Minimum"])

	// asOf moves 30 days of history to end today.
	w := e.do("GET", "/_fakeapi/iijmio/usage?serviceCode=hdo10000001", "")
	require.Equal(t, http.StatusOK, w.Code)
	var usage struct{ Lines []lineUsage }
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &usage))
	log := usage.Lines[0].PacketLog
	nonZero := 0
	for _, d := range log {
		if d.WithCoupon+d.WithoutCoupon > 0 {
			nonZero++
		}
	}
	assert.Greater(t, nonZero, 20, "should show realistic recent traffic")
	assert.Equal(t, "20140115", log[30].Date)

	// hanako's line is throttled by the 3-day rule; taro's demo token works.
	w = e.do("GET", "/_fakeapi/iijmio/usage?serviceCode=hdo20000001", "")
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &usage))
	assert.True(t, usage.Lines[0].Regulation)
	assert.False(t, usage.Lines[0].ForceRegulation)
	assert.Equal(t, 200, e.do("GET", "/iijmio"+pathCouponV1, "", headerDeveloper, "MioponDemoApp000001", headerAuthorization, "MioTaroDemoToken0000000000000001").Code)

	// The demo token lives 90 days from the reset, not from 2025.
	_, err := e.clk.Advance(89 * 24 * time.Hour)
	require.NoError(t, err)
	assert.Equal(t, 200, e.do("GET", "/iijmio"+pathCouponV1, "", headerDeveloper, "MioponDemoApp000001", headerAuthorization, "MioTaroDemoToken0000000000000001").Code)

	accounts := e.inst.State.Accounts()
	assert.Equal(t, "mio-taro", accounts[0].ID)
	assert.Equal(t, "taro-pass-01", accounts[0].Secret)
	assert.Contains(t, e.inst.State.Summary(), providerStat("lines", 7))
}

func TestFixtureValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, from, to, want string
	}{
		{"should reject a bad asOf", `"month": "201401"`, `"asOf": "2014-01-15"`, `asOf: want a date YYYYMMDD`},
		{"should reject a bad month", `"month": "201401"`, `"month": "201413"`, `month: want a month YYYYMM`},
		{"should reject a duplicate developer", `"developerId": "devTEST000000000002"`, `"developerId": "devTEST000000000001"`, `developers[1].developerId: duplicate`},
		{"should reject a developer without redirect URIs", `"redirectUris": ["https://other.example.jp/cb"]`, `"redirectUris": []`, `developers[1].redirectUris: want at least one`},
		{"should reject a redirect URI with a fragment", `"https://other.example.jp/cb"`, `"https://other.example.jp/cb#x"`, `developers[1].redirectUris[0]: redirect URI`},
		{"should reject a duplicate user", `"mioId": "mio-other"`, `"mioId": "mio-test"`, `users[1].mioId: duplicate`},
		{"should reject an empty password", `"password": "other-pass"`, `"password": ""`, `users[1].password: want a non-empty password`},
		{"should reject a bad contract code", `"hddServiceCode": "hdd99999999"`, `"hddServiceCode": "hdo99999998"`, `users[1].contracts[0].hddServiceCode: want hdd`},
		{"should reject an unknown plan", `"plan": "Light Start"`, `"plan": "Giga"`, `users[1].contracts[0].plan: unknown plan`},
		{"should reject an unknown coupon type", `{"volume": 100, "expire": "201401", "type": "bundle"}`, `{"volume": 100, "expire": "201401", "type": "sim"}`, `users[1].contracts[0].coupons[0].type: want bundle or topup`},
		{"should reject a bad expire", `{"volume": 100, "expire": "201401", "type": "bundle"}`, `{"volume": 100, "expire": "2014", "type": "bundle"}`, `users[1].contracts[0].coupons[0].expire`},
		{"should reject a negative volume", `{"volume": 100, "expire": "201401", "type": "bundle"}`, `{"volume": -1, "expire": "201401", "type": "bundle"}`, `users[1].contracts[0].coupons[0].volume`},
		{"should reject a bundle beyond next month", `{"volume": 500, "expire": "201402", "type": "bundle"}`, `{"volume": 500, "expire": "201403", "type": "bundle"}`, `users[0].contracts[0].coupons[1].expire: a bundle coupon of 201401 expires in 201402 at the latest, got 201403`},
		{"should reject a topup beyond three months on", `{"volume": 0, "expire": "201404", "type": "topup"}`, `{"volume": 0, "expire": "201405", "type": "topup"}`, `users[0].contracts[0].coupons[5].expire: a topup coupon of 201401 expires in 201404 at the latest`},
		{"should reject a duplicate coupon month", `{"volume": 0, "expire": "201402", "type": "topup"}`, `{"volume": 0, "expire": "201401", "type": "topup"}`, `users[0].contracts[0].coupons[3]: duplicate topup coupon`},
		{"should reject a bad line code", `"serviceCode": "hdo99999999"`, `"serviceCode": "xyz99999999"`, `users[1].contracts[0].lines[0].serviceCode: want hdo, hdu or hdx`},
		{"should reject a duplicate line code", `"hdu87654321"`, `"hdu12345679"`, `users[0].contracts[1].lines[0].serviceCode: duplicate`},
		{"should reject a bad number", `"number": "09099999999"`, `"number": "090-9999-9999"`, `users[1].contracts[0].lines[0].number`},
		{"should reject a duplicate ICCID", `"iccid": "DN0099999999ZZ"`, `"iccid": "DN0012345678AB"`, `users[1].contracts[0].lines[0].iccid: duplicate`},
		{"should reject a bad packet date", `{"date": "20140101", "withCoupon": 0`, `{"date": "20140132", "withCoupon": 0`, `users[0].contracts[0].lines[0].packetLog[0].date`},
		{"should reject a duplicate packet day", `{"date": "20140102", "withCoupon": 30`, `{"date": "20140101", "withCoupon": 30`, `packetLog[1].date: duplicate day`},
		{"should reject negative traffic", `"withoutCoupon": 12`, `"withoutCoupon": -12`, `packetLog[0].withoutCoupon`},
		{"should reject a token of an unknown user", `"mioId": "mio-other", "developerId"`, `"mioId": "ghost", "developerId"`, `tokens[1].mioId: unknown user`},
		{"should reject a token of an unknown developer", `"developerId": "devTEST000000000001", "issuedAt": "2014-01-15T11:00:00+09:00"}`, `"developerId": "ghost", "issuedAt": "2014-01-15T11:00:00+09:00"}`, `tokens[0].developerId: unknown developer`},
		{"should reject a duplicate token", `"TestToken0000000000000000000002B"`, `"TestToken0000000000000000000001A"`, `tokens[1].accessToken: duplicate`},
		{"should reject unknown fields", `"sms": true, "voice": true, "couponUse": true}`, `"sms": true, "voice": true, "couponUse": true, "plan": "x"}`, `unknown field "plan"`},
		{"should reject a wrong type", `"sms": false, "voice": true, "couponUse": false`, `"sms": "no", "voice": true, "couponUse": false`, `got JSON string, want true or false`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			data := strings.Replace(testFixture, tt.from, tt.to, 1)
			require.NotEqual(t, testFixture, data, "the replacement must apply")
			_, err := fixture.Load[Fixtures]("iijmio.json", []byte(data))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Regexp(t, `^iijmio\.json:\d+:\d+: `, err.Error(), "should say where")
		})
	}
}

// TestCouponMonthsAgainstTheLoadMonth: a document without asOf or month is
// written for the month it is loaded in, so its coupon months are checked
// against that month, with the place of the offending one; asOf's month
// rules where it is given (docs/providers/iijmio.md, "Fixtures").
func TestCouponMonthsAgainstTheLoadMonth(t *testing.T) {
	t.Parallel()
	bundle := strings.Replace(strings.Replace(testFixture, `"month": "201401",`, ``, 1),
		`{"volume": 500, "expire": "201402", "type": "bundle"}`, `{"volume": 500, "expire": "201403", "type": "bundle"}`, 1)
	clk := clock.NewControlled(func() time.Time { return testNow })
	_, err := Open(provider.Deps{Clock: clk, IDs: ids.Seeded(7)}, Config{}, "iijmio.json", []byte(bundle))
	require.Error(t, err)
	assert.Regexp(t, `^iijmio\.json:\d+:\d+: users\[0\]\.contracts\[0\]\.coupons\[1\]\.expire: a bundle coupon of 201401 expires in 201402 at the latest, got 201403$`, err.Error())

	// A month later the same document is current.
	require.NoError(t, clk.Set(time.Date(2014, 2, 10, 0, 0, 0, 0, time.UTC)))
	_, err = Open(provider.Deps{Clock: clk, IDs: ids.Seeded(7)}, Config{}, "iijmio.json", []byte(bundle))
	require.NoError(t, err)

	// State imports are checked the same way.
	e := newEnv(t)
	_, err = e.inst.State.Prepare("import.json", []byte(bundle))
	assert.ErrorContains(t, err, "coupons[1].expire: a bundle coupon of 201401")

	// asOf's month rules: 201403 is next month's for asOf 20140215.
	asOf := strings.Replace(bundle, `"developers"`, `"asOf": "20140215", "developers"`, 1)
	_, err = fixture.Load[Fixtures]("iijmio.json", []byte(asOf))
	assert.NoError(t, err)
}

func TestEmbeddedFixtureIsValid(t *testing.T) {
	t.Parallel()
	data, err := fixtures.FS.ReadFile("iijmio.json")
	require.NoError(t, err)
	f, err := fixture.Load[Fixtures]("fixtures/iijmio.json", data)
	assert.NoError(t, err)
	for _, d := range append(f.Developers, Developer{DeveloperID: tDev}, Developer{DeveloperID: tDev2}) {
		assert.Regexp(t, `^[A-Za-z0-9]{19}$`, d.DeveloperID, "developer IDs have 19 characters, like every real one")
	}
}

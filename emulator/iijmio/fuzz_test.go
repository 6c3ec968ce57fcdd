package iijmio

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/fakeapi/fakeapi/internal/fixture"
)

// Fuzz targets for every parser of client input (docs/PROVIDER-GUIDE.md). Each
// checks the parser's own promises, not just the absence of panics.

// FuzzCouponPut sends untrusted bodies down the PUT coupon path: the
// decoder's promises hold, and the answer is IIJmio's own, 200 OK or 400
// with its returnCode, never a panic or a 500.
func FuzzCouponPut(f *testing.F) {
	for _, s := range []string{
		`{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdo12345678","couponUse":true}]}]}`,
		`{"couponInfo":[{"hdoInfo":[],"hduInfo":[{"hduServiceCode":"hdu12345679","couponUse":false}],"hdxInfo":null}]}`,
		`{"couponInfo": [{"hdoInfo": [{"couponUse": false, "hdoServiceCode": "hdo1"}, {"hdoServiceCode": "hdo2", "couponUse": true}], "hduInfo": [], "hdxInfo": null}]}`,
		"{\n  \"couponInfo\": [\n    {\"hduInfo\": [{\"hduServiceCode\": \"hdu1\", \"couponUse\": true}]},\n    {\"hdoInfo\": [{\"hdoServiceCode\": \"hdo1\", \"couponUse\": true}]}\n  ]\n}\n",
		`{"couponInfo":[{"hduInfo":[{"hduServiceCode":"hdu1"}]}]}`,
		`{"couponInfo":null}`, `[]`, `null`, `{`, ``, `{}`, `{"couponInfo":[]}`, `{"couponInfo":[null]}`, `{"couponInfo":{}}`,
		`{"couponInfo":[{}]}`, `{"couponInfo":[{"hdoInfo":[]}]}`, `{"couponInfo":[{"hdoInfo":[null]}]}`,
		` {"x":[{"y":{}},true,null,"s"],"couponInfo":[{"hdxInfo":[{"couponUse":false,"hdxServiceCode":"hdx9"}],"hdoInfo":[{"hdoServiceCode":"hdo1","couponUse":true,"z":1}]},{}]} `,
		`{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"","couponUse":true}]}]}`,
		`{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"a","couponUse":"true"}]}]}`,
		`{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":1,"couponUse":true}]}]}`,
		`{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"a","couponUse":true}]}]} x`,
		`{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"a","couponUse":true}]}]}` + "\f",
		`{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"a","couponUse":true}],}]}`,
		`{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"a","couponUse":true}]}],"couponInfo":[]}`,
		`{"couponInfo":[],"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"a","couponUse":true}]}]}`,
		`{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"a","couponUse":true,"couponUse":false}]}]}`,
		`{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"a","couponUse":true}],"hdoInfo":null}]}`,
		`{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"\u0061","couponUse":true}]}]}`,
		`{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"ａ","couponUse":true}]}]}`,
		"{\"couponInfo\":[{\"hdoInfo\":[{\"hdoServiceCode\":\"hdo\xff\",\"couponUse\":true}]}]}",
		`{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"a","couponUse":true,"n":1.5e3}]}]}`,
		`{"couponInfo":[{"hdoInfo":[{"hduServiceCode":"u","couponUse":true}]}]}`,
		`{"COUPONINFO":[{"hdoInfo":[{"hdoServiceCode":"a","couponUse":true}]}]}`,
		`{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"a","couponUse":tru}]}]}`,
		`{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"a","couponUse":true}]}`,
	} {
		f.Add([]byte(s), uint8(1))
		f.Add([]byte(s), uint8(2))
	}
	e := newEnv(f, noLimits)
	f.Fuzz(func(t *testing.T, body []byte, v uint8) {
		version := int(v%2) + 1
		sw, err := parseCouponPut(body, version)
		if err != nil {
			assert.ErrorIs(t, err, errBadData, "every failure is a 400")
			assert.Nil(t, sw)
		} else {
			// A valid body may name no line (tagattie's -f): a no-op.
			for _, s := range sw {
				assert.NotEmpty(t, s.ServiceCode)
				assert.Contains(t, []string{kindHdo, kindHdu, kindHdx}, s.Kind)
				if version == 1 {
					assert.Equal(t, kindHdo, s.Kind, "v1 switches only docomo lines")
				}
			}
		}

		path := pathCouponV1
		if version == 2 {
			path = pathCouponV2
		}
		r := newRequest(http.MethodPut, "/iijmio"+path, "", headerDeveloper, tDev, headerAuthorization, tToken)
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		w := httptest.NewRecorder()
		e.ServeHTTP(w, r)
		if err != nil || w.Code != http.StatusOK {
			assertCode(t, w, http.StatusBadRequest, codeBadData)
			return
		}
		assertCode(t, w, http.StatusOK, codeOK)
	})
}

func FuzzParseAuthorize(f *testing.F) {
	for _, s := range []string{
		"response_type=token&client_id=dev&redirect_uri=https%3A%2F%2Fapp.example.jp%2Fcb&state=x",
		"response_type=code&client_id=dev&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Floop&state=x",
		"client_id=dev&client_id=dev", "client_id=nobody", "redirect_uri=jp.example.app&client_id=dev&state=%26",
		"response_type=token&client_id=dev&redirect_uri=jp.example.app",
		"response_type=token&client_id=dev&redirect_uri=http%3A%2F%2F127.0.0.1%3A0%2Floop&state=x",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	dev := Developer{DeveloperID: "dev", AppName: "a", RedirectURIs: []string{"https://app.example.jp/cb", "http://127.0.0.1/loop", "jp.example.app"}}
	lookup := func(id string) (Developer, bool) { return dev, id == "dev" }
	f.Fuzz(func(t *testing.T, raw string, anyPort bool) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		req, fail := parseAuthorize(q, lookup, anyPort)
		if fail == nil || fail.redirect {
			// Anything that may redirect went through client and exact
			// redirect URI checks first (docs/providers/iijmio.md, "Order
			// of checks").
			assert.Equal(t, "dev", req.DeveloperID)
			assert.True(t, matchRedirect(dev.RedirectURIs, req.RedirectURI, anyPort), "redirect to %q", req.RedirectURI)
			if !anyPort {
				assert.Contains(t, dev.RedirectURIs, req.RedirectURI, "exact matching by default")
			}
		}
		if fail == nil {
			assert.Equal(t, "token", q.Get("response_type"))
			assert.NotEmpty(t, req.State)
		}
	})
}

func FuzzParseAuthForm(f *testing.F) {
	for _, s := range []string{
		"step=login&txn=t&csrf_token=c&username=u&password=p",
		"step=consent&txn=t&csrf_token=c&decision=allow",
		"step=consent&decision=maybe", "step=login&username=a&username=b", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		form, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		got, ok := parseAuthForm(form)
		if !ok {
			return
		}
		assert.Contains(t, []string{"login", "consent"}, got.Step)
		if got.Step == "consent" {
			assert.Contains(t, []string{"allow", "deny"}, got.Decision)
		}
	})
}

func FuzzMatchRedirect(f *testing.F) {
	for _, s := range []string{"http://127.0.0.1:8080/loop", "http://[::1]/v6", "https://app.example.jp/cb", "http://127.0.0.1.evil/loop", "jp.example.app"} {
		f.Add(s)
	}
	reg := []string{"https://app.example.jp/cb", "http://127.0.0.1/loop", "http://[::1]/v6", "jp.example.app"}
	f.Fuzz(func(t *testing.T, uri string) {
		if matchRedirect(reg, uri, false) {
			assert.Contains(t, reg, uri, "by default only a registered string matches")
		}
		if !matchRedirect(reg, uri, true) {
			return
		}
		// A match is either exact or a loopback URI that differs only in
		// a valid port: the host is never anything else.
		u, err := url.Parse(uri)
		if err == nil && u.Scheme != "" {
			assert.Contains(t, []string{"app.example.jp", "127.0.0.1", "::1"}, u.Hostname(), "uri %q", uri)
			if p := u.Port(); p != "" {
				n, err := strconv.Atoi(p)
				assert.True(t, err == nil && n >= 1 && n <= 65535, "uri %q: port out of range", uri)
			}
		} else {
			assert.Equal(t, "jp.example.app", uri)
		}
	})
}

func FuzzAdminBodies(f *testing.F) {
	for _, s := range []string{
		`{"mioId":"mio-test","developerId":"dev"}`,
		`{"serviceCode":"hdo1","mb":10,"date":"20140115"}`,
		`{"hddServiceCode":"hdd1","type":"topup","volume":5,"expire":"201404"}`,
		`{"appName":"a","redirectUris":["x"]}`,
		`{"mb":-1}`, `[]`, `null`, `{"mb":1e99}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if tr, err := parseTokenRequest(b); err == nil {
			assert.NotEmpty(t, tr.MioID)
			assert.NotEmpty(t, tr.DeveloperID)
		}
		if u, err := parseUsageRequest(b); err == nil {
			assert.Positive(t, u.MB)
			assert.LessOrEqual(t, u.MB, maxVolume)
			if u.Date != "" {
				_, ok := parseDay(u.Date)
				assert.True(t, ok)
			}
		}
		if _, c, err := parseCouponRequest(b); err == nil {
			assert.Positive(t, c.Volume)
			assert.Contains(t, []string{couponBundle, couponTopup}, c.Type)
		}
		if d, err := parseAppRequest(b); err == nil {
			for _, u := range d.RedirectURIs {
				assert.Empty(t, checkRedirectURI(u))
			}
		}
	})
}

func FuzzFixtures(f *testing.F) {
	f.Add([]byte(testFixture))
	f.Add([]byte(`{"developers":[],"users":[]}`))
	f.Add([]byte(`{"asOf":"20250615","developers":[],"users":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fx, err := fixture.Load[Fixtures]("f.json", data)
		if err != nil {
			return
		}
		// Whatever validates must load, export and load again unchanged.
		st := buildState(fx, testNow)
		exported := st.export(testNow)
		again := buildState(exported, testNow)
		assert.Equal(t, exported, again.export(testNow))
	})
}

package iijmio

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAdminTokens(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		body   string
		status int
	}{
		{"should mint a token", `{"mioId":"mio-test","developerId":"devTEST000000000001"}`, 201},
		{"should 404 an unknown user", `{"mioId":"ghost","developerId":"devTEST000000000001"}`, 404},
		{"should 404 an unknown developer", `{"mioId":"mio-test","developerId":"ghost"}`, 404},
		{"should want both fields", `{"mioId":"mio-test"}`, 400},
		{"should reject unknown fields", `{"mioId":"mio-test","developerId":"devTEST000000000001","scope":"x"}`, 400},
		{"should want JSON", `mioId=mio-test`, 400},
		{"should want a body", ``, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			w := e.do("POST", "/_fakeapi/iijmio/tokens", tt.body)
			assert.Equal(t, tt.status, w.Code, w.Body.String())
			if tt.status == 201 {
				assert.Regexp(t, `^\{"access_token":"[A-Za-z0-9]{32}","expires_in":7776000\}$`, w.Body.String())
			} else {
				assert.Regexp(t, `^\{"error":".+"\}$`, w.Body.String())
			}
		})
	}

	t.Run("should list and revoke tokens", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		tok := mintToken(t, e, tUser, tDev)
		w := e.do("GET", "/_fakeapi/iijmio/tokens", "")
		require.Equal(t, 200, w.Code)
		var list struct{ Tokens []tokenInfo }
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &list))
		require.Len(t, list.Tokens, 3, "two live fixture tokens and the new one")
		assert.Equal(t, tok, list.Tokens[2].AccessToken)
		assert.Equal(t, testNow.Add(tokenTTL).Unix(), list.Tokens[2].ExpiresAt.Unix())

		assert.Equal(t, 204, e.do("DELETE", "/_fakeapi/iijmio/tokens/"+tok, "").Code)
		assertCode(t, e.do("GET", "/iijmio"+pathCouponV1, "", headerDeveloper, tDev, headerAuthorization, tok), 403, codeAuthFailure)
		assert.Equal(t, 404, e.do("DELETE", "/_fakeapi/iijmio/tokens/"+tok, "").Code)
		assert.Equal(t, 200, e.api("GET", pathCouponV1, "").Code, "should revoke only that token")
	})
}

func TestAdminApps(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits)
	w := e.do("GET", "/_fakeapi/iijmio/apps", "")
	require.Equal(t, 200, w.Code)
	var list struct{ Apps []Developer }
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &list))
	assert.Len(t, list.Apps, 2)

	w = e.do("POST", "/_fakeapi/iijmio/apps", `{"developerId":"myDev","appName":"My","redirectUris":["https://my.example/cb"]}`)
	require.Equal(t, 201, w.Code, w.Body.String())
	assert.Equal(t, 409, e.do("POST", "/_fakeapi/iijmio/apps", `{"developerId":"myDev","appName":"My","redirectUris":["x"]}`).Code)
	assert.Equal(t, 400, e.do("POST", "/_fakeapi/iijmio/apps", `{"appName":"","redirectUris":["x"]}`).Code)
	assert.Equal(t, 400, e.do("POST", "/_fakeapi/iijmio/apps", `{"appName":"n","redirectUris":[]}`).Code)
	assert.Equal(t, 400, e.do("POST", "/_fakeapi/iijmio/apps", `{"appName":"n"}`).Code)
	assert.Equal(t, 400, e.do("POST", "/_fakeapi/iijmio/apps", `{"appName":"n","redirectUris":["https://a/#f"]}`).Code)
	// A script URI would receive the token on authorization (docs/providers/iijmio.md, "Redirect URIs").
	assert.Equal(t, 400, e.do("POST", "/_fakeapi/iijmio/apps", `{"appName":"n","redirectUris":["javascript:alert(1)"]}`).Code, "should refuse javascript:")
	assert.Equal(t, 400, e.do("POST", "/_fakeapi/iijmio/apps", `{"appName":"n","redirectUris":["DATA:text/html,x"]}`).Code, "should refuse data: in any case")
	w = e.do("POST", "/_fakeapi/iijmio/apps", `{"appName":"n","redirectUris":["com.example.app:/oauth"]}`)
	assert.Equal(t, 201, w.Code, "should keep accepting a native app's private-use scheme")
	var minted Developer
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &minted))
	assert.Regexp(t, `^[A-Za-z0-9]{19}$`, minted.DeveloperID, "a minted ID has 19 characters, like lNuh3hfMUS52SCTHv4O")

	w = e.do("PUT", "/_fakeapi/iijmio/apps/myDev", `{"appName":"Mine","redirectUris":["https://my.example/cb2"]}`)
	require.Equal(t, 200, w.Code, w.Body.String())
	assert.JSONEq(t, `{"developerId":"myDev","appName":"Mine","redirectUris":["https://my.example/cb2"]}`, w.Body.String())
	assert.Equal(t, 400, e.do("PUT", "/_fakeapi/iijmio/apps/myDev", `{"developerId":"other","appName":"x","redirectUris":["x"]}`).Code)
	assert.Equal(t, 404, e.do("PUT", "/_fakeapi/iijmio/apps/ghost", `{"appName":"x","redirectUris":["x"]}`).Code)
	w = e.do("GET", "/_fakeapi/iijmio/apps/myDev", "")
	assert.Equal(t, 200, w.Code)
	assert.Equal(t, 404, e.do("GET", "/_fakeapi/iijmio/apps/ghost", "").Code)

	// Reissue: a new ID, the old one and its tokens stop at once.
	tok := mintToken(t, e, tUser, "myDev")
	require.Equal(t, 200, e.do("GET", "/iijmio"+pathCouponV1, "", headerDeveloper, "myDev", headerAuthorization, tok).Code)
	w = e.do("POST", "/_fakeapi/iijmio/apps/myDev/reissue", "")
	require.Equal(t, 200, w.Code)
	var re Developer
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &re))
	assert.Regexp(t, `^[A-Za-z0-9]{19}$`, re.DeveloperID, "19 characters, like every real developer ID")
	assert.Equal(t, "Mine", re.AppName)
	assertCode(t, e.do("GET", "/iijmio"+pathCouponV1, "", headerDeveloper, "myDev", headerAuthorization, tok), 403, codeNotRegistered)
	assertCode(t, e.do("GET", "/iijmio"+pathCouponV1, "", headerDeveloper, re.DeveloperID, headerAuthorization, tok), 403, codeAuthFailure)
	tok2 := mintToken(t, e, tUser, re.DeveloperID)
	assert.Equal(t, 200, e.do("GET", "/iijmio"+pathCouponV1, "", headerDeveloper, re.DeveloperID, headerAuthorization, tok2).Code)

	assert.Equal(t, 204, e.do("DELETE", "/_fakeapi/iijmio/apps/"+re.DeveloperID, "").Code)
	assertCode(t, e.do("GET", "/iijmio"+pathCouponV1, "", headerDeveloper, re.DeveloperID, headerAuthorization, tok2), 403, codeNotRegistered)
	assert.Equal(t, 404, e.do("DELETE", "/_fakeapi/iijmio/apps/"+re.DeveloperID, "").Code)
	assert.Equal(t, 404, e.do("POST", "/_fakeapi/iijmio/apps/ghost/reissue", "").Code)
}

func TestAdminCouponsAndRegulationErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, path, body string
		status           int
	}{
		{"should add a topup expiring three months on", "/coupons", `{"hddServiceCode":"hdd12345678","type":"topup","volume":5}`, 200},
		{"should 404 an unknown contract", "/coupons", `{"hddServiceCode":"hdd00000000","type":"topup","volume":5}`, 404},
		{"should reject a sim coupon", "/coupons", `{"hddServiceCode":"hdd12345678","type":"sim","volume":5}`, 400},
		{"should reject a zero volume", "/coupons", `{"hddServiceCode":"hdd12345678","type":"topup","volume":0}`, 400},
		{"should reject a past month", "/coupons", `{"hddServiceCode":"hdd12345678","type":"topup","volume":5,"expire":"201312"}`, 400},
		{"should add a topup expiring three months on", "/coupons", `{"hddServiceCode":"hdd12345678","type":"topup","volume":5,"expire":"201404"}`, 200},
		{"should reject a topup beyond three months on", "/coupons", `{"hddServiceCode":"hdd12345678","type":"topup","volume":5,"expire":"201405"}`, 400},
		{"should add a bundle expiring next month", "/coupons", `{"hddServiceCode":"hdd12345678","type":"bundle","volume":5,"expire":"201402"}`, 200},
		{"should reject a bundle beyond next month", "/coupons", `{"hddServiceCode":"hdd12345678","type":"bundle","volume":5,"expire":"201403"}`, 400},
		{"should reject a bad month", "/coupons", `{"hddServiceCode":"hdd12345678","type":"topup","volume":5,"expire":"20141"}`, 400},
		{"should want forced", "/regulation", `{"serviceCode":"hdo12345678"}`, 400},
		{"should 404 an unknown line", "/regulation", `{"serviceCode":"hdo0","forced":true}`, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			w := e.do("POST", "/_fakeapi/iijmio"+tt.path, tt.body)
			assert.Equal(t, tt.status, w.Code, w.Body.String())
		})
	}
	e := newEnv(t)
	w := e.do("POST", "/_fakeapi/iijmio/coupons", `{"hddServiceCode":"hdd12345678","type":"topup","volume":5}`)
	assert.JSONEq(t, `{"volume":5,"expire":"201404","type":"topup"}`, w.Body.String())
	w = e.do("POST", "/_fakeapi/iijmio/coupons", `{"hddServiceCode":"hdd12345678","type":"bundle","volume":5}`)
	assert.JSONEq(t, `{"volume":505,"expire":"201402","type":"bundle"}`, w.Body.String(), "should merge into the month's bundle")
}

func TestAdminRouting(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.do("GET", "/_fakeapi/iijmio/nothing", "")
	assert.Equal(t, http.StatusNotFound, w.Code)
	assert.Regexp(t, `^\{"error":".+"\}$`, w.Body.String())
	w = e.do("PATCH", "/_fakeapi/iijmio/tokens", "")
	assert.Equal(t, http.StatusMethodNotAllowed, w.Code)
	assert.Equal(t, "GET, POST", w.Header().Get("Allow"))
	w = e.do("GET", "/_fakeapi/iijmio/apps/x/reissue", "")
	assert.Equal(t, "POST", w.Header().Get("Allow"))
}

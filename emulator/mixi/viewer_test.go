package mixi

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/internal/fixture"
)

// adminAt sends an admin call to inst and decodes its JSON answer.
func adminAt(t *testing.T, h http.Handler, method, path, body string) (int, map[string]any) {
	t.Helper()
	w := httptestRecorder()
	h.ServeHTTP(w, newRequest(method, "http://localhost"+path, strings.NewReader(body)))
	m := map[string]any{}
	if w.Body.Len() > 0 {
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &m), w.Body.String())
	}
	return w.Code, m
}

// seedForm is seed 003's request form as an app writes it: no
// opensocial_* parameters, which only mixi's gateway added.
func seedForm(recipients string) url.Values {
	return url.Values{
		"recipients": {recipients}, "message": {"花束を贈りますので受け取ってください"}, "filter_type": {"joined"},
		"image":      {"http://app.example.jp/image.gif,image/gif"},
		"url":        {"http://mixi.jp/run_appli.pl?id=13579&appParams=%7B%22uid%22%3A%221569%22%7D"},
		"mobile_url": {"http://ma.mixi.net/13579/?a=1"},
	}
}

func TestDefaultViewerShouldBeTheFirstAppsFirstUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	app, viewer := e.inst.State.(state).s.DefaultViewer()
	assert.Equal(t, appID, app)
	assert.Equal(t, sakura, viewer)
	code, m := adminDo(t, e, http.MethodGet, "/viewer", "")
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, map[string]any{"appId": appID, "viewer": sakura}, m)
}

func TestSeedFormWithoutOpensocialParamsShouldActForTheDefaultViewer(t *testing.T) {
	t.Parallel()
	srv, inst := emulatorServer(t)

	sel := fetch(t, browser(t), http.MethodPost, startURL(srv.URL), seedForm("1000004,1000002"))
	require.Equal(t, http.StatusOK, sel.status, sel.raw)
	assert.Equal(t, []box{
		{"friend-1000004", "1000004", true}, {"friend-1000002", "1000002", true},
		{"friend-1000008", "1000008", false}, {"friend-1000012", "1000012", false},
	}, checkboxes(sel), "さくら's friends with app 13579")

	// The admin API moves the default to たろう, whose friends with the app
	// are さくら and しょう.
	code, m := adminAt(t, inst.Admin, http.MethodPut, "/viewer", `{"appId":"13579","viewer":"1000002"}`)
	require.Equal(t, http.StatusOK, code, m)
	assert.Equal(t, map[string]any{"appId": appID, "viewer": taro}, m)
	sel = fetch(t, browser(t), http.MethodPost, startURL(srv.URL), seedForm(sakura))
	require.Equal(t, http.StatusOK, sel.status, sel.raw)
	assert.Equal(t, []box{{"friend-1000001", "1000001", true}, {"friend-1000006", "1000006", false}}, checkboxes(sel))

	// Explicit parameters still win.
	f := seedForm(taro)
	f.Set("opensocial_app_id", appID)
	f.Set("opensocial_owner_id", sakura)
	sel = fetch(t, browser(t), http.MethodPost, startURL(srv.URL), f)
	require.Equal(t, http.StatusOK, sel.status, sel.raw)
	assert.Equal(t, "friend-1000002", checkboxes(sel)[0].id)

	// Only one of the two is not the default: the page says what is missing.
	f = seedForm(taro)
	f.Set("opensocial_app_id", appID)
	p := fetch(t, browser(t), http.MethodPost, startURL(srv.URL), f)
	assert.Equal(t, http.StatusBadRequest, p.status)
	assert.Empty(t, p.location)
}

func TestSetDefaultViewerShouldRefuseWhatCannotAct(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tt := range []struct {
		name, body string
		status     int
		reason     string
	}{
		{"should refuse an unknown app", `{"appId":"999","viewer":"1000001"}`, http.StatusNotFound, `unknown app "999"`},
		{"should refuse an unknown user", `{"appId":"13579","viewer":"42"}`, http.StatusNotFound, `unknown user "42"`},
		{"should refuse a user without the app", `{"appId":"13579","viewer":"1000003"}`, http.StatusConflict, "user 1000003 has not installed app 13579"},
		{"should refuse a body without viewer", `{"appId":"13579"}`, http.StatusBadRequest, "want"},
		{"should refuse unknown fields", `{"appId":"13579","viewer":"1000001","x":1}`, http.StatusBadRequest, "want"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, m := adminDo(t, e, http.MethodPut, "/viewer", tt.body)
			assert.Equal(t, tt.status, code)
			assert.Contains(t, m["error"], tt.reason)
		})
	}
	_, m := adminDo(t, e, http.MethodGet, "/viewer", "")
	assert.Equal(t, map[string]any{"appId": appID, "viewer": sakura}, m, "unchanged")
}

func TestDefaultViewerShouldComeFromTheFixtureAndRoundTrip(t *testing.T) {
	t.Parallel()
	doc := strings.Replace(testFixture, `"albums":`, `"defaultViewer": {"appId": "24680", "viewer": "1000007"}, "albums":`, 1)
	e := newEnvWith(t, doc)
	_, m := adminDo(t, e, http.MethodGet, "/viewer", "")
	assert.Equal(t, map[string]any{"appId": app2ID, "viewer": aoi}, m)

	code, _ := adminDo(t, e, http.MethodPut, "/viewer", `{"appId":"13579","viewer":"1000004"}`)
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, string(exportJSON(t, e)), `"defaultViewer":{"appId":"13579","viewer":"1000004"}`)
	other := newEnvWith(t, string(exportJSON(t, e)))
	_, m = adminDo(t, other, http.MethodGet, "/viewer", "")
	assert.Equal(t, map[string]any{"appId": appID, "viewer": kenta}, m, "an export imports with its default viewer")

	e.inst.State.Reset()
	_, m = adminDo(t, e, http.MethodGet, "/viewer", "")
	assert.Equal(t, map[string]any{"appId": app2ID, "viewer": aoi}, m, "Reset puts back the fixture's")

	for _, bad := range []struct{ v, msg string }{
		{`{"appId": "24680", "viewer": "1000002"}`, "defaultViewer: user 1000002 has not installed app 24680"},
		{`{"appId": "1", "viewer": "1000002"}`, `defaultViewer: unknown app "1"`},
		{`{"appId": "13579", "viewer": "7"}`, `defaultViewer: unknown user "7"`},
	} {
		doc := strings.Replace(testFixture, `"albums":`, `"defaultViewer": `+bad.v+`, "albums":`, 1)
		_, err := fixture.Load[Fixtures]("mixi.json", []byte(doc))
		require.Error(t, err)
		assert.Contains(t, err.Error(), bad.msg)
	}
}

func TestDefaultViewerShouldBeEmptyWhenNoAppHasAUser(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, `{"apps":[{"id":"1","name":"a","consumerKey":"k","consumerSecret":"s","callbackHosts":["localhost"]}],"users":[{"id":"2","nickname":"n"}],"friendships":[]}`)
	_, m := adminDo(t, e, http.MethodGet, "/viewer", "")
	assert.Equal(t, map[string]any{"appId": "", "viewer": ""}, m)
	assert.NotContains(t, string(exportJSON(t, e)), "defaultViewer")
	w := e.serve(newRequest(http.MethodGet, "http://localhost/mixi/invite:friends?callback="+url.QueryEscape("http://localhost/cb"), nil))
	assert.Equal(t, http.StatusBadRequest, w.Code, "the flow has nobody to act for")
}

package assist

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func adminDo(t testing.TB, e *env, method, target, body string) *httptest.ResponseRecorder {
	t.Helper()
	var r *http.Request
	if body != "" {
		r = httptest.NewRequest(method, target, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
	} else {
		r = httptest.NewRequest(method, target, nil)
	}
	w := httptest.NewRecorder()
	e.admin.ServeHTTP(w, r)
	return w
}

func TestAdminApps(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		method string
		target string
		body   string
		status int
		check  func(t *testing.T, m map[string]any)
	}{
		{"should list every app", "GET", "/apps", "", 200, func(t *testing.T, m map[string]any) {
			assert.Len(t, m["apps"], 6)
		}},
		{"should list one shop's apps", "GET", "/apps?shop=shop-b", "", 200, func(t *testing.T, m map[string]any) {
			apps := m["apps"].([]any)
			require.Len(t, apps, 1)
			assert.Equal(t, "client-b", apps[0].(map[string]any)["clientId"])
		}},
		{"should register an app with issued credentials", "POST", "/apps",
			`{"shop":"shop-a","name":"新しい連携","redirectUrl":"https://new.example.jp/cb","ipAllowList":["192.0.2.0/24","2001:db8::1"]}`, 201,
			func(t *testing.T, m map[string]any) {
				assert.Regexp(t, `^[0-9a-f]{20}$`, m["clientId"])
				assert.Regexp(t, `^[0-9a-f]{40}$`, m["clientSecret"])
				assert.Equal(t, "2024-04-10 10:00:00", m["createdAt"])
				assert.Equal(t, false, m["authorized"])
			}},
		{"should register an app with blank credentials and no IP list", "POST", "/apps",
			`{"shop":"shop-a","name":"x","redirectUrl":"https://x.example.jp/","clientId":"","clientSecret":""}`, 201,
			func(t *testing.T, m map[string]any) { assert.Equal(t, []any{}, m["ipAllowList"]) }},
		{"should refuse a client id chosen by the caller", "POST", "/apps",
			`{"shop":"shop-a","name":"x","redirectUrl":"https://x.example.jp/","clientId":"mine"}`, 400, nil},
		{"should refuse an unknown shop", "POST", "/apps", `{"shop":"nope","name":"x","redirectUrl":"https://x.example.jp/"}`, 400, nil},
		{"should refuse a missing shop", "POST", "/apps", `{"name":"x","redirectUrl":"https://x.example.jp/"}`, 400, nil},
		{"should refuse a missing name", "POST", "/apps", `{"shop":"shop-a","redirectUrl":"https://x.example.jp/"}`, 400, nil},
		{"should refuse a relative redirect URL", "POST", "/apps", `{"shop":"shop-a","name":"x","redirectUrl":"/cb"}`, 400, nil},
		{"should refuse a bad IP entry", "POST", "/apps", `{"shop":"shop-a","name":"x","redirectUrl":"https://x.example.jp/","ipAllowList":["300.1.1.1"]}`, 400,
			func(t *testing.T, m map[string]any) { assert.Contains(t, m["error"], "ipAllowList[0]") }},
		{"should refuse an unknown field", "POST", "/apps", `{"shop":"shop-a","name":"x","redirectUrl":"https://x.example.jp/","ips":[]}`, 400, nil},
		{"should refuse malformed JSON", "POST", "/apps", `{`, 400, nil},
		{"should show one app", "GET", "/apps/client-any", "", 200, func(t *testing.T, m map[string]any) {
			assert.Equal(t, "受注連携テスト", m["name"])
			assert.Equal(t, true, m["authorized"])
			assert.Equal(t, float64(1), m["tokens"])
		}},
		{"should answer an unknown app with 404", "GET", "/apps/nope", "", 404, nil},
		{"should edit name, URL and IP list", "PUT", "/apps/client-any",
			`{"name":"改名","redirectUrl":"https://renamed.example.jp/cb","ipAllowList":["::1"]}`, 200, func(t *testing.T, m map[string]any) {
				assert.Equal(t, "改名", m["name"])
				assert.Equal(t, []any{"::1"}, m["ipAllowList"])
				assert.Equal(t, float64(1), m["tokens"], "tokens survive an edit")
			}},
		{"should keep absent fields on edit", "PUT", "/apps/client-any", `{"name":"改名"}`, 200, func(t *testing.T, m map[string]any) {
			assert.Equal(t, "https://app.example.jp/getAuth.php", m["redirectUrl"])
		}},
		{"should refuse moving an app to another shop", "PUT", "/apps/client-any", `{"shop":"shop-b"}`, 400, nil},
		{"should refuse changing the secret", "PUT", "/apps/client-any", `{"clientSecret":"x"}`, 400, nil},
		{"should refuse an empty name", "PUT", "/apps/client-any", `{"name":" "}`, 400, nil},
		{"should answer an edit of an unknown app with 404", "PUT", "/apps/nope", `{"name":"x"}`, 404, nil},
		{"should delete an app", "DELETE", "/apps/client-any", "", 204, nil},
		{"should answer a delete of an unknown app with 404", "DELETE", "/apps/nope", "", 404, nil},
		{"should answer an unknown admin route with 404", "GET", "/nothing", "", 404, nil},
		{"should answer a wrong method with 405", "PATCH", "/apps", "", 405, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, Config{})
			w := adminDo(t, e, tt.method, "/_fakeapi/assist"+tt.target, tt.body)
			require.Equal(t, tt.status, w.Code, w.Body.String())
			if tt.status == 204 {
				assert.Empty(t, w.Body.String())
				return
			}
			m := decodeJSON(t, w.Body.Bytes())
			if tt.status >= 400 {
				assert.NotEmpty(t, m["error"])
			}
			if tt.check != nil {
				tt.check(t, m)
			}
		})
	}
}

func TestAdminGrants(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	w := adminDo(t, e, "GET", "/_fakeapi/assist/grants?shop=shop-a", "")
	require.Equal(t, 200, w.Code)
	grants := decodeJSON(t, w.Body.Bytes())["grants"].([]any)
	require.Len(t, grants, 4)
	g := grants[0].(map[string]any)
	assert.Equal(t, map[string]any{"clientId": "client-any", "shop": "shop-a", "appName": "受注連携テスト", "grantedBy": "admin",
		"grantedAt": "2024-04-01 09:00:00", "scope": "read_sales", "tokens": float64(1)}, g)
	assert.Equal(t, 204, adminDo(t, e, "DELETE", "/_fakeapi/assist/grants/client-any", "").Code)
	assert.Equal(t, 404, adminDo(t, e, "DELETE", "/_fakeapi/assist/grants/client-any", "").Code, "already revoked")
	w = adminDo(t, e, "GET", "/_fakeapi/assist/grants", "")
	assert.Len(t, decodeJSON(t, w.Body.Bytes())["grants"], 4)
}

func TestAdminUI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	srv := httptest.NewServer(e.admin)
	defer srv.Close()
	c := browser(t)
	get := func(path string) *http.Response {
		res, err := c.Get(srv.URL + path)
		require.NoError(t, err)
		return res
	}
	post := func(path string, f url.Values) *http.Response {
		res, err := c.PostForm(srv.URL+path, f)
		require.NoError(t, err)
		return res
	}

	res := get("/_fakeapi/assist/ui")
	assert.Equal(t, http.StatusSeeOther, res.StatusCode)
	assert.Equal(t, "/_fakeapi/assist/ui/apps", res.Header.Get("Location"))

	res = get("/_fakeapi/assist/ui/apps")
	require.Equal(t, 200, res.StatusCode)
	doc := page(t, res.Body)
	res.Body.Close()
	form := byID(doc, "new_app_form")
	require.NotNil(t, form)
	assert.Equal(t, "/_fakeapi/assist/ui/apps", attr(form, "action"))
	for _, id := range []string{"new_app_shop", "new_app_name", "new_app_redirect", "new_app_ips", "new_app_submit"} {
		assert.NotNil(t, byID(doc, id), id)
	}
	f := hidden(doc, "new_app_form")

	t.Run("should refuse a post without the CSRF token", func(t *testing.T) {
		res := post("/_fakeapi/assist/ui/apps", url.Values{"shop": {"shop-a"}, "name": {"x"}, "redirect_url": {"https://x.example.jp/"}})
		assert.Equal(t, 403, res.StatusCode)
	})
	t.Run("should show a form error", func(t *testing.T) {
		v := url.Values{"csrf_token": f["csrf_token"], "shop": {"shop-a"}, "name": {"x"}, "redirect_url": {"not a url"}}
		res := post("/_fakeapi/assist/ui/apps", v)
		assert.Equal(t, 400, res.StatusCode)
		assert.Contains(t, text(byID(page(t, res.Body), "form_error")), "redirectUrl")
	})

	v := url.Values{"csrf_token": f["csrf_token"], "shop": {"shop-b"}, "name": {"手作業で登録"},
		"redirect_url": {"https://hand.example.jp/cb"}, "ip_allow_list": {"203.0.113.0/24\r\n2001:db8::5\r\n"}}
	res = post("/_fakeapi/assist/ui/apps", v)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	loc := res.Header.Get("Location")
	require.True(t, strings.HasPrefix(loc, "/_fakeapi/assist/ui/apps/"), loc)
	id := strings.TrimPrefix(loc, "/_fakeapi/assist/ui/apps/")
	app, ok := e.inst.State.(*state).st.App(id)
	require.True(t, ok)
	assert.Equal(t, []string{"203.0.113.0/24", "2001:db8::5"}, app.IPAllowList)

	res = get(loc)
	doc = page(t, res.Body)
	res.Body.Close()
	assert.Equal(t, id, text(byID(doc, "client_id")))
	assert.Equal(t, app.ClientSecret, text(byID(doc, "client_secret")))
	edit := hidden(doc, "edit_app_form")
	res = post(loc, url.Values{"csrf_token": edit["csrf_token"], "name": {"改名"}, "redirect_url": {"https://hand.example.jp/cb2"}, "ip_allow_list": {""}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	app, _ = e.inst.State.(*state).st.App(id)
	assert.Equal(t, "改名", app.Name)
	assert.Empty(t, app.IPAllowList)

	res = post(loc+"/delete", url.Values{"csrf_token": edit["csrf_token"]})
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	_, ok = e.inst.State.(*state).st.App(id)
	assert.False(t, ok)

	res = get("/_fakeapi/assist/ui/grants")
	doc = page(t, res.Body)
	res.Body.Close()
	require.NotNil(t, byID(doc, "revoke_client-any"))
	g := hidden(doc, "grant_list")
	res = post("/_fakeapi/assist/ui/grants/client-any/revoke", url.Values{"csrf_token": g["csrf_token"]})
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	assert.Equal(t, 401, e.serve(api(http.MethodGet, "/api/v1/orders.php", "tok-any", nil)).Code, "revoked at once")
}

// POST /tokens gives a working token without the pages, making the app's
// grant when it has none.
func TestAdminCreateTokenShouldGiveAWorkingToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	w := adminDo(t, e, http.MethodPost, "/_fakeapi/assist/tokens", `{"clientId":"client-any"}`)
	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	var got struct {
		AccessToken string `json:"access_token"`
		Shop        string `json:"shop"`
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
	assert.Regexp(t, `^[0-9a-f]{32}$`, got.AccessToken)
	w = e.serve(api(http.MethodGet, "/api/v1/orders.php", got.AccessToken, ""))
	assert.Equal(t, http.StatusOK, w.Code, w.Body.String())

	for body, status := range map[string]int{`{"clientId":"nope"}`: http.StatusNotFound, `{}`: http.StatusBadRequest, `[`: http.StatusBadRequest} {
		w := adminDo(t, e, http.MethodPost, "/_fakeapi/assist/tokens", body)
		assert.Equal(t, status, w.Code, body)
	}
}

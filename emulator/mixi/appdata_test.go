package mixi

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/internal/httpx"
)

const jsonCT = "application/json"

func TestAppDataRead(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		viewer string
		path   string
		status int
		reason string
		want   map[string]any
	}{
		{"should return the viewer's own data keyed by id", sakura, "/appdata/@me/@self/@app", 200, "", map[string]any{
			"entry":      map[string]any{sakura: map[string]any{"subject": "appdata subject: 80", "content": "appdata content: 86"}},
			"startIndex": 0.0, "id": []any{sakura}, "totalResults": 1.0}},
		{"should limit keys with fields", sakura, "/appdata/@me/@self/@app?fields=subject", 200, "", map[string]any{
			"entry": map[string]any{sakura: map[string]any{"subject": "appdata subject: 80"}}, "startIndex": 0.0, "id": []any{sakura}, "totalResults": 1.0}},
		{"should read every key for fields=*", sakura, "/appdata/@me/@self?fields=*", 200, "", map[string]any{
			"entry": map[string]any{sakura: map[string]any{"subject": "appdata subject: 80", "content": "appdata content: 86"}}, "startIndex": 0.0, "id": []any{sakura}, "totalResults": 1.0}},
		{"should accept the app's own id in the path", sakura, "/appdata/@me/@self/13579", 200, "", map[string]any{
			"entry": map[string]any{sakura: map[string]any{"subject": "appdata subject: 80", "content": "appdata content: 86"}}, "startIndex": 0.0, "id": []any{sakura}, "totalResults": 1.0}},
		{"should read a friend with the app", sakura, "/appdata/1000002/@self/@app", 200, "", map[string]any{
			"entry": map[string]any{taro: map[string]any{"score": "10"}}, "startIndex": 0.0, "id": []any{taro}, "totalResults": 1.0}},
		{"should answer an empty object for a user without data", kenta, "/appdata/@me/@self/@app", 200, "", map[string]any{
			"entry": map[string]any{kenta: map[string]any{}}, "startIndex": 0.0, "id": []any{kenta}, "totalResults": 1.0}},
		{"should list friends with the app, {} for those without data", sakura, "/appdata/@me/@friends/@app", 200, "", map[string]any{
			"entry":      map[string]any{taro: map[string]any{"score": "10"}, kenta: map[string]any{}, haruto: map[string]any{}, haru2: map[string]any{}},
			"startIndex": 0.0, "id": []any{taro, kenta, haruto, haru2}, "totalResults": 4.0}},
		{"should page friends' data", sakura, "/appdata/@me/@friends/@app?count=1&startIndex=1", 200, "", map[string]any{
			"entry": map[string]any{kenta: map[string]any{}}, "startIndex": 1.0, "id": []any{kenta}, "totalResults": 4.0}},
		{"should leave out friends without the app", taro, "/appdata/@me/@friends/@app", 200, "", map[string]any{
			"entry":      map[string]any{sakura: map[string]any{"subject": "appdata subject: 80", "content": "appdata content: 86"}, sho: map[string]any{}},
			"startIndex": 0.0, "id": []any{sakura, sho}, "totalResults": 2.0}},
		{"should refuse a friend without the app", sakura, "/appdata/1000003/@self/@app", 403, reasonNoPermission, nil},
		{"should refuse a user who is not a friend", sakura, "/appdata/1000006/@self/@app", 403, reasonNoPermission, nil},
		{"should refuse an unknown user", sakura, "/appdata/9999999/@self/@app", 403, reasonNoPermission, nil},
		{"should answer 400 for a malformed id", sakura, "/appdata/abc/@self/@app", 400, reasonBadGuid, nil},
		{"should refuse another user's @friends", sakura, "/appdata/1000002/@friends/@app", 403, reasonNoPermission, nil},
		{"should refuse another app's data", sakura, "/appdata/@me/@self/24680", 403, reasonOtherApp, nil},
		{"should answer 400 without a target", sakura, "/appdata", 400, reasonNoTarget, nil},
		{"should answer 400 for /appdata/", sakura, "/appdata/", 400, reasonNoTarget, nil},
		{"should answer 403 without a selector", sakura, "/appdata/@me", 403, reasonNoSelector, nil},
		{"should answer 403 for an unknown selector", sakura, "/appdata/@me/@all/@app", 403, reasonNoSelector, nil},
		{"should reject a key that breaks the rule", sakura, "/appdata/@me/@self/@app?fields=1st", 400, reasonBadKey, nil},
		{"should reject bad paging", sakura, "/appdata/@me/@friends/@app?count=x", 400, reasonBadCount, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			w := e.get(t, tt.viewer, tt.path)
			require.Equal(t, tt.status, w.Code, "body: %s", w.Body.String())
			if tt.status != http.StatusOK {
				assert.Equal(t, errorBody(tt.status), w.Body.String())
				assert.Equal(t, tt.reason, w.Header().Get("X-Fakeapi-Reason"))
				return
			}
			assert.Equal(t, tt.want, decode(t, w))
		})
	}
}

func TestAppDataIsolatedPerApp(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.callApp(t, app2Key, app2Sec, http.MethodGet, sakura, "/appdata/@me/@self/@app", "", "")
	require.Equal(t, http.StatusOK, w.Code)
	assert.JSONEq(t, `{"entry":{"1000001":{"sheep":"12"}},"startIndex":0,"id":["1000001"],"totalResults":1}`, w.Body.String())

	w = e.callApp(t, app2Key, app2Sec, http.MethodPost, sakura, "/appdata/@me/@self/@app", `{"sheep":"13"}`, jsonCT)
	require.Equal(t, http.StatusOK, w.Code)
	w = e.get(t, sakura, "/appdata/@me/@self/@app?fields=sheep")
	assert.JSONEq(t, `{"entry":{"1000001":{}},"startIndex":0,"id":["1000001"],"totalResults":1}`, w.Body.String(), "app 13579 never sees app 24680's keys")
	w = e.callApp(t, app2Key, app2Sec, http.MethodGet, sakura, "/appdata/@me/@self/13579", "", "")
	assert.Equal(t, http.StatusForbidden, w.Code, "naming the other app is refused")
}

func TestAppDataWrite(t *testing.T) {
	t.Parallel()
	many := func(n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = fmt.Sprintf(`"k%d":"v"`, i)
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	tests := []struct {
		name   string
		method string
		path   string
		body   string
		status int
		reason string
		after  string // the viewer's data afterwards, as JSON
	}{
		{"should merge a POST into the existing keys", "POST", "/appdata/@me/@self/@app", `{"subject":"new","score":"5"}`, 200, "",
			`{"content":"appdata content: 86","subject":"new","score":"5"}`},
		{"should reject a non-ASCII key", "PUT", "/appdata/@me/@self/@app", `{"ミ":"x"}`, 400, reasonBadKey, ""},
		{"should merge a PUT and keep Japanese values", "PUT", "/appdata/@me/@self", `{"gift":"花束 💐"}`, 200, "",
			`{"content":"appdata content: 86","subject":"appdata subject: 80","gift":"花束 💐"}`},
		{"should accept 99 keys", "POST", "/appdata/@me/@self/@app", many(99), 200, "", ""},
		{"should reject 100 keys", "POST", "/appdata/@me/@self/@app", many(100), 400, reasonTooManyKeys, ""},
		{"should accept a value of 10000 bytes", "POST", "/appdata/@me/@self/@app", `{"big":"` + strings.Repeat("a", 10000) + `"}`, 200, "", ""},
		{"should reject a value over 10000 bytes", "POST", "/appdata/@me/@self/@app", `{"big":"` + strings.Repeat("a", 10001) + `"}`, 400, reasonValueTooLong, ""},
		{"should reject a non-string value", "POST", "/appdata/@me/@self/@app", `{"n":1}`, 400, reasonBadBody, ""},
		{"should reject an array", "POST", "/appdata/@me/@self/@app", `["a"]`, 400, reasonBadBody, ""},
		{"should reject null", "POST", "/appdata/@me/@self/@app", `null`, 400, reasonBadBody, ""},
		{"should reject an empty body", "POST", "/appdata/@me/@self/@app", ``, 400, reasonBadBody, ""},
		{"should reject broken JSON", "POST", "/appdata/@me/@self/@app", `{"a":"b"`, 400, reasonBadBody, ""},
		{"should reject invalid UTF-8 instead of storing U+FFFD", "POST", "/appdata/@me/@self/@app", "{\"a\":\"b\xff\"}", 400, reasonBadBody, ""},
		{"should reject a lone surrogate instead of storing U+FFFD", "POST", "/appdata/@me/@self/@app", `{"a":"\ud800"}`, 400, reasonBadBody, ""},
		{"should reject a null value", "POST", "/appdata/@me/@self/@app", `{"a":null}`, 400, reasonBadBody, ""},
		{"should report a bad key whatever its value", "POST", "/appdata/@me/@self/@app", `{"1st":5}`, 400, reasonBadKey, ""},
		{"should keep the last of a repeated key", "POST", "/appdata/@me/@self/@app", `{"gift":"a","gift":"b"}`, 200, "",
			`{"content":"appdata content: 86","subject":"appdata subject: 80","gift":"b"}`},
		{"should reject an empty key", "POST", "/appdata/@me/@self/@app", `{"":"b"}`, 400, reasonBadKey, ""},
		{"should reject a key with a space", "POST", "/appdata/@me/@self/@app", `{"a b":"c"}`, 400, reasonBadKey, ""},
		{"should refuse writing a friend's data", "POST", "/appdata/1000002/@self/@app", `{"a":"b"}`, 403, reasonWriteOthers, ""},
		{"should refuse writing to @friends", "POST", "/appdata/@me/@friends/@app", `{"a":"b"}`, 403, reasonWriteOthers, ""},
		{"should refuse writing another app's data", "POST", "/appdata/@me/@self/24680", `{"a":"b"}`, 403, reasonOtherApp, ""},
		{"should delete the named keys", "DELETE", "/appdata/@me/@self/@app?fields=subject", ``, 200, "", `{"content":"appdata content: 86"}`},
		{"should delete every key without fields", "DELETE", "/appdata/@me/@self/@app", ``, 200, "", `{}`},
		{"should delete every key for fields=*", "DELETE", "/appdata/@me/@self/@app?fields=*", ``, 200, "", `{}`},
		{"should refuse deleting a friend's data", "DELETE", "/appdata/1000002/@self/@app", ``, 403, reasonWriteOthers, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			ct := ""
			if tt.method != http.MethodDelete {
				ct = jsonCT
			}
			w := e.call(t, tt.method, sakura, tt.path, tt.body, ct)
			require.Equal(t, tt.status, w.Code, "body: %s", w.Body.String())
			if tt.status != http.StatusOK {
				assert.Equal(t, errorBody(tt.status), w.Body.String())
				assert.Equal(t, tt.reason, w.Header().Get("X-Fakeapi-Reason"))
				got := e.get(t, sakura, "/appdata/@me/@self/@app")
				assert.JSONEq(t, `{"entry":{"1000001":{"subject":"appdata subject: 80","content":"appdata content: 86"}},"startIndex":0,"id":["1000001"],"totalResults":1}`,
					got.Body.String(), "a refused write changes nothing")
				return
			}
			assert.Equal(t, `{"entry":{}}`, w.Body.String())
			if tt.after != "" {
				got := e.get(t, sakura, "/appdata/@me/@self/@app")
				assert.JSONEq(t, `{"entry":{"1000001":`+tt.after+`},"startIndex":0,"id":["1000001"],"totalResults":1}`, got.Body.String())
			}
		})
	}
}

// A write is visible to the friends' next read (docs/providers/mixi.md,
// "What changes what").
func TestAppDataWriteVisibleToFriends(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.call(t, http.MethodPost, taro, "/appdata/@me/@self/@app", `{"score":"42"}`, jsonCT)
	require.Equal(t, http.StatusOK, w.Code)
	w = e.get(t, sakura, "/appdata/@me/@friends/@app?count=1")
	assert.JSONEq(t, `{"entry":{"1000002":{"score":"42"}},"startIndex":0,"id":["1000002"],"totalResults":4}`, w.Body.String())
}

// 180 writes in 3 minutes are allowed, the 181st is a 503 [doc: news
// 2009-11-25], and the window slides on the emulator clock.
func TestAppDataWriteRateLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for i := range writeLimit {
		w := e.call(t, http.MethodPost, sakura, "/appdata/@me/@self/@app", fmt.Sprintf(`{"n":"%d"}`, i), jsonCT)
		require.Equal(t, http.StatusOK, w.Code, "write %d", i)
		if i == 0 {
			_, err := e.clk.Advance(time.Minute)
			require.NoError(t, err)
		}
	}
	w := e.call(t, http.MethodDelete, sakura, "/appdata/@me/@self/@app?fields=n", "", "")
	require.Equal(t, http.StatusServiceUnavailable, w.Code)
	assert.Equal(t, "503 - Service Unavailable", w.Body.String())
	assert.Equal(t, reasonRateLimited, w.Header().Get("X-Fakeapi-Reason"))

	w = e.call(t, http.MethodPost, taro, "/appdata/@me/@self/@app", `{"n":"x"}`, jsonCT)
	assert.Equal(t, http.StatusOK, w.Code, "the limit is per user")
	w = e.callApp(t, app2Key, app2Sec, http.MethodPost, sakura, "/appdata/@me/@self/@app", `{"n":"x"}`, jsonCT)
	assert.Equal(t, http.StatusOK, w.Code, "and per app")

	// The first write leaves the window 3 minutes after it was made.
	_, err := e.clk.Advance(2*time.Minute + time.Second)
	require.NoError(t, err)
	w = e.call(t, http.MethodPost, sakura, "/appdata/@me/@self/@app", `{"n":"again"}`, jsonCT)
	assert.Equal(t, http.StatusOK, w.Code)
	w = e.call(t, http.MethodPost, sakura, "/appdata/@me/@self/@app", `{"n":"again2"}`, jsonCT)
	assert.Equal(t, http.StatusServiceUnavailable, w.Code)
}

func TestAppDataBodyTooLarge(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.signedRequest(t, http.MethodPost, "/appdata/@me/@self/@app?xoauth_requestor_id="+sakura, appKey, appSecret,
		strings.NewReader(`{"a":"`+strings.Repeat("x", 100)+`"}`), jsonCT)
	w := httptestRecorder()
	httpx.LimitBody(64)(e.inst.Handler).ServeHTTP(w, r)
	assert.Equal(t, http.StatusRequestEntityTooLarge, w.Code)
	assert.Equal(t, "413 - Request Entity Too Large", w.Body.String())
}

// Concurrent writers of one user each merge their own key; none is lost
// (run with -race).
func TestAppDataConcurrentWrites(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const n = 40
	reqs := make([]*http.Request, n)
	for i := range reqs {
		reqs[i] = e.signedRequest(t, http.MethodPost, "/appdata/@me/@self/@app?xoauth_requestor_id="+sakura, appKey, appSecret,
			strings.NewReader(fmt.Sprintf(`{"k%d":"%d"}`, i, i)), jsonCT)
	}
	var wg sync.WaitGroup
	codes := make([]int, n)
	for i := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = e.serve(reqs[i]).Code
		}()
	}
	// Readers run alongside.
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = e.get(t, taro, "/appdata/@me/@friends/@app")
		}()
	}
	wg.Wait()
	for i, c := range codes {
		assert.Equal(t, http.StatusOK, c, "write %d", i)
	}
	m := decode(t, e.get(t, sakura, "/appdata/@me/@self/@app"))
	data := m["entry"].(map[string]any)[sakura].(map[string]any)
	for i := range n {
		assert.Equal(t, fmt.Sprint(i), data[fmt.Sprintf("k%d", i)])
	}
}

// A client that hangs up in the middle of its body gets a 400, not a 500
// and an error in the log.
func TestAppDataBodyCutShortShouldBeA400NotA500(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.signedRequest(t, http.MethodPost, "/appdata/@me/@self/@app?xoauth_requestor_id="+sakura, appKey, appSecret, nil, jsonCT)
	r.Body = io.NopCloser(io.MultiReader(strings.NewReader(`{"a":"b`), iotest.ErrReader(io.ErrUnexpectedEOF)))
	r.ContentLength = 100
	w := e.serve(r)
	assert.Equal(t, http.StatusBadRequest, w.Code, w.Body.String())
	assert.Equal(t, errorBody(http.StatusBadRequest), w.Body.String())
	assert.Equal(t, reasonBadBody, w.Header().Get("X-Fakeapi-Reason"))
}

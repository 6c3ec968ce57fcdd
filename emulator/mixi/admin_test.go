package mixi

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func adminDo(t *testing.T, e *env, method, path, body string) (int, map[string]any) {
	t.Helper()
	w := httptestRecorder()
	e.inst.Admin.ServeHTTP(w, newRequest(method, "http://localhost"+path, strings.NewReader(body)))
	var m map[string]any
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &m), w.Body.String())
	assert.Equal(t, "application/json; charset=utf-8", w.Header().Get("Content-Type"))
	return w.Code, m
}

func TestAdminRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	require.Equal(t, http.StatusOK, e.call(t, http.MethodDelete, sakura, "/requests/@me/@self?requestIds="+req1, "", "").Code)
	code, m := adminDo(t, e, http.MethodGet, "/requests", "")
	require.Equal(t, http.StatusOK, code)
	list := m["requests"].([]any)
	require.Len(t, list, 2)
	first := list[0].(map[string]any)
	assert.Equal(t, req1, first["id"])
	assert.Equal(t, []any{misaki}, first["pending"])
	assert.Equal(t, []any{sakura}, first["deleted"])

	for q, n := range map[string]int{"?app=24680": 1, "?sender=1000002": 1, "?recipient=1000003": 1, "?recipient=1000006": 0} {
		_, m := adminDo(t, e, http.MethodGet, "/requests"+q, "")
		assert.Len(t, m["requests"], n, q)
	}
}

func TestAdminInstalls(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	code, m := adminDo(t, e, http.MethodPost, "/installs", `{"app":"13579","user":"1000003","installed":true}`)
	require.Equal(t, http.StatusOK, code, m)
	assert.Equal(t, http.StatusOK, e.get(t, misaki, "/people/@me/@self").Code)

	code, m = adminDo(t, e, http.MethodPost, "/installs", `{"app":"13579","user":"1000003"}`)
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Contains(t, m["error"], "installed")
	code, _ = adminDo(t, e, http.MethodPost, "/installs", `{"app":"13579","user":"42","installed":false}`)
	assert.Equal(t, http.StatusNotFound, code)
	code, _ = adminDo(t, e, http.MethodPost, "/installs", `{"app":"13579","user":"1000003","installed":false,"x":1}`)
	assert.Equal(t, http.StatusBadRequest, code, "unknown fields are refused")
}

func TestAdminSign(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	target := "http://localhost:8080/mixi/os/0.8/people/@me/@self?xoauth_requestor_id=1000001&fields=birthday,gender"
	code, m := adminDo(t, e, http.MethodPost, "/sign", `{"url":"`+target+`"}`)
	require.Equal(t, http.StatusOK, code, m)
	r := newRequest(http.MethodGet, target, nil)
	r.Host = "localhost:8080"
	r.Header.Set("Authorization", m["authorization"].(string))
	w := e.serve(r)
	require.Equal(t, http.StatusOK, w.Code, w.Header().Get("WWW-Authenticate"))
	assert.Equal(t, "1988-04-12", entry(t, decode(t, w))["birthday"])

	code, _ = adminDo(t, e, http.MethodPost, "/sign", `{"url":"`+target+`","consumerKey":"nobody"}`)
	assert.Equal(t, http.StatusNotFound, code)
	code, _ = adminDo(t, e, http.MethodPost, "/sign", `{}`)
	assert.Equal(t, http.StatusBadRequest, code)
	code, _ = adminDo(t, e, http.MethodPost, "/sign", `{"url":"http://x/%zz"}`)
	assert.Equal(t, http.StatusBadRequest, code)
}

func TestAdminNotFoundAndMethod(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	code, m := adminDo(t, e, http.MethodGet, "/nothing", "")
	assert.Equal(t, http.StatusNotFound, code)
	assert.NotEmpty(t, m["error"])
	code, _ = adminDo(t, e, http.MethodDelete, "/requests", "")
	assert.Equal(t, http.StatusMethodNotAllowed, code)
}

package emulator_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/emulator"
	"github.com/fakeapi/fakeapi/internal/clock"
)

// Fuzz targets for what the root decodes: state documents (PUT
// /_fakeapi/state and -state-file, through every provider's fixture loader)
// and the JSON bodies of the admin API, the root's own and the providers'
// (which decode inline in their handlers, so they are fuzzed through the
// routes). scripts/fuzz.sh runs them.

var (
	fuzzOnce  sync.Once
	fuzzState []byte // the default state, exported once
)

func frozenEmulator(tb testing.TB) *emulator.Emulator {
	tb.Helper()
	clk := clock.NewControlled(func() time.Time { return time.Date(2026, 1, 15, 3, 0, 0, 0, time.UTC) })
	clk.Freeze(true)
	return newEmulator(tb, func(c *emulator.Config) { c.Clock, c.HasSeed, c.Seed = clk, true, 1 })
}

func defaultState(tb testing.TB) []byte {
	fuzzOnce.Do(func() {
		data, err := frozenEmulator(tb).ExportState()
		require.NoError(tb, err)
		fuzzState = data
	})
	return fuzzState
}

// FuzzImportState: a document either imports, and then exports and imports
// again to the same state, or is refused and changes nothing.
func FuzzImportState(f *testing.F) {
	full := defaultState(f)
	var parts map[string]json.RawMessage
	require.NoError(f, json.Unmarshal(full, &parts))
	// Each provider's part alone: the whole document (the union) makes the
	// fuzzer's minimisation of every new input crawl.
	for name, part := range parts {
		f.Add([]byte(`{"` + name + `":` + string(part) + `}`))
	}
	for _, s := range []string{`{}`, `null`, `[]`, `{"kii":{}}`, `{"iijmio":null}`, `{"nope":{}}`, `{"mixi":{"apps":[],"users":[],"friendships":["1:2"]}}`,
		`{"assist":{"shops":[{"id":"s","name":"n","domain":"a.b","admins":[],"apps":[],"orders":[]}]}}`, "{\"kii\":{\"apps\":[{\"appID\":\"\xff\"}]}}"} {
		f.Add([]byte(s))
	}
	e := frozenEmulator(f)
	f.Fuzz(func(t *testing.T, doc []byte) {
		before, err := e.ExportState()
		require.NoError(t, err)
		if err := e.ImportState("state", doc); err != nil {
			after, err2 := e.ExportState()
			require.NoError(t, err2)
			sameJSON(t, before, after, "a refused import (%v) should change nothing", err)
			return
		}
		exported, err := e.ExportState()
		require.NoError(t, err)
		require.NoError(t, e.ImportState("again", exported), "an export should import again")
		again, err := e.ExportState()
		require.NoError(t, err)
		sameJSON(t, exported, again, "export → import should round-trip")
	})
}

// adminJSONRoutes are the admin routes that decode a JSON body.
var adminJSONRoutes = []struct{ method, path string }{
	{http.MethodPost, "/_fakeapi/faults"},
	{http.MethodPost, "/_fakeapi/clock"},
	{http.MethodPost, "/_fakeapi/iijmio/tokens"},
	{http.MethodPost, "/_fakeapi/iijmio/usage"},
	{http.MethodPost, "/_fakeapi/iijmio/regulation"},
	{http.MethodPost, "/_fakeapi/iijmio/coupons"},
	{http.MethodPost, "/_fakeapi/iijmio/apps"},
	{http.MethodPut, "/_fakeapi/iijmio/apps/MioponDemoApp000001"},
	{http.MethodPost, "/_fakeapi/kii/apps/" + kiiApp + "/tokens"},
	{http.MethodPut, "/_fakeapi/kii/apps/" + kiiApp + "/users/LOGIN_NAME:hanako/disabled"},
	{http.MethodPost, "/_fakeapi/assist/apps"},
	{http.MethodPut, "/_fakeapi/assist/apps/" + assistClient},
	{http.MethodPost, "/_fakeapi/mixi/installs"},
	{http.MethodPost, "/_fakeapi/mixi/sign"},
}

// FuzzAdminAPIBodies: whatever the body, an admin route answers JSON with a
// status below 500, and a refusal (4xx) leaves the state as it was.
func FuzzAdminAPIBodies(f *testing.F) {
	for i, s := range []string{
		`{"provider":"kii","path":"*/oauth2/token","status":503,"times":1}`,
		`{"advance":"24h"}`,
		`{"mioId":"mio-taro","developerId":"MioponDemoApp000001"}`,
		`{"serviceCode":"hdo10000001","mb":120}`,
		`{"serviceCode":"hdo10000001","forced":true}`,
		`{"hddServiceCode":"hdd10000001","type":"topup","volume":100}`,
		`{"appName":"x","redirectUris":["http://127.0.0.1/cb"]}`,
		`{"appName":"y","redirectUris":["https://app.example.jp/miopon/callback"]}`,
		`{"user":"LOGIN_NAME:taro.yamada","expiresAt":99999999999999}`,
		`{"disabled":true}`,
		`{"shop":"test-shop","name":"n","redirectUrl":"https://a.example/cb","ipAllowList":["10.0.0.0/8"]}`,
		`{"name":"renamed","ipAllowList":[]}`,
		`{"app":"13579","user":"1000003","installed":true}`,
		`{"method":"GET","url":"http://localhost:8080/mixi/os/0.8/people/@me/@self?xoauth_requestor_id=1000001"}`,
	} {
		f.Add(uint8(i), []byte(s))
	}
	for _, s := range []string{``, `null`, `[]`, `{`, `{"a":1}{"b":2}`, "{\"name\":\"\xff\"}", `{"mb":1e999}`, `{"status":-1}`, `{"latency":"99999h"}`} {
		f.Add(uint8(0), []byte(s))
		f.Add(uint8(7), []byte(s))
	}
	e := frozenEmulator(f)
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		rt := adminJSONRoutes[int(route)%len(adminJSONRoutes)]
		before, err := e.ExportState()
		require.NoError(t, err)
		w := serve(e, rt.method, rt.path, string(body), "Content-Type", "application/json")
		require.Less(t, w.Code, 500, "%s %s %q: %s", rt.method, rt.path, body, w.Body)
		assert.True(t, json.Valid(w.Body.Bytes()) || w.Code == http.StatusNoContent, "%s %s: body %q", rt.method, rt.path, w.Body)
		if w.Code >= 400 {
			after, err := e.ExportState()
			require.NoError(t, err)
			sameJSON(t, before, after, "%s %s %q answered %d and should change nothing", rt.method, rt.path, body, w.Code)
		}
	})
}

// sameJSON compares two exports: byte equality first (exports are
// deterministic), testify's diff when they differ.
func sameJSON(t *testing.T, want, got []byte, msgAndArgs ...any) {
	t.Helper()
	if !bytes.Equal(want, got) {
		assert.JSONEq(t, string(want), string(got), msgAndArgs...)
	}
}

package assist

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/fixtures"
	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/golden"
	"github.com/fakeapi/fakeapi/internal/ids"
	"github.com/fakeapi/fakeapi/internal/provider"
)

func TestDefaultFixturesLoad(t *testing.T) {
	t.Parallel()
	data, err := fixtures.FS.ReadFile("assist.json")
	require.NoError(t, err)
	d := provider.Deps{Log: slog.New(slog.DiscardHandler), Clock: clock.NewControlled(func() time.Time { return testNow }), IDs: ids.Seeded(1)}
	inst, err := Open(d, Config{}, "fixtures/assist.json", data)
	require.NoError(t, err)
	assert.Equal(t, "assist", inst.Name)
	assert.Equal(t, "アシスト店長", inst.Title)
	assert.True(t, provider.MatchHost(inst.Hosts, "asp101.assist-tencho.com"))
	accounts, err := json.MarshalIndent(inst.State.Accounts(), "", "  ")
	require.NoError(t, err)
	golden.Assert(t, "default_accounts.json", append(accounts, '\n'))
	// The default data has an empty list, single addresses of both
	// families and a CIDR.
	var fx Fixtures
	require.NoError(t, json.Unmarshal(data, &fx))
	var kinds = map[string]bool{}
	for _, s := range fx.Shops {
		for _, a := range s.Apps {
			if len(a.IPAllowList) == 0 {
				kinds["empty"] = true
			}
			for _, e := range a.IPAllowList {
				p, err := parseAllowEntry(e)
				require.NoError(t, err)
				switch {
				case p.IsSingleIP() && p.Addr().Is4():
					kinds["v4"] = true
				case p.IsSingleIP():
					kinds["v6"] = true
				default:
					kinds["cidr"] = true
				}
			}
		}
	}
	assert.Equal(t, map[string]bool{"empty": true, "v4": true, "v6": true, "cidr": true}, kinds)
}

func TestFixtureErrors(t *testing.T) {
	t.Parallel()
	app := `{"clientId":"c1","clientSecret":"s1","name":"n","redirectUrl":"https://a.example.jp/cb","ipAllowList":[]}`
	shop := func(apps string) string {
		return `{"shops":[{"id":"s","name":"店","domain":"a.assist-tencho.com","admins":[{"loginId":"a","password":"p","name":""}],"apps":[` + apps + `],"orders":[]}]`
	}
	tests := []struct {
		name string
		doc  string
		want string
	}{
		{"should report an unknown field", `{"shops":[{"id":"s","nmae":"x"}]}`, `assist.json:1:21: shops[0].nmae: unknown field "nmae"`},
		{"should report a bad IP entry", shop(`{"clientId":"c1","clientSecret":"s1","name":"n","redirectUrl":"https://a.example.jp/cb","ipAllowList":["10.0.0.1","10.0.0.0/33"]}`) + `}`,
			`assist.json:1:237: shops[0].apps[0].ipAllowList[1]: want an IPv4/IPv6 address or CIDR, got "10.0.0.0/33"`},
		{"should report a duplicate client id", shop(app+","+app) + `}`, `assist.json:1:241: shops[0].apps[1].clientId: duplicate "c1"`},
		{"should report a relative redirect URL", shop(`{"clientId":"c1","clientSecret":"s1","name":"n","redirectUrl":"/cb","ipAllowList":[]}`) + `}`,
			`assist.json:1:185: shops[0].apps[0].redirectUrl: want an absolute http(s) URL without fragment, got "/cb"`},
		{"should report a token without grant", shop(app) + `,"tokens":[{"accessToken":"t","clientId":"c1","issuedAt":"2024-04-01 00:00:00"}]}`,
			`assist.json:1:284: tokens[0].clientId: no grant for app "c1"`},
		{"should report a grant by a stranger", shop(app) + `,"grants":[{"clientId":"c1","grantedBy":"zz","grantedAt":"2024-04-01 00:00:00","scope":""}]}`,
			`assist.json:1:283: grants[0].grantedBy: no admin "zz" in shop "s"`},
		{"should report a bad order", `{"shops":[{"id":"s","name":"店","domain":"a.assist-tencho.com","admins":[],"apps":[],"orders":[{"serial_order_id":1,"order_date":"2024-04-01","order_name01":"x","order_status":1,"details":[]}]}]}`,
			`assist.json:1:129: shops[0].orders[0].order_date: must be "YYYY-MM-DD HH:MM:SS"`},
	}
	d := provider.Deps{Log: slog.New(slog.DiscardHandler), Clock: clock.NewControlled(nil), IDs: ids.Seeded(1)}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Open(d, Config{}, "assist.json", []byte(tt.doc))
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
		})
	}
}

func TestStateExportImportRoundTrip(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	f := newFlow(t, e)
	used := f.code()
	w := e.serve(tokenPost(phpForm(used)))
	require.Equal(t, 200, w.Code)
	tok := tokenBody.FindStringSubmatch(w.Body.String())[1]
	pending := f.code()
	require.Equal(t, 201, e.serve(api(http.MethodPost, ordersPath, "tok-any", newOrder())).Code)
	require.Equal(t, 201, adminDo(t, e, http.MethodPost, "/_fakeapi/assist/apps", `{"shop":"shop-b","name":"追加","redirectUrl":"https://add.example.jp/cb"}`).Code)
	require.Equal(t, 204, adminDo(t, e, http.MethodDelete, "/_fakeapi/assist/grants/client-b", "").Code)

	first, err := json.Marshal(e.inst.State.Export())
	require.NoError(t, err)

	// Replays revoke in other, so the used code's link to its token shows.
	other := newEnv(t, Config{RevokeOnCodeReplay: true})
	commit, err := other.inst.State.Prepare("state.json", first)
	require.NoError(t, err)
	assert.Equal(t, 200, other.serve(api(http.MethodGet, ordersPath, "tok-b", nil)).Code, "nothing changes before commit")
	commit()
	second, err := json.Marshal(other.inst.State.Export())
	require.NoError(t, err)
	assert.JSONEq(t, string(first), string(second))

	// The imported state behaves like the exported one.
	assert.Equal(t, 200, other.serve(api(http.MethodGet, ordersPath+"?serial_order_id=6", tok, nil)).Code)
	assert.Equal(t, 401, other.serve(api(http.MethodGet, ordersPath, "tok-b", nil)).Code)
	assert.Equal(t, 200, other.serve(tokenPost(phpForm(pending))).Code, "a pending code survives")
	assert.Equal(t, 400, other.serve(tokenPost(phpForm(used))).Code, "a used code stays used…")
	assert.Equal(t, 401, other.serve(api(http.MethodGet, ordersPath, tok, nil)).Code, "…and its replay revokes")

	_, err = other.inst.State.Prepare("state.json", []byte(`{"shops":[{"id":"BAD"}]}`))
	assert.Error(t, err)

	other.inst.State.Reset()
	again, err := json.Marshal(other.inst.State.Export())
	require.NoError(t, err)
	fresh, err := json.Marshal(newEnv(t, Config{}).inst.State.Export())
	require.NoError(t, err)
	assert.JSONEq(t, string(fresh), string(again))
}

func TestSummary(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	assert.Equal(t, []provider.Stat{
		{Name: "shops", Count: 2}, {Name: "admins", Count: 2}, {Name: "apps", Count: 6}, {Name: "grants", Count: 5},
		{Name: "codes", Count: 0}, {Name: "tokens", Count: 5}, {Name: "orders", Count: 4},
	}, e.inst.State.Summary())
}

// replayRevokes exchanges a fresh code twice and reports whether the token
// of the first exchange stopped working.
func replayRevokes(t *testing.T, e *env) bool {
	t.Helper()
	code := newFlow(t, e).code()
	w := e.serve(tokenPost(phpForm(code)))
	require.Equal(t, 200, w.Code, w.Body.String())
	tok := tokenBody.FindStringSubmatch(w.Body.String())[1]
	require.Equal(t, 400, e.serve(tokenPost(phpForm(code))).Code)
	return e.serve(api(http.MethodGet, ordersPath, tok, nil)).Code == http.StatusUnauthorized
}

// withSettings is the test fixture with a settings object.
func withSettings(settings string) string {
	return strings.Replace(testFixture, "{\n \"shops\"", "{\n \"settings\": "+settings+",\n \"shops\"", 1)
}

func TestFixtureSettings(t *testing.T) {
	t.Parallel()
	raw := func(e *env) int { return e.serve(api(http.MethodPost, ordersPath, "tok-any", newOrder())).Code }
	twice := func(e *env) int {
		e.serve(api(http.MethodGet, ordersPath, "tok-any", nil))
		return e.serve(api(http.MethodGet, ordersPath, "tok-any", nil)).Code
	}
	t.Run("should turn on strictJSON", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, Config{}, withSettings(`{"strictJSON": true}`))
		assert.Equal(t, 400, raw(e))
		assert.Equal(t, 200, twice(e), "throttle stays off")
	})
	t.Run("should turn on throttle", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, Config{}, withSettings(`{"throttle": true}`))
		assert.Equal(t, 201, raw(e), "strictJSON stays off")
		assert.Equal(t, 429, twice(e))
	})
	t.Run("should turn on revokeOnCodeReplay", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, Config{}, withSettings(`{"revokeOnCodeReplay": true}`))
		assert.Equal(t, 201, raw(e), "strictJSON stays off")
		assert.Equal(t, 200, twice(e), "throttle stays off")
		assert.True(t, replayRevokes(t, e))
		assert.False(t, replayRevokes(t, newEnv(t, Config{})), "off without it")
	})
	t.Run("should not turn off what the Config turns on", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, Config{StrictJSON: true, Throttle: true, RevokeOnCodeReplay: true},
			withSettings(`{"strictJSON": false, "throttle": false, "revokeOnCodeReplay": false}`))
		assert.Equal(t, 400, raw(e))
		assert.Equal(t, 429, twice(e))
		assert.True(t, replayRevokes(t, e))
	})
	t.Run("should come and go with imports, and be exported", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, Config{})
		commit, err := e.inst.State.Prepare("state.json", []byte(withSettings(`{"strictJSON": true}`)))
		require.NoError(t, err)
		commit()
		assert.Equal(t, 400, raw(e))
		exported, err := json.Marshal(e.inst.State.Export())
		require.NoError(t, err)
		assert.Contains(t, string(exported), `"settings":{"strictJSON":true}`)
		e.inst.State.Reset()
		assert.Equal(t, 201, raw(e), "reset brings back the opened fixtures")
		exported, err = json.Marshal(e.inst.State.Export())
		require.NoError(t, err)
		assert.NotContains(t, string(exported), `"settings"`)
	})
	d := provider.Deps{Log: slog.New(slog.DiscardHandler), Clock: clock.NewControlled(nil), IDs: ids.Seeded(1)}
	for doc, want := range map[string]string{
		`{"settings":{"strict":true},"shops":[]}`:             `assist.json:1:14: settings.strict: unknown field "strict"`,
		`{"settings":{"throttle":"yes"},"shops":[]}`:          `assist.json:1:`,
		`{"settings":{"strictJSON":true},"shops":[]}`:         ``,
		`{"settings":{"revokeOnCodeReplay":true},"shops":[]}`: ``,
		`{"settings":null,"shops":[]}`:                        ``,
		`{"settings":[],"shops":[]}`:                          `assist.json:1:13: settings: got JSON array, want an object`,
	} {
		_, err := Open(d, Config{}, "assist.json", []byte(doc))
		if want == "" {
			assert.NoError(t, err, doc)
			continue
		}
		require.Error(t, err, doc)
		assert.Contains(t, err.Error(), want, doc)
	}
}

func TestSecrets(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	assert.Empty(t, e.inst.Secrets.Headers, "Authorization and Cookie are masked by the journal itself")
	assert.ElementsMatch(t, []string{"client_secret", "code", "code_verifier", "access_token", "refresh_token", "password", "csrf_token"}, e.inst.Secrets.Params)
}

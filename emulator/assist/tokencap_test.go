package assist

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/ids"
	"github.com/fakeapi/fakeapi/internal/provider"
)

// newLogEnv is newEnv with the provider's log written to buf.
func newLogEnv(t *testing.T, cfg Config, buf *bytes.Buffer) *env {
	t.Helper()
	clk := clock.NewControlled(func() time.Time { return testNow })
	d := provider.Deps{Log: slog.New(slog.NewTextHandler(buf, nil)), Clock: clk, IDs: ids.Seeded(5)}
	inst, err := Open(d, cfg, "assist.json", []byte(testFixture))
	require.NoError(t, err)
	return &env{inst: inst, clk: clk, h: mount("/assist", inst.Handler), admin: mount("/_fakeapi/assist", inst.Admin)}
}

func evictionLines(buf *bytes.Buffer) []string {
	var out []string
	for _, l := range strings.Split(buf.String(), "\n") {
		if strings.Contains(l, " oldest ") {
			out = append(out, l)
		}
	}
	return out
}

// TestTokenCapShouldEvictTheOldestIssued runs ten code flows and leaves
// five codes unexchanged under a cap of 3: the oldest token gets 401
// invalid_token, the oldest pending code invalid_grant, the fixture's
// token keeps working, and the log has one line per kind at its first
// eviction and one with the rest of the burst's count once a minute has
// passed.
func TestTokenCapShouldEvictTheOldestIssued(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	e := newLogEnv(t, Config{MaxTokens: 3}, &buf)
	f := newFlow(t, e)
	exchange := func(code string) string {
		t.Helper()
		w := e.serve(tokenPost(phpForm(code)))
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		return tokenBody.FindStringSubmatch(w.Body.String())[1]
	}
	var toks []string
	for range 10 {
		toks = append(toks, exchange(f.code()))
	}
	var pending []string
	for range 5 {
		pending = append(pending, f.code())
	}

	w := e.serve(api(http.MethodGet, ordersPath, toks[0], nil))
	assert.Equal(t, http.StatusUnauthorized, w.Code)
	assert.Equal(t, `{"error":"invalid_token","error_description":"The access token provided is invalid"}`, w.Body.String())
	assert.Contains(t, w.Header().Get("WWW-Authenticate"), `error="invalid_token"`)
	for _, tok := range []string{"tok-any", toks[7], toks[9]} {
		assert.Equal(t, http.StatusOK, e.serve(api(http.MethodGet, ordersPath, tok, nil)).Code, tok)
	}
	assert.Equal(t, http.StatusUnauthorized, e.serve(api(http.MethodGet, ordersPath, toks[6], nil)).Code)
	w = e.serve(tokenPost(phpForm(pending[0])))
	assert.Equal(t, http.StatusBadRequest, w.Code)
	assert.Contains(t, w.Body.String(), `"invalid_grant"`)

	lines := evictionLines(&buf)
	require.Len(t, lines, 2, "one line per kind at its first eviction, the rest of the burst waits")
	assert.Contains(t, lines[0], `msg="assist: evicted 1 oldest codes (cap 3, -max-tokens)"`, "a consumed code, kept for replays")
	assert.Contains(t, lines[1], `msg="assist: evicted 1 oldest tokens (cap 3, -max-tokens)"`)

	_, err := e.clk.Advance(time.Minute)
	require.NoError(t, err)
	exchange(pending[4])
	lines = evictionLines(&buf)
	require.Len(t, lines, 4, "the first store change after the minute writes both waiting counts")
	// Six more consumed codes and two pending ones evicted in the burst,
	// and one consumed code now; six more tokens in the burst.
	assert.Contains(t, lines[2], `msg="assist: evicted 9 oldest codes (cap 3, -max-tokens)"`)
	assert.Contains(t, lines[2], "evicted=9")
	assert.Contains(t, lines[3], `msg="assist: evicted 6 oldest tokens (cap 3, -max-tokens)"`)

	stats := map[string]int{}
	for _, s := range e.inst.State.Summary() {
		stats[s.Name] = s.Count
	}
	assert.Equal(t, 5+3, stats["tokens"], "the fixture's five and three issued")
	assert.Equal(t, 2, stats["codes"], "of five pending codes, three stayed and one was exchanged")
}

// TestSessionCapShouldComeFromConfig: Config.MaxSessions reaches the
// authorization pages' sessions: a browser whose session was dropped for
// newer ones starts over at the login page.
func TestSessionCapShouldComeFromConfig(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	e := newLogEnv(t, Config{MaxSessions: 2}, &buf)
	first := newFlow(t, e)
	first.code() // logs in
	_, doc := first.get("/assist" + authorizePath + "?" + authorizeQuery())
	assert.Nil(t, byID(doc, "login_form"), "still logged in")
	for range 2 {
		newFlow(t, e).get("/assist" + authorizePath + "?" + authorizeQuery())
	}
	_, doc = first.get("/assist" + authorizePath + "?" + authorizeQuery())
	assert.NotNil(t, byID(doc, "login_form"), "the oldest session was dropped")
}

// TestFixtureRefusesKeysTheStoreCannotHold: a code or token longer than
// the token store keeps is refused at load with its position, in the
// fixture file and in a state import, instead of emptying the token
// store.
func TestFixtureRefusesKeysTheStoreCannotHold(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 48)
	grant := `"grants":[{"clientId":"c1","grantedBy":"a","grantedAt":"2024-04-01 00:00:00","scope":""}]`
	doc := func(rest string) string {
		return `{"shops":[{"id":"s","name":"店","domain":"a.assist-tencho.com","admins":[{"loginId":"a","password":"p","name":""}],` +
			`"apps":[{"clientId":"c1","clientSecret":"s1","name":"n","redirectUrl":"https://a.example.jp/cb","ipAllowList":[]}],"orders":[]}],` +
			grant + `,` + rest + `}`
	}
	tests := []struct {
		name, doc, path, what string
	}{
		{"should refuse a long access token",
			doc(`"tokens":[{"accessToken":"ok","clientId":"c1","issuedAt":"2024-04-01 00:00:00"},{"accessToken":"` + long + `","clientId":"c1","issuedAt":"2024-04-01 00:00:00"}]`),
			"tokens[1].accessToken", "access token"},
		{"should refuse a long code",
			doc(`"codes":[{"code":"` + long + `","clientId":"c1","expiresAt":"2024-04-01 00:10:00","issuedAt":"2024-04-01 00:00:00"}]`),
			"codes[0].code", "code"},
		{"should refuse a long token of a used code",
			doc(`"codes":[{"code":"c","clientId":"c1","expiresAt":"2024-04-01 00:10:00","used":true,"tokens":["a","` + long + `"]}]`),
			"codes[0].tokens[1]", "access token"},
	}
	d := provider.Deps{Log: slog.New(slog.DiscardHandler), Clock: clock.NewControlled(func() time.Time { return testNow }), IDs: ids.Seeded(1)}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			col := utf8.RuneCountInString(tt.doc[:strings.Index(tt.doc, `"`+long)]) + 1 // columns count characters
			want := fmt.Sprintf("assist.json:1:%d: %s: %s of 48 bytes, longer than the 47 the token store keeps", col, tt.path, tt.what)
			_, err := Open(d, Config{}, "assist.json", []byte(tt.doc))
			require.Error(t, err)
			assert.Equal(t, want, err.Error())

			e := newEnv(t, Config{})
			before, err := json.Marshal(e.inst.State.Export())
			require.NoError(t, err)
			_, err = e.inst.State.Prepare("assist.json", []byte(tt.doc))
			require.Error(t, err)
			assert.Equal(t, want, err.Error())
			after, err := json.Marshal(e.inst.State.Export())
			require.NoError(t, err)
			assert.JSONEq(t, string(before), string(after), "a refused import changes nothing")
		})
	}
}

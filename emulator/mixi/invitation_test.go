package mixi

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/ids"
	"github.com/fakeapi/fakeapi/internal/provider"
)

// plainInviteURL is mixi's invitation link, invite:friends?callback=… with
// nothing else (docs/providers/mixi.md, "invite:friends").
func plainInviteURL(srv string) string {
	return srv + "/mixi/invite:friends?callback=" + url.QueryEscape(callbackURL) + "&guid=ON"
}

// The plain link, clicked as a phone user does: friends without the app,
// the confirmation, then callback?invite_member=…; nothing is stored as a
// request.
func TestPlainInviteLinkShouldInviteFriends(t *testing.T) {
	t.Parallel()
	srv, inst := emulatorServer(t)
	c := browser(t)

	sel := fetch(t, c, http.MethodGet, plainInviteURL(srv.URL), nil)
	require.Equal(t, http.StatusOK, sel.status, sel.raw)
	assert.Equal(t, []box{
		{"friend-1000003", "1000003", false}, {"friend-1000005", "1000005", false}, {"friend-1000007", "1000007", false},
	}, checkboxes(sel), "only friends who have not installed app 13579 can be invited")
	assert.Equal(t, inviteDescription, text(byID(t, sel, "description")))
	assert.Contains(t, sel.raw, "友人を招待する")

	form := byID(t, sel, "invite-select")
	f := hidden(form)
	f.Set("action", "next")
	f["recipient"] = []string{"1000007", "1000003"}
	conf := fetch(t, c, http.MethodPost, srv.URL+attr(form, "action"), f)
	require.Equal(t, http.StatusOK, conf.status, conf.raw)
	assert.Equal(t, "あおい", text(byID(t, conf, "recipient-1000007")))
	assert.NotContains(t, conf.raw, `id="message"`, "an invitation has no message")
	assert.Contains(t, conf.raw, "招待します")

	cf := hidden(byID(t, conf, "invite-confirm"))
	cf.Set("answer", "yes")
	done := fetch(t, c, http.MethodPost, srv.URL+"/mixi"+confirmPath, cf)
	require.Equal(t, http.StatusFound, done.status, done.raw)
	assert.Equal(t, callbackURL+"&invite_member=1000007,1000003", done.location)

	code, m := adminAt(t, inst.Admin, http.MethodGet, "/invitations?sender="+sakura, "")
	require.Equal(t, http.StatusOK, code)
	require.Len(t, m["invitations"], 1)
	inv := m["invitations"].([]any)[0].(map[string]any)
	assert.Equal(t, appID, inv["app"])
	assert.Equal(t, []any{aoi, misaki}, inv["recipients"])
	assert.Empty(t, adminGet(t, inst.Admin, "/requests?sender="+sakura), "an invitation is not a request")
	for q, n := range map[string]int{"?app=24680": 0, "?recipient=1000003": 1, "?recipient=1000002": 0, "": 1} {
		_, m := adminAt(t, inst.Admin, http.MethodGet, "/invitations"+q, "")
		assert.Len(t, m["invitations"], n, q)
	}
	assert.Contains(t, string(jsonOf(t, inst.State.Export())), `"invitations":[{"app":"13579","sender":"1000001","recipients":["1000007","1000003"]`)
}

func TestInvitationShouldKeepTheListFieldsAndRefuseRequestFields(t *testing.T) {
	t.Parallel()
	srv, _ := emulatorServer(t)
	base := plainInviteURL(srv.URL)

	p := fetch(t, browser(t), http.MethodGet, base+"&recipients=1000005&exclude_users=1000003&description="+url.QueryEscape("一緒に遊ぼう"), nil)
	require.Equal(t, http.StatusOK, p.status, p.raw)
	assert.Equal(t, []box{{"friend-1000005", "1000005", true}, {"friend-1000007", "1000007", false}}, checkboxes(p))
	assert.Equal(t, "一緒に遊ぼう", text(byID(t, p, "description")))

	for _, extra := range []string{
		"&image=" + url.QueryEscape("http://app.example.jp/a.gif,image/gif"),
		"&url=" + url.QueryEscape("http://mixi.jp/run_appli.pl?id=13579"),
		"&mobile_url=" + url.QueryEscape("http://ma.mixi.net/13579/"),
		"&filter_type=joined",
		"&message=", // present and empty: a request with a bad message
		"&recipients=1000006",
	} {
		p := fetch(t, browser(t), http.MethodGet, base+extra, nil)
		assert.Equal(t, http.StatusFound, p.status, extra)
		assert.Equal(t, callbackURL+"&result=false&error=400", p.location, extra)
	}

	// いいえ on an invitation goes back with error=403, like a request.
	c := browser(t)
	sel := fetch(t, c, http.MethodGet, base, nil)
	f := hidden(byID(t, sel, "invite-select"))
	f.Set("action", "next")
	f.Set("recipient", misaki)
	conf := fetch(t, c, http.MethodPost, srv.URL+"/mixi"+selectPath, f)
	cf := hidden(byID(t, conf, "invite-confirm"))
	cf.Set("answer", "no")
	p = fetch(t, c, http.MethodPost, srv.URL+"/mixi"+confirmPath, cf)
	assert.Equal(t, callbackURL+"&result=false&error=403", p.location)
}

func TestInvitationsShouldLoadFromFixtures(t *testing.T) {
	t.Parallel()
	inv := `"invitations": [{"app": "13579", "sender": "1000001", "recipients": ["1000003"], "created": "2010-11-19T12:00:00Z"}], "albums":`
	e := newEnvWith(t, strings.Replace(testFixture, `"albums":`, inv, 1))
	_, m := adminDo(t, e, http.MethodGet, "/invitations", "")
	assert.Len(t, m["invitations"], 1)
	for bad, msg := range map[string]string{
		`{"app": "1", "sender": "1000001", "recipients": ["1000003"], "created": "2010-11-19T12:00:00Z"}`:             `invitations[0].app: unknown app "1"`,
		`{"app": "13579", "sender": "9", "recipients": ["1000003"], "created": "2010-11-19T12:00:00Z"}`:               `invitations[0].sender: unknown user "9"`,
		`{"app": "13579", "sender": "1000001", "recipients": [], "created": "2010-11-19T12:00:00Z"}`:                  `invitations[0].recipients: must not be empty`,
		`{"app": "13579", "sender": "1000001", "recipients": ["1000003"], "created": "yesterday"}`:                    `invitations[0].created`,
		`{"app": "13579", "sender": "1000001", "recipients": ["mixi.jp:1000003"], "created": "2010-11-19T12:00:00Z"}`: `invitations[0].recipients[0]`,
	} {
		doc := strings.Replace(testFixture, `"albums":`, `"invitations": [`+bad+`], "albums":`, 1)
		_, err := Open(testDeps(), Config{}, "mixi.json", []byte(doc))
		require.Error(t, err)
		assert.Contains(t, err.Error(), msg)
	}
}

func jsonOf(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

func testDeps() provider.Deps {
	return provider.Deps{Log: slog.New(slog.DiscardHandler), Clock: clock.NewControlled(nil), IDs: ids.Seeded(3)}
}

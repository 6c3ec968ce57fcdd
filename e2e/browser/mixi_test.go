package browser_test

import (
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/emulator/emulatortest"
)

// mixi's default fixture (docs/providers/mixi.md, test accounts): app 13579
// allows callbacks on 127.0.0.1; user 1000001 has nine friends.
const (
	mixiApp     = "13579"
	mixiAppName = "ギフトブーケ"
	mixiOwner   = "1000001"
	mixiMessage = "花束を贈りますので受け取ってください"
)

// appPage is the mixi app's page: a form that opens invite:friends with the
// hidden fields of seeds/003, as a mobile app's page did.
var appPage = template.Must(template.New("app").Parse(`<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>{{.Name}}</title></head><body>
<h1>{{.Name}}</h1>
<form id="app-form" method="post" action="{{.Action}}">
{{range $k, $v := .Fields}}<input type="hidden" name="{{$k}}" value="{{$v}}">
{{end}}<button type="submit" id="invite">友達に花束を贈る</button>
</form></body></html>`))

// checkbox is one friend on the selection page.
type checkbox struct {
	ID      string `json:"id"`
	Value   string `json:"value"`
	Checked bool   `json:"checked"`
}

// TestMixiInviteFlow drives invite:friends in a real browser: the app's form
// opens the friend selection, which must honour the app's parameters; two
// friends are chosen and confirmed, and the callback receives request_member
// and request_id; going back to the app gives error=403.
func TestMixiInviteFlow(t *testing.T) {
	srv := emulatortest.Start(t)
	var cb *callbackServer
	cb = newCallbackServer(t, map[string]http.Handler{
		"/app": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fields := map[string]string{
				"opensocial_app_id": mixiApp, "opensocial_owner_id": mixiOwner, "message": mixiMessage,
				"image": cb.URL + "/bouquet.gif,image/gif", "url": "http://mixi.jp/run_appli.pl?id=" + mixiApp,
				"mobile_url": cb.URL + "/mobile",
			}
			for k, v := range r.URL.Query() { // the test varies the fields per case
				fields[k] = v[0]
			}
			callback := cb.URL + "/done?from=invite"
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_ = appPage.Execute(w, map[string]any{
				"Name":   mixiAppName,
				"Action": srv.Mixi() + "/invite:friends?callback=" + url.QueryEscape(callback) + "&guid=ON",
				"Fields": fields,
			})
		}),
	})
	b := newTab(t)
	open := func(t *testing.T, params url.Values) {
		t.Helper()
		require.EqualValues(t, http.StatusOK, b.navigate(t, "open the app's page", cb.URL+"/app?"+params.Encode()))
		require.EqualValues(t, http.StatusOK, b.click(t, "post the app's form to invite:friends", "invite"))
		require.True(t, exists(t, b, "invite-select"), "the friend selection page opens")
	}
	friends := func(t *testing.T) []checkbox {
		t.Helper()
		return get(t, b, "list the friends", chromedp.Evaluate[[]checkbox](
			`Array.from(document.querySelectorAll('#invite-select input[name=recipient]')).map(e => ({id: e.id, value: e.value, checked: e.checked}))`))
	}

	b.run(t, "should show the selection page as the app's parameters ask", func(t *testing.T) {
		open(t, url.Values{"recipients": {"1000003"}, "exclude_users": {"1000005"}, "description": {"花束を贈る友人を選んでください"}})
		assert.Equal(t, "花束を贈る友人を選んでください", text(t, b, "description"))
		assert.Equal(t, "15人まで選択できます", text(t, b, "limit"))
		assert.Equal(t, []checkbox{
			{"friend-1000003", "1000003", true}, // recipients: first and checked
			{"friend-1000002", "1000002", false}, {"friend-1000004", "1000004", false},
			{"friend-1000007", "1000007", false}, {"friend-1000008", "1000008", false},
			{"friend-1000009", "1000009", false}, {"friend-1000010", "1000010", false},
			{"friend-1000012", "1000012", false}, // 1000005 excluded
		}, friends(t))
	})

	b.run(t, "should list only the friends that filter_type and target_users leave", func(t *testing.T) {
		open(t, url.Values{"filter_type": {"joined"}, "target_users": {"1000002,1000003,1000004,1000006"}})
		// 1000003 has not installed the app; 1000006 is not a friend.
		assert.Equal(t, []checkbox{{"friend-1000002", "1000002", false}, {"friend-1000004", "1000004", false}}, friends(t))
		assert.Equal(t, "リクエストを送る友人を選択してください", text(t, b, "description"), "the default prompt")
	})

	b.run(t, "should send request_member and request_id to the callback for two chosen friends", func(t *testing.T) {
		open(t, url.Values{"recipients": {"1000003"}})
		b.do(t, "choose a second friend", chromedp.Click(chromedp.ID("friend-1000004")))
		require.EqualValues(t, http.StatusOK, b.click(t, "press 確認画面へ", "invite-next"))
		assert.Equal(t, "みさき", text(t, b, "recipient-1000003"))
		assert.Equal(t, "けんた", text(t, b, "recipient-1000004"))
		assert.Equal(t, mixiMessage, text(t, b, "message"))
		require.EqualValues(t, http.StatusOK, b.click(t, "press はい", "confirm-yes"))

		got := readCallback(t, b)
		assert.Equal(t, "invite", got.Query["from"], "the callback keeps its own query")
		assert.Equal(t, "1000003,1000004", got.Query["request_member"], got)
		assert.Regexp(t, `^[0-9a-f]{24}$`, got.Query["request_id"])

		// The emulator stored the request the callback names.
		resp, err := srv.Client().Get(srv.URL + "/_fakeapi/mixi/requests?sender=" + mixiOwner)
		require.NoError(t, err)
		defer resp.Body.Close()
		var list struct {
			Requests []struct {
				ID         string   `json:"id"`
				App        string   `json:"app"`
				Recipients []string `json:"recipients"`
			} `json:"requests"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&list))
		stored := list.Requests
		require.Len(t, stored, 1)
		assert.Equal(t, got.Query["request_id"], stored[0].ID)
		assert.Equal(t, mixiApp, stored[0].App)
		assert.Equal(t, []string{"1000003", "1000004"}, stored[0].Recipients)
	})

	b.run(t, "should answer error=403 when the user goes back to the app", func(t *testing.T) {
		open(t, url.Values{})
		require.EqualValues(t, http.StatusOK, b.click(t, "press アプリに戻る", "invite-cancel"))
		got := readCallback(t, b)
		assert.Equal(t, map[string]string{"from": "invite", "result": "false", "error": "403"}, got.Query)
	})

	b.run(t, "should answer error=403 when the user says いいえ on the confirmation", func(t *testing.T) {
		open(t, url.Values{"recipients": {"1000002"}})
		require.EqualValues(t, http.StatusOK, b.click(t, "press 確認画面へ", "invite-next"))
		require.EqualValues(t, http.StatusOK, b.click(t, "press いいえ", "confirm-no"))
		got := readCallback(t, b)
		assert.Equal(t, map[string]string{"from": "invite", "result": "false", "error": "403"}, got.Query)
	})
}

// appLinkPage is a mixi app's page with mixi's plain invitation link, the
// 招待 feature: invite:friends?callback=… and nothing else.
var appLinkPage = template.Must(template.New("link").Parse(`<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>{{.Name}}</title></head><body>
<h1>{{.Name}}</h1>
<p><a id="invite-link" href="{{.Href}}">友達を招待する</a></p>
</body></html>`))

// TestMixiPlainInviteLink clicks the plain invitation link as a phone user
// did: the selection lists the default viewer's friends without the app,
// the confirmation shows no message, and the callback receives
// invite_member. Seed 003's form, sent as written (no opensocial_*), opens
// the Request API's selection for the same default viewer.
func TestMixiPlainInviteLink(t *testing.T) {
	srv := emulatortest.Start(t)
	var cb *callbackServer
	cb = newCallbackServer(t, map[string]http.Handler{
		"/app": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_ = appLinkPage.Execute(w, map[string]any{
				"Name": mixiAppName,
				"Href": template.URL(srv.Mixi() + "/invite:friends?callback=" + url.QueryEscape(cb.URL+"/invited") + "&guid=ON"),
			})
		}),
		"/seed": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_ = appPage.Execute(w, map[string]any{
				"Name":   mixiAppName,
				"Action": srv.Mixi() + "/invite:friends?callback=" + url.QueryEscape(cb.URL+"/sent") + "&guid=ON",
				"Fields": map[string]string{ // seed 003's form as written: mixi's gateway added the rest
					"recipients": "1000002,1000004", "message": mixiMessage, "filter_type": "joined",
					"image": cb.URL + "/image.gif,image/gif", "url": "http://mixi.jp/run_appli.pl?id=" + mixiApp + "&appParams=%7B%22uid%22%3A%221569%22%7D",
					"mobile_url": "http://ma.mixi.net/" + mixiApp + "/?a=1",
				},
			})
		}),
	})
	b := newTab(t)
	friends := func(t *testing.T) []checkbox {
		t.Helper()
		return get(t, b, "list the friends", chromedp.Evaluate[[]checkbox](
			`Array.from(document.querySelectorAll('#invite-select input[name=recipient]')).map(e => ({id: e.id, value: e.value, checked: e.checked}))`))
	}

	b.run(t, "should invite two friends through the plain link and send invite_member", func(t *testing.T) {
		require.EqualValues(t, http.StatusOK, b.navigate(t, "open the app's page", cb.URL+"/app"))
		require.EqualValues(t, http.StatusOK, b.click(t, "click the invitation link", "invite-link"))
		require.True(t, exists(t, b, "invite-select"), "the friend selection page opens")
		assert.Equal(t, "アプリに招待する友人を選択してください", text(t, b, "description"))
		// さくら's friends who have not installed app 13579.
		assert.Equal(t, []checkbox{
			{"friend-1000003", "1000003", false}, {"friend-1000005", "1000005", false},
			{"friend-1000007", "1000007", false}, {"friend-1000010", "1000010", false},
		}, friends(t))
		b.do(t, "choose みさき", chromedp.Click(chromedp.ID("friend-1000003")))
		b.do(t, "choose だいき", chromedp.Click(chromedp.ID("friend-1000010")))
		require.EqualValues(t, http.StatusOK, b.click(t, "press 確認画面へ", "invite-next"))
		assert.Equal(t, "みさき", text(t, b, "recipient-1000003"))
		assert.False(t, exists(t, b, "message"), "an invitation carries no message")
		require.EqualValues(t, http.StatusOK, b.click(t, "press はい", "confirm-yes"))

		got := readCallback(t, b)
		assert.Equal(t, map[string]string{"invite_member": "1000003,1000010"}, got.Query)

		resp, err := srv.Client().Get(srv.URL + "/_fakeapi/mixi/invitations?sender=" + mixiOwner)
		require.NoError(t, err)
		var list struct {
			Invitations []struct {
				App        string   `json:"app"`
				Recipients []string `json:"recipients"`
			} `json:"invitations"`
		}
		require.NoError(t, decodeJSON(resp, &list))
		require.Len(t, list.Invitations, 1)
		assert.Equal(t, mixiApp, list.Invitations[0].App)
		assert.Equal(t, []string{"1000003", "1000010"}, list.Invitations[0].Recipients)
	})

	b.run(t, "should open seed 003's form as written for the default viewer", func(t *testing.T) {
		require.EqualValues(t, http.StatusOK, b.navigate(t, "open the app's page", cb.URL+"/seed"))
		require.EqualValues(t, http.StatusOK, b.click(t, "post seed 003's form", "invite"))
		require.True(t, exists(t, b, "invite-select"), "the friend selection page opens")
		assert.Equal(t, []checkbox{
			{"friend-1000002", "1000002", true}, {"friend-1000004", "1000004", true},
			{"friend-1000008", "1000008", false}, {"friend-1000009", "1000009", false}, {"friend-1000012", "1000012", false},
		}, friends(t))
		require.EqualValues(t, http.StatusOK, b.click(t, "press 確認画面へ", "invite-next"))
		assert.Equal(t, mixiMessage, text(t, b, "message"))
		require.EqualValues(t, http.StatusOK, b.click(t, "press はい", "confirm-yes"))
		got := readCallback(t, b)
		assert.Equal(t, "1000002,1000004", got.Query["request_member"])
		assert.Regexp(t, `^[0-9a-f]{24}$`, got.Query["request_id"])
	})
}

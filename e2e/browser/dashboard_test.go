package browser_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/emulator/emulatortest"
)

// iijReadyToken is the default fixture's ready token for mio-taro.
const iijReadyToken = "MioTaroDemoToken0000000000000001"

// Kii's default fixture (docs/providers/kii.md, test accounts).
const (
	kiiAppID    = "da0b6a25"
	kiiAppKey   = "8174099687a26621f4e2cdd7cc03b3da"
	kiiUser     = "user_123456"
	kiiPassword = "123ABC"
)

// journalRow is one row of the dashboard's request table.
type journalRow struct {
	Seq      string `json:"seq"`
	Provider string `json:"provider"`
	Method   string `json:"method"`
	Path     string `json:"path"`
	Status   string `json:"status"`
}

// readJournal reads the request table as shown, top row first.
func readJournal(t *testing.T, b *tab) []journalRow {
	t.Helper()
	return get(t, b, "read the journal", chromedp.Evaluate[[]journalRow](
		`Array.from(document.querySelectorAll('#journal tr.entry')).map(r => {
		   const c = r.querySelectorAll('td');
		   return {seq: c[0].textContent, provider: c[2].textContent, method: c[3].textContent, path: c[4].textContent, status: c[5].textContent};
		 })`))
}

// waitUntil waits for a JavaScript condition on the page to hold; the
// page's own polling changes it, so a step waits for it instead of sleeping.
func waitUntil(t *testing.T, b *tab, step, cond string) {
	t.Helper()
	get(t, b, step, chromedp.Poll[bool](cond, chromedp.WithPollingInterval(100*time.Millisecond)))
}

// press clicks the element that matches the CSS selector, as a person does:
// the page stays, its script acts.
func press(t *testing.T, b *tab, step, css string) {
	t.Helper()
	b.do(t, step, chromedp.Click(chromedp.CSS(css)))
}

// typeIn empties the input with the id and types text into it, key by key.
func typeIn(t *testing.T, b *tab, step, id, text string) {
	t.Helper()
	get(t, b, step+": empty it", chromedp.Evaluate[string](fmt.Sprintf(`document.getElementById(%s).value = ""`, jsString(id))))
	b.do(t, step, chromedp.SendKeys(chromedp.ID(id), text))
}

// textOf is the trimmed text of the first element matching the selector.
func textOf(t *testing.T, b *tab, css string) string {
	t.Helper()
	return strings.TrimSpace(get(t, b, "read "+css, chromedp.TextContent(chromedp.CSS(css))))
}

// jsString quotes s for a JavaScript expression.
func jsString(s string) string {
	q, _ := json.Marshal(s)
	return string(q)
}

// waitLive waits for the page's script to have polled the admin API once.
func waitLive(t *testing.T, b *tab) {
	t.Helper()
	waitUntil(t, b, "wait for the live refresh", `document.getElementById('live').textContent.startsWith('live')`)
}

// dashboardClient makes provider requests as an app under test would.
type dashboardClient struct {
	t   *testing.T
	srv *emulatortest.Server
}

func (c dashboardClient) coupon(token string) int {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.srv.IIJmio()+"/mobile/d/v1/coupon/", nil)
	require.NoError(c.t, err)
	req.Header.Set("X-IIJmio-Developer", iijDeveloper)
	req.Header.Set("X-IIJmio-Authorization", token)
	resp, err := c.srv.Client().Do(req)
	require.NoError(c.t, err)
	resp.Body.Close()
	return resp.StatusCode
}

// kiiLogin logs a Kii user in and returns the access token.
func (c dashboardClient) kiiLogin() string {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.srv.Kii()+"/api/oauth2/token",
		strings.NewReader(`{"username":"`+kiiUser+`","password":"`+kiiPassword+`"}`))
	require.NoError(c.t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Kii-AppID", kiiAppID)
	req.Header.Set("X-Kii-AppKey", kiiAppKey)
	resp, err := c.srv.Client().Do(req)
	require.NoError(c.t, err)
	require.Equal(c.t, http.StatusOK, resp.StatusCode)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	require.NoError(c.t, decodeJSON(resp, &tok))
	require.NotEmpty(c.t, tok.AccessToken)
	return tok.AccessToken
}

// lastSeq is the sequence number of the provider's latest journal entry.
func lastSeq(t *testing.T, srv *emulatortest.Server, provider string) int64 {
	t.Helper()
	entries := srv.Journal(provider)
	require.NotEmpty(t, entries)
	return entries[len(entries)-1].Seq
}

// statCount reads one live count of a provider in the providers table.
func statCount(t *testing.T, b *tab, provider, stat string) string {
	t.Helper()
	return textOf(t, b, fmt.Sprintf(`#providers tr[data-provider=%q] .stat[data-name=%q] b`, provider, stat))
}

// waitStat waits for a live count to read want.
func waitStat(t *testing.T, b *tab, provider, stat, want string) {
	t.Helper()
	waitUntil(t, b, fmt.Sprintf("wait for %s %s = %s", provider, stat, want), fmt.Sprintf(
		`(document.querySelector('#providers tr[data-provider=%q] .stat[data-name=%q] b') || {}).textContent === %s`,
		provider, stat, jsString(want)))
}

// waitFile waits for a finished download in dir.
func waitFile(t *testing.T, path string) []byte {
	t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		data, err := os.ReadFile(path)
		if err == nil && json.Valid(data) {
			return data
		}
		if time.Now().After(deadline) {
			t.Fatalf("no download at %s: %v", path, errors.Join(err, errors.New("or not complete JSON")))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestDashboard drives /_fakeapi/ in a real browser as a person does: the
// requests appear live at the top, a click opens one with its headers and
// bodies (secrets masked), the buttons reset one provider or all, move and
// freeze the clock, add and delete fault rules, download the state and import
// a changed one, and copy credentials. Every action goes through the JSON
// admin API from the page's script, past the cross-origin protection.
func TestDashboard(t *testing.T) {
	srv := emulatortest.Start(t)
	b := newTab(t)
	app := dashboardClient{t, srv}

	// State to see and then reset: a second IIJmio token, made without the pages.
	minted := srv.IIJmioToken("mio-hanako", iijDeveloper)
	require.Equal(t, http.StatusOK, app.coupon(minted))
	now := srv.Advance(36 * time.Hour)

	b.run(t, "should show the providers, their live state, the accounts, the clock and the journal", func(t *testing.T) {
		require.EqualValues(t, http.StatusOK, b.navigate(t, "open the dashboard", srv.URL+"/_fakeapi/"))
		waitLive(t, b)
		providers := get(t, b, "list the providers", chromedp.Evaluate[[]string](
			`Array.from(document.querySelectorAll('#providers tr[data-provider]')).map(r => r.dataset.provider)`))
		assert.Equal(t, []string{"iijmio", "kii", "assist", "mixi"}, providers)
		assert.Equal(t, "2", statCount(t, b, "iijmio", "tokens"), "the fixture's ready token and the one just made")

		accounts := text(t, b, "accounts")
		for _, id := range []string{"mio-taro", "user_123456", "test-admin", "3f5c2a9e1b7d4c6a8e0f"} {
			assert.Contains(t, accounts, id)
		}

		clock, err := time.Parse(time.RFC3339, text(t, b, "clock"))
		require.NoError(t, err)
		assert.WithinDuration(t, now, clock, time.Minute, "the emulator clock, moved 36 h ahead")

		rows := readJournal(t, b)
		require.NotEmpty(t, rows)
		assert.Equal(t, journalRow{rows[0].Seq, "iijmio", "GET", "/iijmio/mobile/d/v1/coupon/", "200"}, rows[0])

		outside := get(t, b, "list what the page loaded", chromedp.Evaluate[[]string](
			`performance.getEntriesByType('resource').map(e => e.name).filter(n => !n.startsWith(location.origin + '/'))`))
		assert.Empty(t, outside, "nothing from the network")
	})

	b.run(t, "should show a new request at the top without a reload", func(t *testing.T) {
		// A reload would forget this.
		get(t, b, "mark the page", chromedp.Evaluate[bool](`window.stillTheSamePage = true`))
		app.kiiLogin()
		seq := lastSeq(t, srv, "kii")
		waitUntil(t, b, "wait for the Kii login at the top", fmt.Sprintf(
			`(document.querySelector('#journal tbody tr.entry') || {dataset: {}}).dataset.seq === "%d"`, seq))
		top := readJournal(t, b)[0]
		assert.Equal(t, journalRow{fmt.Sprint(seq), "kii", "POST", "/kii/api/oauth2/token", "200"}, top)
		assert.True(t, get(t, b, "check the page was not reloaded", chromedp.Evaluate[bool](`window.stillTheSamePage === true`)))
	})

	b.run(t, "should open a request with its headers and bodies, secrets masked", func(t *testing.T) {
		seq := lastSeq(t, srv, "kii")
		press(t, b, "open the Kii login", fmt.Sprintf(`#journal tr.entry[data-seq="%d"]`, seq))
		waitUntil(t, b, "wait for the detail", `!document.getElementById('detail').hidden`)
		assert.Equal(t, "POST /kii/api/oauth2/token → 200", text(t, b, "detail-title"))

		reqHeaders := text(t, b, "detail-request-headers")
		assert.Contains(t, reqHeaders, "X-Kii-Appid"+kiiAppID)
		assert.Contains(t, reqHeaders, "X-Kii-Appkey***")
		assert.NotContains(t, reqHeaders, kiiAppKey)
		reqBody := text(t, b, "detail-request-body")
		assert.Contains(t, reqBody, `"username": "`+kiiUser+`"`, "indented JSON")
		assert.Contains(t, reqBody, `"password": "***"`)
		assert.NotContains(t, reqBody, kiiPassword)

		respHeaders := text(t, b, "detail-response-headers")
		assert.Contains(t, respHeaders, "Content-Typeapplication/json")
		respBody := text(t, b, "detail-response-body")
		assert.Contains(t, respBody, `"access_token": "***"`)
		assert.Contains(t, respBody, `"token_type": "bearer"`)
		assert.Contains(t, text(t, b, "detail-meta"), "kii")

		press(t, b, "close the detail", "#detail-close")
		waitUntil(t, b, "wait for the detail to close", `document.getElementById('detail').hidden`)
	})

	b.run(t, "should reset one provider and leave the others", func(t *testing.T) {
		waitStat(t, b, "kii", "tokens", "1") // the login above
		press(t, b, "press Reset kii", "#reset-kii")
		waitStat(t, b, "kii", "tokens", "0")
		assert.Equal(t, "kii reset to the fixtures", text(t, b, "reset-msg"))
		assert.Equal(t, "2", statCount(t, b, "iijmio", "tokens"), "IIJmio keeps its tokens")
		assert.Equal(t, http.StatusOK, app.coupon(minted))
		assert.Equal(t, srv.URL+"/_fakeapi/", location(t, b), "the page stays")
	})

	b.run(t, "should add a fault rule, fail a request with it and delete it", func(t *testing.T) {
		require.Equal(t, http.StatusOK, app.coupon(iijReadyToken))
		seq := lastSeq(t, srv, "iijmio")
		row := fmt.Sprintf(`#journal tr.entry[data-seq="%d"]`, seq)
		waitUntil(t, b, "wait for the coupon request", fmt.Sprintf(`document.querySelector(%s) !== null`, jsString(row)))
		press(t, b, "open the coupon request", row)
		press(t, b, "press Add a fault rule for this path", "#detail-fault")
		form := get(t, b, "read the fault form", chromedp.Evaluate[map[string]string](
			`({provider: document.getElementById('fault-provider').value, method: document.getElementById('fault-method').value,
			   path: document.getElementById('fault-path').value, status: document.getElementById('fault-status').value})`))
		assert.Equal(t, map[string]string{"provider": "iijmio", "method": "GET", "path": "/mobile/d/v1/coupon/", "status": "503"}, form)

		// The API's own message for a rule it refuses.
		typeIn(t, b, "type a status that is no error", "fault-status", "200")
		press(t, b, "press Add rule", "#fault-add")
		waitUntil(t, b, "wait for the refusal", `document.getElementById('fault-msg').classList.contains('error')`)
		assert.Contains(t, text(t, b, "fault-msg"), "want an error status from 400 to 599")

		typeIn(t, b, "type 503", "fault-status", "503")
		typeIn(t, b, "fire twice", "fault-times", "2")
		press(t, b, "press Add rule", "#fault-add")
		waitUntil(t, b, "wait for the rule in the list", `document.querySelectorAll('#faults tr.fault').length === 1`)
		assert.Equal(t, "1", text(t, b, "fault-count"))
		id := textOf(t, b, "#faults tr.fault td code")
		assert.Contains(t, text(t, b, "fault-msg"), "rule "+id+" added")
		assert.Contains(t, textOf(t, b, "#faults tr.fault"), "answer 503")

		assert.Equal(t, http.StatusServiceUnavailable, app.coupon(iijReadyToken), "the rule fires")
		failed := lastSeq(t, srv, "iijmio")
		waitUntil(t, b, "wait for the failed request at the top", fmt.Sprintf(
			`(document.querySelector('#journal tbody tr.entry') || {dataset: {}}).dataset.seq === "%d"`, failed))
		assert.Equal(t, "503 fault", readJournal(t, b)[0].Status)
		waitUntil(t, b, "wait for the fired count", `document.querySelector('#faults tr.fault td:nth-child(8)').textContent === '1'`)

		press(t, b, "press delete on the rule", "#faults tr.fault button.fault-delete")
		waitUntil(t, b, "wait for the empty list", `document.querySelectorAll('#faults tr.fault').length === 0`)
		assert.Equal(t, "0", text(t, b, "fault-count"))
		assert.Equal(t, http.StatusOK, app.coupon(iijReadyToken), "the rule is gone")
	})

	dir := t.TempDir()
	b.run(t, "should download the state and import a changed one", func(t *testing.T) {
		_, err := chromedp.CallBrowser(b.ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
			Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir})
		require.NoError(t, err)
		press(t, b, "press download", "#state-download")
		state := waitFile(t, filepath.Join(dir, "fakeapi-state.json"))
		var doc map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(state, &doc))
		assert.ElementsMatch(t, []string{"iijmio", "kii", "assist", "mixi"}, keys(doc))
		require.Contains(t, string(doc["iijmio"]), `"taro-pass-01"`)

		// A refused document: the import's own message, nothing changed.
		bad := filepath.Join(dir, "bad.json")
		require.NoError(t, os.WriteFile(bad, []byte(`{"iijmio": {"users": 7}}`), 0o644))
		b.do(t, "choose the bad file", chromedp.SetUploadFiles(chromedp.ID("state-file"), []string{bad}))
		press(t, b, "press Upload", "#state-upload")
		waitUntil(t, b, "wait for the refusal", `document.getElementById('state-msg').classList.contains('error')`)
		assert.Contains(t, text(t, b, "state-msg"), "state:")

		changed := filepath.Join(dir, "changed.json")
		iij := strings.Replace(string(doc["iijmio"]), `"taro-pass-01"`, `"taro-pass-99"`, 1)
		require.NoError(t, os.WriteFile(changed, []byte(`{"iijmio": `+iij+`}`), 0o644))
		b.do(t, "choose the changed file", chromedp.SetUploadFiles(chromedp.ID("state-file"), []string{changed}))
		press(t, b, "press Upload", "#state-upload")
		waitUntil(t, b, "wait for the import", `document.getElementById('state-msg').textContent === 'changed.json imported'`)
		waitUntil(t, b, "wait for the new password in the accounts",
			`document.getElementById('accounts').textContent.includes('taro-pass-99')`)
		assert.Contains(t, string(srv.ExportState("iijmio")), `"taro-pass-99"`)
	})

	b.run(t, "should copy a credential to the clipboard", func(t *testing.T) {
		for _, perm := range []string{"clipboard-read", "clipboard-write"} {
			_, err := chromedp.CallBrowser(b.ctx, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
				Permission: &cdpbrowser.PermissionDescriptor{Name: perm}, Setting: cdpbrowser.PermissionSettingGranted, Origin: srv.URL})
			require.NoError(t, err)
		}
		// Every id and secret has its button with the exact value.
		missing := get(t, b, "look for accounts without a copy button", chromedp.Evaluate[[]string](
			`Array.from(document.querySelectorAll('#accounts tr.account')).filter(r => !r.querySelector('button.copy')).map(r => r.textContent)`))
		assert.Empty(t, missing)

		button := `#accounts button.copy[data-copy="taro-pass-99"]`
		press(t, b, "press copy next to mio-taro's password", button)
		waitUntil(t, b, "wait for copied", fmt.Sprintf(`document.querySelector(%s).textContent === 'copied'`, jsString(button)))
		pasted := get(t, b, "read the clipboard", chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
		assert.Equal(t, "taro-pass-99", pasted)

		press(t, b, "press copy next to Kii's base URL", `#providers tr[data-provider="kii"] button.copy`)
		waitUntil(t, b, "wait for the clipboard", fmt.Sprintf(`navigator.clipboard.readText().then(s => s === %s)`, jsString(srv.Kii())))
	})

	b.run(t, "should advance, set and freeze the clock", func(t *testing.T) {
		readClock := func(t *testing.T) time.Time {
			c, err := time.Parse(time.RFC3339, text(t, b, "clock"))
			require.NoError(t, err)
			return c
		}
		before := readClock(t)
		typeIn(t, b, "type 48h", "clock-advance", "48h")
		press(t, b, "press Advance", "#clock-advance-go")
		waitUntil(t, b, "wait for the move", `document.getElementById('clock-msg').textContent.startsWith('advanced by 48h')`)
		assert.WithinDuration(t, before.Add(48*time.Hour), readClock(t), 10*time.Second)
		assert.WithinDuration(t, srv.Now(), readClock(t), 10*time.Second)

		press(t, b, "press +1 day", `button.clock-quick[data-advance="24h"]`)
		waitUntil(t, b, "wait for the move", `document.getElementById('clock-msg').textContent.startsWith('advanced by 24h')`)
		assert.WithinDuration(t, before.Add(72*time.Hour), readClock(t), 10*time.Second)

		target := srv.Now().Add(10 * 24 * time.Hour).Truncate(time.Second).In(time.FixedZone("JST", 9*3600))
		typeIn(t, b, "type a time ten days ahead", "clock-set", target.Format(time.RFC3339))
		press(t, b, "press Set", "#clock-set-go")
		waitUntil(t, b, "wait for the set", `document.getElementById('clock-msg').textContent.startsWith('set')`)
		assert.WithinDuration(t, target, readClock(t), 5*time.Second)
		assert.WithinDuration(t, target, srv.Now(), 5*time.Second)

		typeIn(t, b, "type a time in the past", "clock-set", "2001-01-01T00:00:00Z")
		press(t, b, "press Set", "#clock-set-go")
		waitUntil(t, b, "wait for the refusal", `document.getElementById('clock-msg').classList.contains('error')`)
		assert.WithinDuration(t, target, srv.Now(), 5*time.Second, "a refused move changes nothing")

		press(t, b, "press Freeze", "#clock-freeze")
		waitUntil(t, b, "wait for the frozen badge", `!document.getElementById('clock-frozen').hidden`)
		assert.Equal(t, "Unfreeze", text(t, b, "clock-freeze"))
		frozen := text(t, b, "clock")
		time.Sleep(2500 * time.Millisecond) // more than a second and a poll
		assert.Equal(t, frozen, text(t, b, "clock"), "a frozen clock stands still")
		assert.Equal(t, frozen, srv.Now().Format(time.RFC3339))

		press(t, b, "press Unfreeze", "#clock-freeze")
		waitUntil(t, b, "wait for the badge to go", `document.getElementById('clock-frozen').hidden`)
		waitUntil(t, b, "wait for the clock to run", fmt.Sprintf(`document.getElementById('clock').textContent !== %s`, jsString(frozen)))
	})

	b.run(t, "should filter the requests by provider and clear them", func(t *testing.T) {
		app.kiiLogin()
		b.do(t, "choose kii", chromedp.SetValue(chromedp.ID("journal-provider"), "kii"))
		waitUntil(t, b, "wait for kii's requests only", `(() => {
		  const rows = Array.from(document.querySelectorAll('#journal tr.entry'));
		  return rows.length > 0 && rows.every(r => r.querySelectorAll('td')[2].textContent === 'kii');
		})()`)
		press(t, b, "press Clear the journal", "#journal-clear")
		waitUntil(t, b, "wait for the empty journal", `document.querySelector('#journal tbody tr.empty') !== null`)
		assert.Empty(t, srv.Journal())
		b.do(t, "choose all", chromedp.SetValue(chromedp.ID("journal-provider"), ""))
	})

	b.run(t, "should reset every provider when the reset button is pressed", func(t *testing.T) {
		press(t, b, "press the reset button", "#reset")
		waitStat(t, b, "iijmio", "tokens", "1")
		assert.Equal(t, "every provider reset to the fixtures", text(t, b, "reset-msg"))
		waitUntil(t, b, "wait for the fixture's password", `document.getElementById('accounts').textContent.includes('taro-pass-01')`)
		assert.Equal(t, http.StatusForbidden, app.coupon(minted), "the token made before the reset is gone")
		assert.Equal(t, http.StatusOK, app.coupon(iijReadyToken), "the fixture's token is back")
	})
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestDashboardAdminToken opens the dashboard of an emulator started with
// -admin-token as the README says, with ?token= once: the cookie that sets
// carries the token on the script's reads and writes and on later visits.
func TestDashboardAdminToken(t *testing.T) {
	const token = "dashboard-s3cret"
	srv := emulatortest.Start(t, emulatortest.WithAdminToken(token))
	b := newTab(t)
	app := dashboardClient{t, srv}

	b.run(t, "should refuse the page without the token", func(t *testing.T) {
		assert.EqualValues(t, http.StatusUnauthorized, b.navigate(t, "open the dashboard without the token", srv.URL+"/_fakeapi/"))
	})

	b.run(t, "should work after opening it with ?token=", func(t *testing.T) {
		require.EqualValues(t, http.StatusOK, b.navigate(t, "open the dashboard with ?token=", srv.URL+"/_fakeapi/?token="+token))
		waitLive(t, b)

		require.Equal(t, http.StatusOK, app.coupon(iijReadyToken))
		seq := lastSeq(t, srv, "iijmio")
		waitUntil(t, b, "wait for the request at the top", fmt.Sprintf(
			`(document.querySelector('#journal tbody tr.entry') || {dataset: {}}).dataset.seq === "%d"`, seq))

		before := srv.Now()
		press(t, b, "press +1 day", `button.clock-quick[data-advance="24h"]`)
		waitUntil(t, b, "wait for the move", `document.getElementById('clock-msg').textContent.startsWith('advanced by 24h')`)
		assert.WithinDuration(t, before.Add(24*time.Hour), srv.Now(), 10*time.Second)

		b.do(t, "choose kii", chromedp.SetValue(chromedp.ID("fault-provider"), "kii"))
		typeIn(t, b, "type a path", "fault-path", "*/oauth2/token")
		typeIn(t, b, "type 500", "fault-status", "500")
		press(t, b, "press Add rule", "#fault-add")
		waitUntil(t, b, "wait for the rule", `document.querySelectorAll('#faults tr.fault').length === 1`)
		press(t, b, "press delete on the rule", "#faults tr.fault button.fault-delete")
		waitUntil(t, b, "wait for the empty list", `document.querySelectorAll('#faults tr.fault').length === 0`)

		press(t, b, "press Reset iijmio", "#reset-iijmio")
		waitUntil(t, b, "wait for the reset", `document.getElementById('reset-msg').textContent === 'iijmio reset to the fixtures'`)
		assert.False(t, get(t, b, "look for errors", chromedp.Evaluate[bool](`document.getElementById('live').classList.contains('error')`)))
	})

	b.run(t, "should open again without the token in the address", func(t *testing.T) {
		require.EqualValues(t, http.StatusOK, b.navigate(t, "open the dashboard", srv.URL+"/_fakeapi/"))
		waitLive(t, b)
	})
}

// TestDashboardWithoutJavaScript reads the dashboard with scripts off: the
// first view is the server's, its controls that need the script are hidden,
// and the reset buttons still work as plain forms.
func TestDashboardWithoutJavaScript(t *testing.T) {
	srv := emulatortest.Start(t)
	b := newTab(t)
	app := dashboardClient{t, srv}
	app.kiiLogin()

	_, err := chromedp.Call(b.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
	require.NoError(t, err)
	require.EqualValues(t, http.StatusOK, b.navigate(t, "open the dashboard", srv.URL+"/_fakeapi/"))

	rows := readJournal(t, b)
	require.NotEmpty(t, rows)
	assert.Equal(t, "/kii/api/oauth2/token", rows[0].Path)
	assert.Equal(t, "1", statCount(t, b, "kii", "tokens"))
	hidden := get(t, b, "look at the script-only controls", chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll('.js-only')).filter(n => n.offsetParent !== null).map(n => n.id || n.className)`))
	assert.Empty(t, hidden, "controls that need the script are hidden")

	require.EqualValues(t, http.StatusOK, b.click(t, "press Reset kii", "reset-kii"))
	assert.Equal(t, srv.URL+"/_fakeapi/", location(t, b), "back on the dashboard")
	assert.Equal(t, "0", statCount(t, b, "kii", "tokens"))
}

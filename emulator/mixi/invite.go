package mixi

import (
	"embed"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/httpx"
	"github.com/fakeapi/fakeapi/internal/ids"
	"github.com/fakeapi/fakeapi/internal/websession"
)

//go:embed templates/*.html
var templateFS embed.FS

// pages are parsed once; they are immutable after init.
var pages = template.Must(template.ParseFS(templateFS, "templates/*.html"))

// Texts and limits of the invite pages (docs/providers/mixi.md, "invite:friends").
const (
	defaultDescription = "リクエストを送る友人を選択してください"
	inviteDescription  = "アプリに招待する友人を選択してください"
	maxRecipients      = 15
	maxMessageRunes    = 500
	textNoneSelected   = "友人を1人以上選択してください"
	textTooMany        = "選択できるのは15人までです"
	textNotListed      = "選択できない友人が含まれています"
	textBadSetup       = "リクエストを開始できません。opensocial_app_id、opensocial_owner_id と callback（アプリに登録されたホストの http(s) URL）を確認してください。"
	textExpired        = "画面の有効期限が切れたか、不正な操作です。アプリからやり直してください。"
	textServerError    = "mixi側でエラーが発生しました。"
	textTooLarge       = "送信されたデータが大きすぎます。"
	textNotFound       = "ページが見つかりません。"
	textMethod         = "この操作は受け付けられません。"
)

// The invite pages and their session cookie.
const (
	sessionCookie = "fakeapi_mixi"
	selectPath    = "/invite/friends/select"
	confirmPath   = "/invite/friends/confirm"
)

// inviteTxn is the validated request, kept server side between the pages:
// the forms carry only its id and the CSRF token, so the callback is never
// taken from a later post (docs/providers/mixi.md, "invite:friends").
type inviteTxn struct {
	// Invite is mixi's 招待 (invitation): the form carried no message. The
	// flow is otherwise the Request API's (docs/providers/mixi.md,
	// "invite:friends").
	Invite              bool
	App, AppName, Owner string
	Callback            *url.URL
	Message, Image      string
	URL, MobileURL      string
	Description         string
	Candidates          []candidate // listed, recipients first
	Preselected         []string
	Selected            []string
}

type friendRow struct {
	candidate
	Checked bool
}

type selectPage struct {
	Invite                      bool
	AppName, Description, Error string
	Limit                       int
	Friends                     []friendRow
	Action, CSRF, Txn           string
}

type confirmPage struct {
	Invite            bool
	AppName, Message  string
	Recipients        []candidate
	Action, CSRF, Txn string
}

type errorPage struct {
	Status  int
	Message string
}

type inviteDeps struct {
	log      *slog.Logger
	st       Store
	clk      clock.Clock
	ids      ids.Source
	sessions *websession.Manager[inviteTxn]
}

// handleInviteStart handles "GET|POST /invite:friends" and "/invite/friends":
// the app's link or form post that opens the friend selection, for the app
// and owner its opensocial_* parameters name, or for the default viewer
// when it names neither (docs/providers/mixi.md, "The default viewer").
func handleInviteStart(d inviteDeps) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			if httpx.IsTooLarge(err) {
				writeInviteErrorPage(w, http.StatusRequestEntityTooLarge)
				return
			}
			renderError(d.log, w, http.StatusBadRequest, textBadSetup)
			return
		}
		app, owner := inviteIdentity(d.st, r.Form)
		d.startInvite(w, r, app, owner)
	}
}

// inviteIdentity is the app and owner an invite:friends request acts for:
// the opensocial_app_id and opensocial_owner_id it carries, or the default
// viewer when it carries neither.
func inviteIdentity(st Store, f url.Values) (app, owner string) {
	app, owner = f.Get("opensocial_app_id"), f.Get("opensocial_owner_id")
	if _, hasApp := f["opensocial_app_id"]; !hasApp {
		if _, hasOwner := f["opensocial_owner_id"]; !hasOwner {
			return st.DefaultViewer()
		}
	}
	return app, owner
}

// startInvite opens the friend selection for app and owner, who must be a
// user of the app; r.Form is parsed and holds callback and the hidden
// fields. (The mobile gateway builds the same transaction with buildInvite,
// under its own callback rule.)
func (d inviteDeps) startInvite(w http.ResponseWriter, r *http.Request, appID, owner string) {
	app, cands, err := d.st.InviteContext(appID, owner)
	if err != nil {
		renderError(d.log, w, http.StatusBadRequest, textBadSetup)
		return
	}
	cb, ok := validCallback(r.Form.Get("callback"), app.CallbackHosts)
	if !ok {
		// Never redirect to an unvalidated callback: that would be an
		// open redirect.
		renderError(d.log, w, http.StatusBadRequest, textBadSetup)
		return
	}
	txn, ok := buildInvite(r.Form, cands)
	if !ok {
		redirectResult(w, cb, "400") // パラメータ指定エラー [doc]
		return
	}
	txn.App, txn.AppName, txn.Owner, txn.Callback = app.ID, app.Name, strings.TrimPrefix(owner, guidPrefix), cb
	sess := d.sessions.Get(w, r)
	id := d.sessions.PutTxn(sess.ID, txn)
	renderSelect(d.log, w, r, txn, sess.CSRF, id, "")
}

// validCallback accepts an absolute http(s) URL on one of the app's
// callback hosts, without user info. The query parser already decoded the
// escaped value once (docs/providers/mixi.md, "invite:friends").
func validCallback(raw string, hosts []string) (*url.URL, bool) {
	if raw == "" || len(raw) > 2048 {
		return nil, false
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.Opaque != "" {
		return nil, false
	}
	if !slices.Contains(hosts, strings.ToLower(u.Hostname())) {
		return nil, false
	}
	return u, true
}

// buildInvite validates the hidden fields of the Request API's form and
// lists the friends to show. Any invalid one is the 400 of its error table
// (docs/providers/mixi.md, "invite:friends"). A form without a message is
// an invitation (招待): it lists only friends without the app, and the
// fields that belong to a request's message (image, url, mobile_url,
// filter_type) make it the 400 of a request whose message is missing.
func buildInvite(f url.Values, cands []candidate) (inviteTxn, bool) {
	t := inviteTxn{Message: f.Get("message"), Image: f.Get("image"), URL: f.Get("url"),
		MobileURL: f.Get("mobile_url"), Description: f.Get("description")}
	_, hasMessage := f["message"]
	t.Invite = !hasMessage
	switch {
	case t.Invite:
		if t.Image != "" || t.URL != "" || t.MobileURL != "" || f.Get("filter_type") != "" {
			return t, false
		}
	case t.Message == "" || !utf8.ValidString(t.Message) || utf8.RuneCountInString(t.Message) > maxMessageRunes:
		return t, false
	}
	if t.Image != "" && !validImage(t.Image) {
		return t, false
	}
	for _, u := range []string{t.URL, t.MobileURL} {
		if u != "" && !validHTTPURL(u) {
			return t, false
		}
	}
	filter := f.Get("filter_type")
	switch filter {
	case "", "both", "joined", "not_joined": // default both [chosen]
	default:
		return t, false
	}
	recipients, ok1 := idList(f.Get("recipients"))
	targets, ok2 := idList(f.Get("target_users"))
	excludes, ok3 := idList(f.Get("exclude_users"))
	if !ok1 || !ok2 || !ok3 || len(recipients) > maxRecipients {
		return t, false
	}
	isFriend := map[string]candidate{}
	for _, c := range cands {
		isFriend[c.ID] = c
	}
	for _, id := range recipients {
		if _, ok := isFriend[id]; !ok { // recipients must be friends
			return t, false
		}
	}
	shown := func(c candidate) bool {
		switch {
		case filter == "joined" && !c.HasApp, filter == "not_joined" && c.HasApp, t.Invite && c.HasApp:
			return false
		case len(targets) > 0 && !slices.Contains(targets, c.ID):
			return false
		}
		return !slices.Contains(excludes, c.ID)
	}
	// recipients first, pre-checked, in the order given [doc]; then the
	// rest by id.
	for _, id := range recipients {
		if c := isFriend[id]; shown(c) && !slices.Contains(t.Preselected, id) {
			t.Candidates = append(t.Candidates, c)
			t.Preselected = append(t.Preselected, id)
		}
	}
	for _, c := range cands {
		if shown(c) && !slices.Contains(t.Preselected, c.ID) {
			t.Candidates = append(t.Candidates, c)
		}
	}
	if t.Description == "" {
		t.Description = defaultDescription
		if t.Invite {
			t.Description = inviteDescription
		}
	}
	return t, true
}

// idList splits a comma list of user ids, bare or mixi.jp:-prefixed.
func idList(s string) ([]string, bool) {
	if s == "" {
		return nil, true
	}
	var out []string
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimPrefix(strings.TrimSpace(p), guidPrefix)
		if _, ok := parseID(p); !ok {
			return nil, false
		}
		out = append(out, p)
	}
	return out, true
}

func validHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && len(s) <= 2048
}

// validImage checks "<url>,<mime type>" [doc: 末尾にMIME typeをカンマ区切りで指定].
func validImage(s string) bool {
	i := strings.LastIndexByte(s, ',')
	if i < 0 {
		return false
	}
	mt := s[i+1:]
	sub, ok := strings.CutPrefix(mt, "image/")
	if !ok || sub == "" {
		return false
	}
	for _, c := range sub {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '+' || c == '-') {
			return false
		}
	}
	return validHTTPURL(s[:i])
}

// handleInviteSelect handles "POST /invite/friends/select": the selection
// form, a plain POST a test can send without a browser.
func handleInviteSelect(d inviteDeps) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess, txnID, txn, ok := d.checkForm(w, r)
		if !ok {
			return
		}
		if r.PostForm.Get("action") == "cancel" {
			// アプリに戻る: error=403 [doc].
			if _, ok := d.sessions.TakeTxn(sess.ID, txnID); ok {
				redirectResult(w, txn.Callback, "403")
				return
			}
			renderError(d.log, w, http.StatusForbidden, textExpired)
			return
		}
		picked := r.PostForm["recipient"]
		var errText string
		switch {
		case len(picked) == 0:
			errText = textNoneSelected
		case len(picked) > maxRecipients:
			errText = textTooMany
		}
		var chosen []candidate
		for _, id := range picked {
			i := slices.IndexFunc(txn.Candidates, func(c candidate) bool { return c.ID == id })
			if i < 0 {
				errText = textNotListed
				break
			}
			if !slices.ContainsFunc(chosen, func(c candidate) bool { return c.ID == id }) {
				chosen = append(chosen, txn.Candidates[i])
			}
		}
		if errText != "" {
			txn.Preselected = picked
			renderSelect(d.log, w, r, txn, sess.CSRF, txnID, errText)
			return
		}
		if _, ok := d.sessions.TakeTxn(sess.ID, txnID); !ok {
			renderError(d.log, w, http.StatusForbidden, textExpired)
			return
		}
		for _, c := range chosen {
			txn.Selected = append(txn.Selected, c.ID)
		}
		next := d.sessions.PutTxn(sess.ID, txn)
		err := httpx.RenderHTML(w, http.StatusOK, pages, "confirm.html", confirmPage{
			Invite: txn.Invite, AppName: txn.AppName, Message: txn.Message, Recipients: chosen,
			Action: httpx.Base(r) + confirmPath, CSRF: sess.CSRF, Txn: next,
		})
		if err != nil {
			d.log.Error("mixi: render confirm page", "err", err)
			writeInviteErrorPage(w, http.StatusInternalServerError)
		}
	}
}

// handleInviteConfirm handles "POST /invite/friends/confirm": はい stores
// the request and redirects with request_member and request_id, or for an
// invitation stores it and redirects with invite_member; いいえ redirects
// with error=403 (docs/providers/mixi.md, "invite:friends").
func handleInviteConfirm(d inviteDeps) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess, txnID, _, ok := d.checkForm(w, r)
		if !ok {
			return
		}
		txn, ok := d.sessions.TakeTxn(sess.ID, txnID)
		if !ok || len(txn.Selected) == 0 {
			renderError(d.log, w, http.StatusForbidden, textExpired)
			return
		}
		if r.PostForm.Get("answer") != "yes" {
			redirectResult(w, txn.Callback, "403")
			return
		}
		created := d.clk.Now().UTC().Format(timeLayout)
		if txn.Invite {
			d.st.AddInvitation(Invitation{App: txn.App, Sender: txn.Owner, Recipients: txn.Selected, Created: created})
			redirectWith(w, txn.Callback, "invite_member="+strings.Join(txn.Selected, ","))
			return
		}
		req := Request{
			ID: d.ids.Hex(12), App: txn.App, Sender: txn.Owner, Recipients: txn.Selected,
			Message: txn.Message, Image: txn.Image, URL: txn.URL, MobileURL: txn.MobileURL,
			Created: created,
		}
		d.st.AddRequest(req)
		// request_member is a raw comma list, as mixi's example shows.
		redirectWith(w, txn.Callback, "request_member="+strings.Join(req.Recipients, ",")+"&request_id="+req.ID)
	}
}

// checkForm reads a page post: its session, CSRF token and transaction.
// Any failure is a 403 page and no redirect (docs/providers/mixi.md, "invite:friends").
func (d inviteDeps) checkForm(w http.ResponseWriter, r *http.Request) (websession.Session, string, inviteTxn, bool) {
	if err := r.ParseForm(); err != nil {
		if httpx.IsTooLarge(err) {
			writeInviteErrorPage(w, http.StatusRequestEntityTooLarge)
		} else {
			renderError(d.log, w, http.StatusBadRequest, textExpired)
		}
		return websession.Session{}, "", inviteTxn{}, false
	}
	sess, ok := d.sessions.Lookup(r)
	if !ok || !d.sessions.CheckCSRF(sess, r.PostForm.Get("csrf_token")) {
		renderError(d.log, w, http.StatusForbidden, textExpired)
		return sess, "", inviteTxn{}, false
	}
	id := r.PostForm.Get("txn")
	txn, ok := d.sessions.Txn(sess.ID, id)
	if !ok {
		renderError(d.log, w, http.StatusForbidden, textExpired)
		return sess, "", inviteTxn{}, false
	}
	return sess, id, txn, true
}

func renderSelect(log *slog.Logger, w http.ResponseWriter, r *http.Request, txn inviteTxn, csrf, txnID, errText string) {
	rows := make([]friendRow, len(txn.Candidates))
	for i, c := range txn.Candidates {
		rows[i] = friendRow{candidate: c, Checked: slices.Contains(txn.Preselected, c.ID)}
	}
	err := httpx.RenderHTML(w, http.StatusOK, pages, "select.html", selectPage{
		Invite: txn.Invite, AppName: txn.AppName, Description: txn.Description, Error: errText, Limit: maxRecipients,
		Friends: rows, Action: httpx.Base(r) + selectPath, CSRF: csrf, Txn: txnID,
	})
	if err != nil {
		log.Error("mixi: render selection page", "err", err)
		writeInviteErrorPage(w, http.StatusInternalServerError)
	}
}

func renderError(log *slog.Logger, w http.ResponseWriter, status int, msg string) {
	if err := httpx.RenderHTML(w, status, pages, "error.html", errorPage{Status: status, Message: msg}); err != nil {
		log.Error("mixi: render error page", "err", err)
		httpx.WriteBytes(w, http.StatusInternalServerError, "text/plain; charset=utf-8", []byte(errorBody(http.StatusInternalServerError)))
	}
}

// writeInviteErrorPage is the bare-status page of the invite flow (404,
// 405, 413, injected faults, panics).
func writeInviteErrorPage(w http.ResponseWriter, status int) {
	msg := textServerError
	switch status {
	case http.StatusNotFound:
		msg = textNotFound
	case http.StatusMethodNotAllowed:
		msg = textMethod
	case http.StatusRequestEntityTooLarge:
		msg = textTooLarge
	case http.StatusForbidden, http.StatusBadRequest:
		msg = textExpired
	}
	renderError(slog.New(slog.DiscardHandler), w, status, msg)
}

// writeFault answers an injected 5xx fault (or a recovered panic) on the
// invite flow as mixi did: back to the app with result=false&error=500
// [doc: エラーコード 500]. It reports false when no validated
// callback is known, and the caller writes the error page instead.
func (d inviteDeps) writeFault(w http.ResponseWriter, r *http.Request, status int) bool {
	if status < 500 || !isInvitePath(r.URL.Path) {
		return false
	}
	_ = r.ParseForm() // the handler has not read the body; a failure leaves only the query
	var cb *url.URL
	switch r.URL.Path {
	case selectPath, confirmPath:
		if sess, ok := d.sessions.Lookup(r); ok {
			if txn, ok := d.sessions.Txn(sess.ID, r.Form.Get("txn")); ok {
				cb = txn.Callback
			}
		}
	default:
		if app, _, err := d.st.InviteContext(inviteIdentity(d.st, r.Form)); err == nil {
			cb, _ = validCallback(r.Form.Get("callback"), app.CallbackHosts)
		}
	}
	if cb == nil {
		return false
	}
	redirectResult(w, cb, "500")
	return true
}

// redirectResult sends the user back with result=false&error=<code>
// [doc: エラーコード].
func redirectResult(w http.ResponseWriter, cb *url.URL, code string) {
	redirectWith(w, cb, "result=false&error="+code)
}

// redirectWith appends query to the callback's own query (with "&" when it
// has one [chosen]) and answers 302.
func redirectWith(w http.ResponseWriter, cb *url.URL, query string) {
	u := *cb
	if u.RawQuery != "" {
		u.RawQuery += "&" + query
	} else {
		u.RawQuery = query
	}
	w.Header().Set("Location", u.String())
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusFound)
}

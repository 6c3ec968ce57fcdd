package mixi

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/fakeapi/fakeapi/internal/httpx"
)

// The gateway's own pages: the mixi login a browser remembers, the page
// that adds an app for its user, and the entry to invite:friends
// (docs/providers/mixi.md, "Who the gateway acts for").
const (
	textInstallDeclined = "アプリは追加されませんでした。"
	textNoSuchMember    = "そのIDのユーザーはいません。"
	textInstallFailed   = "アプリを追加できませんでした。"
	// maxLoginMembers is how many users the login page offers to pick.
	maxLoginMembers = 30
)

// viewer is who the gateway acts for: the user logged in to this browser's
// session, else the default viewer (the one setting scripts use).
func (g *gateway) viewer(r *http.Request) string {
	if s, ok := g.sessions.Lookup(r); ok && s.User != "" {
		return s.User
	}
	_, v := g.st.DefaultViewer()
	return v
}

// viewerFor is the viewer of app, who must have added it. Without one it
// answers the login prompt; to a user without the app it offers to add it,
// as mixi asked a member who opened an app they had not added.
func (g *gateway) viewerFor(w http.ResponseWriter, r *http.Request, app App) (string, bool) {
	user := g.viewer(r)
	if user == "" {
		g.loginPrompt(w, r, http.StatusForbidden, textNoViewer)
		return "", false
	}
	err := g.st.CheckViewer(app.ID, user)
	var ae *apiError
	switch {
	case err == nil:
		return strings.TrimPrefix(user, guidPrefix), true
	case errors.As(err, &ae) && ae.status == http.StatusForbidden:
		g.renderInstall(w, r, app, user)
	default: // the user is gone (a state import)
		g.loginPrompt(w, r, http.StatusForbidden, textNoViewer)
	}
	return "", false
}

type loginPage struct {
	Error, User        string
	Current            *candidate
	Default            string
	Members            []candidate
	Apps               []appLink
	Action, LogoutPath string
	CSRF, Next         string
}

type appLink struct{ ID, Name, URL string }

type installPage struct {
	AppName, User, Nickname string
	Action, Login           string
	CSRF, App, Next         string
}

// gatewayBase is the browser's path of the gateway's root: /mixi/ma, or ""
// under Host ma.mixi.net.
func gatewayBase(r *http.Request) string { return httpx.Base(r) + gatewayRoot(r) }

// loginPrompt is the login page with a message, for a request the gateway
// cannot serve without a user.
func (g *gateway) loginPrompt(w http.ResponseWriter, r *http.Request, status int, msg string) {
	next := ""
	if r.Method == http.MethodGet {
		next = httpx.Base(r) + r.URL.RequestURI()
	}
	g.renderLogin(w, r, status, msg, "", next)
}

func (g *gateway) renderLogin(w http.ResponseWriter, r *http.Request, status int, msg, user, next string) {
	sess := g.sessions.Get(w, r)
	pg := loginPage{Error: msg, User: user, Members: g.st.Members(maxLoginMembers),
		Action: gatewayBase(r) + "/login", LogoutPath: gatewayBase(r) + "/logout", CSRF: sess.CSRF, Next: next}
	if sess.User != "" {
		if c, ok := g.st.Member(sess.User); ok {
			pg.Current = &c
		}
	}
	if app, v := g.st.DefaultViewer(); v != "" {
		pg.Default = v + " (app " + app + ")"
	}
	for _, a := range g.st.Apps() {
		pg.Apps = append(pg.Apps, appLink{ID: a.ID, Name: a.Name, URL: mountOf(r)(a.ID) + "/"})
	}
	if err := httpx.RenderHTML(w, status, pages, "gateway_login.html", pg); err != nil {
		g.log.Error("mixi: render gateway login page", "err", err)
		writeInviteErrorPage(w, http.StatusInternalServerError)
	}
}

// handleLoginPage handles "GET /ma/login[?next=]": who this browser is on
// mixi, and the apps to open.
func (g *gateway) handleLoginPage() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		g.renderLogin(w, r, http.StatusOK, "", "", r.URL.Query().Get("next"))
	}
}

// handleLogin handles "POST /ma/login": the browser acts as the user
// whose id was given (fixture users have no password), until logout.
func (g *gateway) handleLogin() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sid, ok := g.checkPost(w, r)
		if !ok {
			return
		}
		user := strings.TrimSpace(r.PostForm.Get("user"))
		next := r.PostForm.Get("next")
		m, ok := g.st.Member(user)
		if !ok {
			g.renderLogin(w, r, http.StatusOK, textNoSuchMember, user, next)
			return
		}
		g.sessions.SetUser(sid, m.ID)
		if !localNext(next, gatewayBase(r)+"/") {
			next = gatewayBase(r) + "/login"
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
	}
}

// localNext reports whether next, a path taken from a form, may be
// redirected to: under prefix, and never a network-path reference ("//…",
// or "/\…", which browsers read alike), so no login opens a redirect to
// another site.
func localNext(next, prefix string) bool {
	return strings.HasPrefix(next, prefix) && !strings.HasPrefix(next, "//") && !strings.ContainsAny(next, "\\\r\n")
}

// handleLogout handles "POST /ma/logout": back to the default viewer.
func (g *gateway) handleLogout() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sid, ok := g.checkPost(w, r)
		if !ok {
			return
		}
		g.sessions.Logout(sid)
		http.Redirect(w, r, gatewayBase(r)+"/login", http.StatusSeeOther)
	}
}

// checkPost reads a form post of the gateway's pages: its session and CSRF
// token. A failure is the 403 page.
func (g *gateway) checkPost(w http.ResponseWriter, r *http.Request) (string, bool) {
	if err := r.ParseForm(); err != nil {
		if httpx.IsTooLarge(err) {
			writeInviteErrorPage(w, http.StatusRequestEntityTooLarge)
		} else {
			g.page(w, http.StatusBadRequest, textExpired)
		}
		return "", false
	}
	s, found := g.sessions.Lookup(r)
	if !found || !g.sessions.CheckCSRF(s, r.PostForm.Get("csrf_token")) {
		g.page(w, http.StatusForbidden, textExpired)
		return "", false
	}
	return s.ID, true
}

// renderInstall offers user to add app. After a GET the gateway comes back
// to the same page; after a POST, to the app's top page.
func (g *gateway) renderInstall(w http.ResponseWriter, r *http.Request, app App, user string) {
	sess := g.sessions.Get(w, r)
	next := mountOf(r)(app.ID) + "/"
	if r.Method == http.MethodGet {
		next = httpx.Base(r) + r.URL.RequestURI()
	}
	pg := installPage{AppName: app.Name, User: strings.TrimPrefix(user, guidPrefix), Action: gatewayBase(r) + "/install",
		Login: gatewayBase(r) + "/login?next=" + url.QueryEscape(next), CSRF: sess.CSRF, App: app.ID, Next: next}
	if m, ok := g.st.Member(user); ok {
		pg.Nickname = m.Nickname
	}
	if err := httpx.RenderHTML(w, http.StatusOK, pages, "gateway_install.html", pg); err != nil {
		g.log.Error("mixi: render gateway install page", "err", err)
		writeInviteErrorPage(w, http.StatusInternalServerError)
	}
}

// handleInstall handles "POST /ma/install": 追加する adds the app for the
// viewer and sends event.addapp to the app's lifecycle URL, as mixi did
// when a member added an app (docs/providers/mixi.md, "Lifecycle events").
func (g *gateway) handleInstall() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, ok := g.checkPost(w, r); !ok {
			return
		}
		app, err := g.st.GatewayApp(r.PostForm.Get("app"))
		if err != nil {
			g.page(w, http.StatusNotFound, textUnknownApp)
			return
		}
		user := g.viewer(r)
		if user == "" {
			g.loginPrompt(w, r, http.StatusForbidden, textNoViewer)
			return
		}
		if r.PostForm.Get("answer") != "yes" {
			g.page(w, http.StatusForbidden, textInstallDeclined)
			return
		}
		if _, err := g.lifecycle(r.Context(), requestID(w), app.ID, user, eventAdd); err != nil {
			g.page(w, http.StatusNotFound, textInstallFailed)
			return
		}
		next := r.PostForm.Get("next")
		if !localNext(next, mountOf(r)(app.ID)+"/") {
			next = mountOf(r)(app.ID) + "/"
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
	}
}

// invite opens invite:friends for the viewer, from a form or link of the
// app's page (seed 003's <form action="invite:friends?callback=…&guid=ON">,
// rewritten to this path). The callback, an address on the app's server,
// becomes the gateway path that fetches it, so the flow ends in a signed
// request to the app (docs/providers/mixi.md, "invite:friends through the
// gateway").
func (g *gateway) invite(w http.ResponseWriter, r *http.Request, app App, viewer string, rw *rewriter) {
	if err := r.ParseForm(); err != nil {
		if httpx.IsTooLarge(err) {
			writeInviteErrorPage(w, http.StatusRequestEntityTooLarge)
			return
		}
		g.page(w, http.StatusBadRequest, textBadSetup)
		return
	}
	cb, ok := inviteCallback(r, rw, r.Form.Get("callback"))
	if !ok {
		// Never redirect to an unvalidated callback (an open redirect).
		g.page(w, http.StatusBadRequest, textBadSetup)
		return
	}
	fix, cands, err := g.st.InviteContext(app.ID, viewer)
	if err != nil {
		g.page(w, http.StatusBadRequest, textBadSetup)
		return
	}
	txn, ok := buildInvite(r.Form, cands)
	if !ok {
		redirectResult(w, cb, "400") // パラメータ指定エラー [doc]
		return
	}
	txn.App, txn.AppName, txn.Owner, txn.Callback = fix.ID, fix.Name, viewer, cb
	sess := g.sessions.Get(w, r)
	id := g.sessions.PutTxn(sess.ID, txn)
	renderSelect(g.log, w, r, txn, sess.CSRF, id, "")
}

// inviteCallback is the absolute gateway URL of an invite:friends
// callback: an address on the app's server (relative ones resolve against
// the SAP URL), on http://ma.mixi.net/{appId}/, or already this gateway's
// path of the app. Anything else is refused.
func inviteCallback(r *http.Request, rw *rewriter, raw string) (*url.URL, bool) {
	if raw == "" || len(raw) > 2048 {
		return nil, false
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, false
	}
	abs := rw.sap.ResolveReference(u)
	if abs.Scheme != "http" && abs.Scheme != "https" {
		return nil, false
	}
	here := httpx.Scheme(r) + "://" + r.Host
	if strings.EqualFold(abs.Host, r.Host) && strings.HasPrefix(abs.EscapedPath(), rw.mount+"/") && abs.User == nil {
		return abs, true
	}
	p, ok := rw.local(abs)
	if !ok || !strings.HasPrefix(p, rw.mount+"/") {
		return nil, false
	}
	out, err := url.Parse(here + p)
	return out, err == nil
}

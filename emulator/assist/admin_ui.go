package assist

import (
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/httpx"
	"github.com/fakeapi/fakeapi/internal/ids"
	"github.com/fakeapi/fakeapi/internal/oauth2x"
	"github.com/fakeapi/fakeapi/internal/websession"
)

// adminMount is where the emulator mounts Instance.Admin; used for links
// when the original request URI does not tell.
const adminMount = "/_fakeapi/assist"

// adminUI is the small HTML version of the admin API, for doing by hand what
// the 外部アプリ連携 and 許可済みアプリケーション一覧 screens do. Forms carry
// a CSRF token of their own session.
type adminUI struct {
	log    *slog.Logger
	st     Store
	tokens *oauth2x.TokenStore
	clk    clock.Clock
	src    ids.Source
	tpl    *template.Template
	sess   *websession.Manager[struct{}]
}

type appsPage struct {
	Base, CSRF, Error string
	Shops             []Shop
	Apps              []appView
	Form              appForm
}

type appPage struct {
	Base, CSRF, Error, Notice string
	App                       appView
	Form                      appForm
}

type grantsPage struct {
	Base, CSRF string
	Grants     []grantView
}

// appForm is what the registration form submits.
type appForm struct {
	Shop, Name, RedirectURL, IPs string
}

func (f appForm) input() AppInput {
	var ips []string
	for _, l := range strings.FieldsFunc(f.IPs, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' }) {
		if l = strings.TrimSpace(l); l != "" {
			ips = append(ips, l)
		}
	}
	if ips == nil {
		ips = []string{}
	}
	return AppInput{Name: &f.Name, RedirectURL: &f.RedirectURL, IPAllowList: &ips}
}

// adminBase is the URL prefix of the admin routes, taken from the request
// URI (the emulator strips it before calling Admin).
func adminBase(r *http.Request) string {
	p := r.URL.Path
	if u, err := url.ParseRequestURI(r.RequestURI); err == nil && strings.HasSuffix(u.Path, p) && u.Path != p {
		return strings.TrimSuffix(u.Path, p)
	}
	return adminMount
}

func (ui *adminUI) render(w http.ResponseWriter, status int, name string, v any) {
	if err := httpx.RenderHTML(w, status, ui.tpl, name, v); err != nil {
		ui.log.Error("assist: render admin page", "page", name, "err", err)
		httpx.AdminError(w, http.StatusInternalServerError, "internal error")
	}
}

// form reads a posted form after checking its CSRF token; false when it
// answered already.
func (ui *adminUI) form(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	body, err := httpx.ReadBody(r)
	if err != nil {
		adminFail(w, err)
		return nil, false
	}
	f, err := url.ParseQuery(string(body))
	if err != nil {
		httpx.AdminError(w, http.StatusBadRequest, "malformed form")
		return nil, false
	}
	s, ok := ui.sess.Lookup(r)
	if !ok || !ui.sess.CheckCSRF(s, f.Get("csrf_token")) {
		httpx.AdminError(w, http.StatusForbidden, "missing or wrong CSRF token; reload the page")
		return nil, false
	}
	return f, true
}

func (ui *adminUI) seeOther(w http.ResponseWriter, loc string) {
	w.Header().Set("Location", loc)
	w.WriteHeader(http.StatusSeeOther)
}

// redirectHome handles "GET /_fakeapi/assist/ui".
func (ui *adminUI) redirectHome(w http.ResponseWriter, r *http.Request) {
	ui.seeOther(w, adminBase(r)+"/ui/apps")
}

func (ui *adminUI) appViews() []appView {
	out := []appView{}
	for _, a := range ui.st.Apps("") {
		out = append(out, viewApp(ui.st, ui.tokens, a))
	}
	return out
}

// apps handles "GET /_fakeapi/assist/ui/apps".
func (ui *adminUI) apps(w http.ResponseWriter, r *http.Request) {
	s := ui.sess.Get(w, r)
	ui.render(w, http.StatusOK, "admin_apps.html", appsPage{Base: adminBase(r), CSRF: s.CSRF, Shops: ui.st.Shops(), Apps: ui.appViews()})
}

// createApp handles "POST /_fakeapi/assist/ui/apps".
func (ui *adminUI) createApp(w http.ResponseWriter, r *http.Request) {
	f, ok := ui.form(w, r)
	if !ok {
		return
	}
	form := appForm{Shop: f.Get("shop"), Name: f.Get("name"), RedirectURL: f.Get("redirect_url"), IPs: f.Get("ip_allow_list")}
	a, err := registerApp(ui.st, ui.clk, ui.src, form.Shop, form.input())
	if err != nil {
		var fe *fieldError
		if !errors.As(err, &fe) {
			adminFail(w, err)
			return
		}
		s := ui.sess.Get(w, r)
		ui.render(w, http.StatusBadRequest, "admin_apps.html", appsPage{Base: adminBase(r), CSRF: s.CSRF, Error: fe.Error(),
			Shops: ui.st.Shops(), Apps: ui.appViews(), Form: form})
		return
	}
	ui.seeOther(w, adminBase(r)+"/ui/apps/"+url.PathEscape(a.ClientID))
}

// app handles "GET /_fakeapi/assist/ui/apps/{clientId}".
func (ui *adminUI) app(w http.ResponseWriter, r *http.Request) {
	a, ok := ui.st.App(chi.URLParam(r, "clientId"))
	if !ok {
		adminFail(w, errNotFound)
		return
	}
	s := ui.sess.Get(w, r)
	v := viewApp(ui.st, ui.tokens, a)
	notice := ""
	if r.URL.Query().Get("saved") == "1" {
		notice = "保存しました。"
	}
	ui.render(w, http.StatusOK, "admin_app.html", appPage{Base: adminBase(r), CSRF: s.CSRF, Notice: notice, App: v,
		Form: appForm{Name: a.Name, RedirectURL: a.RedirectURL, IPs: strings.Join(a.IPAllowList, "\n")}})
}

// updateApp handles "POST /_fakeapi/assist/ui/apps/{clientId}".
func (ui *adminUI) updateApp(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "clientId")
	f, ok := ui.form(w, r)
	if !ok {
		return
	}
	form := appForm{Name: f.Get("name"), RedirectURL: f.Get("redirect_url"), IPs: f.Get("ip_allow_list")}
	a, err := ui.st.UpdateApp(id, form.input(), ui.clk.Now())
	var fe *fieldError
	switch {
	case errors.As(err, &fe):
		cur, _ := ui.st.App(id)
		s := ui.sess.Get(w, r)
		ui.render(w, http.StatusBadRequest, "admin_app.html", appPage{Base: adminBase(r), CSRF: s.CSRF, Error: fe.Error(),
			App: viewApp(ui.st, ui.tokens, cur), Form: form})
	case err != nil:
		adminFail(w, err)
	default:
		ui.seeOther(w, adminBase(r)+"/ui/apps/"+url.PathEscape(a.ClientID)+"?saved=1")
	}
}

// deleteApp handles "POST /_fakeapi/assist/ui/apps/{clientId}/delete".
func (ui *adminUI) deleteApp(w http.ResponseWriter, r *http.Request) {
	if _, ok := ui.form(w, r); !ok {
		return
	}
	if err := deleteApp(ui.st, ui.tokens, chi.URLParam(r, "clientId")); err != nil {
		adminFail(w, err)
		return
	}
	ui.seeOther(w, adminBase(r)+"/ui/apps")
}

// grants handles "GET /_fakeapi/assist/ui/grants".
func (ui *adminUI) grants(w http.ResponseWriter, r *http.Request) {
	s := ui.sess.Get(w, r)
	ui.render(w, http.StatusOK, "admin_grants.html", grantsPage{Base: adminBase(r), CSRF: s.CSRF, Grants: viewGrants(ui.st, ui.tokens, "")})
}

// revokeGrant handles "POST /_fakeapi/assist/ui/grants/{clientId}/revoke".
func (ui *adminUI) revokeGrant(w http.ResponseWriter, r *http.Request) {
	if _, ok := ui.form(w, r); !ok {
		return
	}
	if err := revokeGrant(ui.st, ui.tokens, chi.URLParam(r, "clientId"), ""); err != nil {
		adminFail(w, err)
		return
	}
	ui.seeOther(w, adminBase(r)+"/ui/grants")
}

package assist

import (
	"errors"
	"fmt"
	"github.com/go-oauth2/oauth2/v4/models"
	"log/slog"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/httpx"
	"github.com/fakeapi/fakeapi/internal/ids"
	"github.com/fakeapi/fakeapi/internal/oauth2x"
	"github.com/fakeapi/fakeapi/internal/websession"
)

// NewAdmin returns the provider's admin routes (the 外部アプリ連携 and
// 許可済みアプリケーション一覧 screens), mounted at /_fakeapi/assist.
func NewAdmin(log *slog.Logger, cfg Config, st Store, tokens *oauth2x.TokenStore, clk clock.Clock, src ids.Source) http.Handler {
	ui := &adminUI{log: log, st: st, tokens: tokens, clk: clk, src: src, tpl: parseTemplates(),
		sess: websession.New[struct{}]("fakeapi_assist_admin", clk, src)}
	if cfg.MaxSessions > 0 {
		ui.sess.SetLimit(cfg.MaxSessions)
	}
	r := chi.NewRouter()
	addAdminRoutes(r, st, tokens, clk, src, ui)
	r.NotFound(func(w http.ResponseWriter, _ *http.Request) {
		httpx.AdminError(w, http.StatusNotFound, "no such admin route")
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Allow", strings.Join(httpx.AllowedMethods(r, req.URL.Path), ", "))
		httpx.AdminError(w, http.StatusMethodNotAllowed, "method not allowed")
	})
	return r
}

// checkAppFields validates an app as the registration screen would.
func checkAppFields(a App) error {
	if strings.TrimSpace(a.Name) == "" {
		return fieldErrorf("name", "required")
	}
	if msg := checkRedirectURL(a.RedirectURL); msg != "" {
		return &fieldError{"redirectUrl", msg}
	}
	if j, msg := checkIPList(a.IPAllowList); msg != "" {
		return &fieldError{fmt.Sprintf("ipAllowList[%d]", j), msg}
	}
	return nil
}

// appView is an app in the admin API.
type appView struct {
	ClientID     string   `json:"clientId"`
	ClientSecret string   `json:"clientSecret"`
	Shop         string   `json:"shop"`
	Name         string   `json:"name"`
	RedirectURL  string   `json:"redirectUrl"`
	IPAllowList  []string `json:"ipAllowList"`
	CreatedAt    string   `json:"createdAt"`
	UpdatedAt    string   `json:"updatedAt"`
	Authorized   bool     `json:"authorized"`
	Tokens       int      `json:"tokens"`
}

func viewApp(st Store, tokens *oauth2x.TokenStore, a App) appView {
	_, granted := st.Grant(a.ClientID)
	_, n := tokens.Count(func(c, _ string) bool { return c == a.ClientID })
	return appView{ClientID: a.ClientID, ClientSecret: a.ClientSecret, Shop: a.Shop, Name: a.Name, RedirectURL: a.RedirectURL,
		IPAllowList: a.IPAllowList, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt, Authorized: granted, Tokens: n}
}

// grantView is an entry of 許可済みアプリケーション一覧.
type grantView struct {
	ClientID  string `json:"clientId"`
	Shop      string `json:"shop"`
	AppName   string `json:"appName"`
	GrantedBy string `json:"grantedBy"`
	GrantedAt string `json:"grantedAt"`
	Scope     string `json:"scope"`
	Tokens    int    `json:"tokens"`
}

func viewGrants(st Store, tokens *oauth2x.TokenStore, shop string) []grantView {
	out := []grantView{}
	for _, g := range st.Grants(shop) {
		a, _ := st.App(g.ClientID)
		_, n := tokens.Count(func(c, _ string) bool { return c == g.ClientID })
		out = append(out, grantView{ClientID: g.ClientID, Shop: g.Shop, AppName: a.Name, GrantedBy: g.GrantedBy,
			GrantedAt: g.GrantedAt, Scope: g.Scope, Tokens: n})
	}
	return out
}

// appInput is the admin API's app body. clientId and clientSecret must be
// blank: they are issued automatically (新規登録時は空欄で登録すること:
// docs/providers/assist.md, "Endpoints").
type appInput struct {
	Shop         *string   `json:"shop"`
	Name         *string   `json:"name"`
	RedirectURL  *string   `json:"redirectUrl"`
	IPAllowList  *[]string `json:"ipAllowList"`
	ClientID     *string   `json:"clientId"`
	ClientSecret *string   `json:"clientSecret"`
}

// registerApp creates an app with a 20-hex client id and a 40-hex secret
// (docs/providers/assist.md, "Endpoints").
func registerApp(st Store, clk clock.Clock, src ids.Source, shop string, in AppInput) (App, error) {
	if shop == "" {
		return App{}, fieldErrorf("shop", "required")
	}
	if _, ok := st.Shop(shop); !ok {
		return App{}, fieldErrorf("shop", "unknown shop %q", shop)
	}
	if in.Name == nil {
		return App{}, fieldErrorf("name", "required")
	}
	if in.RedirectURL == nil {
		return App{}, fieldErrorf("redirectUrl", "required")
	}
	return st.CreateApp(shop, in, src.Hex(10), src.Hex(20), clk.Now())
}

// deleteApp removes an app, then every code and token of it: the store
// first, so the next API call already fails on the missing app.
func deleteApp(st Store, tokens *oauth2x.TokenStore, clientID string) error {
	if err := st.DeleteApp(clientID); err != nil {
		return err
	}
	tokens.Revoke(func(c, _ string) bool { return c == clientID })
	return nil
}

// revokeGrant removes the shop's grant of an app and every token and pending
// code of it: they fail on the next call (docs/providers/assist.md, "State
// rules").
func revokeGrant(st Store, tokens *oauth2x.TokenStore, clientID, shop string) error {
	g, ok := st.Grant(clientID)
	if !ok || (shop != "" && g.Shop != shop) {
		return errNotFound
	}
	if err := st.DeleteGrant(clientID); err != nil {
		return err
	}
	tokens.Revoke(func(c, _ string) bool { return c == clientID })
	return nil
}

// adminFail answers an admin error in httpx.AdminError's shape.
func adminFail(w http.ResponseWriter, err error) {
	var fe *fieldError
	switch {
	case errors.As(err, &fe):
		httpx.AdminError(w, http.StatusBadRequest, fe.Error())
	case errors.Is(err, errNotFound):
		httpx.AdminError(w, http.StatusNotFound, "no such app or grant")
	case httpx.IsTooLarge(err):
		httpx.AdminError(w, http.StatusRequestEntityTooLarge, "request body too large")
	case errors.Is(err, httpx.ErrBodyRead):
		httpx.AdminError(w, http.StatusBadRequest, msgBodyRead)
	case errors.Is(err, httpx.ErrBadJSON):
		httpx.AdminError(w, http.StatusBadRequest, strings.ReplaceAll(strings.ReplaceAll(err.Error(), "\njson: ", ": "), "\n", ": "))
	default:
		httpx.AdminError(w, http.StatusInternalServerError, "internal error")
	}
}

// adminListApps handles "GET /_fakeapi/assist/apps[?shop=]".
func adminListApps(st Store, tokens *oauth2x.TokenStore) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		out := []appView{}
		for _, a := range st.Apps(r.URL.Query().Get("shop")) {
			out = append(out, viewApp(st, tokens, a))
		}
		httpx.WriteJSON(w, http.StatusOK, "application/json; charset=utf-8", map[string]any{"apps": out})
	}
}

// adminCreateApp handles "POST /_fakeapi/assist/apps".
func adminCreateApp(st Store, tokens *oauth2x.TokenStore, clk clock.Clock, src ids.Source) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in appInput
		if err := httpx.DecodeJSON(r, &in, true); err != nil {
			adminFail(w, err)
			return
		}
		if (in.ClientID != nil && *in.ClientID != "") || (in.ClientSecret != nil && *in.ClientSecret != "") {
			adminFail(w, fieldErrorf("clientId", "leave clientId and clientSecret blank: they are issued automatically"))
			return
		}
		shop := ""
		if in.Shop != nil {
			shop = *in.Shop
		}
		a, err := registerApp(st, clk, src, shop, AppInput{Name: in.Name, RedirectURL: in.RedirectURL, IPAllowList: in.IPAllowList})
		if err != nil {
			adminFail(w, err)
			return
		}
		w.Header().Set("Location", "apps/"+a.ClientID)
		httpx.WriteJSON(w, http.StatusCreated, "application/json; charset=utf-8", viewApp(st, tokens, a))
	}
}

// adminGetApp handles "GET /_fakeapi/assist/apps/{clientId}".
func adminGetApp(st Store, tokens *oauth2x.TokenStore) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, ok := st.App(chi.URLParam(r, "clientId"))
		if !ok {
			adminFail(w, errNotFound)
			return
		}
		httpx.WriteJSON(w, http.StatusOK, "application/json; charset=utf-8", viewApp(st, tokens, a))
	}
}

// adminUpdateApp handles "PUT /_fakeapi/assist/apps/{clientId}": name,
// redirect URL and IP list; absent fields stay. Tokens stay valid.
func adminUpdateApp(st Store, tokens *oauth2x.TokenStore, clk clock.Clock) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := chi.URLParam(r, "clientId")
		cur, ok := st.App(id)
		if !ok {
			adminFail(w, errNotFound)
			return
		}
		var in appInput
		if err := httpx.DecodeJSON(r, &in, true); err != nil {
			adminFail(w, err)
			return
		}
		switch {
		case in.Shop != nil && *in.Shop != cur.Shop:
			adminFail(w, fieldErrorf("shop", "an app cannot move to another shop"))
			return
		case (in.ClientID != nil && *in.ClientID != cur.ClientID) || (in.ClientSecret != nil && *in.ClientSecret != cur.ClientSecret):
			adminFail(w, fieldErrorf("clientId", "client id and secret cannot be changed"))
			return
		}
		a, err := st.UpdateApp(id, AppInput{Name: in.Name, RedirectURL: in.RedirectURL, IPAllowList: in.IPAllowList}, clk.Now())
		if err != nil {
			adminFail(w, err)
			return
		}
		httpx.WriteJSON(w, http.StatusOK, "application/json; charset=utf-8", viewApp(st, tokens, a))
	}
}

// adminDeleteApp handles "DELETE /_fakeapi/assist/apps/{clientId}".
func adminDeleteApp(st Store, tokens *oauth2x.TokenStore) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := deleteApp(st, tokens, chi.URLParam(r, "clientId")); err != nil {
			adminFail(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// adminListGrants handles "GET /_fakeapi/assist/grants[?shop=]".
func adminListGrants(st Store, tokens *oauth2x.TokenStore) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteJSON(w, http.StatusOK, "application/json; charset=utf-8",
			map[string]any{"grants": viewGrants(st, tokens, r.URL.Query().Get("shop"))})
	}
}

// adminRevokeGrant handles "DELETE /_fakeapi/assist/grants/{clientId}[?shop=]".
func adminRevokeGrant(st Store, tokens *oauth2x.TokenStore) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := revokeGrant(st, tokens, chi.URLParam(r, "clientId"), r.URL.Query().Get("shop")); err != nil {
			adminFail(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// adminCreateToken handles "POST /_fakeapi/assist/tokens" with
// {"clientId":"…","scope":"…"}: an access token for the app, as if its
// shop's first admin had consented and the code had been exchanged, for
// tests that need a token without the pages (docs/providers/assist.md,
// "Admin API"). The app's grant is made when it has none.
func adminCreateToken(st Store, tokens *oauth2x.TokenStore, clk clock.Clock, src ids.Source) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			ClientID string `json:"clientId"`
			Scope    string `json:"scope"`
		}
		if err := httpx.DecodeJSON(r, &in, true); err != nil || in.ClientID == "" {
			httpx.AdminError(w, http.StatusBadRequest, `want {"clientId":"<a registered app>","scope":"<optional>"}`)
			return
		}
		app, ok := st.App(in.ClientID)
		if !ok {
			adminFail(w, errNotFound)
			return
		}
		now := clk.Now()
		g, ok := st.Grant(app.ClientID)
		if !ok {
			admin := st.FirstAdmin(app.Shop)
			if admin == "" {
				httpx.AdminError(w, http.StatusConflict, "the app's shop has no admin to grant it")
				return
			}
			g = Grant{ClientID: app.ClientID, Shop: app.Shop, GrantedBy: admin, GrantedAt: formatJST(now), Scope: in.Scope}
			if err := st.PutGrant(g); err != nil {
				adminFail(w, err)
				return
			}
		}
		access := src.Hex(16)
		err := tokens.Create(r.Context(), &models.Token{ClientID: app.ClientID, UserID: app.Shop, Scope: g.Scope,
			Access: access, AccessCreateAt: now})
		if err != nil {
			adminFail(w, err)
			return
		}
		httpx.WriteJSON(w, http.StatusCreated, "application/json; charset=utf-8", map[string]any{
			"access_token": access, "token_type": "bearer", "expires_in": nil, "scope": g.Scope, "clientId": app.ClientID, "shop": app.Shop,
		})
	}
}

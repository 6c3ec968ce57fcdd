package assist

import (
	"embed"
	"html/template"
	"log/slog"
	"net/http"

	"github.com/fakeapi/fakeapi/internal/httpx"
	"github.com/fakeapi/fakeapi/internal/oauth2x"
)

//go:embed templates/*.html
var templatesFS embed.FS

// parseTemplates is called once by New and NewAdmin.
func parseTemplates() *template.Template {
	return template.Must(template.ParseFS(templatesFS, "templates/*.html"))
}

// Japanese texts of the pages. The error page never links to the
// unvalidated redirect URI (docs/oauth.md, "Authorization endpoint").
const (
	pageNoClientID     = "client_id が指定されていません。"
	pageUnknownClient  = "クライアントIDが正しくありません。アプリケーション詳細画面で確認できるクライアントIDを指定してください。"
	pageNoRedirectURI  = "redirect_uri が指定されていません。"
	pageBadRedirectURI = "redirect_uri がアプリケーション登録時に入力したリダイレクトURLと一致しません。"
	pageForbidden      = "セッションの有効期限が切れたか、不正なリクエストです。もう一度最初からやり直してください。"
	pageBadRequest     = "リクエストが正しくありません。"
	pageLoginFailed    = "ログインIDまたはパスワードが正しくありません。"
	pageNotFound       = "ページが見つかりません。"
	pageMethod         = "このメソッドは使用できません。"
	pageTooLarge       = "リクエストが大きすぎます。"
	pageServerError    = "サーバーでエラーが発生しました。しばらくしてから再度お試しください。"
	pageUnavailable    = "ただいまメンテナンス中です。しばらくしてから再度お試しください。"
)

// pages renders the authorization pages.
type pages struct {
	log *slog.Logger
	tpl *template.Template
}

type loginView struct {
	AppName, ShopName, Action, Txn, CSRF, LoginID, Error string
}

type consentView struct {
	AppName, ShopName, Admin, Scope, Action, Txn, CSRF string
}

type errorView struct {
	Code, Message string
}

func (p *pages) render(w http.ResponseWriter, status int, name string, v any) {
	if err := httpx.RenderHTML(w, status, p.tpl, name, v); err != nil {
		p.log.Error("assist: render page", "page", name, "err", err)
		http.Error(w, pageServerError, http.StatusInternalServerError)
	}
}

func (p *pages) login(w http.ResponseWriter, v loginView) {
	p.render(w, http.StatusOK, "login.html", v)
}

func (p *pages) consent(w http.ResponseWriter, v consentView) {
	p.render(w, http.StatusOK, "consent.html", v)
}

func (p *pages) error(w http.ResponseWriter, status int, code, msg string) {
	p.render(w, status, "error.html", errorView{Code: code, Message: msg})
}

// authorizeError shows the page for a request that may not redirect.
func (p *pages) authorizeError(w http.ResponseWriter, e *oauth2x.AuthError) {
	msg := pageBadRequest
	switch e.Reason {
	case oauth2x.ReasonNoClientID:
		msg = pageNoClientID
	case oauth2x.ReasonUnknownClient:
		msg = pageUnknownClient
	case oauth2x.ReasonNoRedirectURI:
		msg = pageNoRedirectURI
	case oauth2x.ReasonBadRedirectURI:
		msg = pageBadRedirectURI
	}
	p.error(w, http.StatusBadRequest, e.Code, msg)
}

// status shows the page for a bare status (routing, faults, body cap).
func (p *pages) status(w http.ResponseWriter, status int) {
	ae := statusError(status)
	msg := pageBadRequest
	switch {
	case status == http.StatusNotFound:
		msg = pageNotFound
	case status == http.StatusMethodNotAllowed:
		msg = pageMethod
	case status == http.StatusRequestEntityTooLarge:
		msg = pageTooLarge
	case status == http.StatusForbidden:
		msg = pageForbidden
	case status == http.StatusServiceUnavailable:
		msg = pageUnavailable
	case status >= 500:
		msg = pageServerError
	}
	for _, h := range ae.header {
		w.Header().Set(h[0], h[1])
	}
	p.error(w, status, ae.code, msg)
}

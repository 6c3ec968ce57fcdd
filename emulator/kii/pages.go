package kii

import (
	"cmp"
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net/http"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/httpx"
)

// Kii finishes two flows on pages of its own: the link of a verification
// mail, and the link of a password reset mail or SMS. The emulator serves
// them at the URLs it puts in the outbox (docs/providers/kii.md, "Hosted
// pages").

//go:embed templates/*.html
var templateFS embed.FS

// pages renders the hosted pages: parsed once, rendered into a buffer by
// httpx.RenderHTML with the page security headers, everything escaped by
// html/template.
type pages struct {
	t   *template.Template
	log *slog.Logger
}

func newPages(log *slog.Logger) *pages {
	// The templates are embedded and tested: a parse error is a build-time bug.
	return &pages{t: template.Must(template.ParseFS(templateFS, "templates/*.html")), log: log}
}

// messageData fills message.html (ids title, message, app).
type messageData struct {
	Title, Message, App string
	Error               bool
}

// resetData fills reset.html (form resetForm; ids newPassword,
// confirmPassword, submit; hidden field code).
type resetData struct {
	Action, App, User, Code, Error string
	Generate                       bool
}

// Page texts, in Japanese and English.
const (
	pageVerifiedTitle   = "メールアドレスの確認 / Email address verification"
	pageVerified        = "メールアドレスを確認しました。 / Your email address has been verified."
	pageErrorTitle      = "エラー / Error"
	pageBadLink         = "このリンクは無効か、期限が切れています。 / This link is not valid or has expired."
	pageTaken           = "このメールアドレスは別のユーザーが使用しています。 / Another user has this email address."
	pageNoApp           = "アプリケーションまたはユーザーが見つかりません。 / No such application or user."
	pageResetDone       = "パスワードを変更しました。 / Your password has been changed."
	pageResetSent       = "新しいパスワードを送信しました。 / Your new password has been sent."
	pageResetTitle      = "パスワードの再設定 / Reset your password"
	pageMismatch        = "2つのパスワードが一致しません。 / The two passwords differ."
	pagePasswordRule    = "パスワードは4〜50文字の半角英数記号です。 / A password is 4 to 50 printable ASCII characters."
	pageInternalError   = "Internal server error"
	formCode            = "code"
	formNewPassword     = "newPassword"
	formConfirmPassword = "confirmPassword"
)

// handleVerifyEmailPage handles "GET /api/apps/{appID}/users/{user}/email-address/verify?code=…",
// the link of a verification mail: it verifies the address (a pending one
// becomes the user's) and says so.
func handleVerifyEmailPage(pg *pages, st Store, clk clock.Clock) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		app, u, ok := pg.pageUser(w, r, st)
		if !ok {
			return
		}
		_, err := st.Verify(app.ID, u.ID, false, r.URL.Query().Get(formCode), clk.Now())
		var ce *conflictError
		switch {
		case err == nil:
			pg.message(w, r, http.StatusOK, messageData{Title: pageVerifiedTitle, Message: pageVerified, App: appName(app)})
		case errors.As(err, &ce):
			pg.message(w, r, http.StatusConflict, messageData{Title: pageErrorTitle, Message: pageTaken, Error: true})
		default:
			pg.badLink(w, r, err)
		}
	}
}

// handleResetPage handles "GET /api/apps/{appID}/users/{user}/password/reset?code=…",
// the link of a password reset message: a form for the new password, or
// in an app with the "Generate password" flow a button that has one
// generated and sent.
func handleResetPage(pg *pages, st Store, clk clock.Clock) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		app, u, ok := pg.pageUser(w, r, st)
		if !ok {
			return
		}
		code := r.URL.Query().Get(formCode)
		if _, _, err := st.CheckReset(app.ID, u.ID, code, clk.Now()); err != nil {
			pg.badLink(w, r, err)
			return
		}
		pg.reset(w, r, http.StatusOK, app, u, code, "")
	}
}

// handleResetSubmit handles "POST /api/apps/{appID}/users/{user}/password/reset",
// the reset page's form: code, newPassword and confirmPassword. The code,
// which only the message's reader has, is what makes the form the user's:
// no cookie is involved (docs/providers/kii.md, "Hosted pages").
func handleResetSubmit(pg *pages, st Store, clk clock.Clock) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		app, u, ok := pg.pageUser(w, r, st)
		if !ok {
			return
		}
		if err := r.ParseForm(); err != nil {
			pg.message(w, r, http.StatusBadRequest, messageData{Title: pageErrorTitle, Message: pageBadLink, Error: true})
			return
		}
		code, pw := r.PostForm.Get(formCode), r.PostForm.Get(formNewPassword)
		now := clk.Now()
		if _, _, err := st.CheckReset(app.ID, u.ID, code, now); err != nil {
			pg.badLink(w, r, err)
			return
		}
		if !app.GeneratePassword {
			short, problem := checkPassword(pw)
			switch {
			case short || problem != "":
				pg.reset(w, r, http.StatusBadRequest, app, u, code, pagePasswordRule)
				return
			case pw != r.PostForm.Get(formConfirmPassword):
				pg.reset(w, r, http.StatusBadRequest, app, u, code, pageMismatch)
				return
			}
		}
		generated, err := st.CompleteReset(app.ID, u.ID, false, code, pw, linkBase(r), now)
		if err != nil {
			pg.badLink(w, r, err)
			return
		}
		msg := pageResetDone
		if generated {
			msg = pageResetSent
		}
		pg.message(w, r, http.StatusOK, messageData{Title: pageResetTitle, Message: msg, App: appName(app)})
	}
}

// pageUser resolves {appID} and {user} of a page, answering 404 with a
// page (not JSON) when either is unknown.
func (pg *pages) pageUser(w http.ResponseWriter, r *http.Request, st Store) (App, User, bool) {
	app, ok := st.App(pathParam(r, "appID"))
	if ok {
		u, err := st.FindUser(app.ID, parseUserSegment(pathParam(r, "user")))
		if err == nil {
			return app, u, true
		}
	}
	pg.message(w, r, http.StatusNotFound, messageData{Title: pageErrorTitle, Message: pageNoApp, Error: true})
	return App{}, User{}, false
}

// badLink answers a code that is not (or no longer) valid: 404 when none
// is pending or it expired, 403 when it is wrong.
func (pg *pages) badLink(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusNotFound
	switch {
	case errors.Is(err, errCodeWrong):
		status = http.StatusForbidden
	case errors.Is(err, errCodeExpired):
		status = http.StatusGone
	case !errors.Is(err, errNoCode):
		pg.log.ErrorContext(r.Context(), "kii: page", "path", r.URL.Path, "err", err)
		status = http.StatusInternalServerError
	}
	pg.message(w, r, status, messageData{Title: pageErrorTitle, Message: pageBadLink, Error: true})
}

func (pg *pages) reset(w http.ResponseWriter, r *http.Request, status int, app App, u User, code, problem string) {
	pg.render(w, r, status, "reset.html", resetData{
		Action: httpx.Base(r) + r.URL.EscapedPath(), App: appName(app), User: cmp.Or(u.LoginName, u.Email, u.Phone),
		Code: code, Error: problem, Generate: app.GeneratePassword,
	})
}

func (pg *pages) message(w http.ResponseWriter, r *http.Request, status int, d messageData) {
	pg.render(w, r, status, "message.html", d)
}

func (pg *pages) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	if err := httpx.RenderHTML(w, status, pg.t, name, data); err != nil {
		pg.log.ErrorContext(r.Context(), "kii: render page", "page", name, "err", err)
		httpx.PageHeaders(w.Header())
		httpx.WriteBytes(w, http.StatusInternalServerError, "text/html; charset=utf-8",
			[]byte("<!DOCTYPE html><title>500</title><p>"+pageInternalError+"</p>"))
	}
}

func appName(app App) string { return cmp.Or(app.Name, app.ID) }

package iijmio

import (
	"embed"
	"html/template"
	"log/slog"
	"net/http"

	"github.com/fakeapi/fakeapi/internal/httpx"
)

//go:embed templates/*.html
var templateFS embed.FS

// pages renders the authorization pages: parsed once, rendered
// into a buffer by httpx.RenderHTML, with the page security headers.
type pages struct {
	t   *template.Template
	log *slog.Logger
}

func newPages(log *slog.Logger) *pages {
	// The templates are embedded and tested: a parse error is a build-time bug.
	return &pages{t: template.Must(template.ParseFS(templateFS, "templates/*.html")), log: log}
}

// loginData fills login.html. Element ids username, password, submit are
// relied on by scrapers (docs/providers/iijmio.md, "Element ids for browser
// tests").
type loginData struct {
	Action   string
	AppName  string
	Txn      string
	CSRF     string
	Username string
	Error    string
}

// consentData fills consent.html (ids confirm and cancel).
type consentData struct {
	Action      string
	AppName     string
	Txn         string
	CSRF        string
	Permissions []string
}

type errorData struct {
	Code    string
	Message string
	Detail  string
}

func (p *pages) login(w http.ResponseWriter, r *http.Request, status int, d loginData) {
	d.Action = httpx.Base(r) + authorizePath
	p.render(w, r, status, "login.html", d)
}

func (p *pages) consent(w http.ResponseWriter, r *http.Request, d consentData) {
	d.Action = httpx.Base(r) + authorizePath
	p.render(w, r, http.StatusOK, "consent.html", d)
}

// error renders the error page; it never links or redirects anywhere
// (docs/providers/iijmio.md, "Order of checks"). detail is user input and is
// escaped like everything else.
func (p *pages) error(w http.ResponseWriter, r *http.Request, status int, code, msg, detail string) {
	p.render(w, r, status, "error.html", errorData{Code: code, Message: msg, Detail: detail})
}

func (p *pages) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	if err := httpx.RenderHTML(w, status, p.t, name, data); err != nil {
		p.log.ErrorContext(r.Context(), "iijmio: render page", "page", name, "err", err)
		httpx.PageHeaders(w.Header())
		httpx.WriteBytes(w, http.StatusInternalServerError, "text/html; charset=utf-8",
			[]byte("<!DOCTYPE html><title>500</title><p>"+msgServerError+"</p>"))
	}
}

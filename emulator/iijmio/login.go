package iijmio

import (
	"log/slog"
	"net/http"
	"net/url"

	"github.com/fakeapi/fakeapi/internal/httpx"
	"github.com/fakeapi/fakeapi/internal/websession"
)

// authForm is a login or consent form post after parsing.
type authForm struct {
	Step     string // "login" or "consent"
	Txn      string
	CSRF     string
	Username string
	Password string
	Decision string // "allow" or "deny"
}

// parseAuthForm reads the form fields from a POST body (never the query, so
// nothing of the authorization URL can be smuggled in). ok is false when a
// field is repeated or the step is unknown.
func parseAuthForm(form url.Values) (authForm, bool) {
	for _, k := range [...]string{"step", "txn", "csrf_token", "username", "password", "decision"} {
		if len(form[k]) > 1 {
			return authForm{}, false
		}
	}
	f := authForm{Step: form.Get("step"), Txn: form.Get("txn"), CSRF: form.Get("csrf_token"),
		Username: form.Get("username"), Password: form.Get("password"), Decision: form.Get("decision")}
	switch f.Step {
	case "login":
		return f, true
	case "consent":
		return f, f.Decision == "allow" || f.Decision == "deny"
	}
	return authForm{}, false
}

// handleAuthorizePost handles "POST /mobile/d/v1/authorization/": the login
// and consent forms post to the authorization path itself, so a bare app id
// in Location resolves against it exactly as on the real site
// (docs/providers/iijmio.md, "Redirect URIs").
func handleAuthorizePost(st Store, sess *websession.Manager[authRequest], pg *pages, log *slog.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			if httpx.IsTooLarge(err) || httpx.DeclaredTooLarge(r) {
				pg.error(w, r, http.StatusRequestEntityTooLarge, "invalid_request", msgTooLarge, "")
				return
			}
			pg.error(w, r, http.StatusBadRequest, "invalid_request", msgBadForm, "")
			return
		}
		f, ok := parseAuthForm(r.PostForm)
		if !ok {
			pg.error(w, r, http.StatusBadRequest, "invalid_request", msgBadForm, "")
			return
		}
		// CSRF and transaction checks: 403 page, nothing changes, no redirect
		// (docs/providers/iijmio.md, "Login and consent pages").
		s, ok := sess.Lookup(r)
		if !ok || !sess.CheckCSRF(s, f.CSRF) {
			pg.error(w, r, http.StatusForbidden, "invalid_request", msgSession, "")
			return
		}
		req, ok := sess.Txn(s.ID, f.Txn)
		if !ok || (f.Step == "login") != (req.MioID == "") {
			pg.error(w, r, http.StatusForbidden, "invalid_request", msgSession, "")
			return
		}
		if f.Step == "login" {
			login(w, r, st, sess, pg, s, f, req)
			return
		}
		consent(w, r, st, sess, pg, log, s, f)
	}
}

// login checks the mioID and password. A failure shows the login page again
// with one generic message and a new CSRF token, status 200; success moves
// the transaction to a new id bound to the user and answers 303 to the
// consent page, a real navigation (docs/providers/iijmio.md, "Login and
// consent pages").
func login(w http.ResponseWriter, r *http.Request, st Store, sess *websession.Manager[authRequest], pg *pages,
	s websession.Session, f authForm, req authRequest) {
	if !st.CheckPassword(f.Username, f.Password) {
		s = sess.RotateCSRF(s.ID)
		pg.login(w, r, http.StatusOK, loginData{AppName: req.AppName, Txn: f.Txn, CSRF: s.CSRF,
			Username: f.Username, Error: msgBadLogin})
		return
	}
	if _, ok := sess.TakeTxn(s.ID, f.Txn); !ok {
		pg.error(w, r, http.StatusForbidden, "invalid_request", msgSession, "")
		return
	}
	sess.SetUser(s.ID, f.Username)
	req.MioID = f.Username
	txn := sess.PutTxn(s.ID, req)
	w.Header().Set("Location", httpx.Base(r)+authorizePath+"?txn="+url.QueryEscape(txn))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusSeeOther) // 303, never 307, after a POST carrying credentials
}

// consent answers 許可する with the token redirect and 許可しない with
// access_denied, both 302 (docs/providers/iijmio.md, "Login and consent
// pages"). The transaction is taken, so a consent can be answered once.
func consent(w http.ResponseWriter, r *http.Request, st Store, sess *websession.Manager[authRequest], pg *pages,
	log *slog.Logger, s websession.Session, f authForm) {
	req, ok := sess.TakeTxn(s.ID, f.Txn)
	if !ok {
		pg.error(w, r, http.StatusForbidden, "invalid_request", msgSession, "")
		return
	}
	if f.Decision == "deny" {
		redirectTo(w, errorLocation(req.RedirectURI, "access_denied", descAccessDenied, req.State))
		return
	}
	tok, err := st.MintToken(req.MioID, req.DeveloperID)
	if err != nil {
		// The application was deleted or reissued while the user was on the
		// consent page: nothing to redirect to safely.
		log.InfoContext(r.Context(), "iijmio: consent for a vanished developer or user", "err", err)
		pg.error(w, r, http.StatusBadRequest, "invalid_client", msgGone, "")
		return
	}
	redirectTo(w, successLocation(req.RedirectURI, tok.AccessToken, req.State))
}

package assist

import (
	"errors"
	"net/http"
	"strings"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/httpx"
	"github.com/fakeapi/fakeapi/internal/oauth2x"
	"github.com/fakeapi/fakeapi/internal/websession"
)

// authTxn is the validated authorization request kept server side while
// the admin logs in and consents: forms carry only its id and the CSRF
// token, never a redirect_uri (docs/oauth.md, "Login and consent").
type authTxn struct {
	Req      oauth2x.AuthRequest
	Shop     string
	Path     string // the authorize path the request came in on
	RawQuery string // the validated query, to come back to after login
}

type sessions = websession.Manager[authTxn]

// sessionUser is what a browser session remembers after login: the admin
// of one shop (docs/providers/assist.md, "Login and consent"). A newline
// cannot occur in either part.
func sessionUser(shop, loginID string) string { return shop + "\n" + loginID }

// loggedIn returns the admin logged in to shop in session s, if any and
// still an admin there.
func loggedIn(st Store, s websession.Session, shop string) string {
	sh, login, ok := strings.Cut(s.User, "\n")
	if !ok || sh != shop || !st.HasAdmin(shop, login) {
		return ""
	}
	return login
}

// handleAuthorize handles "GET /api/oauth/authorize.php" and
// "GET /oauth/authorize.php" (the FAQ's text names the first, its example
// URL the second). Checks run in the order of docs/oauth.md, "Authorization
// endpoint"; then the login page the first time in a browser session, else
// the consent page (docs/providers/assist.md, "Login and consent").
func handleAuthorize(st Store, oa *oauth2x.Server, sess *sessions, pg *pages) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		req, aerr := oa.ValidateAuthorize(r.URL.Query())
		if aerr != nil {
			if !aerr.Redirectable() {
				pg.authorizeError(w, aerr)
				return
			}
			if err := oa.RedirectError(w, aerr.Request, aerr.Code, aerr.Description); err != nil {
				pg.status(w, http.StatusInternalServerError)
			}
			return
		}
		app, ok := st.App(req.ClientID)
		shop, shopOK := st.Shop(app.Shop)
		if !ok || !shopOK {
			pg.authorizeError(w, &oauth2x.AuthError{Reason: oauth2x.ReasonUnknownClient, Code: oauth2x.ErrInvalidClient})
			return
		}
		s := sess.Get(w, r)
		txn := sess.PutTxn(s.ID, authTxn{Req: req, Shop: shop.ID, Path: r.URL.Path, RawQuery: r.URL.RawQuery})
		action := httpx.Base(r) + r.URL.Path
		if admin := loggedIn(st, s, shop.ID); admin != "" {
			pg.consent(w, consentView{AppName: app.Name, ShopName: shop.Name, Admin: admin, Scope: req.Scope,
				Action: action, Txn: txn, CSRF: s.CSRF})
			return
		}
		pg.login(w, loginView{AppName: app.Name, ShopName: shop.Name, Action: action, Txn: txn, CSRF: s.CSRF})
	}
}

// handleAuthorizePost handles "POST /api/oauth/authorize.php" and
// "POST /oauth/authorize.php": the login and consent forms. Missing or wrong
// CSRF token, or an unknown transaction: 403, nothing changes
// (docs/oauth.md, "Login and consent").
func handleAuthorizePost(st Store, oa *oauth2x.Server, sess *sessions, pg *pages, clk clock.Clock) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := httpx.ReadBody(r)
		if httpx.IsTooLarge(err) {
			pg.status(w, http.StatusRequestEntityTooLarge)
			return
		}
		form, perr := oauth2x.ParseForm(string(body))
		if err != nil || perr != nil {
			pg.error(w, http.StatusBadRequest, oauth2x.ErrInvalidRequest, pageBadRequest)
			return
		}
		s, ok := sess.Lookup(r)
		if !ok || !sess.CheckCSRF(s, form.Get("csrf_token")) {
			pg.error(w, http.StatusForbidden, oauth2x.ErrAccessDenied, pageForbidden)
			return
		}
		switch form.Get("step") {
		case "login":
			postLogin(w, r, st, sess, pg, s, form.Get("txn"), form.Get("login_id"), form.Get("password"))
		case "consent":
			postConsent(w, r, st, oa, sess, pg, clk, s, form.Get("txn"), form.Get("decision"))
		default:
			pg.error(w, http.StatusBadRequest, oauth2x.ErrInvalidRequest, pageBadRequest)
		}
	}
}

// postLogin checks the shop admin's 管理者ログインID and password.
// Success: 303 back to the authorize URL, which now shows the consent page
// (303, never 307, for the request carrying credentials: RFC 9700 §4.12).
// Failure: the login page again with one generic message and a new CSRF
// token (docs/providers/assist.md, "Login and consent").
func postLogin(w http.ResponseWriter, r *http.Request, st Store, sess *sessions, pg *pages, s websession.Session, txnID, login, password string) {
	txn, ok := sess.Txn(s.ID, txnID)
	if !ok {
		pg.error(w, http.StatusForbidden, oauth2x.ErrAccessDenied, pageForbidden)
		return
	}
	if !st.Authenticate(txn.Shop, login, password) {
		s = sess.RotateCSRF(s.ID)
		app, _ := st.App(txn.Req.ClientID)
		shop, _ := st.Shop(txn.Shop)
		pg.login(w, loginView{AppName: app.Name, ShopName: shop.Name, Action: httpx.Base(r) + txn.Path,
			Txn: txnID, CSRF: s.CSRF, LoginID: login, Error: pageLoginFailed})
		return
	}
	sess.TakeTxn(s.ID, txnID)
	sess.SetUser(s.ID, sessionUser(txn.Shop, login))
	h := w.Header()
	h.Set("Location", httpx.Base(r)+txn.Path+"?"+txn.RawQuery)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusSeeOther)
}

// postConsent answers 許可する with a grant and go-oauth2's code redirect
// (302 redirect_uri?code=…&state=…, as the FAQ shows it) and 許可しない with
// error=access_denied (docs/providers/assist.md, "Login and consent").
func postConsent(w http.ResponseWriter, r *http.Request, st Store, oa *oauth2x.Server, sess *sessions, pg *pages, clk clock.Clock, s websession.Session, txnID, decision string) {
	txn, ok := sess.TakeTxn(s.ID, txnID)
	admin := loggedIn(st, s, txn.Shop)
	if !ok || admin == "" {
		pg.error(w, http.StatusForbidden, oauth2x.ErrAccessDenied, pageForbidden)
		return
	}
	switch decision {
	case "allow":
		g := Grant{ClientID: txn.Req.ClientID, Shop: txn.Shop, GrantedBy: admin, GrantedAt: formatJST(clk.Now()), Scope: txn.Req.Scope}
		if st.PutGrant(g) != nil {
			pg.authorizeError(w, &oauth2x.AuthError{Reason: oauth2x.ReasonUnknownClient, Code: oauth2x.ErrInvalidClient})
			return
		}
		if err := oa.IssueCode(w, r, txn.Req, txn.Shop); err != nil {
			if errors.Is(err, oauth2x.ErrNoRedirect) {
				pg.authorizeError(w, &oauth2x.AuthError{Reason: oauth2x.ReasonBadRedirectURI, Code: oauth2x.ErrInvalidRequest})
				return
			}
			pg.log.Error("assist: issue code", "err", err)
			pg.status(w, http.StatusInternalServerError)
		}
	case "deny":
		if err := oa.RedirectError(w, txn.Req, oauth2x.ErrAccessDenied, oauth2x.DescAccessDenied); err != nil {
			pg.status(w, http.StatusInternalServerError)
		}
	default:
		pg.error(w, http.StatusBadRequest, oauth2x.ErrInvalidRequest, pageBadRequest)
	}
}

package iijmio

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/fakeapi/fakeapi/internal/websession"
)

// authorizePath is the one authorization endpoint; v2 clients use it too
// (docs/providers/iijmio.md, "Endpoints").
const authorizePath = "/mobile/d/v1/authorization/"

// authRequest is the validated authorization request, kept server side as a
// websession transaction; forms carry only its id, so a redirect URI is
// never taken from a form (docs/providers/iijmio.md, "Login and consent
// pages").
type authRequest struct {
	DeveloperID string
	AppName     string
	RedirectURI string // as requested, after exact matching
	State       string
	MioID       string // set once the login form succeeded
}

// authFailure is a rejected authorization request: either an HTML page that
// never redirects (unknown client, bad redirect URI) or an error redirect in
// the fragment (docs/providers/iijmio.md, "Order of checks").
type authFailure struct {
	redirect bool
	code     string // OAuth 2.0 error code
	desc     string // error_description (redirect)
	msg      string // Japanese message (page)
}

// OAuth error descriptions and page messages: our texts, since the real
// service's were never captured (docs/providers/iijmio.md, "Order of
// checks").
const (
	descMissingResponseType = "response_type is required"
	descBadResponseType     = "response_type must be token"
	descMissingState        = "state is required"
	descDuplicate           = "a parameter is given more than once"
	descAccessDenied        = "the user denied the request"
	descServerError         = "the server encountered an internal error"
	descUnavailable         = "the server is temporarily unavailable"

	msgNoClient       = "client_id が指定されていません。"
	msgUnknownClient  = "このアプリケーション（client_id）は登録されていません。デベロッパIDを確認してください。"
	msgNoRedirect     = "redirect_uri が指定されていません。"
	msgBadRedirect    = "redirect_uri がアプリケーションに登録されたリダイレクトURIと一致しません。"
	msgDuplicate      = "client_id または redirect_uri が複数指定されています。"
	msgBadLogin       = "mioIDまたはmioパスワードが正しくありません。"
	msgSession        = "セッションの有効期限が切れたか、不正なリクエストです。アプリケーションから最初からやり直してください。"
	msgBadForm        = "フォームの内容が正しくありません。"
	msgGone           = "このアプリケーションの登録は取り消されました。"
	msgServerError    = "サーバーでエラーが発生しました。しばらくしてから再度お試しください。"
	msgUnavailable    = "ただいまメンテナンス中です。しばらくしてから再度お試しください。"
	msgTooLarge       = "送信されたデータが大きすぎます。"
	msgNotFound       = "ページが見つかりません。"
	msgMethodNotAllow = "このメソッドは使用できません。"
)

// permissions are the four items of the real consent page
// (docs/providers/iijmio.md, "Element ids for browser tests").
var permissions = []string{
	"クーポン残量の取得",
	"クーポンのON/OFF状態の取得",
	"クーポンのON/OFFの切り替え",
	"データ利用量の取得",
}

// parseAuthorize validates an authorization query in the order of
// docs/providers/iijmio.md, "Order of checks": client, then redirect URI
// (both answered with a page), then response_type and state (answered with
// a fragment redirect). On a redirect failure req carries the redirect URI
// and state to use.
//
// loopbackAnyPort is Config.LoopbackRedirectAnyPort (see matchRedirect).
func parseAuthorize(q url.Values, developer func(string) (Developer, bool), loopbackAnyPort bool) (req authRequest, fail *authFailure) {
	if len(q["client_id"]) > 1 || len(q["redirect_uri"]) > 1 {
		return req, &authFailure{code: "invalid_request", msg: msgDuplicate}
	}
	clientID := q.Get("client_id")
	if clientID == "" {
		return req, &authFailure{code: "invalid_request", msg: msgNoClient}
	}
	dev, ok := developer(clientID)
	if !ok {
		return req, &authFailure{code: "invalid_client", msg: msgUnknownClient}
	}
	redirect := q.Get("redirect_uri")
	if redirect == "" {
		return req, &authFailure{code: "invalid_request", msg: msgNoRedirect}
	}
	if !matchRedirect(dev.RedirectURIs, redirect, loopbackAnyPort) {
		return req, &authFailure{code: "invalid_request", msg: msgBadRedirect}
	}
	// Client and redirect URI check out: from here on errors may redirect.
	req = authRequest{DeveloperID: dev.DeveloperID, AppName: dev.AppName, RedirectURI: redirect}
	if len(q["state"]) == 1 {
		req.State = q.Get("state") // echoed verbatim, never trimmed
	}
	switch {
	case len(q["response_type"]) > 1 || len(q["state"]) > 1:
		return req, &authFailure{redirect: true, code: "invalid_request", desc: descDuplicate}
	case q.Get("response_type") == "":
		return req, &authFailure{redirect: true, code: "invalid_request", desc: descMissingResponseType}
	case q.Get("response_type") != "token":
		return req, &authFailure{redirect: true, code: "unsupported_response_type", desc: descBadResponseType}
	case req.State == "":
		return req, &authFailure{redirect: true, code: "invalid_request", desc: descMissingState}
	}
	return req, nil
}

// matchRedirect is exact matching: the requested string must equal a
// registered one byte for byte, as nothing shows IIJmio allowing anything
// else. Bare app identifiers are plain strings and match the same way.
// With loopbackAnyPort (Config.LoopbackRedirectAnyPort) a registered
// http://127.0.0.1[:port]/… or http://[::1][:port]/… also matches a request
// that differs only in a valid port, 1 to 65535 without leading zeros, as
// Assist's option has it (RFC 8252 section 7.3;
// docs/providers/iijmio.md, "Redirect URIs").
func matchRedirect(registered []string, requested string, loopbackAnyPort bool) bool {
	for _, reg := range registered {
		if reg == requested {
			return true
		}
		if !loopbackAnyPort {
			continue
		}
		if a, ok := withoutLoopbackPort(reg); ok {
			if b, ok := withoutLoopbackPort(requested); ok && a == b {
				return true
			}
		}
	}
	return false
}

// withoutLoopbackPort removes the port of an http loopback-IP URI; ok is
// false for anything else, and for a port that no socket can have (0, or
// above 65535) or written with a leading zero.
func withoutLoopbackPort(u string) (string, bool) {
	for _, host := range [...]string{"http://127.0.0.1", "http://[::1]"} {
		rest, ok := strings.CutPrefix(u, host)
		if !ok {
			continue
		}
		if port, ok := strings.CutPrefix(rest, ":"); ok {
			end := strings.IndexFunc(port, func(r rune) bool { return r < '0' || r > '9' })
			if end < 0 {
				end = len(port)
			}
			if n, err := strconv.Atoi(port[:end]); err != nil || end > 5 || port[0] == '0' || n > 65535 {
				return "", false // empty, 0, a leading zero or over 65535
			}
			rest = port[end:]
		}
		if rest != "" && rest[0] != '/' && rest[0] != '?' {
			return "", false // http://127.0.0.1.evil.example/
		}
		return host + rest, true
	}
	return "", false
}

// successLocation is redirect_uri#access_token=…&state=…&token_type=Bearer&expires_in=7776000
// in exactly this order, values form-encoded, the key expires_in as clients
// parse it (docs/providers/iijmio.md, "The success redirect").
func successLocation(redirectURI, token, state string) string {
	return redirectURI + "#access_token=" + url.QueryEscape(token) +
		"&state=" + url.QueryEscape(state) +
		"&token_type=Bearer&expires_in=7776000"
}

// errorLocation is redirect_uri#error=…&error_description=…[&state=…]
// (docs/providers/iijmio.md, "Order of checks").
func errorLocation(redirectURI, code, desc, state string) string {
	loc := redirectURI + "#error=" + url.QueryEscape(code) + "&error_description=" + url.QueryEscape(desc)
	if state != "" {
		loc += "&state=" + url.QueryEscape(state)
	}
	return loc
}

// redirectTo answers with a 302 to loc, never cached, as loc carries a token
// or an error (docs/providers/iijmio.md, "The success redirect").
func redirectTo(w http.ResponseWriter, loc string) {
	h := w.Header()
	h.Set("Location", loc)
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(http.StatusFound)
}

// handleAuthorize handles "GET /mobile/d/v1/authorization/": the implicit
// grant's start, answered with the login page; with ?txn= (our own 303
// after login) it is the consent page (docs/providers/iijmio.md, "Login and
// consent pages").
func handleAuthorize(st Store, sess *websession.Manager[authRequest], pg *pages, loopbackAnyPort bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Has("txn") && !q.Has("client_id") {
			showConsent(w, r, sess, pg, q.Get("txn"))
			return
		}
		req, fail := parseAuthorize(q, st.Developer, loopbackAnyPort)
		if fail != nil {
			if fail.redirect {
				redirectTo(w, errorLocation(req.RedirectURI, fail.code, fail.desc, req.State))
				return
			}
			pg.error(w, r, http.StatusBadRequest, fail.code, fail.msg, q.Get("client_id"))
			return
		}
		// The login page is shown on every authorization, even to a session
		// that logged in before: scrapers expect #username every time.
		s := sess.Get(w, r)
		txn := sess.PutTxn(s.ID, req)
		pg.login(w, r, http.StatusOK, loginData{AppName: req.AppName, Txn: txn, CSRF: s.CSRF})
	}
}

// showConsent renders the consent page of a logged-in transaction.
func showConsent(w http.ResponseWriter, r *http.Request, sess *websession.Manager[authRequest], pg *pages, txn string) {
	s, ok := sess.Lookup(r)
	if !ok {
		pg.error(w, r, http.StatusForbidden, "invalid_request", msgSession, "")
		return
	}
	req, ok := sess.Txn(s.ID, txn)
	if !ok || req.MioID == "" {
		pg.error(w, r, http.StatusForbidden, "invalid_request", msgSession, "")
		return
	}
	pg.consent(w, r, consentData{AppName: req.AppName, Txn: txn, CSRF: s.CSRF, Permissions: permissions})
}

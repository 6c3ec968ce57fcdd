package kii

import (
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
)

// appCreds are the application credentials a request presents: Basic
// base64(AppID:AppKey) or the X-Kii-AppID / X-Kii-AppKey headers, names in
// any case (docs/providers/kii.md, "Request conventions").
type appCreds struct {
	present bool
	basic   bool
	// id and key as sent; for Basic also their URL-decoded forms, since
	// golang.org/x/oauth2 form-encodes them before Base64 (RFC 6749 §2.3.1;
	// docs/providers/kii.md, "Request conventions").
	id, key       string
	idDec, keyDec string
}

// names reports whether the credentials name appID.
func (c appCreds) names(appID string) bool { return c.id == appID || (c.basic && c.idDec == appID) }

// keyMatches compares the AppKey in constant time, decoded or raw.
func (c appCreds) keyMatches(key string) bool {
	eq := func(a string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(key)) == 1 }
	return eq(c.key) || (c.basic && eq(c.keyDec))
}

// readAppCreds reads the app credentials of r. Basic and X-Kii-AppID naming
// different apps is an error; a malformed Basic header too.
func readAppCreds(r *http.Request) (appCreds, error) {
	var c appCreds
	if user, pass, ok, bad := basicAuth(r); bad {
		return c, errUnauthorized(msgBadBasic, "", "")
	} else if ok {
		c = appCreds{present: true, basic: true, id: user, key: pass, idDec: unescape(user), keyDec: unescape(pass)}
	}
	if id := r.Header.Get("X-Kii-AppID"); id != "" {
		if c.present && !c.names(id) {
			return c, errUnauthorized(msgAppMismatch, "", "")
		}
		if !c.present {
			c = appCreds{present: true, id: id, key: r.Header.Get("X-Kii-AppKey")}
		}
	}
	return c, nil
}

// basicAuth parses "Authorization: Basic …" with a case-insensitive scheme.
// bad is true for a Basic header that does not decode to user:password.
func basicAuth(r *http.Request) (user, pass string, ok, bad bool) {
	h := r.Header.Get("Authorization")
	scheme, rest, found := strings.Cut(strings.TrimSpace(h), " ")
	if !found || !strings.EqualFold(scheme, "Basic") {
		return "", "", false, false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest))
	if err != nil {
		return "", "", false, true
	}
	user, pass, found = strings.Cut(string(raw), ":")
	if !found {
		return "", "", false, true
	}
	return user, pass, true, false
}

// bearerToken returns the token of "Authorization: Bearer …", scheme
// case-insensitive (docs/providers/kii.md, "Request conventions"); ok is
// false without one.
func bearerToken(r *http.Request) (string, bool) {
	scheme, rest, found := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok := strings.TrimSpace(rest)
	return tok, tok != ""
}

func unescape(s string) string {
	if d, err := url.QueryUnescape(s); err == nil {
		return d
	}
	return s
}

// checkAppCreds enforces what presented credentials say about app: they
// must name it, and with strictAppKey the key must match. The AppKey is not
// checked otherwise: Kii no longer uses it (docs/providers/kii.md, "Request
// conventions"). A Basic user equal to the app's ClientID is
// client_credentials, not app credentials, and passes here (the token
// endpoint checks it).
func checkAppCreds(app App, c appCreds) error {
	if !c.present {
		return nil
	}
	if !c.names(app.ID) {
		if c.basic && (c.id == app.ClientID || c.idDec == app.ClientID) {
			return nil
		}
		return errUnauthorized(msgAppMismatch, app.ID, "")
	}
	if app.StrictAppKey && !c.keyMatches(app.Key) {
		return errUnauthorized(msgWrongAppKey, app.ID, "")
	}
	return nil
}

// appHandler handles an app-scoped path; withApp resolved the app.
type appHandler func(w http.ResponseWriter, r *http.Request, app App)

// withApp resolves the {appID} of app-scoped paths for h: an unknown app is
// 404 APP_NOT_FOUND, credentials naming another app or (strict apps) a
// wrong key are 401 UNAUTHORIZED (docs/providers/kii.md, "Request
// conventions").
func withApp(log *slog.Logger, st Store, h appHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		appID := pathParam(r, "appID")
		app, ok := st.App(appID)
		if !ok {
			writeError(log, w, r, errAppNotFound(appID))
			return
		}
		c, err := readAppCreds(r)
		if err == nil {
			err = checkAppCreds(app, c)
		}
		if err != nil {
			writeError(log, w, r, err)
			return
		}
		h(w, r, app)
	}
}

// requireAppCreds is for calls that act as the app without a token
// (login, registration): the path names the app, but Kii still wants it
// identified by credentials (docs/providers/kii.md, "Request
// conventions").
func requireAppCreds(r *http.Request, app App) error {
	c, err := readAppCreds(r)
	if err != nil {
		return err
	}
	if !c.present || !c.names(app.ID) {
		return errUnauthorized(msgNoAppCredentials, app.ID, "")
	}
	return nil
}

// principal is who a request's Bearer token speaks for.
type principal struct {
	kind  tokenKind
	user  string // user id, kind user
	token string
}

// authenticate resolves the Bearer token against app: none → kindNone;
// unknown, expired, revoked or another app's → 403 WRONG_TOKEN
// (docs/providers/kii.md, "Users").
func authenticate(st Store, r *http.Request, app App, now time.Time) (principal, error) {
	tok, ok := bearerToken(r)
	if !ok {
		return principal{}, nil
	}
	t, err := st.Token(app.ID, tok, now)
	if errors.Is(err, errTokenInvalid) || errors.Is(err, errNoApp) {
		return principal{}, errWrongToken(app.ID, tok)
	}
	if err != nil {
		return principal{}, err
	}
	return principal{kind: t.Kind, user: t.UserID, token: tok}, nil
}

// pathParam returns a chi URL parameter, path-unescaped when the router
// matched on the escaped path (chi uses RawPath when it is set).
func pathParam(r *http.Request, name string) string {
	v := chi.URLParam(r, name)
	if r.URL.RawPath != "" {
		if d, err := url.PathUnescape(v); err == nil {
			return d
		}
	}
	return v
}

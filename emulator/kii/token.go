package kii

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/httpx"
	"github.com/fakeapi/fakeapi/internal/ids"
)

// Grant types (docs/providers/kii.md, "Token endpoint").
const (
	grantPassword = "password"
	grantClient   = "client_credentials"
	grantRefresh  = "refresh_token"
)

// anonymousID is the "id" of an anonymous token response: Kii documents
// the grant but not this value (docs/providers/kii.md, "Token endpoint").
const anonymousID = "ANONYMOUS"

// tokenBytes is the entropy of access and refresh tokens: 32 random bytes
// give Kii's 43-character base64url tokens (docs/providers/kii.md, "Token endpoint").
const tokenBytes = 32

// handleAppToken handles "POST /api/apps/{appID}/oauth2/token", the login
// guide's endpoint. grant_type is required here.
func handleAppToken(log *slog.Logger, st Store, clk clock.Clock, src ids.Source) appHandler {
	return func(w http.ResponseWriter, r *http.Request, app App) {
		req, err := readTokenRequest(r)
		if err != nil {
			writeError(log, w, r, err)
			return
		}
		if req.grantType == "" {
			writeError(log, w, r, oauthErr(codeInvalidRequest, msgMissingGrant))
			return
		}
		serveGrant(log, st, clk, src, w, r, app, req)
	}
}

// handleSiteToken handles "POST /api/oauth2/token": the same endpoint with
// the app named by X-Kii-AppID / X-Kii-AppKey (or Basic), which is where
// Kii's own SDKs log in; grant_type may be left out
// (docs/providers/kii.md, "Token endpoint").
func handleSiteToken(log *slog.Logger, st Store, clk clock.Clock, src ids.Source) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		req, err := readTokenRequest(r)
		if err != nil {
			writeError(log, w, r, err)
			return
		}
		app, err := siteApp(st, r, req)
		if err != nil {
			writeError(log, w, r, err)
			return
		}
		if req.grantType == "" {
			// The JS SDK sends no grant_type: username+password is a user
			// login, client_id+client_secret an app-admin login, a lone
			// refresh_token a refresh.
			switch {
			case req.username != "" || req.password != "":
				req.grantType = grantPassword
			case req.clientID != "" || req.clientSecret != "":
				req.grantType = grantClient
			case req.refreshToken != "":
				req.grantType = grantRefresh
			default:
				writeError(log, w, r, oauthErr(codeInvalidRequest, msgNoGrantInferred))
				return
			}
		}
		serveGrant(log, st, clk, src, w, r, app, req)
	}
}

// readTokenRequest checks the media type and decodes the body.
func readTokenRequest(r *http.Request) (tokenRequest, error) {
	mt := httpx.MediaType(r)
	if !isJSONType(mt) && mt != mtForm {
		return tokenRequest{}, errMediaType(mt, true)
	}
	body, err := httpx.ReadBody(r)
	if err != nil {
		return tokenRequest{}, err
	}
	return decodeTokenRequest(mt, body, r.URL.Query())
}

// siteApp finds the app of a site-level token request: from its app
// credentials; else, for client_credentials sent without them, from the
// body's client_id (an app's ClientID, or an AppID for anonymous)
// (docs/providers/kii.md, "Token endpoint").
func siteApp(st Store, r *http.Request, req tokenRequest) (App, error) {
	c, err := readAppCreds(r)
	if err != nil {
		return App{}, err
	}
	if c.present {
		app, ok := st.App(c.id)
		if !ok && c.basic {
			app, ok = st.App(c.idDec)
			if !ok {
				// x/oauth2 clientcredentials sends Basic ClientID:ClientSecret.
				if app, ok = st.AppByClientID(c.idDec); ok {
					return app, nil
				}
			}
		}
		if !ok {
			return App{}, errAppNotFound(c.id)
		}
		return app, checkAppCreds(app, c)
	}
	if req.clientID != "" {
		if app, ok := st.AppByClientID(req.clientID); ok {
			return app, nil
		}
		if app, ok := st.App(req.clientID); ok {
			return app, nil
		}
	}
	return App{}, errUnauthorized(msgNoAppCredentials, "", "")
}

// serveGrant runs one grant for app and writes the token response.
func serveGrant(log *slog.Logger, st Store, clk clock.Clock, src ids.Source, w http.ResponseWriter, r *http.Request, app App, req tokenRequest) {
	now := clk.Now()
	tok, err := newToken(app, req, now, src, req.grantType != grantClient)
	if err != nil {
		writeError(log, w, r, err)
		return
	}
	var id string
	switch req.grantType {
	case grantPassword:
		id, err = passwordGrant(st, src, r, app, req, &tok, now)
	case grantClient:
		id, err = clientGrant(st, r, app, req, &tok)
	case grantRefresh:
		id, err = refreshGrant(st, src, r, app, req, &tok, now)
	default:
		// authorization_code is listed by Kii but not emulated.
		err = oauthErr(codeUnsupportedGrantType, fmt.Sprintf(msgUnsupportedGrant, req.grantType))
	}
	if err != nil {
		writeError(log, w, r, err)
		return
	}
	writeToken(w, id, tok, now)
}

// newToken is a fresh access token with the lifetime of the request and
// the app's policy (docs/providers/kii.md, "Token lifetime"): expiresAt,
// in the future and within the app's maximum lifetime, else
// invalid_request; without it, a user token gets the app's default
// lifetime and any other never expires. A zero ExpiresAt means never.
func newToken(app App, req tokenRequest, now time.Time, src ids.Source, user bool) (Token, error) {
	tok := Token{Access: src.Token(tokenBytes)}
	if !req.hasExpiresAt {
		if user {
			tok.ExpiresAt = defaultExpiry(app, now)
		}
		return tok, nil
	}
	at := time.UnixMilli(req.expiresAt).UTC()
	switch {
	case !at.After(now):
		return tok, oauthErr(codeInvalidRequest, msgExpiresAtPast)
	case at.Sub(now) > app.MaxLifetime:
		return tok, oauthErr(codeInvalidRequest, msgExpiresAtTooFar)
	}
	tok.ExpiresAt, tok.Lifetime = at, at.Sub(now)
	return tok, nil
}

// defaultExpiry is when a user token without expiresAt expires: after the
// app's default lifetime, or never (zero) when it has none.
func defaultExpiry(app App, now time.Time) time.Time {
	if app.DefaultLifetime <= 0 {
		return time.Time{}
	}
	return now.Add(app.DefaultLifetime).UTC()
}

// passwordGrant logs a user in. Body client_id/client_secret are app
// credentials here (x/oauth2's in-params style), not admin credentials
// (docs/providers/kii.md, "Token endpoint").
func passwordGrant(st Store, src ids.Source, r *http.Request, app App, req tokenRequest, tok *Token, now time.Time) (string, error) {
	if req.username == "" || req.password == "" {
		return "", oauthErr(codeInvalidRequest, msgMissingUsername)
	}
	if err := grantAppCreds(r, app, req); err != nil {
		return "", err
	}
	if app.RefreshTokens {
		tok.Refresh = src.Token(tokenBytes)
	}
	u, err := st.Login(app.ID, req.username, req.password, *tok, now)
	if err != nil {
		if _, ok := errors.AsType[*loginError](err); ok {
			return "", errInvalidGrant()
		}
		return "", err
	}
	tok.Kind, tok.UserID = kindUser, u.ID
	return u.ID, nil
}

// grantAppCreds requires the app to be identified by credentials: headers
// or Basic, or body client_id = AppID (with client_secret = AppKey, checked
// only for strict apps).
func grantAppCreds(r *http.Request, app App, req tokenRequest) error {
	if req.clientID != "" {
		if req.clientID != app.ID {
			return errUnauthorized(msgClientAppMismatch, app.ID, "")
		}
		if app.StrictAppKey && subtle.ConstantTimeCompare([]byte(req.clientSecret), []byte(app.Key)) != 1 {
			return errUnauthorized(msgWrongAppKey, app.ID, "")
		}
		return nil
	}
	return requireAppCreds(r, app)
}

// clientGrant mints an app-admin token for the app's ClientID/ClientSecret,
// or an anonymous token for AppID/AppKey. A Basic header carrying
// ClientID:ClientSecret is accepted too (x/oauth2 clientcredentials). Bad
// credentials are 400 invalid_client, as Kii's table has no 401 for it
// (docs/providers/kii.md, "Token endpoint").
func clientGrant(st Store, r *http.Request, app App, req tokenRequest, tok *Token) (string, error) {
	id, secret := req.clientID, req.clientSecret
	if id == "" && secret == "" {
		if c, _ := readAppCreds(r); c.basic && (c.idDec == app.ClientID || c.id == app.ClientID) {
			id, secret = c.idDec, c.keyDec
		}
	}
	if id == "" || secret == "" {
		return "", oauthErr(codeInvalidRequest, msgMissingClient)
	}
	eq := func(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
	switch {
	case id == app.ClientID && eq(secret, app.ClientSecret):
		tok.Kind = kindAdmin
		id = app.ClientID
	case id == app.ID && (!app.StrictAppKey || eq(secret, app.Key)):
		tok.Kind = kindAnonymous
		id = anonymousID
	default:
		return "", oauthErr(codeInvalidClient, msgInvalidClient)
	}
	return id, st.Issue(app.ID, *tok)
}

// refreshGrant trades a refresh token for a new pair, once; only in apps
// with refresh tokens enabled (docs/providers/kii.md, "Token endpoint").
func refreshGrant(st Store, src ids.Source, r *http.Request, app App, req tokenRequest, tok *Token, now time.Time) (string, error) {
	if !app.RefreshTokens {
		return "", oauthErr(codeUnsupportedGrantType, msgRefreshDisabled)
	}
	if req.refreshToken == "" {
		return "", oauthErr(codeInvalidRequest, msgMissingRefresh)
	}
	if err := grantAppCreds(r, app, req); err != nil {
		return "", err
	}
	tok.Refresh = src.Token(tokenBytes)
	next, err := st.Refresh(app.ID, req.refreshToken, *tok, now)
	if errors.Is(err, errRefreshUsed) {
		return "", errf(codeWrongRefreshToken, msgWrongRefreshToken)
	}
	if err != nil {
		return "", err
	}
	*tok = next
	return next.UserID, nil
}

// writeToken writes the login guide's success body: id, access_token,
// expires_in, token_type "bearer", then refresh_token when the app has them
// (docs/providers/kii.md, "Token endpoint").
func writeToken(w http.ResponseWriter, id string, tok Token, now time.Time) {
	o := object{{"id", id}, {"access_token", tok.Access}, {"expires_in", tok.expiresIn(now)}, {"token_type", "bearer"}}
	if tok.Refresh != "" {
		o = append(o, kv{"refresh_token", tok.Refresh})
	}
	// Tokens must not be cached (RFC 6749 §5.1).
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	writeObject(w, http.StatusOK, ctJSON, o)
}

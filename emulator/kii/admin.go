package kii

import (
	"errors"
	"net/http"
	"time"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/httpx"
	"github.com/fakeapi/fakeapi/internal/ids"
)

// Admin routes (served under /_fakeapi/kii/): the developer log (Kii's
// 開発者ログ), and shortcuts a test needs that Kii offers only in its
// developer portal. Bodies are JSON; errors are {"error": "..."}
// (httpx.AdminError).

const ctAdminJSON = "application/json; charset=utf-8"

// handleAdminDevlog handles "GET /devlog[?app=appID]": the real cause of
// each failed login, oldest first (docs/providers/kii.md, "Endpoints").
func handleAdminDevlog(st Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteJSON(w, http.StatusOK, ctAdminJSON, st.Devlog(r.URL.Query().Get("app")))
	}
}

// handleAdminClearDevlog handles "DELETE /devlog".
func handleAdminClearDevlog(st Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		st.ClearDevlog()
		w.WriteHeader(http.StatusNoContent)
	}
}

// handleAdminMint handles "POST /apps/{appID}/tokens" with
// {"user": "<userID | LOGIN_NAME:… | EMAIL:… | PHONE:…>", "expiresAt": ms}
// or {"admin": true}: a token without a password, answered in Kii's token
// shape. A disabled user gets none, as at login.
func handleAdminMint(st Store, clk clock.Clock, src ids.Source) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			User      string `json:"user"`
			Admin     bool   `json:"admin"`
			ExpiresAt int64  `json:"expiresAt"`
		}
		if err := httpx.DecodeJSON(r, &req, true); err != nil {
			httpx.AdminError(w, http.StatusBadRequest, `want {"user":"<user>","expiresAt":<ms>} or {"admin":true}`)
			return
		}
		appID := pathParam(r, "appID")
		app, ok := st.App(appID)
		if !ok {
			httpx.AdminError(w, http.StatusNotFound, "no app "+appID)
			return
		}
		now := clk.Now()
		tok := Token{Access: src.Token(tokenBytes)}
		if req.ExpiresAt != 0 {
			tok.ExpiresAt = time.UnixMilli(req.ExpiresAt).UTC()
			if !tok.ExpiresAt.After(now) {
				httpx.AdminError(w, http.StatusBadRequest, "expiresAt must be in the future (UNIX ms)")
				return
			}
		}
		id := app.ClientID
		switch {
		case req.Admin == (req.User != ""):
			httpx.AdminError(w, http.StatusBadRequest, `send exactly one of "user" and "admin"`)
			return
		case req.Admin:
			tok.Kind = kindAdmin
		default:
			u, err := st.FindUser(appID, parseUserSegment(req.User))
			if err != nil {
				httpx.AdminError(w, http.StatusNotFound, "no user "+req.User+" in app "+appID)
				return
			}
			if u.Disabled {
				httpx.AdminError(w, http.StatusConflict, "user "+req.User+" is disabled")
				return
			}
			tok.Kind, tok.UserID, id = kindUser, u.ID, u.ID
			if req.ExpiresAt == 0 {
				tok.ExpiresAt = defaultExpiry(app, now)
			} else {
				tok.Lifetime = tok.ExpiresAt.Sub(now)
			}
			if app.RefreshTokens {
				tok.Refresh = src.Token(tokenBytes)
			}
		}
		if err := st.Issue(appID, tok); err != nil {
			httpx.AdminError(w, http.StatusNotFound, "no user "+req.User+" in app "+appID)
			return
		}
		writeToken(w, id, tok, now)
	}
}

// handleAdminDisabled handles "PUT /apps/{appID}/users/{user}/disabled"
// with {"disabled": true|false}: as Kii's status API, without a token.
func handleAdminDisabled(st Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Disabled *bool `json:"disabled"`
		}
		if err := httpx.DecodeJSON(r, &req, true); err != nil || req.Disabled == nil {
			httpx.AdminError(w, http.StatusBadRequest, `want {"disabled":true} or {"disabled":false}`)
			return
		}
		u, ok := adminUser(w, r, st)
		if !ok {
			return
		}
		if err := st.SetDisabled(pathParam(r, "appID"), u.ID, *req.Disabled); err != nil {
			httpx.AdminError(w, http.StatusNotFound, "no such user")
			return
		}
		httpx.WriteJSON(w, http.StatusOK, ctAdminJSON, map[string]any{"userID": u.ID, "disabled": *req.Disabled})
	}
}

// handleAdminRevoke handles "DELETE /apps/{appID}/users/{user}/tokens".
func handleAdminRevoke(st Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, ok := adminUser(w, r, st)
		if !ok {
			return
		}
		n, err := st.RevokeUserTokens(pathParam(r, "appID"), u.ID)
		if err != nil {
			httpx.AdminError(w, http.StatusNotFound, "no such user")
			return
		}
		httpx.WriteJSON(w, http.StatusOK, ctAdminJSON, map[string]any{"userID": u.ID, "revoked": n})
	}
}

// adminUser resolves {appID} and {user} of an admin route, writing the 404.
func adminUser(w http.ResponseWriter, r *http.Request, st Store) (User, bool) {
	appID, seg := pathParam(r, "appID"), pathParam(r, "user")
	u, err := st.FindUser(appID, parseUserSegment(seg))
	switch {
	case errors.Is(err, errNoApp):
		httpx.AdminError(w, http.StatusNotFound, "no app "+appID)
		return User{}, false
	case err != nil:
		httpx.AdminError(w, http.StatusNotFound, "no user "+seg+" in app "+appID)
		return User{}, false
	}
	return u, true
}

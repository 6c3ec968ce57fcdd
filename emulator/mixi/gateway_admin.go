package mixi

import (
	"errors"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/fakeapi/fakeapi/internal/httpx"
)

// The gateway's admin routes (docs/providers/mixi.md, "Gateway"). Whoever
// can reach the admin API can make the emulator fetch any http(s) URL
// through them: keep it on loopback or behind -admin-token.

type gatewayURLs struct {
	AppID        string `json:"appId"`
	SAPURL       string `json:"sapUrl"`
	LifecycleURL string `json:"lifecycleUrl"`
}

func urlsOf(a App) gatewayURLs {
	return gatewayURLs{AppID: a.ID, SAPURL: a.SAPURL, LifecycleURL: a.LifecycleURL}
}

// adminStatus is the status of a store error on the admin API.
func adminStatus(err error) (int, string) {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.status, ae.reason
	}
	return http.StatusInternalServerError, "internal error"
}

// handleAdminGetSAP handles "GET /_fakeapi/mixi/apps/{appId}/sap".
func handleAdminGetSAP(st Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		app, err := st.GatewayApp(chi.URLParam(r, "appId"))
		if err != nil {
			status, msg := adminStatus(err)
			httpx.AdminError(w, status, msg)
			return
		}
		httpx.WriteJSON(w, http.StatusOK, "application/json; charset=utf-8", urlsOf(app))
	}
}

// handleAdminPutSAP handles "PUT /_fakeapi/mixi/apps/{appId}/sap" with
// {"sapUrl":"http://127.0.0.1:8000/","lifecycleUrl":"…"}: a member left out
// stays as it is, "" removes it.
func handleAdminPutSAP(st Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			SAPURL       *string `json:"sapUrl"`
			LifecycleURL *string `json:"lifecycleUrl"`
		}
		if err := httpx.DecodeJSON(r, &in, true); err != nil || (in.SAPURL == nil && in.LifecycleURL == nil) {
			httpx.AdminError(w, http.StatusBadRequest, `want {"sapUrl":"<http(s) URL of the app's server>","lifecycleUrl":"<http(s) URL, optional>"}`)
			return
		}
		app, err := st.SetGatewayURLs(chi.URLParam(r, "appId"), in.SAPURL, in.LifecycleURL)
		if err != nil {
			status, msg := adminStatus(err)
			if status == http.StatusBadRequest {
				msg = "sapUrl and lifecycleUrl must be absolute http or https URLs without user info or fragment: " + msg
			}
			httpx.AdminError(w, status, msg)
			return
		}
		httpx.WriteJSON(w, http.StatusOK, "application/json; charset=utf-8", urlsOf(app))
	}
}

// handleAdminLifecycle handles "POST /_fakeapi/mixi/apps/{appId}/lifecycle"
// with {"event":"add"|"remove","user":"<id>"} (or the same as a form, from
// a dashboard button): the user adds or removes the app, and the event goes
// to the app's lifecycle URL. The answer says what became of it; a form post
// goes back to the dashboard.
func handleAdminLifecycle(g *gateway) http.HandlerFunc {
	const want = `want {"event":"add"|"remove","user":"<user id>"}`
	return func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Event string `json:"event"`
			User  string `json:"user"`
		}
		form := httpx.MediaType(r) == "application/x-www-form-urlencoded"
		if form {
			if err := r.ParseForm(); err != nil {
				httpx.AdminError(w, http.StatusBadRequest, want)
				return
			}
			in.Event, in.User = r.PostForm.Get("event"), r.PostForm.Get("user")
		} else if err := httpx.DecodeJSON(r, &in, true); err != nil {
			httpx.AdminError(w, http.StatusBadRequest, want)
			return
		}
		var event string
		switch strings.ToLower(in.Event) {
		case "add", eventAdd:
			event = eventAdd
		case "remove", eventRemove:
			event = eventRemove
		default:
			httpx.AdminError(w, http.StatusBadRequest, want)
			return
		}
		appID := chi.URLParam(r, "appId")
		d, err := g.lifecycle(r.Context(), g.ids.Hex(8), appID, in.User, event)
		if err != nil {
			status, msg := adminStatus(err)
			httpx.AdminError(w, status, msg)
			return
		}
		if form {
			target := "/_fakeapi/"
			if tok := r.URL.Query().Get("token"); tok != "" {
				target += "?token=" + tok
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		httpx.WriteJSON(w, http.StatusOK, "application/json; charset=utf-8", map[string]any{
			"appId": appID, "event": event, "user": trimGuid(in.User), "installed": event == eventAdd, "delivery": d,
		})
	}
}

// handleAdminCertificate handles "GET /_fakeapi/mixi/certificate": the PEM
// certificate of the key lifecycle events are signed with.
func handleAdminCertificate(g *gateway) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, cert, err := g.keys.get()
		if err != nil {
			g.log.Error("mixi: lifecycle key", "err", err)
			httpx.AdminError(w, http.StatusInternalServerError, "could not make the signing key")
			return
		}
		httpx.WriteBytes(w, http.StatusOK, "application/x-pem-file", cert)
	}
}

package mixi

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/httpx"
	"github.com/fakeapi/fakeapi/internal/ids"
	"github.com/fakeapi/fakeapi/internal/oauth1"
)

// adminRoutes are mixi's own admin routes under /_fakeapi/mixi/ (the root
// strips that prefix).
func adminRoutes(st Store, clk clock.Clock, src ids.Source, gw *gateway) *chi.Mux {
	r := chi.NewRouter()
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		httpx.AdminError(w, http.StatusNotFound, "no such mixi admin route")
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		httpx.AdminError(w, http.StatusMethodNotAllowed, "method not allowed")
	})
	r.Get("/requests", handleAdminRequests(st))                 // requests sent through invite:friends
	r.Get("/invitations", handleAdminInvitations(st))           // invitations sent through invite:friends
	r.Post("/installs", handleAdminInstall(st))                 // install or uninstall an app for a user
	r.Post("/sign", handleAdminSign(st, clk, src))              // sign a request, for curl users
	r.Get("/viewer", handleAdminViewer(st))                     // the default viewer
	r.Put("/viewer", handleAdminSetViewer(st))                  // change the default viewer
	r.Get("/apps/{appId}/sap", handleAdminGetSAP(st))           // an app's sapUrl and lifecycleUrl (mobile gateway)
	r.Put("/apps/{appId}/sap", handleAdminPutSAP(st))           // register them
	r.Post("/apps/{appId}/lifecycle", handleAdminLifecycle(gw)) // a user adds or removes the app: event.addapp / event.removeapp
	r.Get("/certificate", handleAdminCertificate(gw))           // the certificate lifecycle events are signed under
	return r
}

// adminRequest is a stored request with who still has it.
type adminRequest struct {
	Request
	Pending []string `json:"pending"`
}

// handleAdminRequests handles "GET /_fakeapi/mixi/requests[?app=&sender=&recipient=]".
func handleAdminRequests(st Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		out := []adminRequest{}
		for _, req := range st.Requests() {
			if (q.Get("app") != "" && req.App != q.Get("app")) || (q.Get("sender") != "" && req.Sender != q.Get("sender")) ||
				(q.Get("recipient") != "" && !slices.Contains(req.Recipients, q.Get("recipient"))) {
				continue
			}
			pending := []string{}
			for _, rc := range req.Recipients {
				if !slices.Contains(req.Deleted, rc) {
					pending = append(pending, rc)
				}
			}
			out = append(out, adminRequest{Request: req, Pending: pending})
		}
		httpx.WriteJSON(w, http.StatusOK, "application/json; charset=utf-8", map[string]any{"requests": out})
	}
}

// handleAdminInvitations handles
// "GET /_fakeapi/mixi/invitations[?app=&sender=&recipient=]".
func handleAdminInvitations(st Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		out := []Invitation{}
		for _, inv := range st.Invitations() {
			if (q.Get("app") != "" && inv.App != q.Get("app")) || (q.Get("sender") != "" && inv.Sender != q.Get("sender")) ||
				(q.Get("recipient") != "" && !slices.Contains(inv.Recipients, q.Get("recipient"))) {
				continue
			}
			out = append(out, inv)
		}
		httpx.WriteJSON(w, http.StatusOK, "application/json; charset=utf-8", map[string]any{"invitations": out})
	}
}

// handleAdminViewer handles "GET /_fakeapi/mixi/viewer": the default
// viewer, {"appId":"…","viewer":"…"} (both empty when no app has a user).
func handleAdminViewer(st Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		app, viewer := st.DefaultViewer()
		httpx.WriteJSON(w, http.StatusOK, "application/json; charset=utf-8", ViewerSetting{AppID: app, Viewer: viewer})
	}
}

// handleAdminSetViewer handles "PUT /_fakeapi/mixi/viewer" with
// {"appId":"…","viewer":"…"}: an unknown app or user is a 404, a user who
// has not installed the app a 409 (docs/providers/mixi.md, "The default
// viewer").
func handleAdminSetViewer(st Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in ViewerSetting
		if err := httpx.DecodeJSON(r, &in, true); err != nil || in.AppID == "" || in.Viewer == "" {
			httpx.AdminError(w, http.StatusBadRequest, `want {"appId":"<app id>","viewer":"<user id>"}`)
			return
		}
		if err := st.SetDefaultViewer(in.AppID, in.Viewer); err != nil {
			var ae *apiError
			if errors.As(err, &ae) {
				httpx.AdminError(w, ae.status, ae.reason)
				return
			}
			httpx.AdminError(w, http.StatusInternalServerError, "internal error")
			return
		}
		app, viewer := st.DefaultViewer()
		httpx.WriteJSON(w, http.StatusOK, "application/json; charset=utf-8", ViewerSetting{AppID: app, Viewer: viewer})
	}
}

// handleAdminInstall handles "POST /_fakeapi/mixi/installs" with
// {"app":"…","user":"…","installed":true|false}: hasApp, the permission
// rows and filterBy=hasApp change at once (docs/providers/mixi.md, "What
// changes what").
func handleAdminInstall(st Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			App       string `json:"app"`
			User      string `json:"user"`
			Installed *bool  `json:"installed"`
		}
		if err := httpx.DecodeJSON(r, &in, true); err != nil || in.Installed == nil {
			httpx.AdminError(w, http.StatusBadRequest, `want {"app":"<app id>","user":"<user id>","installed":true|false}`)
			return
		}
		if err := st.SetInstalled(in.App, in.User, *in.Installed); err != nil {
			httpx.AdminError(w, http.StatusNotFound, "unknown app or user")
			return
		}
		httpx.WriteJSON(w, http.StatusOK, "application/json; charset=utf-8", in)
	}
}

// handleAdminSign handles "POST /_fakeapi/mixi/sign" with
// {"method":"GET","url":"http://localhost:8080/mixi/os/0.8/…?xoauth_requestor_id=…","consumerKey":"…"}:
// it answers the Authorization header a client would send, stamped with the
// emulator clock, so a request can be tried with curl.
func handleAdminSign(st Store, clk clock.Clock, src ids.Source) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Method      string `json:"method"`
			URL         string `json:"url"`
			ConsumerKey string `json:"consumerKey"`
			Form        string `json:"form"`
		}
		if err := httpx.DecodeJSON(r, &in, true); err != nil || in.URL == "" {
			httpx.AdminError(w, http.StatusBadRequest, `want {"method":"GET","url":"<full URL>","consumerKey":"<key, default the first app>","form":"<form body, optional>"}`)
			return
		}
		if in.Method == "" {
			in.Method = http.MethodGet
		}
		apps := st.Apps()
		if in.ConsumerKey == "" && len(apps) > 0 {
			in.ConsumerKey = apps[0].ConsumerKey
		}
		app, ok := st.Consumer(in.ConsumerKey)
		if !ok {
			httpx.AdminError(w, http.StatusNotFound, "unknown consumer key")
			return
		}
		form, err := oauth1.ParseForm(in.Form)
		if err != nil {
			httpx.AdminError(w, http.StatusBadRequest, "form is not a form-encoded body")
			return
		}
		s := oauth1.Signer{ConsumerKey: app.ConsumerKey, ConsumerSecret: app.ConsumerSecret}
		h, err := s.Header(strings.ToUpper(in.Method), in.URL, form, src.Hex(10), clk.Now().Unix())
		if err != nil {
			httpx.AdminError(w, http.StatusBadRequest, "url is not a URL")
			return
		}
		httpx.WriteJSON(w, http.StatusOK, "application/json; charset=utf-8", map[string]string{"authorization": h})
	}
}

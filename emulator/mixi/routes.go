package mixi

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/httpx"
	"github.com/fakeapi/fakeapi/internal/ids"
	"github.com/fakeapi/fakeapi/internal/websession"
)

// routes lists every endpoint, one line each. API paths are those of
// http://api.mixi-platform.com/os/0.8 [doc]; every API route sits behind
// the OAuth 1.0 check. Paths with a missing part answer mixi's statuses: no
// target id → 400, no selector → 403 (docs/providers/mixi.md, "Endpoints").
func routes(log *slog.Logger, st Store, clk clock.Clock, src ids.Source, sessions *websession.Manager[inviteTxn], gw *gateway, maxOAuthParam int) *chi.Mux {
	r := chi.NewRouter()
	r.Use(gatewayHost(gatewayHostRoutes(log, gw))) // Host ma.mixi.net: the gateway at the root
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		writeError(log, w, r, newErr(http.StatusNotFound, reasonNoRoute))
	})
	r.MethodNotAllowed(methodNotAllowed(log, r))
	api := r.With(compressAPI, authenticate(log, st, clk, maxOAuthParam)) // gzip to clients that ask (docs/providers/mixi.md, "Compression")
	inv := inviteDeps{log: log, st: st, clk: clk, ids: src, sessions: sessions}

	api.Get("/os/0.8/people", status(log, http.StatusBadRequest, reasonNoTarget))                      // People: 取得対象IDが未指定 → 400
	api.Get("/os/0.8/people/", status(log, http.StatusBadRequest, reasonNoTarget))                     // People: 取得対象IDが未指定 → 400
	api.Get("/os/0.8/people/{guid}", status(log, http.StatusForbidden, reasonNoSelector))              // People: セレクタが未指定 → 403
	api.Get("/os/0.8/people/{guid}/{selector}", handlePeopleSelf(log, st))                             // Person & Friends API: @self, @friends, @all
	api.Get("/os/0.8/people/{guid}/{selector}/{pid}", handlePeopleFriend(log, st))                     // 友人一覧から特定ユーザの取得: @friends/{pid}
	api.Get("/os/0.8/appdata", status(log, http.StatusBadRequest, reasonNoTarget))                     // Persistence: 取得対象IDが未指定 → 400
	api.Get("/os/0.8/appdata/", status(log, http.StatusBadRequest, reasonNoTarget))                    // Persistence: 取得対象IDが未指定 → 400
	api.Get("/os/0.8/appdata/{guid}", status(log, http.StatusForbidden, reasonNoSelector))             // Persistence: セレクタが未指定 → 403
	api.Get("/os/0.8/appdata/{guid}/{selector}", handleAppData(log, st, clk))                          // Persistence API: read (appId defaults to @app)
	api.Post("/os/0.8/appdata/{guid}/{selector}", handleAppData(log, st, clk))                         // Persistence API: create/update
	api.Put("/os/0.8/appdata/{guid}/{selector}", handleAppData(log, st, clk))                          // Persistence API: update
	api.Delete("/os/0.8/appdata/{guid}/{selector}", handleAppData(log, st, clk))                       // Persistence API: delete
	api.Get("/os/0.8/appdata/{guid}/{selector}/{appId}", handleAppData(log, st, clk))                  // Persistence API: /appdata/{guid}/@self|@friends/@app
	api.Post("/os/0.8/appdata/{guid}/{selector}/{appId}", handleAppData(log, st, clk))                 // Persistence API: create/update /@self/@app
	api.Put("/os/0.8/appdata/{guid}/{selector}/{appId}", handleAppData(log, st, clk))                  // Persistence API: update /@self/@app
	api.Delete("/os/0.8/appdata/{guid}/{selector}/{appId}", handleAppData(log, st, clk))               // Persistence API: delete /@self/@app?fields=
	api.Get("/os/0.8/albums", status(log, http.StatusBadRequest, reasonNoTarget))                      // Albums API: no target → 400
	api.Get("/os/0.8/albums/{guid}", status(log, http.StatusForbidden, reasonNoSelector))              // Albums API: no selector → 403
	api.Get("/os/0.8/albums/{guid}/{selector}", handleAlbums(log, st))                                 // Albums API: /albums/{guid}/@self[?visibility=all]
	api.Get("/os/0.8/mediaitems", status(log, http.StatusBadRequest, reasonNoTarget))                  // MediaItems API: no target → 400
	api.Get("/os/0.8/mediaitems/{guid}", status(log, http.StatusForbidden, reasonNoSelector))          // MediaItems API: no selector → 403
	api.Get("/os/0.8/mediaitems/{guid}/{selector}", status(log, http.StatusBadRequest, reasonNoAlbum)) // MediaItems API: no album id → 400
	api.Get("/os/0.8/mediaitems/{guid}/{selector}/{albumId}", handleMediaItems(log, st))               // MediaItems API: /mediaitems/{guid}/@self/{albumId}
	api.Delete("/os/0.8/requests/{guid}/{selector}", handleRequestsDelete(log, st))                    // リクエスト削除API: /requests/@me/@self?requestIds=
	r.Get("/invite:friends", handleInviteStart(inv))                                                   // リクエストAPI: invite:friends user flow
	r.Post("/invite:friends", handleInviteStart(inv))                                                  // リクエストAPI: the app's form POST
	r.Get("/invite/friends", handleInviteStart(inv))                                                   // invite:friends, colon-free path [chosen]
	r.Post("/invite/friends", handleInviteStart(inv))                                                  // invite:friends, colon-free path [chosen]
	r.Post(selectPath, handleInviteSelect(inv))                                                        // invite:friends: friend selection form
	r.Post(confirmPath, handleInviteConfirm(inv))                                                      // invite:friends: confirmation はい/いいえ
	r.Get("/ma/login", gw.handleLoginPage())                                                           // mobile gateway: who this browser is on mixi [chosen]
	r.Post("/ma/login", gw.handleLogin())                                                              // mobile gateway: log in as a fixture user [chosen]
	r.Post("/ma/logout", gw.handleLogout())                                                            // mobile gateway: back to the default viewer [chosen]
	r.Post("/ma/install", gw.handleInstall())                                                          // mobile gateway: add the app (event.addapp) [chosen]
	r.Get("/ma/{appId:[0-9]+}", gw.handleSlash())                                                      // mobile gateway: → /ma/{appId}/
	r.Get("/ma/{appId:[0-9]+}/*", gw.handleApp())                                                      // mobile gateway: http://ma.mixi.net/{appId}/… [doc: mobile_url]
	r.Head("/ma/{appId:[0-9]+}/*", gw.handleApp())                                                     // mobile gateway: HEAD of an app page
	r.Post("/ma/{appId:[0-9]+}/*", gw.handleApp())                                                     // mobile gateway: a form of an app page, invite:friends

	// Writes where the pages are silent: Shindig's answers (docs/providers/mixi.md, "People", "Persistence (appdata)").
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		for _, p := range []string{"/os/0.8/people", "/os/0.8/people/", "/os/0.8/people/{guid}", "/os/0.8/people/{guid}/{selector}", "/os/0.8/people/{guid}/{selector}/{pid}"} {
			api.Method(m, p, handlePeopleWrite(log)) // People: POST/PUT 501, DELETE 400
		}
		api.Method(m, "/os/0.8/appdata", status(log, http.StatusBadRequest, reasonNoTarget))         // Persistence write: 取得対象IDが未指定 → 400
		api.Method(m, "/os/0.8/appdata/", status(log, http.StatusBadRequest, reasonNoTarget))        // Persistence write: 取得対象IDが未指定 → 400
		api.Method(m, "/os/0.8/appdata/{guid}", status(log, http.StatusForbidden, reasonNoSelector)) // Persistence write: セレクタが未指定 → 403
	}
	return r
}

// gatewayHostRoutes are the gateway's paths under Host ma.mixi.net, where
// http://ma.mixi.net/{appId}/ is an app's top page [doc: mobile_url].
func gatewayHostRoutes(log *slog.Logger, gw *gateway) *chi.Mux {
	r := chi.NewRouter()
	r.NotFound(func(w http.ResponseWriter, r *http.Request) { writeInviteErrorPage(w, http.StatusNotFound) })
	r.MethodNotAllowed(methodNotAllowed(log, r))
	r.Get("/", gw.handleLoginPage())            // mobile gateway: who this browser is on mixi [chosen]
	r.Get("/login", gw.handleLoginPage())       // mobile gateway: who this browser is on mixi [chosen]
	r.Post("/login", gw.handleLogin())          // mobile gateway: log in as a fixture user [chosen]
	r.Post("/logout", gw.handleLogout())        // mobile gateway: back to the default viewer [chosen]
	r.Post("/install", gw.handleInstall())      // mobile gateway: add the app (event.addapp) [chosen]
	r.Get("/{appId:[0-9]+}", gw.handleSlash())  // → /{appId}/
	r.Get("/{appId:[0-9]+}/*", gw.handleApp())  // http://ma.mixi.net/{appId}/… [doc: mobile_url]
	r.Head("/{appId:[0-9]+}/*", gw.handleApp()) // HEAD of an app page
	r.Post("/{appId:[0-9]+}/*", gw.handleApp()) // a form of an app page, invite:friends
	return r
}

// gatewayHost sends requests to Host ma.mixi.net whose first segment is
// the gateway's (an app id, login, logout, install, or none) to gw; the
// invite pages and the API stay on the provider's router.
func gatewayHost(gw http.Handler) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !onGatewayHost(r) {
				next.ServeHTTP(w, r)
				return
			}
			seg, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
			if _, isApp := parseID(seg); isApp || seg == "" || seg == "login" || seg == "logout" || seg == "install" {
				gw.ServeHTTP(w, r)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// status answers a fixed client error (a path with a part missing).
func status(log *slog.Logger, code int, reason string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { writeError(log, w, r, newErr(code, reason)) }
}

// methodNotAllowed answers 405 in mixi's format, with Allow. The path is
// the one chi routes on: the escaped path when the URL has one.
func methodNotAllowed(log *slog.Logger, mux chi.Routes) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		path := r.URL.RawPath
		if path == "" {
			path = r.URL.Path
		}
		w.Header().Set("Allow", strings.Join(httpx.AllowedMethods(mux, path), ", "))
		writeError(log, w, r, newErr(http.StatusMethodNotAllowed, reasonMethod))
	}
}

package assist

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/httpx"
	"github.com/fakeapi/fakeapi/internal/ids"
	"github.com/fakeapi/fakeapi/internal/oauth2x"
	"github.com/fakeapi/fakeapi/internal/provider"
)

// Real paths (docs/providers/assist.md, "Endpoints").
const (
	authorizePath    = "/api/oauth/authorize.php"
	authorizePathAlt = "/oauth/authorize.php"
	tokenPath        = "/api/oauth/token.php"
	ordersPath       = "/api/v1/orders.php"
)

// addRoutes lists every endpoint of the real API.
func addRoutes(r chi.Router, log *slog.Logger, cfg Config, st Store, oa *oauth2x.Server, sess *sessions, pg *pages, clk clock.Clock, api func(http.Handler) http.Handler) {
	r.Use(shopDirectory(st))
	r.Get(authorizePath, handleAuthorize(st, oa, sess, pg))              // 認証ページ表示
	r.Post(authorizePath, handleAuthorizePost(st, oa, sess, pg, clk))    // login and consent forms (ours)
	r.Get(authorizePathAlt, handleAuthorize(st, oa, sess, pg))           // the FAQ's example URL omits /api
	r.Post(authorizePathAlt, handleAuthorizePost(st, oa, sess, pg, clk)) // login and consent forms (ours)
	r.Post(tokenPath, oa.HandleToken)                                    // アクセストークン取得
	r.With(api).Get(ordersPath, handleOrdersGet(log, st))                // 受注API 検索 (the FAQ's sample call)
	r.With(api).Head(ordersPath, handleOrdersGet(log, st))               // as GET without the body, as Apache and PHP answer HEAD
	r.With(api).Post(ordersPath, handleOrdersPost(log, st, clk, cfg))    // 新規登録 (verb documented, shape ours)
	r.With(api).Put(ordersPath, handleOrdersPut(log, st, clk, cfg))      // 更新 (verb documented, shape ours)
	r.With(api).Delete(ordersPath, handleOrdersDelete(log, st))          // 削除 (verb documented, shape ours)
}

// addAdminRoutes lists the 外部アプリ連携 and 許可済みアプリケーション一覧
// screens, as JSON and as HTML (ours: docs/providers/assist.md,
// "Endpoints"). Mounted at
// /_fakeapi/assist.
func addAdminRoutes(r chi.Router, st Store, tokens *oauth2x.TokenStore, clk clock.Clock, src ids.Source, ui *adminUI) {
	r.Get("/apps", adminListApps(st, tokens))                    // list registered apps (?shop=)
	r.Post("/apps", adminCreateApp(st, tokens, clk, src))        // register; client id and secret issued
	r.Get("/apps/{clientId}", adminGetApp(st, tokens))           // one app
	r.Put("/apps/{clientId}", adminUpdateApp(st, tokens, clk))   // edit name, redirect URL, IP list
	r.Delete("/apps/{clientId}", adminDeleteApp(st, tokens))     // delete; its codes and tokens die
	r.Get("/grants", adminListGrants(st, tokens))                // 許可済みアプリケーション一覧 (?shop=)
	r.Delete("/grants/{clientId}", adminRevokeGrant(st, tokens)) // revoke (?shop=)
	r.Post("/tokens", adminCreateToken(st, tokens, clk, src))    // a token for an app without the pages (tests, CI)
	r.Get("/ui", ui.redirectHome)                                // HTML: → ui/apps
	r.Get("/ui/apps", ui.apps)                                   // HTML: app list and registration form
	r.Post("/ui/apps", ui.createApp)                             // HTML: register
	r.Get("/ui/apps/{clientId}", ui.app)                         // HTML: details and edit form
	r.Post("/ui/apps/{clientId}", ui.updateApp)                  // HTML: edit
	r.Post("/ui/apps/{clientId}/delete", ui.deleteApp)           // HTML: delete
	r.Get("/ui/grants", ui.grants)                               // HTML: authorised apps
	r.Post("/ui/grants/{clientId}/revoke", ui.revokeGrant)       // HTML: revoke
}

// shopDirectory serves /<dir>/api/… and /<dir>/oauth/… for a shop that
// declares a directory, as real hosts do (docs/providers/assist.md,
// "Endpoints"): the request is routed as the path after the directory, and
// the directory joins the base, so pages and cookies point back under it.
// RawPath is dropped with the directory; the rewritten Path is what routes.
// The shop the directory names is kept for servesShop.
func shopDirectory(st Store) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			dir, rest, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
			if ok && (strings.HasPrefix(rest, "api/") || strings.HasPrefix(rest, "oauth/")) {
				if shop, known := st.ShopByDirectory(dir); known {
					r = httpx.WithBase(r, httpx.Base(r)+"/"+dir)
					r = r.WithContext(context.WithValue(r.Context(), dirShopKey{}, shop.ID))
					u := *r.URL
					u.Path, u.RawPath = "/"+rest, ""
					r.URL = &u
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}

// dirShopKey carries the id of the shop a request named by its directory.
type dirShopKey struct{}

// servesShop reports whether a request may be answered for shop. Shops are
// tenants: a request that names a shop, by its host (a shop's domain, e.g.
// asp101.assist-tencho.com) or its directory (/shop01/), is answered only
// for that shop; a request that names none (the /assist prefix on the
// emulator's own address, or a host no shop has) for any
// (docs/providers/assist.md, "Shops").
func servesShop(r *http.Request, st Store, shop string) bool {
	if dir, ok := r.Context().Value(dirShopKey{}).(string); ok && dir != shop {
		return false
	}
	at, named := st.AtHost(shop, provider.NormalHost(r.Host))
	return at || !named
}

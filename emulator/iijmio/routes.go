package iijmio

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/fakeapi/fakeapi/internal/httpx"
)

// API paths. Every path ends in "/"; without the slash it is unknown, a 404
// (docs/providers/iijmio.md, "Endpoints").
const (
	pathCouponV1 = "/mobile/d/v1/coupon/"
	pathCouponV2 = "/mobile/d/v2/coupon/"
	pathPacketV1 = "/mobile/d/v1/log/packet/"
	pathPacketV2 = "/mobile/d/v2/log/packet/"
)

// addRoutes lists every endpoint of the provider, one line each, as
// docs/providers/iijmio.md, "Endpoints" lists them. HEAD is served wherever
// GET is, since the 2014 capture read headers with curl -I.
func addRoutes(r chi.Router, h handlers) {
	r.Method(http.MethodGet, authorizePath, h.authorize)      // 認可エンドポイント (implicit grant)
	r.Method(http.MethodPost, authorizePath, h.authorizePost) // login and consent form posts

	r.Method(http.MethodGet, pathCouponV1, h.couponGetV1)   // クーポン残量照会・ON/OFF状態照会 v1
	r.Method(http.MethodHead, pathCouponV1, h.couponGetV1)  // same, headers only
	r.Method(http.MethodPut, pathCouponV1, h.couponPutV1)   // クーポンのON/OFF v1
	r.Method(http.MethodOptions, pathCouponV1, h.preflight) // CORS preflight
	r.Method(http.MethodGet, pathCouponV2, h.couponGetV2)   // クーポン残量照会 v2
	r.Method(http.MethodHead, pathCouponV2, h.couponGetV2)  // same, headers only
	r.Method(http.MethodPut, pathCouponV2, h.couponPutV2)   // クーポンのON/OFF v2
	r.Method(http.MethodOptions, pathCouponV2, h.preflight) // CORS preflight
	r.Method(http.MethodGet, pathPacketV1, h.packetGetV1)   // データ利用量照会 v1
	r.Method(http.MethodHead, pathPacketV1, h.packetGetV1)  // same, headers only
	r.Method(http.MethodOptions, pathPacketV1, h.preflight) // CORS preflight
	r.Method(http.MethodGet, pathPacketV2, h.packetGetV2)   // データ利用量照会 v2
	r.Method(http.MethodHead, pathPacketV2, h.packetGetV2)  // same, headers only
	r.Method(http.MethodOptions, pathPacketV2, h.preflight) // CORS preflight

	r.NotFound(h.notFound)         // {"returnCode": "Requested resource is not found"}
	r.MethodNotAllowed(h.notAllow) // 405 with Allow, JSON body
}

// addAdminRoutes lists the provider's admin routes, mounted by the emulator
// at /_fakeapi/iijmio/ with that prefix removed (docs/providers/iijmio.md,
// "Endpoints").
func addAdminRoutes(r chi.Router, h adminHandlers) {
	r.Method(http.MethodPost, "/tokens", h.tokenCreate)           // mint a token without the pages
	r.Method(http.MethodGet, "/tokens", h.tokenList)              // live tokens
	r.Method(http.MethodDelete, "/tokens/{token}", h.tokenRevoke) // revoke one token
	r.Method(http.MethodPost, "/usage", h.usageAdd)               // add traffic, draw coupons
	r.Method(http.MethodGet, "/usage", h.usageGet)                // 31-day windows, ?serviceCode=
	r.Method(http.MethodPost, "/regulation", h.regulationSet)     // force throttling on/off
	r.Method(http.MethodPost, "/coupons", h.couponAdd)            // add a topup or bundle coupon
	r.Method(http.MethodGet, "/apps", h.appList)                  // developer console: applications
	r.Method(http.MethodPost, "/apps", h.appCreate)               // register an application
	r.Method(http.MethodGet, "/apps/{id}", h.appGet)              // one application
	r.Method(http.MethodPut, "/apps/{id}", h.appUpdate)           // change name and redirect URIs
	r.Method(http.MethodDelete, "/apps/{id}", h.appDelete)        // unregister, dropping its tokens
	r.Method(http.MethodPost, "/apps/{id}/reissue", h.appReissue) // デベロッパIDの再発行: a new ID
	r.NotFound(h.notFound)                                        // admin error shape
	r.MethodNotAllowed(h.notAllow)                                // admin error shape
}

// allowMethods is what a 405 lists in Allow: every method the router
// serves at path, HEAD included where the route answers HEAD (RFC 9110
// section 15.5.6; docs/providers/iijmio.md, "Errors").
func allowMethods(r chi.Routes, path string) string {
	return strings.Join(httpx.AllowedMethods(r, path), ", ")
}

// named tags a handler with the maker that built it, so the routes golden
// file (routes_test.go) shows which handler serves which route and catches
// a handler registered on the wrong method or path.
type named struct {
	name string
	http.Handler
}

func (n named) handlerName() string { return n.name }

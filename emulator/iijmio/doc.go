// Package iijmio emulates the IIJmio クーポンスイッチAPI (coupon switch API) of
// IIJmio's mobile data service as it was documented at
// https://www.iijmio.jp/hdd/coupon/mioponapi.html (formerly …/mioponapi.jsp)
// and captured by the 2014 blog post in seeds/000: v1 and v2 of
//
//	GET  /mobile/d/v1/authorization/   OAuth 2.0 implicit grant (login + consent pages)
//	GET  /mobile/d/v{1,2}/coupon/      coupon volumes and ON/OFF state
//	PUT  /mobile/d/v{1,2}/coupon/      switch coupon use per line
//	GET  /mobile/d/v{1,2}/log/packet/  31 days of daily traffic
//
// The rules, with their sources, are in ../shared/reference/iijmio.md; every
// emulated quirk in this package cites its section and label ([doc], [clients],
// [chosen]).
//
// Known differences from the real service:
//   - Everything the real service leaves undocumented is our choice and marked
//     [chosen]: error pages of the authorization endpoint, 405/413/5xx bodies,
//     the regulation (throttling) rule, month rollover, rate-limit windows.
//   - The 2014 XHR page exposing JS globals token/state/tokenType/expiresIn is
//     not emulated (iijmio.md §3).
//   - The fragment key is expires_in (as clients parse it since 2018), not the
//     seed's expiresIn.
//   - The implicit-grant token is minted by this package from the injected ID
//     source, not through go-oauth2/internal/oauth2x: the redirect is built by
//     hand anyway (oauth.md G14), and there is no token endpoint to serve.
//   - Usage only changes through the admin API (POST /_fakeapi/iijmio/usage);
//     no traffic happens by itself.
package iijmio

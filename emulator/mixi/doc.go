// Package mixi emulates the mixi appli mobile platform (mixiアプリ モバイル):
// the OpenSocial 0.8 RESTful API at http://api.mixi-platform.com/os/0.8
// with 2-legged OAuth 1.0 (HMAC-SHA1), and the invite:friends user flow of
// the Request API, after mixi's RESTful API仕様 and リクエストAPI pages.
// docs/providers/mixi.md names the sources and labels every behaviour.
//
// Emulated: People and Friends (@self, @friends, @all, @friends/{pid},
// fields, count, startIndex, filterBy=hasApp, JSON and Atom with mixi's
// string booleans and urn:guid:mixi.jp: ids), the permission model,
// userHash, Persistence (appdata) with its key rules, 100-key limit and the
// 180-writes-in-3-minutes 503, Albums and MediaItems with visibility,
// request deletion, and the invite:friends selection and confirmation pages.
//
// Known differences: error bodies are "<status> - <reason>" after
// Shindig-PHP (mixi's exact text is undocumented); the permission model's
// cells other than × are rebuilt from the page's legend; the invite pages
// are served under the emulator's prefix (/mixi/invite:friends) and inside
// the mobile gateway (/mixi/ma/{appId}/, Host ma.mixi.net), which fetches
// an app's own server and signs each request as mixi did
// (docs/providers/mixi.md, "Gateway"); OAuth parameters are also
// accepted in the query string and form body; the PC (JavaScript) API,
// activities, messages and payments are not emulated.
package mixi

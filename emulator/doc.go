// Package emulator assembles fakeapi: it opens the four providers from their
// fixtures, routes each request to one of them by path prefix ("/iijmio/…")
// or by the provider's real host name (Host: api.iijmio.jp), wraps provider
// traffic in the root middleware (request id, panic recovery, access log,
// journal, body cap, fault injection) and serves the admin API and dashboard
// under /_fakeapi/.
//
// See docs/ARCHITECTURE.md for the picture of a request's path.
package emulator

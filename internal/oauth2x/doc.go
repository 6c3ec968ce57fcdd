// Package oauth2x wraps github.com/go-oauth2/oauth2/v4 (v4.5.4) for the
// emulated OAuth 2.0 providers. Providers never touch go-oauth2's types:
// they give a ClientLookup, a TokenStore on the injected clock and their own
// byte formats and texts, and call the pre-validating authorize wrapper
// (ValidateAuthorize, RedirectError, IssueCode), the token-endpoint wrapper
// (HandleToken) and the Bearer helpers. Only the authorization code grant is
// served, and no refresh token is issued.
//
// go-oauth2's defaults that are unsafe or wrong for the emulator are
// replaced here, each pinned by a test (the TestG… tests) that fails when
// the fix is taken out. docs/oauth.md, part "OAuth 2.0", lists every one
// with its source:
//
//   - authorize errors never redirect to an unvalidated URI, and redirect
//     URIs match exactly ("Authorization request", "Redirect URIs");
//   - an unknown client is invalid_client, statuses follow RFC 6749 §5.2 and
//     go-oauth2's 500s for PKCE and redirect errors are 400 invalid_grant
//     ("Client authentication", "Token errors");
//   - token parameters come from the body only, Basic credentials are
//     URL-decoded, secrets are compared in constant time ("Token endpoint",
//     "Client authentication");
//   - codes are single use under concurrency, and a replay by their own
//     client revokes the tokens they produced when the provider asks for it
//     ("Codes");
//   - the provider writes the token response ("Token endpoint"), and
//     go-oauth2 serves the code flow only, never its implicit redirect
//     ("Redirects");
//   - Bearer tokens come from the Authorization header only, and
//     go-oauth2's own Bearer validation is not used ("Bearer tokens");
//   - expiry is judged by the TokenStore on the injected clock, lifetimes
//     are the provider's, and codes and tokens come from its seeded
//     generators ("Expiry", "Token store").
//
// The package knows no provider.
package oauth2x

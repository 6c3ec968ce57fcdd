// Package oauth2x wraps github.com/go-oauth2/oauth2/v4 (v4.5.4) for the
// emulated OAuth 2.0 providers (style R18, oauth.md §8). Providers never touch
// go-oauth2's types: they give a ClientLookup, a TokenStore on the injected
// clock and their own byte formats, and call the pre-validating authorize
// wrapper (ValidateAuthorize, RedirectError, IssueCode, MintImplicit), the
// token-endpoint wrapper (HandleToken) and the Bearer helpers.
//
// Every unsafe go-oauth2 default listed in oauth.md §8 that applies is fixed
// here, and each fix is pinned by a test named after its row (TestG1…,
// TestG20…) that fails when the fix is removed:
//
//	G1  authorize errors never redirect to an unvalidated URI (pre-checks + PreRedirectErrorHandler)
//	G2  exact redirect-URI match (SetValidateURIHandler), loopback port exception only
//	G3  unknown client → (nil, nil) from GetByID → invalid_client, never server_error
//	G4  RFC 6749 §5.2 statuses (ResponseErrorHandler)
//	G5  missing grant_type / response_type → invalid_request
//	G6  token parameters from the body only; URL-borne secrets and duplicates refused
//	G7  Basic credentials URL-decoded (then raw); Basic or form, never both
//	G8  constant-time secret check; an empty registered secret never matches
//	G9  single-use codes under concurrency (exchange lock; compare-and-delete store)
//	G10 code replay by its own client revokes the tokens it produced
//	G11 redirect_uri optional at the token endpoint unless RequireRedirectURI
//	G12 grant_type=client_credentials with a code is a code exchange (opt-in)
//	G13 the provider writes the token response bytes
//	G15 Bearer token from the Authorization header only, scheme case-insensitive
//	G16 missing-verifier / redirect errors → 400 invalid_grant, not 500
//	G17 expiry judged by the TokenStore on the injected clock alone
//	G18 lifetimes set per provider (no 2 h / 3-day defaults)
//	G19 the user comes from the provider's login + consent, not a deny-all default
//	G20 codes and tokens minted from the provider's generators (internal/ids, -seed)
//
// G14 (implicit redirects) is the provider's: MintImplicit only mints.
// The package knows no provider (style R1).
package oauth2x

// Package oauth1 verifies OAuth 1.0 requests signed with HMAC-SHA1 in the
// 2-legged form (consumer key and secret, no token secret), as mixi appli
// mobile's RESTful API requires them.
//
// Parameters are collected from the "Authorization: OAuth" header, the query
// string and an application/x-www-form-urlencoded body; the signature base
// string follows RFC 5849 §3.4.1; oauth_body_hash (the OAuth Request Body
// Hash draft) is verified when present; timestamps must lie within a window
// of the injected clock and a nonce may be used once within that window.
// Failures are *Error values carrying an OAuth Problem Reporting
// "oauth_problem", which the caller turns into its 401. docs/oauth.md, part
// "OAuth 1.0", gives every rule with its source.
//
// The package knows no provider: the caller supplies the consumer secrets,
// the clock, the nonce store and the candidate base string URIs.
package oauth1

// Package interop runs client libraries that fakeapi's authors did not write
// against the built fakeapi binary:
//
//   - mixi: requests signed by the npm package oauth-1.0a (node/) and by
//     Debian's python3-oauthlib (python/, run with /usr/bin/python3), both
//     accepted, and a tampered signature or body refused on both paths;
//   - Kii: golang.org/x/oauth2 PasswordCredentialsToken (every auth style,
//     refresh) and clientcredentials, a curl replay of seed 001's login,
//     and Kii's official JS SDK (npm kii-cloud-sdk, node/kii.js) through
//     pseudo users, updates, password resets finished through the outbox
//     and address verification;
//   - Assist Tencho: golang.org/x/oauth2 Exchange (every auth style, code
//     replay) and a curl replay of seed 002's authorize URL, PHP token
//     request and sample orders call, with exact response bodies.
//
// The package has only tests. Without node and the npm modules
// (scripts/ci-deps.sh runs npm ci), /usr/bin/python3 with oauthlib, or curl,
// the tests needing them skip with a banner; with CI=true they fail.
package interop

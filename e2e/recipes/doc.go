// Package recipes keeps the copyable recipes under examples/ working: it runs
// each client recipe against the built fakeapi binary, over plain HTTP and
// over HTTPS with the emulator's self-signed certificate trusted the way the
// recipe says (REQUESTS_CA_BUNDLE, NODE_EXTRA_CA_CERTS, SSL_CERT_FILE, the
// recipe's own CA setting):
//
//   - examples/mixi-python: Debian's python3-requests-oauthlib signing mixi
//     requests (run with /usr/bin/python3);
//   - examples/mixi-node: npm oauth-1.0a signing mixi requests;
//   - examples/kii-js: Kii's JavaScript SDK (npm kii-cloud-sdk);
//   - examples/assist-php: php-cli doing Assist's authorization-code flow and
//     the FAQ sample's token request and orders call.
//
// The Docker recipes (examples/docker-compose, examples/github-actions,
// examples/gitlab-ci) need an engine or a CI service to run; here their YAML
// is parsed, every FAKEAPI_* setting they use must be one that `fakeapi -h`
// lists, what they assume of the image must hold in the Dockerfile, and
// their shell steps run against the binary, with curl's requests to the
// hosts they name sent to it instead (--connect-to in a .curlrc). The
// testcontainers-go example is a module of its own, which .ci/run vets and
// builds; running it needs Docker.
//
// The package has only tests. Without node and the npm modules (npm ci in
// each examples/ directory, as scripts/ci-deps.sh does), /usr/bin/python3
// with requests_oauthlib, php or curl, the tests needing them skip with a
// banner; with CI=true they fail.
package recipes

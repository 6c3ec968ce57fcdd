package main

import (
	"crypto/x509"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSelfSignedCoversTLSHosts checks that the names of -tls-hosts are in the
// certificate next to the built-in ones, and that a client trusting the PEM
// written to disk verifies the chain for each of them.
func TestSelfSignedCoversTLSHosts(t *testing.T) {
	t.Parallel()
	pemFile := filepath.Join(t.TempDir(), "fakeapi.pem")
	cfg, err := parseConfig("fakeapi", []string{"-tls-self-signed", pemFile, "-tls-hosts", "fakeapi,mock_api,*.svc.test,10.0.0.7,fd00::1"},
		envOf(nil), io.Discard)
	require.NoError(t, err)
	builtin := []string{"localhost", "127.0.0.1", "::1", "api.iijmio.jp"}
	tlsCfg, err := tlsConfig(cfg, builtin)
	require.NoError(t, err)
	require.Len(t, tlsCfg.Certificates, 1)
	leaf, err := x509.ParseCertificate(tlsCfg.Certificates[0].Certificate[0])
	require.NoError(t, err)
	assert.Equal(t, []string{"localhost", "api.iijmio.jp", "fakeapi", "mock_api", "*.svc.test"}, leaf.DNSNames)
	var ips []string
	for _, ip := range leaf.IPAddresses {
		ips = append(ips, ip.String())
	}
	assert.Equal(t, []string{"127.0.0.1", "::1", "10.0.0.7", "fd00::1"}, ips)

	written, err := os.ReadFile(pemFile)
	require.NoError(t, err)
	roots := x509.NewCertPool()
	require.True(t, roots.AppendCertsFromPEM(written), "the PEM file should hold the certificate")
	for _, name := range []string{"fakeapi", "mock_api", "db.svc.test", "10.0.0.7", "fd00::1", "api.iijmio.jp", "localhost"} {
		_, err := leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: roots})
		assert.NoError(t, err, "a client trusting the PEM should accept %s", name)
	}
	_, err = leaf.Verify(x509.VerifyOptions{DNSName: "other", Roots: roots})
	assert.Error(t, err, "a name nobody listed should not verify")
}

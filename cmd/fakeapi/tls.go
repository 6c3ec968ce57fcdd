package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/fakeapi/fakeapi/emulator"
)

// certHosts are the names the self-signed certificate covers: loopback and
// every real host name a provider answers for (a domain, such as Assist's
// ".assist-tencho.com", as itself and its wildcard), so a client pointed at
// it through a hosts-file entry verifies the chain once it trusts the PEM.
// -tls-hosts adds more, such as the name of a compose service.
func certHosts(emu *emulator.Emulator) []string {
	hosts := []string{"localhost", "127.0.0.1", "::1"}
	for _, p := range emu.Providers() {
		for _, h := range p.Hosts {
			if domain, ok := strings.CutPrefix(h, "."); ok {
				hosts = append(hosts, domain, "*."+domain)
			} else {
				hosts = append(hosts, h)
			}
		}
	}
	return hosts
}

func tlsConfig(cfg config, hosts []string) (*tls.Config, error) {
	switch {
	case cfg.tlsCert != "":
		cert, err := tls.LoadX509KeyPair(cfg.tlsCert, cfg.tlsKey)
		if err != nil {
			return nil, fmt.Errorf("load -tls-cert/-tls-key: %w", err)
		}
		return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
	case cfg.tlsSelfSigned != "":
		cert, certPEM, err := selfSigned(time.Now(), slices.Concat(hosts, cfg.tlsHosts))
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(cfg.tlsSelfSigned, certPEM, 0o644); err != nil {
			return nil, fmt.Errorf("write -tls-self-signed certificate: %w", err)
		}
		return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
	}
	return nil, nil
}

// selfSigned makes a one-year certificate that is its own CA, so clients can
// add the PEM to their trust store as a root.
func selfSigned(now time.Time, hosts []string) (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "fakeapi", Organization: []string{"fakeapi emulator"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	return cert, certPEM, err
}

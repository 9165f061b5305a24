package testca

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"net"
	"strings"
	"time"
)

// Issue signs a new leaf certificate for names, each a DNS name
// ("web.testbed.test", "localhost") or an IP literal ("127.0.0.1", "::1").
// The leaf is good for server and client authentication; its common name is
// the first name. It returns the certificate and its new private key in PEM
// form.
func (c *CA) Issue(names ...string) (certPEM, keyPEM []byte, err error) {
	if len(names) == 0 {
		return nil, nil, fmt.Errorf("issue certificate: no names")
	}
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: names[0], Organization: []string{"testbed"}},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	for _, n := range names {
		if ip := net.ParseIP(strings.Trim(n, "[]")); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
			continue
		}
		if err := checkDNSName(n); err != nil {
			return nil, nil, fmt.Errorf("issue certificate: %w", err)
		}
		tmpl.DNSNames = append(tmpl.DNSNames, n)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("issue certificate: generate key: %w", err)
	}
	if tmpl.SerialNumber, err = randomSerial(); err != nil {
		return nil, nil, fmt.Errorf("issue certificate: %w", err)
	}
	now := time.Now()
	tmpl.NotBefore = now.Add(-backdate)
	tmpl.NotAfter = now.Add(leafValidity)
	if tmpl.NotAfter.After(c.cert.NotAfter) {
		tmpl.NotAfter = c.cert.NotAfter
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.cert, &key.PublicKey, c.key)
	if err != nil {
		return nil, nil, fmt.Errorf("issue certificate: sign: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("issue certificate: marshal key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), nil
}

// TLSConfig issues a leaf for names and returns a server configuration
// serving it, as [ServerTLSConfig] makes.
func (c *CA) TLSConfig(names ...string) (*tls.Config, error) {
	certPEM, keyPEM, err := c.Issue(names...)
	if err != nil {
		return nil, err
	}
	return ServerTLSConfig(certPEM, keyPEM)
}

// ServerTLSConfig is a server configuration for a certificate and key in PEM
// form: TLS 1.2 at least, and no ALPN protocols, so clients of any protocol
// (imap, ftp, ...) are accepted; servers that speak HTTP/2 add "h2" to a
// clone. The certificate PEM may hold a chain after the leaf.
func ServerTLSConfig(certPEM, keyPEM []byte) (*tls.Config, error) {
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("server TLS config: %w", err)
	}
	return &tls.Config{
		Certificates: []tls.Certificate{pair},
		MinVersion:   tls.VersionTLS12,
	}, nil
}

// checkDNSName accepts host names and wildcards made of letters, digits,
// hyphens, underscores and dots.
func checkDNSName(n string) error {
	if n == "" || len(n) > 253 {
		return fmt.Errorf("bad DNS name %q", n)
	}
	for i, label := range strings.Split(strings.TrimPrefix(n, "*."), ".") {
		if label == "" || len(label) > 63 {
			return fmt.Errorf("bad DNS name %q: label %d", n, i+1)
		}
		for _, r := range label {
			ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_'
			if !ok {
				return fmt.Errorf("bad DNS name %q: character %q", n, r)
			}
		}
	}
	return nil
}

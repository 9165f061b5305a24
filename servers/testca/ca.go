// Package testca is testbed's per-project test certificate authority: one
// self-signed ECDSA P-256 CA per project signs the certificate of every TLS
// server in it, so a test trusts all of them by trusting one PEM file.
//
// A CA is made with [New] or kept across runs in a directory with
// [LoadOrCreate]; [CA.Issue] signs a leaf for a list of DNS names and IP
// literals, and [ServerTLSConfig] turns the leaf into a server configuration
// that offers HTTP/2 and HTTP/1.1 through ALPN.
package testca

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"time"
)

// Validity of certificates. Both start an hour in the past so that clocks a
// little behind the issuer's still accept them.
const (
	caValidity   = 10 * 365 * 24 * time.Hour
	leafValidity = 2 * 365 * 24 * time.Hour
	backdate     = time.Hour
)

// CA is a certificate authority: its certificate and private key.
type CA struct {
	cert    *x509.Certificate
	key     *ecdsa.PrivateKey
	certPEM []byte
	keyPEM  []byte
}

// New makes a self-signed CA called commonName, valid for about ten years.
func New(commonName string) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("new CA: generate key: %w", err)
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, fmt.Errorf("new CA: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: commonName, Organization: []string{"testbed"}},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(caValidity),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		// SubjectKeyId is filled in by x509.CreateCertificate for CAs.
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("new CA: create certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("new CA: marshal key: %w", err)
	}
	return fromPEM(
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	)
}

// Parse makes a CA from its certificate and private key in PEM form (the key
// as PKCS #8 "PRIVATE KEY" or SEC 1 "EC PRIVATE KEY"). It checks that the key
// belongs to the certificate and that the certificate is a CA.
func Parse(certPEM, keyPEM []byte) (*CA, error) {
	ca, err := fromPEM(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("parse CA: %w", err)
	}
	return ca, nil
}

func fromPEM(certPEM, keyPEM []byte) (*CA, error) {
	cb, _ := pem.Decode(certPEM)
	if cb == nil || cb.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("certificate: no CERTIFICATE PEM block")
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, fmt.Errorf("certificate: %w", err)
	}
	if !cert.IsCA {
		return nil, fmt.Errorf("certificate %q is not a CA", cert.Subject.CommonName)
	}
	key, err := parseKey(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("key: %w", err)
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || !pub.Equal(&key.PublicKey) {
		return nil, fmt.Errorf("key does not match certificate %q", cert.Subject.CommonName)
	}
	return &CA{cert: cert, key: key, certPEM: certPEM, keyPEM: keyPEM}, nil
}

func parseKey(keyPEM []byte) (*ecdsa.PrivateKey, error) {
	kb, _ := pem.Decode(keyPEM)
	if kb == nil {
		return nil, fmt.Errorf("no PEM block")
	}
	switch kb.Type {
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
		if err != nil {
			return nil, err
		}
		ec, ok := k.(*ecdsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("key is %T, want ECDSA", k)
		}
		return ec, nil
	case "EC PRIVATE KEY":
		return x509.ParseECPrivateKey(kb.Bytes)
	default:
		return nil, fmt.Errorf("PEM block %q, want PRIVATE KEY", kb.Type)
	}
}

// Certificate is the CA's parsed certificate.
func (c *CA) Certificate() *x509.Certificate { return c.cert }

// CertPEM is the CA certificate in PEM form: what clients trust.
func (c *CA) CertPEM() []byte { return append([]byte(nil), c.certPEM...) }

// KeyPEM is the CA private key in PEM form. Keep it out of logs.
func (c *CA) KeyPEM() []byte { return append([]byte(nil), c.keyPEM...) }

// Pool is a certificate pool holding only this CA, for a client's RootCAs.
func (c *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(c.cert)
	return p
}

func randomSerial() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("serial number: %w", err)
	}
	return n.Add(n, big.NewInt(1)), nil
}

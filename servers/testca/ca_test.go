package testca

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func parseLeaf(t *testing.T, certPEM []byte) *x509.Certificate {
	t.Helper()
	b, _ := pem.Decode(certPEM)
	if b == nil {
		t.Fatal("Issue() certificate is not PEM")
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatalf("ParseCertificate() = %v", err)
	}
	return c
}

func TestNewIsCA(t *testing.T) {
	ca, err := New("testbed test CA")
	if err != nil {
		t.Fatalf("New() = %v", err)
	}
	c := ca.Certificate()
	if !c.IsCA || c.KeyUsage&x509.KeyUsageCertSign == 0 {
		t.Errorf("New() IsCA=%v KeyUsage=%v, want a CA with CertSign", c.IsCA, c.KeyUsage)
	}
	if got := c.Subject.CommonName; got != "testbed test CA" {
		t.Errorf("CommonName = %q, want %q", got, "testbed test CA")
	}
	if years := c.NotAfter.Sub(c.NotBefore).Hours() / 24 / 365; years < 9.9 {
		t.Errorf("validity = %.1f years, want about 10", years)
	}
	if _, err := Parse(ca.CertPEM(), ca.KeyPEM()); err != nil {
		t.Errorf("Parse(CertPEM, KeyPEM) = %v", err)
	}
	other, err := New("other")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(ca.CertPEM(), other.KeyPEM()); err == nil {
		t.Error("Parse() with another CA's key = nil error, want a mismatch")
	}
}

func TestIssueVerifies(t *testing.T) {
	ca, err := New("test")
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"web.testbed.test", "web", "localhost", "127.0.0.1", "::1"}
	certPEM, keyPEM, err := ca.Issue(names...)
	if err != nil {
		t.Fatalf("Issue() = %v", err)
	}
	leaf := parseLeaf(t, certPEM)
	if len(leaf.DNSNames) != 3 || len(leaf.IPAddresses) != 2 {
		t.Errorf("DNSNames=%v IPAddresses=%v, want 3 names and 2 addresses", leaf.DNSNames, leaf.IPAddresses)
	}
	if !leaf.NotAfter.Before(ca.Certificate().NotAfter.Add(1)) {
		t.Errorf("leaf NotAfter %v after CA NotAfter %v", leaf.NotAfter, ca.Certificate().NotAfter)
	}
	for _, n := range names {
		t.Run(n, func(t *testing.T) {
			_, err := leaf.Verify(x509.VerifyOptions{
				DNSName:   n,
				Roots:     ca.Pool(),
				KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			})
			if err != nil {
				t.Errorf("Verify(%s) = %v", n, err)
			}
		})
	}
	t.Run("other name fails", func(t *testing.T) {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "example.com", Roots: ca.Pool()}); err == nil {
			t.Error("Verify(example.com) = nil, want error")
		}
	})
	t.Run("other CA fails", func(t *testing.T) {
		other, _ := New("other")
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "localhost", Roots: other.Pool()}); err == nil {
			t.Error("Verify() with another CA = nil, want error")
		}
	})
	if _, err := ServerTLSConfig(certPEM, keyPEM); err != nil {
		t.Errorf("ServerTLSConfig() = %v", err)
	}
}

func TestIssueRejects(t *testing.T) {
	ca, err := New("test")
	if err != nil {
		t.Fatal(err)
	}
	for _, names := range [][]string{nil, {""}, {"bad name"}, {"a..b"}, {"x/y"}} {
		if _, _, err := ca.Issue(names...); err == nil {
			t.Errorf("Issue(%q) = nil error, want error", names)
		}
	}
}

func TestTLSHandshake(t *testing.T) {
	ca, err := New("test")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ca.TLSConfig("localhost", "127.0.0.1")
	if err != nil {
		t.Fatalf("TLSConfig() = %v", err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_ = c.(*tls.Conn).Handshake()
	}()
	conn, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: ca.Pool(), NextProtos: []string{"imap"}})
	if err != nil {
		t.Fatalf("tls.Dial() = %v", err)
	}
	st := conn.ConnectionState()
	conn.Close()
	wg.Wait()
	if st.NegotiatedProtocol != "" {
		t.Errorf("NegotiatedProtocol = %q, want none: ALPN is the server's to add", st.NegotiatedProtocol)
	}
	if st.Version < tls.VersionTLS12 {
		t.Errorf("Version = %x, want >= TLS 1.2", st.Version)
	}
}

func TestLoadOrCreate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ca")
	ca1, err := LoadOrCreate(dir, "project CA")
	if err != nil {
		t.Fatalf("LoadOrCreate() first = %v", err)
	}
	for name, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, KeyFileName): 0o600, CertFile(dir): 0o644} {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("mode of %s = %o, want %o", filepath.Base(name), got, want)
		}
	}
	ca2, err := LoadOrCreate(dir, "ignored")
	if err != nil {
		t.Fatalf("LoadOrCreate() second = %v", err)
	}
	if !bytes.Equal(ca1.CertPEM(), ca2.CertPEM()) || !bytes.Equal(ca1.KeyPEM(), ca2.KeyPEM()) {
		t.Error("LoadOrCreate() second returned a different CA, want the stored one")
	}
	// A leaf from the reloaded CA verifies against the first one's pool.
	certPEM, _, err := ca2.Issue("localhost")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parseLeaf(t, certPEM).Verify(x509.VerifyOptions{DNSName: "localhost", Roots: ca1.Pool()}); err != nil {
		t.Errorf("Verify() = %v", err)
	}
}

func TestLoadOrCreateConcurrent(t *testing.T) {
	dir := t.TempDir()
	const n = 4
	cas := make([]*CA, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cas[i], errs[i] = LoadOrCreate(dir, "race")
		}()
	}
	wg.Wait()
	onDisk, err := os.ReadFile(CertFile(dir))
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("LoadOrCreate() #%d = %v", i, errs[i])
		}
		if !bytes.Equal(cas[i].CertPEM(), onDisk) {
			t.Errorf("LoadOrCreate() #%d returned a CA that is not the one on disk", i)
		}
	}
}

func TestLoadOrCreateBroken(t *testing.T) {
	t.Run("cert without key", func(t *testing.T) {
		dir := t.TempDir()
		ca, _ := New("x")
		if err := os.WriteFile(CertFile(dir), ca.CertPEM(), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadOrCreate(dir, "x"); err == nil {
			t.Error("LoadOrCreate() = nil error, want error")
		}
	})
	t.Run("garbage", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(CertFile(dir), []byte("nope"), 0o644)
		os.WriteFile(filepath.Join(dir, KeyFileName), []byte("nope"), 0o600)
		if _, err := LoadOrCreate(dir, "x"); err == nil {
			t.Error("LoadOrCreate() = nil error, want error")
		}
	})
}

func TestWriteCert(t *testing.T) {
	ca, _ := New("x")
	dir := t.TempDir()
	p, err := ca.WriteCert(dir)
	if err != nil {
		t.Fatalf("WriteCert() = %v", err)
	}
	got, err := os.ReadFile(p)
	if err != nil || !bytes.Equal(got, ca.CertPEM()) {
		t.Errorf("ReadFile(%s) = %q, %v; want the CA PEM", p, got, err)
	}
	if !filepath.IsAbs(p) {
		t.Errorf("WriteCert() = %q, want an absolute path", p)
	}
}

func TestSecret(t *testing.T) {
	a, err := New("a")
	if err != nil {
		t.Fatal(err)
	}
	b, err := New("b")
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse(a.CertPEM(), a.KeyPEM())
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case len(a.Secret("control")) != 64:
		t.Fatalf("Secret = %q, want 64 hex digits", a.Secret("control"))
	case a.Secret("control") != again.Secret("control"):
		t.Fatal("the same CA, loaded again, gives another secret")
	case a.Secret("control") == b.Secret("control"):
		t.Fatal("two CAs give the same secret")
	case a.Secret("control") == a.Secret("other"):
		t.Fatal("two purposes give the same secret")
	}
}

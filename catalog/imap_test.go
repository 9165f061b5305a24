package catalog

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"math/big"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// imapTestTLS returns a server config with a self-signed certificate for
// 127.0.0.1, and a client config trusting it.
func imapTestTLS(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		&tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
}

// imapKindLog is a log buffer safe for the server's goroutines and the test.
type imapKindLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *imapKindLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *imapKindLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// runIMAPKindForTest runs the imap kind on 127.0.0.1 and returns its
// addresses by port key and a stop function returning Run's error.
func runIMAPKindForTest(t *testing.T, opts map[string]string, tlsCfg *tls.Config, log *imapKindLog) (map[string]string, func() error) {
	t.Helper()
	k, ok := New().Kind("imap")
	if !ok {
		t.Fatal(`Kind("imap") missing from the catalogue`)
	}
	resolved, err := k.ResolveOptions(opts)
	if err != nil {
		t.Fatalf("ResolveOptions() = %v", err)
	}
	ls, pcs, err := k.Listen("127.0.0.1", map[string]int{"143/tcp": 0, "993/tcp": 0})
	if err != nil {
		t.Fatalf("Listen() = %v", err)
	}
	addrs := map[string]string{}
	for key, l := range ls {
		addrs[key] = l.Addr().String()
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- k.Run(ctx, Env{Listeners: ls, Packets: pcs, Options: resolved, TLS: tlsCfg,
			Logger: slog.New(slog.NewTextHandler(log, nil))})
	}()
	var once sync.Once
	var runErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(10 * time.Second):
				t.Errorf("Run() still running 10s after cancel")
			}
		})
		return runErr
	}
	t.Cleanup(func() { stop() })
	return addrs, stop
}

// imapExchange reads the greeting, sends each command with tag "a" and
// returns the greeting and the tagged response of each.
func imapExchange(t *testing.T, c net.Conn, cmds ...string) (string, []string) {
	t.Helper()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	readLine := func() string {
		l, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		return strings.TrimRight(l, "\r\n")
	}
	greeting := readLine()
	var tagged []string
	for _, cmd := range cmds {
		if _, err := c.Write([]byte("a " + cmd + "\r\n")); err != nil {
			t.Fatalf("write: %v", err)
		}
		for l := readLine(); ; l = readLine() {
			if strings.HasPrefix(l, "a ") {
				tagged = append(tagged, l)
				break
			}
		}
	}
	return greeting, tagged
}

func TestIMAPKindRun(t *testing.T) {
	serverTLS, clientTLS := imapTestTLS(t)
	addrs, stop := runIMAPKindForTest(t, map[string]string{"user": "u1", "password": "p1"}, serverTLS, &imapKindLog{})
	k, _ := New().Kind("imap")
	probes := k.Ready(nil).All

	plain, err := net.Dial("tcp", addrs["143/tcp"])
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	greeting, tagged := imapExchange(t, plain, "LOGIN imaptest password", "LOGIN u1 p1", "SELECT INBOX")
	if !regexp.MustCompile(probes[0].Banner.Expect).MatchString(greeting) || !strings.Contains(greeting, "STARTTLS") {
		t.Errorf("greeting on 143 = %q, want a match of %q offering STARTTLS", greeting, probes[0].Banner.Expect)
	}
	want := []string{"a NO [AUTHENTICATIONFAILED]", "a OK", "a OK [READ-WRITE]"}
	for i, w := range want {
		if !strings.HasPrefix(tagged[i], w) {
			t.Errorf("response %d = %q, want prefix %q", i, tagged[i], w)
		}
	}

	secure, err := tls.Dial("tcp", addrs["993/tcp"], clientTLS)
	if err != nil {
		t.Fatalf("TLS dial 993: %v", err)
	}
	defer secure.Close()
	greeting, tagged = imapExchange(t, secure, "LOGIN u1 p1")
	if !regexp.MustCompile(probes[1].Banner.Expect).MatchString(greeting) || strings.Contains(greeting, "STARTTLS") {
		t.Errorf("greeting on 993 = %q, want a match of %q without STARTTLS", greeting, probes[1].Banner.Expect)
	}
	if !strings.HasPrefix(tagged[0], "a OK") {
		t.Errorf("LOGIN over TLS = %q, want OK", tagged[0])
	}

	if err := stop(); err != nil {
		t.Errorf("Run() after cancel = %v, want nil", err)
	}
	if c, err := net.DialTimeout("tcp", addrs["143/tcp"], time.Second); err == nil {
		c.Close()
		t.Error("port 143 still accepts after Run returned")
	}
}

func TestIMAPKindWithoutTLS(t *testing.T) {
	log := &imapKindLog{}
	addrs, stop := runIMAPKindForTest(t, nil, nil, log)
	c, err := net.Dial("tcp", addrs["143/tcp"])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	greeting, tagged := imapExchange(t, c, "LOGIN imaptest password")
	if strings.Contains(greeting, "STARTTLS") || !strings.HasPrefix(tagged[0], "a OK") {
		t.Errorf("without TLS: greeting %q, LOGIN %q; want no STARTTLS and the default user accepted", greeting, tagged[0])
	}
	if c, err := net.DialTimeout("tcp", addrs["993/tcp"], time.Second); err == nil {
		c.Close()
		t.Error("port 993 accepts without TLS, want it closed")
	}
	if err := stop(); err != nil {
		t.Errorf("Run() = %v, want nil", err)
	}
	if !strings.Contains(log.String(), "993 is not served") {
		t.Errorf("log = %q, want a warning about 993", log.String())
	}
}

func TestIMAPKindDescription(t *testing.T) {
	k, ok := New().Kind("imap")
	if !ok {
		t.Fatal(`Kind("imap") missing from the catalogue`)
	}
	var keys []string
	for _, p := range k.Ports {
		keys = append(keys, p.Key())
	}
	if got := strings.Join(keys, " "); got != "143/tcp 993/tcp" || k.Ports[0].TLS || !k.Ports[1].TLS {
		t.Errorf("ports = %s (TLS %v %v), want 143/tcp plain and 993/tcp TLS", got, k.Ports[0].TLS, k.Ports[1].TLS)
	}
	opts, err := k.ResolveOptions(nil)
	if err != nil || opts["user"] != "imaptest" || opts["password"] != "password" {
		t.Errorf("ResolveOptions(nil) = %v, %v; want imaptest/password", opts, err)
	}
	if !k.SecretOption("password") || k.SecretOption("user") {
		t.Error("SecretOption: want password secret and user not")
	}
	p := k.Ready(opts)
	if len(p.All) != 2 || p.All[0].Banner == nil || p.All[0].Banner.Port != 143 || p.All[0].Banner.TLS ||
		p.All[1].Banner == nil || p.All[1].Banner.Port != 993 || !p.All[1].Banner.TLS || p.All[1].Banner.Expect != `^\* OK` {
		t.Errorf("Ready() = %+v, want banners on 143 and 993 (TLS)", p)
	}
}

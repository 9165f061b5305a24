package smtpd

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"log/slog"
	"net/smtp"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/testbed-dev/testbed/servers/internal/servertest"
	"github.com/testbed-dev/testbed/servers/mailstore"
	"github.com/testbed-dev/testbed/servers/testca"
)

// copies records what reaches a copy deliverer; fail makes it fail.
type copies struct {
	mu   sync.Mutex
	got  []string
	fail bool
}

func (c *copies) Deliver(_ context.Context, user string, msg []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail {
		return errors.New("copy target down")
	}
	c.got = append(c.got, user+":"+string(msg))
	return nil
}

type testSMTP struct {
	mx, sub, subTLS string
	store           *mailstore.Memory
	copies          *copies
	pool            *x509.CertPool
	caFile          string
	log             *servertest.LogBuffer
}

func startSMTP(t *testing.T, insecure bool) *testSMTP {
	t.Helper()
	ca, err := testca.New("smtpd test CA")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ca.TLSConfig("localhost", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	ts := &testSMTP{store: mailstore.NewMemory("ann"), copies: &copies{}, pool: ca.Pool(), log: &servertest.LogBuffer{}}
	ts.caFile = filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(ts.caFile, ca.CertPEM(), 0o644)
	srv, err := New(Options{Users: map[string]string{"ann": "s3cret"}, Store: ts.store, Copies: []mailstore.Deliverer{ts.copies},
		TLS: cfg, InsecureAuth: insecure, Logger: slog.New(slog.NewTextHandler(ts.log, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	lb := servertest.NewLoopback(t, srv.Close)
	ts.mx, ts.sub, ts.subTLS = lb.Stream(srv.Serve), lb.Stream(srv.ServeSubmission), lb.Stream(srv.ServeSubmissionTLS)
	return ts
}

func (ts *testSMTP) messages(t *testing.T) []string {
	t.Helper()
	msgs, err := ts.store.Messages("ann")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range msgs {
		out = append(out, string(m.Data))
	}
	return out
}

const testMsg = "From: bob@example.test\r\nTo: ann@example.test\r\nSubject: hi\r\n\r\nhello ann\r\n"

// Go's net/smtp: STARTTLS then AUTH PLAIN on submission, implicit TLS on
// 465, mail for the local user without AUTH on 25.
func TestNetSMTP(t *testing.T) {
	ts := startSMTP(t, false)
	tlsCfg := &tls.Config{RootCAs: ts.pool, ServerName: "127.0.0.1"}

	c, err := smtp.Dial(ts.sub)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Mail("bob@example.test"); err == nil || !strings.HasPrefix(err.Error(), "530") {
		t.Errorf("MAIL before AUTH on submission = %v, want 530", err)
	}
	if err := c.StartTLS(tlsCfg); err != nil {
		t.Fatalf("STARTTLS: %v", err)
	}
	if err := c.Auth(smtp.PlainAuth("", "ann", "s3cret", "127.0.0.1")); err != nil {
		t.Fatalf("AUTH PLAIN: %v", err)
	}
	if err := c.Mail("bob@example.test"); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("nobody@example.test"); err == nil || !strings.HasPrefix(err.Error(), "550") {
		t.Errorf("RCPT for an unknown user = %v, want 550", err)
	}
	if err := c.Rcpt("ann@anything.test"); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(testMsg))
	if err := w.Close(); err != nil {
		t.Fatalf("DATA: %v", err)
	}
	c.Quit()

	bad, err := smtp.Dial(ts.sub)
	if err != nil {
		t.Fatal(err)
	}
	bad.StartTLS(tlsCfg)
	if err := bad.Auth(smtp.PlainAuth("", "ann", "wrong", "127.0.0.1")); err == nil || !strings.HasPrefix(err.Error(), "535") {
		t.Errorf("AUTH with a wrong password = %v, want 535", err)
	}
	bad.Close()

	conn, err := tls.Dial("tcp", ts.subTLS, tlsCfg)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := smtp.NewClient(conn, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := c2.Extension("STARTTLS"); ok {
		t.Error("465 offers STARTTLS inside TLS")
	}
	if err := c2.Auth(smtp.PlainAuth("", "ann", "s3cret", "127.0.0.1")); err != nil {
		t.Fatalf("AUTH on 465: %v", err)
	}
	c2.Quit()

	c3, err := smtp.Dial(ts.mx)
	if err != nil {
		t.Fatal(err)
	}
	if err := c3.Mail("bob@example.test"); err != nil {
		t.Fatalf("MAIL without AUTH on 25 = %v, want it taken", err)
	}
	if err := c3.Rcpt("ann@example.test"); err != nil {
		t.Fatal(err)
	}
	w, _ = c3.Data()
	w.Write([]byte(testMsg))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	c3.Quit()

	msgs := ts.messages(t)
	if len(msgs) != 2 || !strings.HasSuffix(msgs[0], testMsg) || !strings.HasPrefix(msgs[0], "Return-Path: <bob@example.test>\r\nReceived: ") {
		t.Fatalf("stored = %q, want 2 messages with a Return-Path and Received line", msgs)
	}
	if len(ts.copies.got) != 2 || !strings.HasPrefix(ts.copies.got[0], "ann:Return-Path") {
		t.Errorf("copies = %q, want both messages for ann", ts.copies.got)
	}
	if log := ts.log.String(); strings.Contains(log, "s3cret") || !strings.Contains(log, "login refused") || !strings.Contains(log, "delivered") {
		t.Errorf("log: want a refused login and deliveries, no password:\n%s", log)
	}
}

// Without insecure auth, AUTH needs STARTTLS first (523); a failing copy
// does not fail the delivery.
func TestAuthNeedsTLS(t *testing.T) {
	ts := startSMTP(t, false)
	ts.copies.fail = true
	c, err := smtp.Dial(ts.sub)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// net/smtp refuses PLAIN on a plain connection except to localhost,
	// so ask in raw words.
	if err := c.Hello("client.test"); err != nil {
		t.Fatal(err)
	}
	id, _ := c.Text.Cmd("AUTH PLAIN AGFubgBzM2NyZXQ=")
	c.Text.StartResponse(id)
	code, _, _ := c.Text.ReadResponse(0)
	c.Text.EndResponse(id)
	if code != 523 {
		t.Errorf("AUTH before STARTTLS = %d, want 523", code)
	}
	c3, err := smtp.Dial(ts.mx)
	if err != nil {
		t.Fatal(err)
	}
	c3.Mail("bob@example.test")
	c3.Rcpt("ann@example.test")
	w, _ := c3.Data()
	w.Write([]byte(testMsg))
	if err := w.Close(); err != nil {
		t.Errorf("DATA with a failing copy = %v, want 250", err)
	}
	c3.Quit()
	if len(ts.messages(t)) != 1 || !strings.Contains(ts.log.String(), "copy not delivered") {
		t.Errorf("want the message stored and the failed copy logged:\n%s", ts.log.String())
	}
}

// curl sends over submission with STARTTLS (--ssl-reqd) and AUTH LOGIN,
// and over implicit TLS (smtps://) with AUTH PLAIN.
func TestCurlSMTP(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	ts := startSMTP(t, true)
	body := filepath.Join(t.TempDir(), "msg.eml")
	os.WriteFile(body, []byte(testMsg), 0o644)
	for _, c := range []struct{ url, mech string }{
		{"smtp://" + ts.sub, "AUTH=LOGIN"},
		{"smtps://" + ts.subTLS, "AUTH=PLAIN"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		out, err := exec.CommandContext(ctx, "curl", "-sS", "--ssl-reqd", "--cacert", ts.caFile, "--login-options", c.mech,
			"-u", "ann:s3cret", "--mail-from", "bob@example.test", "--mail-rcpt", "ann@example.test", "-T", body, c.url).CombinedOutput()
		cancel()
		if err != nil {
			t.Errorf("curl %s (%s): %v\n%s", c.url, c.mech, err, out)
		}
	}
	if got := ts.messages(t); len(got) != 2 {
		t.Errorf("stored %d messages, want 2", len(got))
	}
	if log := ts.log.String(); strings.Count(log, `msg="smtp: login"`) != 2 {
		t.Errorf("log lacks two logins:\n%s", log)
	}
}

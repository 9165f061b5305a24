package pop3d

import (
	"bufio"
	"context"
	"crypto/md5"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/testbed-dev/testbed/servers/internal/servertest"
	"github.com/testbed-dev/testbed/servers/mailstore"
	"github.com/testbed-dev/testbed/servers/testca"
)

type testPOP struct {
	plain, secure string
	store         *mailstore.Memory
	pool          *x509.CertPool
	caFile        string
	log           *servertest.LogBuffer
}

const (
	msg1 = "Subject: one\r\nFrom: a@example.test\r\n\r\nfirst line\r\n.dotted line\r\nthird line\r\n"
	msg2 = "Subject: two\r\n\r\nsecond message\r\n"
)

func startPOP(t *testing.T, insecure bool) *testPOP {
	t.Helper()
	ca, err := testca.New("pop3d test CA")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ca.TLSConfig("localhost", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	tp := &testPOP{store: mailstore.NewMemory("ann"), pool: ca.Pool(), log: &servertest.LogBuffer{}}
	tp.caFile = filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(tp.caFile, ca.CertPEM(), 0o644)
	for _, m := range []string{msg1, msg2} {
		tp.store.Deliver(context.Background(), "ann", []byte(m))
	}
	srv, err := New(Options{Users: map[string]string{"ann": "s3cret"}, Store: tp.store, TLS: cfg, InsecureAuth: insecure,
		Hostname: "pop.test", Logger: slog.New(slog.NewTextHandler(tp.log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	lb := servertest.NewLoopback(t, srv.Close)
	tp.plain, tp.secure = lb.Stream(srv.Serve), lb.Stream(srv.ServeTLS)
	return tp
}

// client is a raw POP3 client.
type client struct {
	t        *testing.T
	c        net.Conn
	r        *bufio.Reader
	greeting string
}

func dial(t *testing.T, addr string) *client {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	t.Cleanup(func() { c.Close() })
	cl := &client{t: t, c: c, r: bufio.NewReader(c)}
	cl.greeting = cl.line()
	return cl
}

func (c *client) line() string {
	c.t.Helper()
	l, err := c.r.ReadString('\n')
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return strings.TrimRight(l, "\r\n")
}

// cmd sends a command and returns the status line.
func (c *client) cmd(format string, args ...any) string {
	c.t.Helper()
	fmt.Fprintf(c.c, format+"\r\n", args...)
	return c.line()
}

// multi sends a command and returns the status line and the lines up to
// ".", un-stuffed.
func (c *client) multi(cmd string) (string, []string) {
	c.t.Helper()
	status := c.cmd("%s", cmd)
	if !strings.HasPrefix(status, "+OK") {
		return status, nil
	}
	var lines []string
	for l := c.line(); l != "."; l = c.line() {
		lines = append(lines, strings.TrimPrefix(l, "."))
	}
	return status, lines
}

func TestSession(t *testing.T) {
	tp := startPOP(t, true)
	c := dial(t, tp.plain)
	if !strings.HasPrefix(c.greeting, "+OK") {
		t.Fatalf("greeting = %q", c.greeting)
	}
	if _, caps := c.multi("CAPA"); !strings.Contains(strings.Join(caps, ","), "STLS") || !strings.Contains(strings.Join(caps, ","), "UIDL") {
		t.Errorf("CAPA = %q, want STLS and UIDL", caps)
	}
	for _, step := range []struct{ cmd, want string }{
		{"STAT", "-ERR"},
		{"USER ann", "+OK"},
		{"PASS wrong", "-ERR [AUTH]"},
		{"USER ann", "+OK"},
		{"PASS s3cret", "+OK"},
		{"STAT", "+OK 2 " + fmt.Sprint(len(msg1)+len(msg2))},
		{"LIST 2", "+OK 2 " + fmt.Sprint(len(msg2))},
		{"LIST 3", "-ERR"},
		{"DELE 1", "+OK"},
		{"DELE 1", "-ERR"},
		{"STAT", "+OK 1 "},
		{"RSET", "+OK"},
		{"STAT", "+OK 2 "},
		{"NOOP", "+OK"},
	} {
		if got := c.cmd("%s", step.cmd); !strings.HasPrefix(got, step.want) {
			t.Errorf("%s = %q, want %q...", step.cmd, got, step.want)
		}
	}
	if _, lines := c.multi("RETR 1"); strings.Join(lines, "\r\n")+"\r\n" != msg1 {
		t.Errorf("RETR 1 = %q, want msg1 un-stuffed", lines)
	}
	if _, lines := c.multi("TOP 1 1"); strings.Join(lines, "|") != "Subject: one|From: a@example.test||first line" {
		t.Errorf("TOP 1 1 = %q", lines)
	}
	_, uidl := c.multi("UIDL")
	if len(uidl) != 2 || !regexp.MustCompile(`^1 \S+$`).MatchString(uidl[0]) {
		t.Errorf("UIDL = %q", uidl)
	}
	// A second session of the same user finds the maildrop locked.
	other := dial(t, tp.plain)
	other.cmd("USER ann")
	if got := other.cmd("PASS s3cret"); !strings.HasPrefix(got, "-ERR [IN-USE]") {
		t.Errorf("second login = %q, want -ERR [IN-USE]", got)
	}
	c.cmd("DELE 1")
	if got := c.cmd("QUIT"); !strings.HasPrefix(got, "+OK") {
		t.Errorf("QUIT = %q", got)
	}
	left, _ := tp.store.Messages("ann")
	if len(left) != 1 || string(left[0].Data) != msg2 || !strings.HasSuffix(uidl[1], left[0].UID) {
		t.Errorf("after QUIT the store holds %d messages, want msg2 only", len(left))
	}
	// APOP, now that the lock is free; then AUTH PLAIN is refused in
	// TRANSACTION state.
	a := dial(t, tp.plain)
	stamp := regexp.MustCompile(`<[^>]+>`).FindString(a.greeting)
	sum := md5.Sum([]byte(stamp + "s3cret"))
	if got := a.cmd("APOP ann %s", hex.EncodeToString(sum[:])); !strings.HasPrefix(got, "+OK") {
		t.Errorf("APOP = %q (stamp %q)", got, stamp)
	}
	if log := tp.log.String(); strings.Contains(log, "s3cret") || !strings.Contains(log, "login refused") {
		t.Errorf("log: want a refused login, no password:\n%s", log)
	}
}

// AUTH PLAIN over implicit TLS; without insecure auth, USER on the plain
// port needs STLS first, and works after it.
func TestTLS(t *testing.T) {
	tp := startPOP(t, false)
	cfg := &tls.Config{RootCAs: tp.pool, ServerName: "127.0.0.1"}
	conn, err := tls.Dial("tcp", tp.secure, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	s := &client{t: t, c: conn, r: bufio.NewReader(conn)}
	s.greeting = s.line()
	if got := s.cmd("AUTH PLAIN AGFubgBzM2NyZXQ="); !strings.HasPrefix(got, "+OK") {
		t.Errorf("AUTH PLAIN over TLS = %q", got)
	}
	s.cmd("QUIT")

	c := dial(t, tp.plain)
	if got := c.cmd("USER ann"); !strings.HasPrefix(got, "-ERR") {
		t.Errorf("USER before STLS = %q, want -ERR", got)
	}
	if got := c.cmd("STLS"); !strings.HasPrefix(got, "+OK") {
		t.Fatalf("STLS = %q", got)
	}
	tc := tls.Client(c.c, cfg)
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	c.c, c.r = tc, bufio.NewReader(tc)
	if _, caps := c.multi("CAPA"); strings.Contains(strings.Join(caps, ","), "STLS") {
		t.Errorf("CAPA after STLS = %q, want no STLS", caps)
	}
	c.cmd("USER ann")
	if got := c.cmd("PASS s3cret"); !strings.HasPrefix(got, "+OK") {
		t.Errorf("PASS after STLS = %q", got)
	}
}

// curl reads the maildrop: a listing over plain POP3, a message over STLS
// (--ssl-reqd) and over pop3s, trusting the CA.
func TestCurlPOP3(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	tp := startPOP(t, true)
	curl := func(args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, "curl", append([]string{"-sS", "-u", "ann:s3cret"}, args...)...).CombinedOutput()
		if err != nil {
			t.Errorf("curl %q: %v\n%s", args, err, out)
		}
		return strings.ReplaceAll(string(out), "\r\n", "\n")
	}
	if got := curl("pop3://" + tp.plain + "/"); got != fmt.Sprintf("1 %d\n2 %d\n", len(msg1), len(msg2)) {
		t.Errorf("curl pop3 listing = %q", got)
	}
	if got := curl("--ssl-reqd", "--cacert", tp.caFile, "pop3://"+tp.plain+"/1"); !strings.Contains(got, ".dotted line") || !strings.HasPrefix(got, "Subject: one") {
		t.Errorf("curl pop3 STLS RETR 1 = %q", got)
	}
	if got := curl("--cacert", tp.caFile, "pop3s://"+tp.secure+"/2"); !strings.Contains(got, "second message") {
		t.Errorf("curl pop3s RETR 2 = %q", got)
	}
}

package catalog

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/smtp"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/testbed-dev/testbed/servers/imapd"
)

// startIMAPForMail runs testbed's IMAP server on 127.0.0.1 with the
// default user and returns its address.
func startIMAPForMail(t *testing.T) string {
	t.Helper()
	srv := imapd.New(imapd.Options{Users: map[string]string{imapd.DefaultUser: imapd.DefaultPassword}})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return l.Addr().String()
}

func sendMail(t *testing.T, addr, subject string) {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Mail("sender@example.test"); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("imaptest@testbed.test"); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "From: sender@example.test\r\nTo: imaptest@testbed.test\r\nSubject: "+subject+"\r\n\r\nbody\r\n")
	if err := w.Close(); err != nil {
		t.Fatalf("DATA = %v, want 250", err)
	}
	c.Quit()
}

// pop3Subjects logs in over POP3 and returns the Subject of every message.
func pop3Subjects(t *testing.T, c net.Conn) []string {
	t.Helper()
	r := bufio.NewReader(c)
	line := func() string {
		l, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("pop3 read: %v", err)
		}
		return strings.TrimRight(l, "\r\n")
	}
	line()
	for _, cmd := range []string{"USER imaptest", "PASS password"} {
		io.WriteString(c, cmd+"\r\n")
		if l := line(); !strings.HasPrefix(l, "+OK") {
			t.Fatalf("%s = %q", cmd, l)
		}
	}
	io.WriteString(c, "STAT\r\n")
	var n int
	var size int
	if _, err := fmt.Sscanf(line(), "+OK %d %d", &n, &size); err != nil {
		t.Fatal(err)
	}
	var subjects []string
	for i := 1; i <= n; i++ {
		io.WriteString(c, "RETR "+strconv.Itoa(i)+"\r\n")
		line()
		for l := line(); l != "."; l = line() {
			if s, ok := strings.CutPrefix(l, "Subject: "); ok {
				subjects = append(subjects, s)
			}
		}
	}
	io.WriteString(c, "QUIT\r\n")
	return subjects
}

func TestMailKindRun(t *testing.T) {
	imapAddr := startIMAPForMail(t)
	r := runKindOnLoopback(t, "mail", nil, true, testDialerTo(imapAddr))
	k, _ := New().Kind("mail")
	for _, p := range k.Ready(nil).All {
		key := strconv.Itoa(p.Banner.Port) + "/tcp"
		var c net.Conn
		if p.Banner.TLS {
			c = dialRunningKind(t, r, key, r.clientTLS())
		} else {
			c = dialRunningKind(t, r, key, nil)
		}
		greeting, err := bufio.NewReader(c).ReadString('\n')
		if err != nil || !regexp.MustCompile(p.Banner.Expect).MatchString(greeting) {
			t.Errorf("greeting on %s = %q, %v; want a match of %s", key, greeting, err, p.Banner.Expect)
		}
	}

	sendMail(t, r.addrs["25/tcp"], "through the kind")
	got := pop3Subjects(t, dialRunningKind(t, r, "995/tcp", r.clientTLS()))
	if strings.Join(got, "|") != "Welcome to testbed mail|through the kind" {
		t.Errorf("POP3 subjects = %q, want the seeded one and the sent one", got)
	}

	c, err := imapclient.DialInsecure(imapAddr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(imapd.DefaultUser, imapd.DefaultPassword).Wait(); err != nil {
		t.Fatal(err)
	}
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := c.Fetch(imap.SeqSetNum(sel.NumMessages), &imap.FetchOptions{Envelope: true}).Collect()
	if err != nil || len(msgs) != 1 || msgs[0].Envelope.Subject != "through the kind" {
		t.Errorf("last IMAP INBOX message = %+v, %v; want the one sent by SMTP", msgs, err)
	}
	if err := r.stop(); err != nil {
		t.Errorf("Run() after cancel = %v, want nil", err)
	}
}

// Without an imap server (the dialer refuses, as on a testbed with no
// server of that name) mail is still taken and kept for POP3.
func TestMailKindWithoutIMAP(t *testing.T) {
	refuse := testDialerFunc(func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("destination not allowed")
	})
	r := runKindOnLoopback(t, "mail", nil, true, refuse)
	sendMail(t, r.addrs["25/tcp"], "no imap here")
	got := pop3Subjects(t, dialRunningKind(t, r, "110/tcp", nil))
	if len(got) != 2 || got[1] != "no imap here" {
		t.Errorf("POP3 subjects = %q", got)
	}
	if !strings.Contains(r.log.String(), "copy not delivered") {
		t.Errorf("log lacks the failed IMAP copy:\n%s", r.log.String())
	}
}

func TestMailKindOptions(t *testing.T) {
	k, _ := New().Kind("mail")
	for _, bad := range []map[string]string{{"insecure-auth": "perhaps"}, {"user": "a@b"}} {
		r := runKindOnLoopback(t, "mail", bad, true, nil)
		if err := r.stop(); err == nil {
			t.Errorf("Run(%v) = nil, want an option error", bad)
		}
	}
	if !k.SecretOption("password") || k.SecretOption("imap") {
		t.Error("SecretOption: want password secret, imap not")
	}
	var keys []string
	for _, p := range k.Ports {
		keys = append(keys, p.Key())
	}
	if got := strings.Join(keys, " "); got != "25/tcp 587/tcp 465/tcp 110/tcp 995/tcp" {
		t.Errorf("ports = %s", got)
	}
}

// testDialerFunc adapts a function to Dialer.
type testDialerFunc func(ctx context.Context, network, address string) (net.Conn, error)

func (f testDialerFunc) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	return f(ctx, network, address)
}

// testDialerTo connects to addr whatever it is asked for.
func testDialerTo(addr string) testDialerFunc {
	return func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
}

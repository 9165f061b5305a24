package probe

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestBanner(t *testing.T) {
	srvCfg, trusting := testCA(t)
	greet := func(s string) func(net.Conn) {
		return func(c net.Conn) { _, _ = io.WriteString(c, s) }
	}
	ftp := serve(t, nil, greet("220 testbed FTP ready\r\n"))
	busy := serve(t, nil, func(c net.Conn) {
		io.WriteString(c, "421 Too many connections\r\n")
		c.Close() // a server that refuses the session hangs up
	})
	slow := serve(t, nil, func(c net.Conn) {
		// The greeting arrives in pieces; the match must wait for them.
		for _, part := range []string{"2", "20", " ok\r\n"} {
			if _, err := io.WriteString(c, part); err != nil {
				return
			}
		}
	})
	silent := serve(t, nil, func(c net.Conn) { _, _ = io.Copy(io.Discard, c) })
	chatty := serve(t, nil, greet(strings.Repeat("x", 2*BannerLimit)))
	redis := serve(t, nil, func(c net.Conn) {
		line, err := bufio.NewReader(c).ReadString('\n')
		if err == nil && line == "PING\r\n" {
			_, _ = io.WriteString(c, "+PONG\r\n")
		} else {
			_, _ = io.WriteString(c, "-ERR unknown\r\n")
		}
	})
	imaps := serve(t, srvCfg, greet("* OK IMAP4rev1 ready\r\n"))

	tests := []struct {
		name   string
		addr   string
		send   string
		expect string
		tls    *tls.Config
		want   string
	}{
		{"match", ftp, "", "^220 ", nil, ""},
		{"match in pieces", slow, "", `^220 ok\r\n`, nil, ""},
		{"mismatch then EOF", busy, "", "^220 ", nil, `received "421 Too many connections\r\n", no match for ^220 : EOF`},
		{"nothing before the deadline", silent, "", "^220 ", nil, "received nothing: "},
		{"limit reached", chatty, "", "^220 ", nil, `"xxxxxxxx`},
		{"send then match", redis, "PING\r\n", `^\+PONG`, nil, ""},
		{"send then mismatch", redis, "PONG\r\n", `^\+PONG`, nil, `received "-ERR unknown\r\n"`},
		{"tls", imaps, "", `^\* OK`, trusting, ""},
		{"refused", refused(t), "", "^220 ", nil, "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Banner{Port: 21, Send: tt.send, Expect: regexp.MustCompile(tt.expect), TLS: tt.tls != nil, Config: tt.tls}
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			checkErr(t, "Check()", p.Check(ctx, addrs{21: tt.addr}), tt.want)
		})
	}
}

func TestBannerLimitAndDeadline(t *testing.T) {
	chatty := serve(t, nil, func(c net.Conn) { _, _ = io.WriteString(c, strings.Repeat("x", 2*BannerLimit)) })
	p := &Banner{Port: 21, Expect: regexp.MustCompile("^220")}
	err := p.Check(context.Background(), addrs{21: chatty})
	checkErr(t, "Check(chatty)", err, "(512 bytes), no match for ^220")

	silent := serve(t, nil, func(c net.Conn) { _, _ = io.Copy(io.Discard, c) })
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err = p.Check(ctx, addrs{21: silent})
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Check(silent) = %v, want a deadline error", err)
	}
	if isPermanent(err) {
		t.Errorf("Check(silent) is permanent, want retryable")
	}

	err = (&Banner{Port: 21}).Check(context.Background(), addrs{21: silent})
	if !isPermanent(err) {
		t.Errorf("Check(no Expect) = %v, want permanent", err)
	}
}

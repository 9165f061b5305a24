package socks

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/testbed-dev/testbed/servers/internal/servertest"
)

// handshakeSeeds are well-formed and malformed client openings; they are
// also stored under testdata/fuzz/FuzzHandshake.
func handshakeSeeds() [][]byte {
	return [][]byte{
		cat(noAuth, v5(cmdConnect, atypIPv4, []byte{127, 0, 0, 1}, 7)),
		cat(noAuth, v5(cmdConnect, atypDomain, []byte("echo.testbed.test"), 7)),
		cat(noAuth, v5(cmdConnect, atypIPv6, make([]byte, 16), 443)),
		cat([]byte{5, 2, 0, 2}, userPass("u", "p"), v5(cmdConnect, atypDomain, []byte("web"), 80)),
		cat([]byte{5, 1, 2}, userPass("u", "wrong")),
		cat(noAuth, v5(0x03, atypIPv4, make([]byte, 4), 0)),
		cat(noAuth, []byte{5, 1, 0, 9}),
		v4(cmdConnect, [4]byte{127, 0, 0, 1}, 7, ""),
		v4(cmdConnect, [4]byte{0, 0, 0, 1}, 80, "web"),
		{4, 1, 0, 80, 0, 0, 0, 1},
		{5, 255},
		{5},
		{0x16, 3, 1, 0, 5},
		[]byte("GET / HTTP/1.1\r\n\r\n"),
	}
}

// FuzzHandshake feeds arbitrary bytes to the handshake parser, for a server
// with and without authentication, and through a whole connection handler
// over net.Pipe. It must never panic or hang.
func FuzzHandshake(f *testing.F) {
	for _, s := range handshakeSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, creds := range []credentials{{}, {user: "u", password: "p"}} {
			var out bytes.Buffer
			req, err := negotiate(bytes.NewReader(data), &out, creds)
			if out.Len() > 4 {
				t.Errorf("negotiate wrote %d bytes (%x), want at most 4", out.Len(), out.Bytes())
			}
			if err == nil {
				if req.cmd != cmdConnect || !validHost(req.host) {
					t.Errorf("negotiate accepted %+v", req)
				}
				if creds.required() && (req.version != version5 || req.user != "u") {
					t.Errorf("negotiate let %+v through without credentials", req)
				}
				if _, _, err := net.SplitHostPort(req.address()); err != nil {
					t.Errorf("address() = %q: %v", req.address(), err)
				}
			}
			var re *replyError
			if errors.As(err, &re) {
				writeReply(io.Discard, req.version, re.code, nil)
			}
		}
		runPipe(t, data)
	})
}

// runPipe sends data to a server's connection handler over net.Pipe and
// fails if the handler does not return.
func runPipe(t *testing.T, data []byte) {
	dialer := servertest.DialerFunc(func(context.Context, string, string) (net.Conn, error) {
		a, b := net.Pipe()
		b.Close()
		return a, nil
	})
	s := New(Options{Dialer: dialer, HandshakeTimeout: time.Second})
	defer s.Close()
	client, server := net.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.handle(server)
	}()
	go io.Copy(io.Discard, client)
	client.Write(data)
	client.Close()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("handler still running 5s after the client closed (input %x)", data)
	}
}

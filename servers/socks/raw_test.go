package socks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/testbed-dev/testbed/servers/internal/servertest"
)

// v5 builds a SOCKS5 request: VER CMD RSV ATYP ADDR PORT.
func v5(cmd, atyp byte, addr []byte, port uint16) []byte {
	b := []byte{version5, cmd, 0x00, atyp}
	if atyp == atypDomain {
		b = append(b, byte(len(addr)))
	}
	b = append(b, addr...)
	return append(b, byte(port>>8), byte(port))
}

// v5To is a SOCKS5 CONNECT to an address "host:port", as an IP when host
// is one and as a domain name otherwise.
func v5To(t *testing.T, address string) []byte {
	t.Helper()
	host, ps, err := net.SplitHostPort(address)
	if err != nil {
		t.Fatal(err)
	}
	port, _ := strconv.Atoi(ps)
	if ip, err := netip.ParseAddr(host); err == nil {
		if ip.Is4() {
			a := ip.As4()
			return v5(cmdConnect, atypIPv4, a[:], uint16(port))
		}
		a := ip.As16()
		return v5(cmdConnect, atypIPv6, a[:], uint16(port))
	}
	return v5(cmdConnect, atypDomain, []byte(host), uint16(port))
}

// v4 builds a SOCKS4 request; a non-empty name makes it SOCKS4a.
func v4(cmd byte, ip [4]byte, port uint16, name string) []byte {
	b := []byte{version4, cmd, byte(port >> 8), byte(port), ip[0], ip[1], ip[2], ip[3]}
	b = append(b, "user\x00"...)
	if name != "" {
		b = append(b, name...)
		b = append(b, 0)
	}
	return b
}

var noAuth = []byte{version5, 1, methodNone}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// exchange sends send to the server at addr and reads want bytes back.
// For a failed request it also checks that the server then closes.
func exchange(t *testing.T, addr string, send []byte, n int, wantClose bool) (net.Conn, []byte) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("Dial() = %v", err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write(send); err != nil {
		t.Fatalf("Write() = %v", err)
	}
	got := make([]byte, n)
	if m, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("read reply: got %x, %v; want %d bytes", got[:m], err, n)
	}
	if wantClose {
		if extra, err := io.ReadAll(c); err != nil || len(extra) != 0 {
			t.Errorf("after the reply: %x, %v; want the server to close", extra, err)
		}
	}
	return c, got
}

func TestRawReplyCodes(t *testing.T) {
	e := newEnv(t)
	open := start(t, Options{Dialer: e.policy})
	echoPort := uint16(mustPort(t, e.echo))
	tests := []struct {
		name string
		send []byte
		want []byte // prefix of the reply (method choice, then VER REP)
		ok   bool   // the tunnel is open and echoes
	}{
		{"IPv4", cat(noAuth, v5To(t, e.echo)), []byte{5, 0, 5, 0, 0, atypIPv4, 127, 0, 0, 1}, true},
		{"name", cat(noAuth, v5To(t, "echo:7")), []byte{5, 0, 5, 0, 0, atypIPv4, 127, 0, 0, 1}, true},
		{"forbidden name", cat(noAuth, v5To(t, "example.com:80")), []byte{5, 0, 5, repNotAllowed}, false},
		{"forbidden localhost", cat(noAuth, v5To(t, "localhost:"+strconv.Itoa(int(echoPort)))), []byte{5, 0, 5, repNotAllowed}, false},
		{"forbidden address", cat(noAuth, v5To(t, "10.0.0.1:80")), []byte{5, 0, 5, repNotAllowed}, false},
		{"refused", cat(noAuth, v5To(t, "down:80")), []byte{5, 0, 5, repRefused}, false},
		{"BIND", cat(noAuth, v5(0x02, atypIPv4, []byte{127, 0, 0, 1}, echoPort)), []byte{5, 0, 5, repCmdNotSupported}, false},
		{"UDP ASSOCIATE", cat(noAuth, v5(0x03, atypIPv4, []byte{0, 0, 0, 0}, 0)), []byte{5, 0, 5, repCmdNotSupported}, false},
		{"unknown address type", cat(noAuth, []byte{5, cmdConnect, 0, 0x05, 1, 2, 3, 4}), []byte{5, 0, 5, repAddrNotSupported}, false},
		{"bad host name", cat(noAuth, v5(cmdConnect, atypDomain, []byte("a b"), 80)), []byte{5, 0, 5, repHostUnreachable}, false},
		{"empty host name", cat(noAuth, v5(cmdConnect, atypDomain, nil, 80)), []byte{5, 0, 5, repHostUnreachable}, false},
		{"no acceptable method", []byte{5, 1, methodUserPass}, []byte{5, methodNoAcceptable}, false},
		{"SOCKS4", v4(cmdConnect, [4]byte{127, 0, 0, 1}, echoPort, ""), []byte{0, rep4Granted}, true},
		{"SOCKS4a", v4(cmdConnect, [4]byte{0, 0, 0, 1}, 7, "echo"), []byte{0, rep4Granted}, true},
		{"SOCKS4a forbidden", v4(cmdConnect, [4]byte{0, 0, 0, 1}, 80, "example.com"), []byte{0, rep4Rejected}, false},
		{"SOCKS4 BIND", v4(0x02, [4]byte{127, 0, 0, 1}, echoPort, ""), []byte{0, rep4Rejected}, false},
	}
	if e.echo6 != "" {
		tests = append(tests, struct {
			name string
			send []byte
			want []byte
			ok   bool
		}{"IPv6", cat(noAuth, v5To(t, e.echo6)), []byte{5, 0, 5, 0, 0, atypIPv6}, true})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := len(tt.want)
			if !tt.ok {
				// Read the whole reply: the method choice plus 10 bytes.
				switch {
				case tt.want[0] == 0: // SOCKS4
					n = 8
				case tt.want[1] == methodNoAcceptable:
					n = 2
				default:
					n = 12
				}
			} else if tt.want[0] == 0 {
				n = 8
			} else if tt.want[len(tt.want)-1] == atypIPv6 {
				n = 2 + 22
			} else {
				n = 12
			}
			c, got := exchange(t, open, tt.send, n, !tt.ok)
			if !bytes.HasPrefix(got, tt.want) {
				t.Fatalf("reply = %x, want it to start with %x", got, tt.want)
			}
			if tt.ok {
				if got[n-2] == 0 && got[n-1] == 0 && tt.want[0] != 0 {
					t.Errorf("reply %x has bound port 0, want the server's port", got)
				}
				roundTrip(t, c)
			}
		})
	}
}

func mustPort(t *testing.T, addr string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(p)
	return n
}

func TestRawReplyForDialErrors(t *testing.T) {
	opErr := func(errno syscall.Errno) error {
		return &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", errno)}
	}
	tests := []struct {
		name string
		err  error
		want byte
	}{
		{"network unreachable", opErr(syscall.ENETUNREACH), repNetUnreachable},
		{"host unreachable", opErr(syscall.EHOSTUNREACH), repHostUnreachable},
		{"refused", opErr(syscall.ECONNREFUSED), repRefused},
		{"no such host", &net.DNSError{Err: "no such host", Name: "x.testbed.test", IsNotFound: true}, repHostUnreachable},
		{"timeout", fmt.Errorf("dial: %w", context.DeadlineExceeded), repHostUnreachable},
		{"other", errors.New("something broke"), repGeneralFailure},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := start(t, Options{Dialer: failing(tt.err)})
			_, got := exchange(t, addr, cat(noAuth, v5To(t, "echo:7")), 12, true)
			if got[3] != tt.want {
				t.Errorf("reply code = %#02x, want %#02x (reply %x)", got[3], tt.want, got)
			}
		})
	}
	t.Run("no dialer", func(t *testing.T) {
		addr := start(t, Options{})
		_, got := exchange(t, addr, cat(noAuth, v5To(t, "echo:7")), 12, true)
		if got[3] != repNotAllowed {
			t.Errorf("reply code = %#02x, want %#02x", got[3], repNotAllowed)
		}
	})
}

func userPass(user, pass string) []byte {
	b := []byte{userPassVersion, byte(len(user))}
	b = append(b, user...)
	b = append(b, byte(len(pass)))
	return append(b, pass...)
}

func TestRawAuth(t *testing.T) {
	e := newEnv(t)
	addr := start(t, Options{Dialer: e.policy, User: "qsockstest", Password: "password"})
	offerUP := []byte{version5, 2, methodNone, methodUserPass}
	tests := []struct {
		name string
		send []byte
		want []byte // the whole reply
		ok   bool
	}{
		{"only no-auth offered", noAuth, []byte{5, methodNoAcceptable}, false},
		{"wrong password", cat(offerUP, userPass("qsockstest", "wrong")), []byte{5, 2, 1, 1}, false},
		{"wrong user", cat(offerUP, userPass("qsocks", "password")), []byte{5, 2, 1, 1}, false},
		{"bad auth version", cat(offerUP, []byte{0x05}, userPass("qsockstest", "password")[1:]), []byte{5, 2, 1, 1}, false},
		{"right credentials", cat(offerUP, userPass("qsockstest", "password"), v5To(t, "echo:7")), []byte{5, 2, 1, 0, 5, 0, 0, atypIPv4, 127, 0, 0, 1}, true},
		{"right credentials, forbidden", cat(offerUP, userPass("qsockstest", "password"), v5To(t, "example.com:443")), []byte{5, 2, 1, 0, 5, repNotAllowed}, false},
		{"SOCKS4", v4(cmdConnect, [4]byte{127, 0, 0, 1}, 7, ""), []byte{0, rep4Rejected}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := len(tt.want)
			if tt.ok || tt.want[len(tt.want)-1] == repNotAllowed {
				n = 4 + 10
			}
			if tt.want[0] == 0 {
				n = 8
			}
			c, got := exchange(t, addr, tt.send, n, !tt.ok)
			if !bytes.HasPrefix(got, tt.want) {
				t.Fatalf("reply = %x, want %x...", got, tt.want)
			}
			if tt.ok {
				roundTrip(t, c)
			}
		})
	}
}

// TestSilentClient checks that a client that never sends a byte is dropped
// after the handshake timeout.
func TestSilentClient(t *testing.T) {
	addr := start(t, Options{HandshakeTimeout: 100 * time.Millisecond})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	begin := time.Now()
	n, err := c.Read(make([]byte, 1))
	if err != io.EOF || n != 0 {
		t.Fatalf("Read() = %d, %v; want EOF from the server", n, err)
	}
	if d := time.Since(begin); d > 5*time.Second {
		t.Errorf("silent client dropped after %v, want about 100ms", d)
	}
	// A client that stops half way through is dropped too.
	c2, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	c2.SetDeadline(time.Now().Add(10 * time.Second))
	c2.Write([]byte{5, 3, 0})
	if _, err := io.ReadAll(c2); err != nil {
		t.Errorf("ReadAll() = %v, want EOF after the timeout", err)
	}
}

func TestHalfCloseAndClose(t *testing.T) {
	sink, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	go func() {
		for {
			c, err := sink.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				n, _ := io.Copy(io.Discard, c)
				fmt.Fprintf(c, "got %d", n)
			}()
		}
	}()
	dialer := servertest.DialerTo(sink.Addr().String())
	s := New(Options{Dialer: dialer})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()

	c, _ := exchange(t, ln.Addr().String(), cat(noAuth, v5To(t, "sink:9"), []byte("hello")), 12, false)
	io.WriteString(c, " world")
	c.(*net.TCPConn).CloseWrite()
	if got, err := io.ReadAll(c); err != nil || string(got) != "got 11" {
		t.Errorf("after half-close: %q, %v; want \"got 11\"", got, err)
	}

	// An open tunnel ends when the server is closed.
	held, _ := exchange(t, ln.Addr().String(), cat(noAuth, v5To(t, "sink:9")), 12, false)
	if err := s.Close(); err != nil {
		t.Errorf("Close() = %v", err)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve() = %v, want nil after Close", err)
	}
	if n, err := io.Copy(io.Discard, held); err != nil || n != 0 {
		t.Errorf("tunnel after Close: %d bytes, %v; want EOF", n, err)
	}
	if err := s.Serve(ln); err != nil {
		t.Errorf("Serve() after Close = %v, want nil", err)
	}
}

package clienttest

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jlaffaye/ftp"
	"golang.org/x/net/proxy"

	"github.com/testbed-dev/testbed/internal/testenv"
)

// The default testbed's servers, talked to by real clients the same way
// whatever driver runs them (the local and kubernetes drivers' tests).

// hello is what the http server's /files/hello.txt holds.
const hello = "Hello, testbed!\n"

// clientTimeout bounds one client's exchange.
const clientTimeout = 30 * time.Second

// HTTPS2 fetches /files/hello.txt from the http server's TLS port addr
// and wants HTTP/2, trusting cfg.
func HTTPS2(t *testing.T, addr string, cfg *tls.Config) {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: cfg, ForceAttemptHTTP2: true}, Timeout: clientTimeout}
	defer c.CloseIdleConnections()
	res, err := c.Get("https://" + addr + "/files/hello.txt")
	if err != nil {
		t.Fatalf("GET over TLS = %v", err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || res.ProtoMajor != 2 {
		t.Errorf("GET over TLS = %s %s, want 200 over HTTP/2", res.Proto, res.Status)
	}
}

// ProxyByName fetches the http server through the HTTP proxy at addr by
// its full and short names, and over TLS (CONNECT) trusting cfg.
func ProxyByName(t *testing.T, addr string, cfg *tls.Config) {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(&url.URL{Scheme: "http", Host: addr}), TLSClientConfig: cfg}, Timeout: clientTimeout}
	defer c.CloseIdleConnections()
	for _, u := range []string{"http://http.testbed.test/files/hello.txt", "http://http/files/hello.txt", "https://http.testbed.test/files/hello.txt"} {
		if got := testenv.Get(t, c, u); got != hello {
			t.Errorf("GET %s through the proxy = %q", u, got)
		}
	}
}

// ProxyRefusesOutside wants the HTTP proxy at addr to answer 403 for a
// name outside the testbed (refused before it dials: nothing leaves the
// machine).
func ProxyRefusesOutside(t *testing.T, addr string) {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(&url.URL{Scheme: "http", Host: addr})}, Timeout: clientTimeout}
	defer c.CloseIdleConnections()
	res, err := c.Get("http://example.com/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("GET http://example.com/ through the proxy = %s, want 403", res.Status)
	}
}

// SocksByName goes through both SOCKS5 ports (addr gives each one's
// address; 1081 with a password) to the http server by its full name and
// to the echo server by its short name.
func SocksByName(t *testing.T, addr func(port string) string) {
	t.Helper()
	for _, tc := range []struct {
		port string
		auth *proxy.Auth
	}{{"1080", nil}, {"1081", &proxy.Auth{User: "qsockstest", Password: "password"}}} {
		d, err := proxy.SOCKS5("tcp", addr(tc.port), tc.auth, proxy.Direct)
		if err != nil {
			t.Fatal(err)
		}
		c := &http.Client{Transport: &http.Transport{DialContext: d.(proxy.ContextDialer).DialContext}, Timeout: clientTimeout}
		if got := testenv.Get(t, c, "http://http.testbed.test/files/hello.txt"); got != hello {
			t.Errorf("GET through socks %s = %q", tc.port, got)
		}
		c.CloseIdleConnections()
		// The echo server by its short name, over a raw tunnel.
		conn, err := d.Dial("tcp", "echo:7")
		if err != nil {
			t.Fatalf("socks %s: Dial(echo:7) = %v", tc.port, err)
		}
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		io.WriteString(conn, "ping\n")
		line, err := bufio.NewReader(conn).ReadString('\n')
		conn.Close()
		if line != "ping\n" {
			t.Errorf("echo through socks %s = %q, %v", tc.port, line, err)
		}
	}
}

// AnonymousFTP logs in to the FTP server at addr as anonymous and
// downloads /pub/hello.txt.
func AnonymousFTP(t *testing.T, addr string) {
	t.Helper()
	c, err := ftp.Dial(addr, ftp.DialWithTimeout(10*time.Second))
	if err != nil {
		t.Fatalf("ftp.Dial() = %v", err)
	}
	defer c.Quit()
	if err := c.Login("anonymous", "guest@example.com"); err != nil {
		t.Fatalf("Login(anonymous) = %v", err)
	}
	r, err := c.Retr("/pub/hello.txt")
	if err != nil {
		t.Fatalf("RETR /pub/hello.txt = %v", err)
	}
	b, _ := io.ReadAll(r)
	r.Close()
	if string(b) != "Hello, World!\n" {
		t.Errorf("RETR /pub/hello.txt = %q", b)
	}
}

// IMAPGreetings wants the IMAP server's greeting on its plain port and on
// its implicit-TLS port (trusting cfg).
func IMAPGreetings(t *testing.T, plain, implicitTLS string, cfg *tls.Config) {
	t.Helper()
	greeting := func(c net.Conn) string {
		c.SetDeadline(time.Now().Add(10 * time.Second))
		line, _ := bufio.NewReader(c).ReadString('\n')
		c.Close()
		return line
	}
	c, err := net.DialTimeout("tcp", plain, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if g := greeting(c); !strings.HasPrefix(g, "* OK") {
		t.Errorf("greeting on 143 = %q, want * OK", g)
	}
	tc, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", implicitTLS, cfg)
	if err != nil {
		t.Fatalf("TLS dial 993 = %v", err)
	}
	if g := greeting(tc); !strings.HasPrefix(g, "* OK") {
		t.Errorf("greeting on 993 = %q, want * OK", g)
	}
}

// EchoTCP sends a line to the echo server at addr and wants it back.
func EchoTCP(t *testing.T, addr string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "hello\n")
	if line, _ := bufio.NewReader(c).ReadString('\n'); line != "hello\n" {
		t.Errorf("tcp echo %s = %q", addr, line)
	}
}

package local_test

import (
	"bufio"
	"bytes"
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

// TestDefaultTestbedAnswers brings the default testbed up and talks to every
// server through a real client, on the ports the manifest names.
func TestDefaultTestbedAnswers(t *testing.T) {
	r := defaultTestbed(t)
	if r.m.Driver != "local" {
		t.Errorf("Driver = %q, want local", r.m.Driver)
	}
	for _, name := range []string{"http", "proxy", "socks", "ftp", "imap", "echo"} {
		s := r.m.Servers[name]
		if s == nil {
			t.Fatalf("manifest has no server %s: %v", name, r.m.Names())
		}
		if want := name + ".testbed.test"; s.Hostname != want {
			t.Errorf("%s hostname = %q, want %q", name, s.Hostname, want)
		}
		if len(s.Addresses) != 1 || s.Addresses[0] != "127.0.0.1" {
			t.Errorf("%s addresses = %v, want [127.0.0.1]", name, s.Addresses)
		}
		for key, a := range s.Ports {
			if !strings.HasPrefix(a, "127.0.0.1:") {
				t.Errorf("%s %s = %q, want 127.0.0.1:PORT", name, key, a)
			}
		}
	}

	t.Run("http", func(t *testing.T) {
		resp := testenv.Get(t, http.DefaultClient, "http://"+r.addr(t, "http", "80")+"/files/hello.txt")
		if resp != "Hello, testbed!\n" {
			t.Errorf("GET /files/hello.txt = %q", resp)
		}
	})
	t.Run("https", func(t *testing.T) {
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: r.tlsConfig(), ForceAttemptHTTP2: true}}
		defer c.CloseIdleConnections()
		req, _ := http.NewRequest("GET", "https://"+r.addr(t, "http", "443")+"/files/hello.txt", nil)
		res, err := c.Do(req)
		if err != nil {
			t.Fatalf("GET over TLS = %v", err)
		}
		res.Body.Close()
		if res.StatusCode != 200 || res.ProtoMajor != 2 {
			t.Errorf("GET over TLS = %s %s, want 200 over HTTP/2", res.Proto, res.Status)
		}
	})
	t.Run("proxy by name", func(t *testing.T) {
		pu, _ := url.Parse("http://" + r.addr(t, "proxy", "3128"))
		c := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(pu), TLSClientConfig: r.tlsConfig()}}
		defer c.CloseIdleConnections()
		for _, u := range []string{"http://http.testbed.test/files/hello.txt", "http://http/files/hello.txt", "https://http.testbed.test/files/hello.txt"} {
			if got := testenv.Get(t, c, u); got != "Hello, testbed!\n" {
				t.Errorf("GET %s through the proxy = %q", u, got)
			}
		}
	})
	t.Run("proxy refuses outside", func(t *testing.T) {
		pu, _ := url.Parse("http://" + r.addr(t, "proxy", "3128"))
		c := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(pu)}}
		defer c.CloseIdleConnections()
		res, err := c.Get("http://example.com/")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("GET http://example.com/ through the proxy = %s, want 403", res.Status)
		}
	})
	t.Run("socks by name", func(t *testing.T) {
		for _, tc := range []struct {
			port string
			auth *proxy.Auth
		}{{"1080", nil}, {"1081", &proxy.Auth{User: "qsockstest", Password: "password"}}} {
			d, err := proxy.SOCKS5("tcp", r.addr(t, "socks", tc.port), tc.auth, proxy.Direct)
			if err != nil {
				t.Fatal(err)
			}
			c := &http.Client{Transport: &http.Transport{DialContext: d.(proxy.ContextDialer).DialContext}}
			if got := testenv.Get(t, c, "http://http.testbed.test/files/hello.txt"); got != "Hello, testbed!\n" {
				t.Errorf("GET through socks %s = %q", tc.port, got)
			}
			c.CloseIdleConnections()
			// The echo server by its short name, over a raw tunnel.
			conn, err := d.Dial("tcp", "echo:7")
			if err != nil {
				t.Fatalf("socks %s: Dial(echo:7) = %v", tc.port, err)
			}
			conn.SetDeadline(time.Now().Add(5 * time.Second))
			io.WriteString(conn, "ping\n")
			line, err := bufio.NewReader(conn).ReadString('\n')
			conn.Close()
			if line != "ping\n" {
				t.Errorf("echo through socks %s = %q, %v", tc.port, line, err)
			}
		}
	})
	t.Run("ftp", func(t *testing.T) {
		for _, login := range [][2]string{{"anonymous", "guest@example.com"}, {"ftptest", "password"}} {
			c, err := ftp.Dial(r.addr(t, "ftp", "21"), ftp.DialWithTimeout(5*time.Second))
			if err != nil {
				t.Fatalf("ftp.Dial() = %v", err)
			}
			if err := c.Login(login[0], login[1]); err != nil {
				t.Fatalf("Login(%s) = %v", login[0], err)
			}
			if login[0] == "anonymous" {
				res, err := c.Retr("/pub/hello.txt")
				if err != nil {
					t.Fatalf("RETR /pub/hello.txt = %v", err)
				}
				b, _ := io.ReadAll(res)
				res.Close()
				if string(b) != "Hello, World!\n" {
					t.Errorf("RETR /pub/hello.txt = %q", b)
				}
			} else if err := c.Stor("up.txt", strings.NewReader("data")); err != nil {
				t.Errorf("STOR up.txt as ftptest = %v", err)
			}
			c.Quit()
		}
	})
	t.Run("imap", func(t *testing.T) {
		greeting := func(c net.Conn) string {
			c.SetDeadline(time.Now().Add(5 * time.Second))
			line, _ := bufio.NewReader(c).ReadString('\n')
			c.Close()
			return line
		}
		c, err := net.Dial("tcp", r.addr(t, "imap", "143"))
		if err != nil {
			t.Fatal(err)
		}
		if g := greeting(c); !strings.HasPrefix(g, "* OK") {
			t.Errorf("greeting on 143 = %q, want * OK", g)
		}
		tc, err := tls.Dial("tcp", r.addr(t, "imap", "993"), &tls.Config{RootCAs: r.pool, ServerName: "imap.testbed.test"})
		if err != nil {
			t.Fatalf("TLS dial 993 = %v", err)
		}
		if g := greeting(tc); !strings.HasPrefix(g, "* OK") {
			t.Errorf("greeting on 993 = %q, want * OK", g)
		}
	})
	t.Run("echo", func(t *testing.T) {
		c, err := net.Dial("tcp", r.addr(t, "echo", "7"))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(c, "hello\n")
		if line, _ := bufio.NewReader(c).ReadString('\n'); line != "hello\n" {
			t.Errorf("tcp echo = %q", line)
		}
		u, err := net.Dial("udp", r.addr(t, "echo", "7/udp"))
		if err != nil {
			t.Fatal(err)
		}
		defer u.Close()
		u.SetDeadline(time.Now().Add(5 * time.Second))
		u.Write([]byte("datagram"))
		buf := make([]byte, 64)
		n, err := u.Read(buf)
		if !bytes.Equal(buf[:n], []byte("datagram")) {
			t.Errorf("udp echo = %q, %v", buf[:n], err)
		}
	})
	t.Run("logs", func(t *testing.T) {
		logs, err := r.eng.Logs(r.project, "http", 0)
		if err != nil || !strings.Contains(logs, "server=http") {
			t.Errorf("Logs(http) = %q, %v; want lines with server=http", logs, err)
		}
	})
}

package local_test

import (
	"bytes"
	"crypto/tls"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jlaffaye/ftp"

	"github.com/testbed-dev/testbed/internal/clienttest"
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
	t.Run("https", func(t *testing.T) { clienttest.HTTPS2(t, r.addr(t, "http", "443"), r.tlsConfig()) })
	t.Run("proxy by name", func(t *testing.T) { clienttest.ProxyByName(t, r.addr(t, "proxy", "3128"), r.tlsConfig()) })
	t.Run("proxy refuses outside", func(t *testing.T) { clienttest.ProxyRefusesOutside(t, r.addr(t, "proxy", "3128")) })
	t.Run("socks by name", func(t *testing.T) {
		clienttest.SocksByName(t, func(port string) string { return r.addr(t, "socks", port) })
	})
	t.Run("ftp", func(t *testing.T) {
		clienttest.AnonymousFTP(t, r.addr(t, "ftp", "21"))
		c, err := ftp.Dial(r.addr(t, "ftp", "21"), ftp.DialWithTimeout(5*time.Second))
		if err != nil {
			t.Fatalf("ftp.Dial() = %v", err)
		}
		defer c.Quit()
		if err := c.Login("ftptest", "password"); err != nil {
			t.Fatalf("Login(ftptest) = %v", err)
		}
		if err := c.Stor("up.txt", strings.NewReader("data")); err != nil {
			t.Errorf("STOR up.txt as ftptest = %v", err)
		}
	})
	t.Run("imap", func(t *testing.T) {
		clienttest.IMAPGreetings(t, r.addr(t, "imap", "143"), r.addr(t, "imap", "993"), &tls.Config{RootCAs: r.pool, ServerName: "imap.testbed.test"})
	})
	t.Run("echo", func(t *testing.T) {
		clienttest.EchoTCP(t, r.addr(t, "echo", "7"))
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

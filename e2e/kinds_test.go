package e2e

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/miekg/dns"
	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	testbed "github.com/testbed-dev/testbed"
	"github.com/testbed-dev/testbed/internal/clienttest"
	"github.com/testbed-dev/testbed/internal/testenv"
	"github.com/testbed-dev/testbed/servers/sftpd"
)

// The kinds of the catalogue's second part, brought up through the library
// on both drivers and asked by real clients.

// drivers runs fn once per driver; docker only when an engine answers
// (and always in CI).
func drivers(t *testing.T, fn func(t *testing.T, driver string)) {
	for _, d := range []string{"local", "docker"} {
		t.Run(d, func(t *testing.T) {
			if d == "docker" {
				testenv.Engine(t)
			}
			fn(t, d)
		})
	}
}

func dnsQuery(t *testing.T, addr, network, name string, qtype uint16) *dns.Msg {
	t.Helper()
	c := &dns.Client{Net: network, Timeout: 5 * time.Second}
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	var r *dns.Msg
	var err error
	for range 3 {
		if r, _, err = c.Exchange(m, addr); err == nil {
			return r
		}
	}
	t.Fatalf("query %s over %s: %v", name, network, err)
	return nil
}

func TestDNSKind(t *testing.T) {
	drivers(t, func(t *testing.T, driver string) {
		bed := testbed.Start(t, testbed.WithDriver(driver), testbed.WithServers("http", "dns"))
		domain := bed.Manifest().Domain
		want := "127.0.0.1"
		if driver == "docker" {
			want = strings.Join(bed.Manifest().Servers["http"].Addresses, " ")
		}
		for _, network := range []string{"udp", "tcp"} {
			port := "53/" + network
			r := dnsQuery(t, bed.Addr("dns", port), network, bed.Host("http"), dns.TypeA)
			var got []string
			for _, rr := range r.Answer {
				if a, ok := rr.(*dns.A); ok {
					got = append(got, a.A.String())
				}
			}
			if strings.Join(got, " ") != want {
				t.Errorf("%s: A %s = %v (%s), want %s", network, bed.Host("http"), got, dns.RcodeToString[r.Rcode], want)
			}
			r = dnsQuery(t, bed.Addr("dns", port), network, "_http._tcp."+domain, dns.TypeSRV)
			if len(r.Answer) != 1 || r.Answer[0].(*dns.SRV).Target != "http."+domain+"." {
				t.Errorf("%s: SRV _http._tcp = %v, want http.%s", network, r.Answer, domain)
			}
			r = dnsQuery(t, bed.Addr("dns", port), network, "nope."+domain, dns.TypeA)
			if r.Rcode != dns.RcodeNameError {
				t.Errorf("%s: nope = %s, want NXDOMAIN", network, dns.RcodeToString[r.Rcode])
			}
		}
		// Through Go's resolver, as a program under test would ask.
		r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "udp", bed.Addr("dns", "53/udp"))
		}}
		mx, err := r.LookupMX(t.Context(), domain)
		if err != nil || len(mx) != 1 || mx[0].Host != "mail."+domain+"." {
			t.Errorf("LookupMX(%s) = %v, %v; want mail.%s", domain, mx, err, domain)
		}
	})
}

func TestWebSocketKind(t *testing.T) {
	drivers(t, func(t *testing.T, driver string) {
		bed := testbed.Start(t, testbed.WithDriver(driver), testbed.WithServers("websocket"))
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		// Go's coder/websocket over wss://, trusting the project CA.
		hc := &http.Client{Transport: &http.Transport{TLSClientConfig: bed.TLSConfig()}}
		c, _, err := websocket.Dial(ctx, "wss://"+bed.Addr("websocket", "443")+"/echo", &websocket.DialOptions{HTTPClient: hc, Subprotocols: []string{"echo"}})
		if err != nil {
			t.Fatalf("Dial wss = %v", err)
		}
		defer c.CloseNow()
		c.Write(ctx, websocket.MessageText, []byte("over tls"))
		if _, got, err := c.Read(ctx); err != nil || string(got) != "over tls" || c.Subprotocol() != "echo" {
			t.Errorf("wss echo = %q, %v (subprotocol %q)", got, err, c.Subprotocol())
		}
		// Python's websockets over ws:// and wss://.
		for _, base := range []string{"ws://" + bed.Addr("websocket", "80"), "wss://" + bed.Addr("websocket", "443")} {
			if out, err := clienttest.WebSocket(t, base, bed.CAFile()); err != nil || strings.TrimSpace(out) != "ok" {
				t.Errorf("websocket_client.py %s: %v\n%s", base, err, out)
			}
		}
	})
}

func TestSFTPKind(t *testing.T) {
	drivers(t, func(t *testing.T, driver string) {
		bed := testbed.Start(t, testbed.WithDriver(driver), testbed.WithServers("sftp"))
		// The host key, pinned through HTTPS signed by the project CA.
		line := testenv.Get(t, bed.HTTPClient(), "https://"+bed.Addr("sftp", "8022")+"/host-key")
		key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(line))
		if err != nil {
			t.Fatalf("host key %q: %v", line, err)
		}
		sc, err := ssh.Dial("tcp", bed.Addr("sftp", "22"), &ssh.ClientConfig{
			User: "sftpkey", Auth: []ssh.AuthMethod{ssh.PublicKeys(sftpd.InsecureUserSigner())},
			HostKeyCallback: ssh.FixedHostKey(key), Timeout: 10 * time.Second,
		})
		if err != nil {
			t.Fatalf("ssh with the pinned host key and the test key: %v", err)
		}
		defer sc.Close()
		c, err := sftp.NewClient(sc)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		f, err := c.Create("/upload/from-go.txt")
		if err != nil {
			t.Fatalf("Create in /upload: %v", err)
		}
		f.Write([]byte("go"))
		f.Close()
		if fi, err := c.Stat("/upload/from-go.txt"); err != nil || fi.Size() != 2 {
			t.Errorf("Stat of the upload = %v, %v", fi, err)
		}
		clienttest.SFTP(t, bed.Addr("sftp", "22"), key)
	})
}

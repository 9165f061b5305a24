package e2e

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/jlaffaye/ftp"
	"github.com/moby/moby/client"
	xproxy "golang.org/x/net/proxy"

	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/engine/docker"
	"github.com/testbed-dev/testbed/internal/testenv"
)

// The default testbed (no spec file) comes up on the engine, every kind
// answers real clients from the host through the published 127.0.0.1 ports,
// and down leaves nothing.
func TestDefaultTestbed(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	r := b.run("up", "--json").must(t, "up")
	var m endpoints.Manifest
	testenv.JSON(t, []byte(r.out), &m)
	if m.Driver != "docker" || len(m.Servers) != 6 {
		t.Fatalf("manifest = driver %s, %d servers; want docker, 6", m.Driver, len(m.Servers))
	}
	for name, s := range m.Servers {
		for key, addr := range s.Ports {
			if !strings.HasPrefix(addr, "127.0.0.1:") {
				t.Errorf("%s %s published at %s, want 127.0.0.1 only", name, key, addr)
			}
		}
	}
	envOut := b.run("env", "--json").must(t, "env --json")
	var again endpoints.Manifest
	testenv.JSON(t, []byte(envOut.out), &again)
	if again.Servers["http"].Ports["80/tcp"] != m.Servers["http"].Ports["80/tcp"] {
		t.Errorf("env --json differs from up --json")
	}
	caPEM, err := os.ReadFile(m.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	addr := func(server, port string) string {
		a, err := m.Addr(server, port)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}

	t.Run("http", func(t *testing.T) {
		resp := get(t, http.DefaultClient, "http://"+addr("http", "80")+"/status/418")
		if resp.StatusCode != 418 {
			t.Errorf("GET /status/418 = %d", resp.StatusCode)
		}
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "http.testbed.test"}, ForceAttemptHTTP2: true}
		resp = get(t, &http.Client{Transport: tr}, "https://"+addr("http", "443")+"/")
		if resp.StatusCode != 200 || resp.ProtoMajor != 2 {
			t.Errorf("HTTPS GET / = %d over HTTP/%d, want 200 over HTTP/2", resp.StatusCode, resp.ProtoMajor)
		}
	})
	t.Run("echo", func(t *testing.T) {
		for _, network := range []string{"tcp", "udp"} {
			key := "7"
			if network == "udp" {
				key = "7/udp"
			}
			c, err := net.DialTimeout(network, addr("echo", key), 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			c.SetDeadline(time.Now().Add(5 * time.Second))
			c.Write([]byte("ping " + network + "\n"))
			buf := make([]byte, 64)
			n, err := c.Read(buf)
			c.Close()
			if err != nil || string(buf[:n]) != "ping "+network+"\n" {
				t.Errorf("echo over %s = %q, %v", network, buf[:n], err)
			}
		}
	})
	t.Run("proxy", func(t *testing.T) {
		for _, c := range []struct {
			proxy, target string
			want          int
		}{
			{"http://" + addr("proxy", "3128"), "http://http.testbed.test/status/200", 200},
			{"http://" + addr("proxy", "3129"), "http://http/status/200", 407},
			{"http://foo:bar@" + addr("proxy", "3129"), "http://http/status/200", 200},
			{"http://" + addr("proxy", "3128"), "http://example.com/", 403},
		} {
			pu, _ := url.Parse(c.proxy)
			cl := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(pu)}}
			if resp := get(t, cl, c.target); resp.StatusCode != c.want {
				t.Errorf("via %s GET %s = %d, want %d", c.proxy, c.target, resp.StatusCode, c.want)
			}
		}
	})
	t.Run("socks", func(t *testing.T) {
		d, err := xproxy.SOCKS5("tcp", addr("socks", "1081"), &xproxy.Auth{User: "qsockstest", Password: "password"}, xproxy.Direct)
		if err != nil {
			t.Fatal(err)
		}
		cl := &http.Client{Transport: &http.Transport{Dial: d.Dial}}
		if resp := get(t, cl, "http://http.testbed.test/status/204"); resp.StatusCode != 204 {
			t.Errorf("GET through socks = %d", resp.StatusCode)
		}
		bad, _ := xproxy.SOCKS5("tcp", addr("socks", "1081"), &xproxy.Auth{User: "qsockstest", Password: "wrong"}, xproxy.Direct)
		if _, err := bad.Dial("tcp", "http.testbed.test:80"); err == nil {
			t.Errorf("socks accepted a wrong password")
		}
	})
	t.Run("ftp", func(t *testing.T) {
		for _, epsv := range []bool{false, true} {
			c, err := ftp.Dial(addr("ftp", "21"), ftp.DialWithTimeout(10*time.Second), ftp.DialWithDisabledEPSV(!epsv))
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Login("anonymous", "t@example.test"); err != nil {
				t.Fatal(err)
			}
			rd, err := c.Retr("/pub/1MiB.bin")
			if err != nil {
				t.Fatalf("RETR (epsv=%v): %v", epsv, err)
			}
			n, _ := io.Copy(io.Discard, rd)
			rd.Close()
			if n != 1<<20 {
				t.Errorf("RETR (epsv=%v) got %d bytes", epsv, n)
			}
			if _, err := c.Retr("/pub/file-not-readable.txt"); err == nil || !strings.Contains(err.Error(), "550") {
				t.Errorf("RETR unreadable = %v, want 550", err)
			}
			c.Quit()
		}
	})
	t.Run("imap", func(t *testing.T) {
		c, err := imapclient.DialTLS(addr("imap", "993"), &imapclient.Options{TLSConfig: &tls.Config{RootCAs: pool, ServerName: "imap.testbed.test"}})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.Login("imaptest", "password").Wait(); err != nil {
			t.Fatal(err)
		}
		sel, err := c.Select("INBOX", nil).Wait()
		if err != nil || sel.NumMessages < 3 {
			t.Errorf("SELECT INBOX = %+v, %v", sel, err)
		}
		if err := c.Login("imaptest", "wrong").Wait(); err == nil {
			t.Errorf("a second LOGIN with a wrong password passed")
		}
	})
	t.Run("curl", func(t *testing.T) {
		if _, err := exec.LookPath("curl"); err != nil {
			t.Skip("curl is not installed")
		}
		curl := func(args ...string) string {
			out, err := exec.Command("curl", append([]string{"-sS", "--max-time", "20"}, args...)...).CombinedOutput()
			if err != nil {
				t.Errorf("curl %q: %v\n%s", args, err, out)
			}
			return string(out)
		}
		if got := curl("-o", "/dev/null", "-w", "%{http_code}", "--digest", "-u", "httptest:httptest", "http://"+addr("http", "80")+"/auth/digest/"); got != "200" {
			t.Errorf("curl digest = %s", got)
		}
		if got := curl("--cacert", m.CAFile, "--ssl-reqd", "ftp://"+addr("ftp", "21")+"/pub/"); !strings.Contains(got, "hello.txt") {
			t.Errorf("curl FTPS listing of /pub = %q", got)
		}
		if got := curl("imap://imaptest:password@" + addr("imap", "143") + "/INBOX;UID=1"); !strings.Contains(got, "Subject:") {
			t.Errorf("curl IMAP fetch = %q", got)
		}
		if got := curl("-o", "/dev/null", "-w", "%{http_code}", "--socks5-hostname", addr("socks", "1080"), "http://http.testbed.test/"); got != "200" {
			t.Errorf("curl via socks = %s", got)
		}
	})
	t.Run("hardened", func(t *testing.T) {
		res, err := b.cli.ContainerInspect(context.Background(), b.project+".http", client.ContainerInspectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		c := res.Container
		hc := c.HostConfig
		if c.Config.User != "65534:65534" || !hc.ReadonlyRootfs || strings.Join(hc.CapDrop, ",") != "ALL" ||
			!strings.HasSuffix(strings.Join(hc.CapAdd, ","), "NET_BIND_SERVICE") || strings.Join(hc.SecurityOpt, ",") != "no-new-privileges:true" {
			t.Errorf("built-in container: user %q ro=%v capdrop=%v capadd=%v secopt=%v", c.Config.User, hc.ReadonlyRootfs, hc.CapDrop, hc.CapAdd, hc.SecurityOpt)
		}
		if string(hc.NetworkMode) != b.project || len(hc.Links) > 0 {
			t.Errorf("network mode %q links %v, want the project network and no links", hc.NetworkMode, hc.Links)
		}
		for port, binds := range hc.PortBindings {
			for _, bd := range binds {
				if bd.HostIP.String() != "127.0.0.1" {
					t.Errorf("%s bound on %s", port, bd.HostIP)
				}
			}
		}
	})
	// Every built-in container has the default memory and pids limits,
	// and (after the client tests above) uses far less.
	t.Run("limits", func(t *testing.T) {
		for _, name := range b.manifest().Names() {
			checkLimits(t, b, name, docker.BuiltinMemory, docker.BuiltinPids)
		}
	})
	t.Run("logs", func(t *testing.T) {
		one := b.run("logs", "ftp").must(t, "logs ftp")
		all := b.run("logs").must(t, "logs")
		if one.out+one.err == "" || strings.Contains(one.out, " | ") {
			t.Errorf("logs ftp = %q, want the ftp server's own lines", one.out)
		}
		// The servers in containers log what they serve, as under the
		// local driver: the ftp subtest's login, the http subtest's
		// request; never a password.
		if !strings.Contains(one.out+one.err, `user=anonymous`) || !strings.Contains(one.out+one.err, `msg="ftp login"`) {
			t.Errorf("logs ftp has no login line:\n%.2000s", one.out+one.err)
		}
		web := b.run("logs", "http").must(t, "logs http")
		if !strings.Contains(web.out+web.err, `msg=request method=GET uri=/status/418 `) {
			t.Errorf("logs http has no request line for GET /status/418:\n%.2000s", web.out+web.err)
		}
		if strings.Contains(all.out+all.err, "t@example.test") {
			t.Errorf("logs show the anonymous password")
		}
		for _, s := range []string{"echo ", "ftp  ", "http ", "imap ", "proxy", "socks"} {
			if !strings.Contains(all.out+all.err, s+" | ") {
				t.Errorf("logs of every server has no %q lines:\n%.2000s", s+" | ", all.out+all.err)
			}
		}
	})
	t.Run("ps and secrets", func(t *testing.T) {
		type row struct {
			Server, State string
			Ready         bool
			ReadyDetail   string `json:"ready_detail"`
		}
		ps := func() map[string]row {
			t.Helper()
			r := b.run("ps", "--json").must(t, "ps")
			var rows []row
			testenv.JSON(t, []byte(r.out), &rows)
			out := map[string]row{}
			for _, r := range rows {
				out[r.Server] = r
			}
			return out
		}
		rows := ps()
		if len(rows) != 6 {
			t.Errorf("ps lists %d servers, want 6", len(rows))
		}
		for name, r := range rows {
			if !r.Ready || r.ReadyDetail == "" {
				t.Errorf("ps: %s ready=%v (%s), want ready with the probe named", name, r.Ready, r.ReadyDetail)
			}
		}
		// ps checks each probe again: a server killed after up is not ready.
		if _, err := b.cli.ContainerKill(t.Context(), b.project+".echo", client.ContainerKillOptions{}); err != nil {
			t.Fatal(err)
		}
		rows = ps()
		if e := rows["echo"]; e.Ready || e.State == "running" {
			t.Errorf("ps after killing echo: %+v, want not ready", e)
		}
		if h := rows["http"]; !h.Ready {
			t.Errorf("ps after killing echo: http %+v, want still ready", h)
		}
		cfg := b.run("config").must(t, "config")
		for _, secret := range []string{"password=password", "password=bar", "password=httptest"} {
			if strings.Contains(cfg.out, secret) {
				t.Errorf("config prints the secret %q", secret)
			}
		}
	})
	b.run("down").must(t, "down")
	if left := testenv.Leftovers(t, b.cli, b.project); len(left) > 0 {
		t.Errorf("down left %v", left)
	}
}

// Servers on the testbed network reach each other by name, and FTP passive
// mode works from there too (the server tells network clients its own
// address, host clients 127.0.0.1).
func TestNetworkClients(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	img := testenv.Busybox(t, b.cli)
	spec := b.write("testbed.yaml", `
servers:
  ftp: {builtin: ftp}
  http: {builtin: http, aliases: [www]}
  client: {image: `+img+`, command: [sleep, "3600"]}
`, 0o644)
	b.run("-f", spec, "up").must(t, "up")
	out := b.run("-f", spec, "exec", "client", "--", "ftpget", "ftp.testbed.test", "-", "/pub/hello.txt").must(t, "ftpget from the network")
	if !strings.Contains(out.out, "ello") {
		t.Errorf("ftpget = %q", out.out)
	}
	for _, host := range []string{"http", "http.testbed.test", "www"} {
		r := b.run("-f", spec, "exec", "client", "--", "wget", "-qO-", "http://"+host+"/status/200")
		if r.code != 0 {
			t.Errorf("wget http://%s/ from the network: exit %d %s", host, r.code, r.err)
		}
	}
	hn := b.run("-f", spec, "exec", "client", "--", "hostname").must(t, "hostname")
	if strings.TrimSpace(hn.out) != "client.testbed.test" {
		t.Errorf("hostname = %q, want the FQDN", hn.out)
	}
}

func get(t *testing.T, c *http.Client, u string) *http.Response {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	io.Copy(io.Discard, bufio.NewReader(resp.Body))
	resp.Body.Close()
	return resp
}

package testbed_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/moby/moby/client"

	testbed "github.com/testbed-dev/testbed"
	"github.com/testbed-dev/testbed/internal/clienttest"
	"github.com/testbed-dev/testbed/internal/testenv"
)

// TestStartForwards: on a local engine, Start publishes no port; this
// process forwards 127.0.0.1 ports to the containers, and real clients
// reach every server through them: FTP in passive mode (LIST, STOR, RETR on
// the data ports the server announces), DNS and echo over UDP. When the
// test ends the ports are closed. WithPublish has the engine publish them
// again, and the same clients work.
func TestStartForwards(t *testing.T) {
	cli := testenv.Engine(t)
	for _, publish := range []bool{false, true} {
		name := "forwarded"
		opts := []testbed.Option{testbed.WithDriver("docker"), testbed.WithServers("ftp", "dns", "echo")}
		if publish {
			name = "published"
			opts = append(opts, testbed.WithPublish())
		}
		var held []string
		t.Run(name, func(t *testing.T) {
			bed := testbed.Start(t, opts...)
			published := publishedPorts(t, cli, bed.Project())
			switch {
			case !publish && published > 0:
				t.Errorf("%d ports published by the engine, want none (forwarded)", published)
			case publish && published == 0:
				t.Errorf("no port published with WithPublish")
			}
			for _, s := range bed.Manifest().Servers {
				for key, addr := range s.Ports {
					if !strings.HasPrefix(addr, "127.0.0.1:") {
						t.Errorf("%s at %s, want 127.0.0.1 only", key, addr)
					}
					if strings.HasSuffix(key, "/tcp") {
						held = append(held, addr)
					}
				}
			}
			clienttest.PassiveFTP(t, bed.Addr("ftp", "21"))
			r := dnsQuery(t, bed.Addr("dns", "53/udp"), "udp", bed.Host("ftp"), dns.TypeA)
			if len(r.Answer) == 0 {
				t.Errorf("DNS over UDP: no answer for %s", bed.Host("ftp"))
			}
			udpEcho(t, bed.Addr("echo", "7/udp"))
		})
		if publish {
			continue
		}
		for _, a := range held {
			if l, err := net.Listen("tcp", a); err != nil {
				t.Errorf("%s still held after the test: %v", a, err)
			} else {
				l.Close()
			}
		}
	}
}

// publishedPorts counts the host ports the engine publishes for a project.
func publishedPorts(t *testing.T, cli *client.Client, project string) int {
	t.Helper()
	list, err := cli.ContainerList(context.Background(), client.ContainerListOptions{All: true, Filters: client.Filters{}.Add("label", "testbed.project="+project)})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range list.Items {
		for _, p := range c.Ports {
			if p.PublicPort != 0 {
				n++
			}
		}
	}
	return n
}

func dnsQuery(t *testing.T, addr, network, name string, qtype uint16) *dns.Msg {
	t.Helper()
	c := &dns.Client{Net: network, Timeout: 5 * time.Second}
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	var err error
	for range 3 { // UDP: a datagram may be lost
		var r *dns.Msg
		if r, _, err = c.Exchange(m, addr); err == nil {
			return r
		}
	}
	t.Fatalf("query %s over %s at %s: %v", name, network, addr, err)
	return nil
}

func udpEcho(t *testing.T, addr string) {
	t.Helper()
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, 64)
	for range 5 { // UDP: resend what may be lost, bounded
		c.Write([]byte("ping udp"))
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		n, err := c.Read(buf)
		if err == nil {
			if string(buf[:n]) != "ping udp" {
				t.Errorf("UDP echo = %q", buf[:n])
			}
			return
		}
	}
	t.Errorf("no UDP echo from %s", addr)
}

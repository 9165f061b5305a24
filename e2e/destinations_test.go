package e2e

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/internal/testenv"
	"github.com/testbed-dev/testbed/plan"
)

// The proxy and SOCKS servers reach only the project's own containers:
// the gateway (the host), the subnet's edges, link-local addresses and a
// container on the project network that is not the project's are refused
// in every spelling (403, SOCKS reply 0x02), never tried (502, 0x05). The
// port on the gateway is one nothing listens on, so a tried dial would
// show as 502 / 0x05.
func TestProxyDestinationsDocker(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	img := testenv.Busybox(t, b.cli)
	spec := b.write("testbed.yaml", `
servers:
  proxy: {builtin: proxy}
  socks: {builtin: socks}
  http: {builtin: http}
`, 0o644)
	r := b.run("-f", spec, "up", "--json").must(t, "up")
	var m endpoints.Manifest
	testenv.JSON(t, []byte(r.out), &m)
	ctx := context.Background()
	nw, err := b.cli.NetworkInspect(ctx, b.project, client.NetworkInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var gw netip.Addr
	var subnet netip.Prefix
	for _, c := range nw.Network.IPAM.Config {
		if c.Subnet.Addr().Is4() {
			gw, subnet = c.Gateway, c.Subnet
		}
	}
	if !gw.IsValid() {
		t.Fatalf("project network has no IPv4 gateway: %+v", nw.Network.IPAM.Config)
	}
	// A container on the project network that is not the project's.
	created, err := b.cli.ContainerCreate(ctx, client.ContainerCreateOptions{
		Name:       "intruder-" + b.project,
		Config:     &container.Config{Image: img, Cmd: []string{"httpd", "-f", "-p", "7777"}, Labels: map[string]string{"testbed-test": "intruder"}},
		HostConfig: &container.HostConfig{NetworkMode: container.NetworkMode(b.project)},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		b.cli.ContainerRemove(context.Background(), created.ID, client.ContainerRemoveOptions{Force: true})
	})
	if _, err := b.cli.ContainerStart(ctx, created.ID, client.ContainerStartOptions{}); err != nil {
		t.Fatal(err)
	}
	ins, err := b.cli.ContainerInspect(ctx, created.ID, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	intruder := ins.Container.NetworkSettings.Networks[b.project].IPAddress.String()
	httpIns, err := b.cli.ContainerInspect(ctx, plan.ContainerName(b.project, "http"), client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	httpIP := httpIns.Container.NetworkSettings.Networks[b.project].IPAddress.String()

	g := gw.As4()
	v := binary.BigEndian.Uint32(g[:])
	spellings := []string{
		gw.String(),
		"::ffff:" + gw.String(),
		fmt.Sprint(v),
		fmt.Sprintf("0x%x", v),
		fmt.Sprintf("0%o.0%o.0%o.0%o", g[0], g[1], g[2], g[3]),
		fmt.Sprintf("%d.%d", g[0], uint32(g[1])<<16|uint32(g[2])<<8|uint32(g[3])),
		subnet.Masked().Addr().String(), // the network address
		"169.254.169.254",
		"fe80::1",
		intruder,
		"intruder-" + b.project,
	}
	proxyAddr, _ := m.Addr("proxy", "3128")
	socksAddr, _ := m.Addr("socks", "1080")
	for _, host := range spellings {
		t.Run(host, func(t *testing.T) {
			port := "1"
			if host == intruder || strings.HasPrefix(host, "intruder-") {
				port = "7777"
			}
			hp := net.JoinHostPort(host, port)
			if code := proxyGet(t, proxyAddr, "http://"+hp+"/"); code != http.StatusForbidden {
				t.Errorf("proxy GET http://%s/ = %d, want 403", hp, code)
			}
			if code := proxyConnect(t, proxyAddr, hp); code != http.StatusForbidden {
				t.Errorf("proxy CONNECT %s = %d, want 403", hp, code)
			}
			for _, atyp := range socksForms(host) {
				if rep := socks5Connect(t, socksAddr, atyp, host, port); rep != 0x02 {
					t.Errorf("SOCKS5 CONNECT %s (atyp %d) = reply %#x, want 0x02", hp, atyp, rep)
				}
			}
		})
	}
	// The project's own servers stay reachable.
	if code := proxyGet(t, proxyAddr, "http://http.testbed.test/status/200"); code != 200 {
		t.Errorf("proxy GET http.testbed.test = %d, want 200", code)
	}
	if code := proxyGet(t, proxyAddr, "http://"+httpIP+"/status/200"); code != 200 {
		t.Errorf("proxy GET %s (the http container) = %d, want 200", httpIP, code)
	}
	if rep := socks5Connect(t, socksAddr, 1, httpIP, "80"); rep != 0 {
		t.Errorf("SOCKS5 CONNECT %s:80 = reply %#x, want 0", httpIP, rep)
	}
	if rep := socks5Connect(t, socksAddr, 3, "http", "80"); rep != 0 {
		t.Errorf("SOCKS5 CONNECT http:80 = reply %#x, want 0", rep)
	}
}

// TestProxyDestinationsLocal: with the local driver, only 127.0.0.1 ports
// of the project's own servers are destinations; another listener on
// 127.0.0.1 is refused in every spelling.
func TestProxyDestinationsLocal(t *testing.T) {
	t.Parallel()
	b := &bed{t: t, project: project(t), state: t.TempDir(), dir: t.TempDir()}
	t.Cleanup(func() { b.run("--driver", "local", "down") })
	spec := b.write("testbed.yaml", "servers:\n  proxy: {builtin: proxy}\n  socks: {builtin: socks}\n  http: {builtin: http}\n", 0o644)
	r := b.run("--driver", "local", "-f", spec, "up", "--json").must(t, "up")
	var m endpoints.Manifest
	testenv.JSON(t, []byte(r.out), &m)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("HTTP/1.0 200 OK\r\n\r\nnot a testbed server"))
			c.Close()
		}
	}()
	port := fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
	proxyAddr, _ := m.Addr("proxy", "3128")
	socksAddr, _ := m.Addr("socks", "1080")
	for _, host := range []string{"127.0.0.1", "::ffff:127.0.0.1", "2130706433", "0x7f000001", "0177.0.0.1", "127.1", "localhost", "::1", "0.0.0.0"} {
		t.Run(host, func(t *testing.T) {
			hp := net.JoinHostPort(host, port)
			if code := proxyGet(t, proxyAddr, "http://"+hp+"/"); code != http.StatusForbidden {
				t.Errorf("proxy GET http://%s/ = %d, want 403", hp, code)
			}
			if code := proxyConnect(t, proxyAddr, hp); code != http.StatusForbidden {
				t.Errorf("proxy CONNECT %s = %d, want 403", hp, code)
			}
			for _, atyp := range socksForms(host) {
				if rep := socks5Connect(t, socksAddr, atyp, host, port); rep != 0x02 {
					t.Errorf("SOCKS5 CONNECT %s (atyp %d) = reply %#x, want 0x02", hp, atyp, rep)
				}
			}
		})
	}
	if code := proxyGet(t, proxyAddr, "http://http.testbed.test/status/200"); code != 200 {
		t.Errorf("proxy GET http.testbed.test = %d, want 200", code)
	}
}

// socksForms lists the SOCKS5 address types host can be sent as: its
// literal form when it is an address, and always as a name.
func socksForms(host string) []byte {
	forms := []byte{3}
	if a, err := netip.ParseAddr(host); err == nil {
		if a.Is4() {
			forms = append(forms, 1)
		} else {
			forms = append(forms, 4)
		}
	}
	return forms
}

// proxyGet sends an absolute-URI GET to the proxy and returns the status.
func proxyGet(t *testing.T, proxy, target string) int {
	t.Helper()
	c, err := net.DialTimeout("tcp", proxy, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", target)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("GET %s via proxy: %v", target, err)
	}
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// proxyConnect sends CONNECT to the proxy and returns the status.
func proxyConnect(t *testing.T, proxy, hostport string) int {
	t.Helper()
	c, err := net.DialTimeout("tcp", proxy, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	fmt.Fprintf(c, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", hostport, hostport)
	resp, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: "CONNECT"})
	if err != nil {
		t.Fatalf("CONNECT %s: %v", hostport, err)
	}
	return resp.StatusCode
}

// socks5Connect does a no-auth SOCKS5 CONNECT and returns the reply code.
func socks5Connect(t *testing.T, socks string, atyp byte, host, port string) byte {
	t.Helper()
	c, err := net.DialTimeout("tcp", socks, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	req := []byte{5, 1, 0}
	if _, err := c.Write(req); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2)
	if _, err := io.ReadFull(c, buf); err != nil || buf[1] != 0 {
		t.Fatalf("SOCKS5 greeting = %v, %v", buf, err)
	}
	msg := []byte{5, 1, 0, atyp}
	switch atyp {
	case 1:
		a := netip.MustParseAddr(host).As4()
		msg = append(msg, a[:]...)
	case 4:
		a := netip.MustParseAddr(host).As16()
		msg = append(msg, a[:]...)
	default:
		msg = append(msg, byte(len(host)))
		msg = append(msg, host...)
	}
	var p uint16
	fmt.Sscan(port, &p)
	msg = binary.BigEndian.AppendUint16(msg, p)
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	rep := make([]byte, 2)
	if _, err := io.ReadFull(c, rep); err != nil {
		t.Fatalf("SOCKS5 CONNECT %s: read reply: %v", host, err)
	}
	return rep[1]
}

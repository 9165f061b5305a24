package hostnet

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseRoutes(t *testing.T) {
	p := filepath.Join(t.TempDir(), "route")
	os.WriteFile(p, []byte("Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"+
		"eth0\t0012A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"+
		"eth0\t00000000\t0112A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"), 0o644)
	f, _ := os.Open(p)
	defer f.Close()
	gw, err := parseRoutes(f)
	if err != nil || gw.String() != "192.168.18.1" {
		t.Errorf("parseRoutes() = %v, %v, want 192.168.18.1", gw, err)
	}
}

func TestPortHolder(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	got := PortHolder("tcp", port)
	if !strings.HasPrefix(got, fmt.Sprintf("pid %d ", os.Getpid())) {
		t.Errorf("PortHolder(tcp, %d) = %q, want this process (pid %d)", port, got, os.Getpid())
	}
}

func TestLocalNetsSkipsLoopback(t *testing.T) {
	nets, err := LocalNets()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nets {
		if n.Addr().IsLoopback() {
			t.Errorf("LocalNets() has loopback %s", n)
		}
	}
}

func TestFreePorts(t *testing.T) {
	lo, hi := freeRange()
	ports, err := FreePorts(8)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, p := range ports {
		if p < lo || p >= hi || seen[p] {
			t.Errorf("FreePorts() gave %d (range [%d,%d), seen %v)", p, lo, hi, seen[p])
		}
		seen[p] = true
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			t.Errorf("port %d is not free after FreePorts: %v", p, err)
			continue
		}
		l.Close()
	}
}

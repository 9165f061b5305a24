package local_test

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/testbed-dev/testbed/catalog"
	"github.com/testbed-dev/testbed/engine/local"
	"github.com/testbed-dev/testbed/lifecycle"
	"github.com/testbed-dev/testbed/progress"
	"github.com/testbed-dev/testbed/spec"
)

// TestRemoveClosesEveryPort: when Remove returns, no port of the project
// accepts connections (tcp) and every port can be bound again (tcp and udp).
func TestRemoveClosesEveryPort(t *testing.T) {
	before := runtime.NumGoroutine()
	r := defaultTestbed(t)
	start := time.Now()
	r.down(t)
	took := time.Since(start)
	for _, name := range r.m.Names() {
		for key, addr := range r.m.Servers[name].Ports {
			if strings.HasSuffix(key, "/udp") {
				pc, err := net.ListenPacket("udp", addr)
				if err != nil {
					t.Errorf("after Remove, bind %s (%s %s) = %v, want it free", addr, name, key, err)
					continue
				}
				pc.Close()
				continue
			}
			c, err := net.DialTimeout("tcp", addr, time.Second)
			if err == nil {
				c.Close()
				t.Errorf("after Remove, %s %s (%s) still accepts connections", name, key, addr)
			} else if !errors.Is(err, syscall.ECONNREFUSED) {
				t.Errorf("after Remove, dial %s = %v, want connection refused", addr, err)
			}
		}
	}
	t.Logf("Remove took %s", took)
	// Every goroutine of the servers ends (bounded wait: some exit just
	// after their listener closes).
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before+2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before+2 {
		buf := make([]byte, 1<<16)
		t.Errorf("goroutines after Remove = %d, before Up %d\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}

// TestImageServersRefused: a server that needs an image fails the plan
// before any server starts, naming the server and the way out.
func TestImageServersRefused(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		server *spec.Server
		want   string
	}{
		{"image", &spec.Server{Name: "app", Image: "example/app:1.2", Ports: []spec.Port{{Port: 8080}}}, "server app runs the image example/app:1.2"},
		{"dockerfile", &spec.Server{Name: "built", Build: &spec.Build{Context: dir}, Ports: []spec.Port{{Port: 8080}}}, "server built is built from " + dir + "/Dockerfile"},
		{"legacy", &spec.Server{Name: "old", Build: &spec.Build{Context: dir, Inline: "FROM debian\n", BaseImage: "debian"}, Ports: []spec.Port{{Port: 21}}}, "server old is built from a generated Dockerfile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := &spec.Testbed{Name: "t", Domain: spec.DefaultDomain, Servers: []*spec.Server{
				{Name: "http", Builtin: "http"}, tt.server,
			}}
			r, err := up(t, tb)
			if err == nil {
				t.Fatalf("Up() = nil error, want the %s server refused", tt.server.Name)
			}
			for _, want := range []string{tt.want, "needs a container engine (--driver docker)"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Up() = %q, want it to say %q", err, want)
				}
			}
			if !errors.Is(err, local.ErrNeedsEngine) {
				t.Errorf("errors.Is(%v, ErrNeedsEngine) = false", err)
			}
			if started := r.events.phases(progress.PhaseCreate); len(started) > 0 {
				t.Errorf("servers started before the refusal: %v", started)
			}
			if s := r.eng.Servers(r.project); len(s) > 0 {
				t.Errorf("engine still holds %v", s)
			}
		})
	}
}

// TestPortClash: a fixed port that is taken fails Prepare, and the ports
// bound before it are released.
func TestPortClash(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	free := freePort(t)
	takenPort := taken.Addr().(*net.TCPAddr).Port
	tb := &spec.Testbed{Name: "t", Domain: spec.DefaultDomain, Servers: []*spec.Server{
		{Name: "first", Builtin: "echo", Ports: []spec.Port{{Port: 7, HostPort: free}}},
		{Name: "second", Builtin: "echo", Ports: []spec.Port{{Port: 7, HostPort: takenPort}}},
	}}
	r, err := up(t, tb)
	if err == nil || !strings.Contains(err.Error(), "server second: bind 127.0.0.1:"+strconv.Itoa(takenPort)) {
		t.Fatalf("Up() = %v, want a bind error for server second", err)
	}
	if started := r.events.phases(progress.PhaseCreate); len(started) > 0 {
		t.Errorf("servers started before the failure: %v", started)
	}
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(free))
	if err != nil {
		t.Errorf("port %d of server first still bound after the failure: %v", free, err)
	} else {
		l.Close()
	}
}

// TestFixedPorts: a spec's host ports (as --bind-local makes them) are the
// ports bound, and the manifest names them.
func TestFixedPorts(t *testing.T) {
	port := freePort(t)
	tb := &spec.Testbed{Name: "t", Domain: spec.DefaultDomain, Servers: []*spec.Server{
		{Name: "e", Builtin: "echo", Ports: []spec.Port{{Port: 7, HostPort: port}}},
	}}
	r, err := up(t, tb)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.addr(t, "e", "7/tcp"), "127.0.0.1:"+strconv.Itoa(port); got != want {
		t.Errorf("Addr(e, 7/tcp) = %s, want %s", got, want)
	}
}

// TestServerFailureIsReported: a server whose kind fails at once makes Up
// fail with the server's name and log.
func TestServerFailureIsReported(t *testing.T) {
	tb := &spec.Testbed{Name: "t", Domain: spec.DefaultDomain, Servers: []*spec.Server{
		{Name: "badftp", Builtin: "ftp", Options: map[string]string{"anonymous": "maybe"}},
	}}
	_, err := up(t, tb)
	var se *lifecycle.ServerError
	if !errors.As(err, &se) || se.Server != "badftp" {
		t.Fatalf("Up() = %v, want a ServerError for badftp", err)
	}
	if !strings.Contains(err.Error(), "anonymous") {
		t.Errorf("Up() = %q, want the cause (option anonymous) in it", err)
	}
}

// TestRemoveUnknownProject is a no-op.
func TestRemoveUnknownProject(t *testing.T) {
	e := local.New(local.Options{})
	if err := e.Remove(context.Background(), lifecycle.RemoveOptions{Project: "nothing"}); err != nil {
		t.Errorf("Remove(unknown) = %v, want nil", err)
	}
	if e.Name() != "local" {
		t.Errorf("Name() = %q, want local", e.Name())
	}
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

var _ = catalog.New

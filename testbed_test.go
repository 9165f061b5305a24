package testbed_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/proxy"

	testbed "github.com/testbed-dev/testbed"
	"github.com/testbed-dev/testbed/internal/testenv"
)

// TestStartLocal: the default testbed on the local driver answers through
// the Bed's accessors, and is gone after Close.
func TestStartLocal(t *testing.T) {
	bed := testbed.Start(t, testbed.WithDriver("local"))
	if bed.Driver() != "local" {
		t.Errorf("Driver() = %q, want local", bed.Driver())
	}
	checkBed(t, bed)
	addr := bed.Addr("http", "80")
	dir := filepath.Dir(bed.CAFile())
	if err := bed.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	if err := bed.Close(); err != nil {
		t.Errorf("second Close() = %v, want nil", err)
	}
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Errorf("after Close, %s still accepts connections", addr)
	} else if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("after Close, dial %s = %v, want connection refused", addr, err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after Close, state directory %s: %v, want it removed", dir, err)
	}
}

// TestStartDocker: the same through containers.
func TestStartDocker(t *testing.T) {
	cli := testenv.Engine(t)
	var project string
	t.Run("up", func(t *testing.T) {
		bed := testbed.Start(t, testbed.WithDriver("docker"), testbed.WithServers("http", "socks", "proxy"))
		project = bed.Project()
		if bed.Driver() != "docker" {
			t.Errorf("Driver() = %q, want docker", bed.Driver())
		}
		checkBed(t, bed)
	})
	if left := testenv.Leftovers(t, cli, project); len(left) > 0 {
		t.Errorf("after the test, left on the engine: %v", left)
	}
}

// checkBed talks to http directly, over TLS, and through socks and the
// proxy by the server's testbed name.
func checkBed(t *testing.T, bed *testbed.Bed) {
	t.Helper()
	want := "Hello, testbed!\n"
	if got := testenv.Get(t, bed.HTTPClient(), "http://"+bed.Addr("http", "80/tcp")+"/files/hello.txt"); got != want {
		t.Errorf("GET http = %q, want %q", got, want)
	}
	if got := testenv.Get(t, bed.HTTPClient(), "https://"+bed.Addr("http", "443")+"/files/hello.txt"); got != want {
		t.Errorf("GET https = %q, want %q", got, want)
	}
	if got := bed.Host("http"); got != "http.testbed.test" {
		t.Errorf("Host(http) = %q, want http.testbed.test", got)
	}
	env := bed.Env()
	for _, prefix := range []string{"TESTBED_PROJECT=" + bed.Project(), "TESTBED_CA_FILE=" + bed.CAFile(), "TESTBED_HTTP_80=" + bed.Addr("http", "80"), "TESTBED_HTTP_HOST=http.testbed.test"} {
		if !slices.Contains(env, prefix) {
			t.Errorf("Env() = %v, want %s in it", env, prefix)
		}
	}
	if _, err := os.Stat(bed.CAFile()); err != nil {
		t.Errorf("CAFile(): %v", err)
	}
	d, err := proxy.SOCKS5("tcp", bed.Addr("socks", "1080"), nil, proxy.Direct)
	if err != nil {
		t.Fatal(err)
	}
	viaSocks := &http.Client{Transport: &http.Transport{DialContext: d.(proxy.ContextDialer).DialContext, TLSClientConfig: bed.TLSConfig()}}
	defer viaSocks.CloseIdleConnections()
	if got := testenv.Get(t, viaSocks, "https://"+bed.Host("http")+"/files/hello.txt"); got != want {
		t.Errorf("GET https://%s through socks = %q", bed.Host("http"), got)
	}
	pu, _ := http.NewRequest("GET", "http://"+bed.Addr("proxy", "3128"), nil)
	viaProxy := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(pu.URL)}}
	defer viaProxy.CloseIdleConnections()
	if got := testenv.Get(t, viaProxy, "http://http/files/hello.txt"); got != want {
		t.Errorf("GET http://http/ through the proxy = %q", got)
	}
}

// TestStartFailsClearly: what a test sees when its testbed cannot start.
func TestStartFailsClearly(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name  string
		opts  []testbed.Option
		limit time.Duration
		want  []string
	}{
		{
			name: "image on the local driver",
			opts: []testbed.Option{testbed.WithDriver("local"), testbed.WithSpecFile(write("image.yaml",
				"servers:\n  web: {builtin: http}\n  app: {image: example/app:1.2, ports: [8080]}\n"))},
			limit: 10 * time.Second,
			want:  []string{"testbed.Start:", "server app runs the image example/app:1.2", "needs a container engine (--driver docker)"},
		},
		{
			name:  "unknown server",
			opts:  []testbed.Option{testbed.WithDriver("local"), testbed.WithServers("nope")},
			limit: 10 * time.Second,
			want:  []string{`no server "nope"`, "http"},
		},
		{
			name:  "bad driver",
			opts:  []testbed.Option{testbed.WithDriver("podman")},
			limit: 10 * time.Second,
			want:  []string{`driver "podman"`},
		},
		{
			name: "never ready",
			opts: []testbed.Option{testbed.WithDriver("local"), testbed.WithTimeout(300 * time.Millisecond), testbed.WithSpecFile(write("never.yaml",
				"servers:\n  e:\n    builtin: echo\n    ready: {http: {port: 7, path: /, status: 200}}\n"))},
			limit: 5 * time.Second,
			want:  []string{"server e: readiness", "not ready"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			f := runFake(t, tt.limit, func(tb testing.TB) {
				testbed.Start(tb, tt.opts...)
				t.Errorf("Start() returned, want it to fail the test")
			})
			if f.fatal == "" {
				t.Fatalf("Start() did not fail the test; log: %v", f.logs)
			}
			for _, w := range tt.want {
				if !strings.Contains(f.fatal, w) {
					t.Errorf("Start() failed with %q, want %q in it", f.fatal, w)
				}
			}
			t.Logf("failed after %s with: %s", time.Since(start).Round(time.Millisecond), f.fatal)
		})
	}
}

// TestParallelStarts: tests that start testbeds at the same time get
// projects and ports of their own.
func TestParallelStarts(t *testing.T) {
	var mu sync.Mutex
	projects := map[string]bool{}
	addrs := map[string]bool{}
	t.Run("group", func(t *testing.T) {
		for i := range 4 {
			t.Run(string(rune('a'+i)), func(t *testing.T) {
				t.Parallel()
				bed := testbed.Start(t, testbed.WithDriver("local"), testbed.WithServers("echo"))
				c, err := net.Dial("tcp", bed.Addr("echo", "7"))
				if err != nil {
					t.Fatal(err)
				}
				c.Close()
				addr := bed.Addr("echo", "7")
				mu.Lock()
				defer mu.Unlock()
				if projects[bed.Project()] || addrs[addr] {
					t.Errorf("project %s / address %s used twice", bed.Project(), addr)
				}
				projects[bed.Project()], addrs[addr] = true, true
				// An address is only taken while its testbed is up: once
				// this one goes down the kernel may hand its port to
				// another (this cleanup runs before Start's).
				t.Cleanup(func() {
					mu.Lock()
					delete(addrs, addr)
					mu.Unlock()
				})
			})
		}
	})
	if len(projects) != 4 {
		t.Errorf("projects = %v, want 4 distinct", projects)
	}
}

// TestFailedTestShowsServerLogs: when the test fails, cleanup logs the end
// of each server's log.
func TestFailedTestShowsServerLogs(t *testing.T) {
	f := runFake(t, 30*time.Second, func(tb testing.TB) {
		testbed.Start(tb, testbed.WithDriver("local"), testbed.WithServers("echo"))
		tb.Errorf("the test fails")
	})
	joined := strings.Join(f.logs, "\n")
	if !strings.Contains(joined, "last lines of each server's log") || !strings.Contains(joined, "--- echo ---") {
		t.Errorf("logs of a failed test = %q, want the echo server's log", joined)
	}
}

// TestWithAllowHostMounts: a bind of /proc is refused at validation unless
// the option allows it (the local driver then refuses the image server,
// which proves validation passed without an engine being asked).
func TestWithAllowHostMounts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mounts.yaml")
	if err := os.WriteFile(path, []byte("servers:\n  app: {image: example/app:1.2, volumes: [\"/proc:/host\"]}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_, err := testbed.New(ctx, testbed.WithDriver("local"), testbed.WithSpecFile(path))
	if err == nil || !strings.Contains(err.Error(), "allow_host_mounts") {
		t.Fatalf("New() without WithAllowHostMounts = %v, want the mount refused naming allow_host_mounts", err)
	}
	_, err = testbed.New(ctx, testbed.WithDriver("local"), testbed.WithSpecFile(path), testbed.WithAllowHostMounts())
	if err == nil || strings.Contains(err.Error(), "allow_host_mounts") || !strings.Contains(err.Error(), "needs a container engine") {
		t.Fatalf("New(WithAllowHostMounts()) = %v, want the mount allowed and only the image refused by the local driver", err)
	}
}

// TestStartMasksSecrets: what the library logs and the failure it reports
// mask the spec's secrets: here a built-in option's password that a probe
// path repeats.
func TestStartMasksSecrets(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secret.yaml")
	if err := os.WriteFile(path, []byte("servers:\n  web:\n    builtin: http\n    options: {password: lib-pw-777}\n    ready: {http: {port: 80, path: \"/never?pw=lib-pw-777\", status: 204}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f := runFake(t, 20*time.Second, func(tb testing.TB) {
		testbed.Start(tb, testbed.WithDriver("local"), testbed.WithTimeout(500*time.Millisecond), testbed.WithSpecFile(path))
	})
	all := f.fatal + strings.Join(f.logs, "\n") + strings.Join(f.errors, "\n")
	if f.fatal == "" || !strings.Contains(all, "/never?pw=********") {
		t.Errorf("Start() should fail naming the probe with the password masked; fatal %q, logs %q", f.fatal, f.logs)
	}
	if strings.Contains(all, "lib-pw-777") {
		t.Errorf("the library printed the password: %s", all)
	}
}

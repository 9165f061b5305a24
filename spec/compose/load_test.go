package compose

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/testbed-dev/testbed/spec"
)

const labFile = "testdata/network-lab/docker-compose.yml"

func TestLoadNetworkLab(t *testing.T) {
	lab, err := filepath.Abs("testdata/network-lab")
	if err != nil {
		t.Fatal(err)
	}
	tb, warnings, err := Load(context.Background(), []string{labFile}, Options{})
	if err != nil {
		t.Fatalf("Load() error = %v", err)
	}
	if err := tb.Validate(nil); err != nil {
		t.Errorf("Validate() of the loaded fixture = %v, want nil", err)
	}
	if tb.Name != "network-lab" || tb.Format != spec.FormatCompose || tb.Source != filepath.Join(lab, "docker-compose.yml") {
		t.Errorf("Load() name, format, source = %q, %q, %q", tb.Name, tb.Format, tb.Source)
	}
	var names []string
	for _, s := range tb.Servers {
		names = append(names, s.Name)
	}
	// File order; debug is behind a profile.
	if want := []string{"web", "files", "proxy", "client"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("servers = %v, want %v", names, want)
	}

	const image = "testbed-test/busybox:local"
	wget := func(url string) []string {
		return []string{"CMD", "/bin/busybox", "wget", "-q", "-O", "/dev/null", url}
	}
	want := map[string]*spec.Server{
		"web": {
			Image:    image,
			Command:  []string{"/bin/busybox", "httpd", "-f", "-p", "80", "-h", "/srv/www"},
			Hostname: "www", Domainname: "example.test",
			Ports: []spec.Port{{Port: 80, Proto: "tcp", HostIP: "127.0.0.1"}},
			// FQDN, container_name, and the proxy's external_links alias.
			Aliases: []string{"www.example.test", "lab-web", "origin.example.test"},
			Volumes: []spec.Volume{{Type: "bind", Source: filepath.Join(lab, "web/htdocs"), Target: "/srv/www", ReadOnly: true}},
			Health:  &spec.Health{Test: wget("http://127.0.0.1/index.html"), Interval: 500 * time.Millisecond, Retries: 30, Timeout: 2 * time.Second},
			Ready:   &spec.Probe{Health: true},
			CapDrop: []string{"ALL"},
		},
		"files": {
			Image:    image,
			Command:  []string{"/bin/busybox", "httpd", "-f", "-p", "8021", "-h", "/srv/files"},
			Hostname: "files", Domainname: "example.test",
			Ports:   []spec.Port{{Port: 8021, Proto: "tcp", Expose: true}},
			Aliases: []string{"files.example.test", "ftp"}, // ftp: the client's link alias
			Volumes: []spec.Volume{{Type: "bind", Source: filepath.Join(lab, "files/pub"), Target: "/srv/files", ReadOnly: true}},
			CapDrop: []string{"ALL"},
		},
		"proxy": {
			Image:    image,
			Command:  []string{"/bin/busybox", "httpd", "-f", "-p", "3128", "-h", "/etc/proxy"},
			Hostname: "proxy", Domainname: "example.test",
			Ports:     []spec.Port{{Port: 3128, Proto: "tcp", HostIP: "127.0.0.1"}},
			Aliases:   []string{"proxy.example.test"},
			Volumes:   []spec.Volume{{Type: "bind", Source: filepath.Join(lab, "proxy/conf"), Target: "/etc/proxy", ReadOnly: true}},
			DependsOn: []spec.Dependency{{Name: "web", Condition: spec.ConditionReady}},
			Health:    &spec.Health{Test: wget("http://origin.example.test/index.html"), Interval: 500 * time.Millisecond, Retries: 20},
			Ready:     &spec.Probe{Health: true},
			CapDrop:   []string{"ALL"},
		},
		"client": {
			Image:    image,
			Command:  []string{"/bin/busybox", "sleep", "3600"},
			Hostname: "client", Domainname: "example.test",
			Env: map[string]string{"PROXY_URL": "http://proxy.example.test:3128", "NO_PROXY": "localhost",
				"CLIENT_MODE": "lab", "CLIENT_RETRIES": "3"},
			Aliases: []string{"client.example.test", "tester"},
			DependsOn: []spec.Dependency{{Name: "files", Condition: spec.ConditionStarted},
				{Name: "proxy", Condition: spec.ConditionReady}},
			ReadOnly: true,
			Tmpfs:    []string{"/tmp"},
			Labels:   map[string]string{"org.example.role": "client"},
			CapDrop:  []string{"ALL"},
		},
	}
	for _, s := range tb.Servers {
		w := want[s.Name]
		w.Name, w.Pos, w.Lines = s.Name, s.Pos, s.Lines
		if !reflect.DeepEqual(s, w) {
			t.Errorf("server %s =\n%+v\nwant\n%+v", s.Name, *s, *w)
		}
		if s.Pos.File != tb.Source || s.Pos.Line == 0 {
			t.Errorf("server %s: Pos = %v, want a line of %s", s.Name, s.Pos, tb.Source)
		}
	}
	if line := tb.Server("proxy").Lines["ports"]; line != 46 {
		t.Errorf("proxy: Lines[ports] = %d, want 46", line)
	}

	wantWarnings := []string{
		`docker-compose.yml:20: server "web": ports: 80/tcp published on 127.0.0.1`,
		`docker-compose.yml:18: server "web": container_name: replaced by testbed's naming`,
	}
	if len(warnings) != len(wantWarnings) {
		t.Errorf("warnings = %v, want %d", warnings, len(wantWarnings))
	}
	for _, w := range wantWarnings {
		if !containsWarning(warnings, w) {
			t.Errorf("warnings = %v, want one containing %q", warnings, w)
		}
	}
}

func containsWarning(ws []Warning, text string) bool {
	for _, w := range ws {
		if strings.Contains(w.String(), text) {
			return true
		}
	}
	return false
}

func TestLoadNetworkLabOptions(t *testing.T) {
	ctx := context.Background()
	t.Run("profiles", func(t *testing.T) {
		tb, _, err := Load(ctx, []string{labFile}, Options{Profiles: []string{"debug"}})
		if err != nil || tb.Server("debug") == nil {
			t.Fatalf("Load(profiles debug) = %v, %v; want a debug server", tb, err)
		}
		tb, _, err = Load(ctx, []string{labFile}, Options{Env: map[string]string{"COMPOSE_PROFILES": "debug"}})
		if err != nil || tb.Server("debug") == nil {
			t.Fatalf("Load(COMPOSE_PROFILES=debug) = %v, %v; want a debug server", tb, err)
		}
	})
	t.Run("env wins over .env", func(t *testing.T) {
		tb, _, err := Load(ctx, []string{labFile}, Options{Env: map[string]string{"LAB_DOMAIN": "lab.test"}})
		if err != nil {
			t.Fatal(err)
		}
		if h := tb.Server("web").FQDN(""); h != "www.lab.test" {
			t.Errorf("web FQDN = %q, want www.lab.test", h)
		}
	})
	t.Run("env files", func(t *testing.T) {
		env := filepath.Join(t.TempDir(), "other.env")
		if err := os.WriteFile(env, []byte("BASE_IMAGE=example/other:1\nLAB_DOMAIN=x.test\nPROXY_PORT=8080\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		tb, _, err := Load(ctx, []string{labFile}, Options{EnvFiles: []string{env}})
		if err != nil {
			t.Fatal(err)
		}
		if img := tb.Server("web").Image; img != "example/other:1" {
			t.Errorf("web image = %q, want example/other:1", img)
		}
	})
	t.Run("project name", func(t *testing.T) {
		tb, _, err := Load(ctx, []string{labFile}, Options{ProjectName: "mine"})
		if err != nil || tb.Name != "mine" {
			t.Errorf("Load() = %v, %v; want project mine", tb, err)
		}
		_, _, err = Load(ctx, []string{labFile}, Options{ProjectName: "Bad Name"})
		if !errors.Is(err, spec.ErrInvalid) {
			t.Errorf("Load(bad project name) error = %v, want a spec error", err)
		}
	})
	t.Run("publish all interfaces", func(t *testing.T) {
		tb, warnings, err := Load(ctx, []string{labFile}, Options{PublishAllInterfaces: true})
		if err != nil {
			t.Fatal(err)
		}
		if ip := tb.Server("web").Ports[0].HostIP; ip != "0.0.0.0" {
			t.Errorf("web port host IP = %q, want 0.0.0.0", ip)
		}
		if ip := tb.Server("proxy").Ports[0].HostIP; ip != "127.0.0.1" {
			t.Errorf("proxy port host IP = %q, want the file's 127.0.0.1", ip)
		}
		if containsWarning(warnings, "published on 127.0.0.1") {
			t.Errorf("warnings = %v, want none about narrowing", warnings)
		}
	})
	t.Run("no files", func(t *testing.T) {
		if _, _, err := Load(ctx, nil, Options{}); !errors.Is(err, spec.ErrInvalid) {
			t.Errorf("Load(nil) error = %v, want a spec error", err)
		}
	})
	t.Run("missing file", func(t *testing.T) {
		_, _, err := Load(ctx, []string{"testdata/nope.yml"}, Options{})
		if !errors.Is(err, spec.ErrInvalid) {
			t.Errorf("Load(missing) error = %v, want a spec error", err)
		}
	})
}

// writeFiles writes relative path -> content under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

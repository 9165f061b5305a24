package spec

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const fullYAML = `name: mytests                 # optional project name hint
domain: testbed.test          # optional
servers:                      # a mapping name -> server, order kept
  web:   {builtin: http, options: {user: u, password: p}}
  files:
    build: {context: ./ftp, dockerfile: Dockerfile, args: {K: V}}
    ports: [21, "30000-30009", "53/udp", {port: 8080, host_port: 18080, host_ip: 127.0.0.1}]
    ready: {banner: {port: 21, expect: "^220 "}}
  app:
    image: example/app:1.2
    pull: true
    command: [app, --flag]
    entrypoint: [/app]
    env: {UPSTREAM: web.testbed.test}
    files: [{src: ./ca.pem, dst: /etc/ssl/ca.pem, mode: "0644"}]
    aliases: [www]
    depends_on: [web]
    ready: {http: {port: 8080, path: /healthz, status: 200}}
    timeout: 30s
`

const fullJSON = `{
	"name": "mytests",
	"domain": "testbed.test",
	"servers": {
		"web": {"builtin": "http", "options": {"user": "u", "password": "p"}},
		"files": {
			"build": {"context": "./ftp", "dockerfile": "Dockerfile", "args": {"K": "V"}},
			"ports": [21, "30000-30009", "53/udp", {"port": 8080, "host_port": 18080, "host_ip": "127.0.0.1"}],
			"ready": {"banner": {"port": 21, "expect": "^220 "}}
		},
		"app": {
			"image": "example/app:1.2",
			"pull": true,
			"command": ["app", "--flag"],
			"entrypoint": ["/app"],
			"env": {"UPSTREAM": "web.testbed.test"},
			"files": [{"src": "./ca.pem", "dst": "/etc/ssl/ca.pem", "mode": "0644"}],
			"aliases": ["www"],
			"depends_on": ["web"],
			"ready": {"http": {"port": 8080, "path": "/healthz", "status": 200}},
			"timeout": "30s"
		}
	}
}
`

// fullModel is what fullYAML and fullJSON load to, lines aside.
func fullModel(dir, file string, webLine, filesLine, appLine int) *Testbed {
	src := filepath.Join(dir, file)
	return &Testbed{
		Name: "mytests", Domain: "testbed.test", Source: src, Format: FormatNative,
		Servers: []*Server{
			{Name: "web", Builtin: "http", Options: map[string]string{"user": "u", "password": "p"}, Pos: Pos{src, webLine}},
			{
				Name:  "files",
				Build: &Build{Context: filepath.Join(dir, "ftp"), Dockerfile: "Dockerfile", Args: map[string]string{"K": "V"}},
				Ports: []Port{
					{Port: 21, Proto: "tcp"},
					{Port: 30000, End: 30009, Proto: "tcp"},
					{Port: 53, Proto: "udp"},
					{Port: 8080, Proto: "tcp", HostPort: 18080, HostIP: "127.0.0.1"},
				},
				Ready: &Probe{Banner: &BannerProbe{Port: 21, Expect: "^220 "}},
				Pos:   Pos{src, filesLine},
			},
			{
				Name: "app", Image: "example/app:1.2", Pull: true,
				Command: []string{"app", "--flag"}, Entrypoint: []string{"/app"},
				Env:       map[string]string{"UPSTREAM": "web.testbed.test"},
				Files:     []File{{Src: filepath.Join(dir, "ca.pem"), Dst: "/etc/ssl/ca.pem", Mode: 0o644}},
				Aliases:   []string{"www"},
				DependsOn: []Dependency{{Name: "web", Condition: ConditionReady}},
				Ready:     &Probe{HTTP: &HTTPProbe{Port: 8080, Path: "/healthz", Status: 200}},
				Timeout:   30 * time.Second,
				Pos:       Pos{src, appLine},
			},
		},
	}
}

func TestLoadGood(t *testing.T) {
	dir := project(t)
	tests := []struct {
		name, file, body string
		want             *Testbed
	}{
		{"yaml", "testbed.yaml", fullYAML, fullModel(dir, "testbed.yaml", 4, 5, 9)},
		{"json", "testbed.json", fullJSON, fullModel(dir, "testbed.json", 5, 6, 11)},
		{"minimal", "testbed.yaml", "servers: {web: {builtin: http}}\n", &Testbed{
			Source: filepath.Join(dir, "testbed.yaml"), Format: FormatNative,
			Servers: []*Server{{Name: "web", Builtin: "http", Pos: Pos{filepath.Join(dir, "testbed.yaml"), 1}}},
		}},
		{"container details", "testbed.yaml", `servers:
  db:
    image: registry.example.com:5000/team/db@sha256:` + strings.Repeat("ab", 32) + `
    hostname: db.example.test
    user: "1000:1000"
    working_dir: /srv
    read_only: true
    tmpfs: [/tmp, "/run:size=1m,mode=1777"]
    cap_add: [NET_ADMIN]
    cap_drop: [ALL]
    volumes:
      - {type: bind, source: ./site, target: /site, read_only: true}
      - ./ca.pem:/ca.pem:ro
      - data:/data
      - /anon
    labels: {com.example.team: qa}
    healthcheck: {test: [/bin/check, --quick], interval: 2s, retries: 5}
    env: [A=1, "B=x=y", C=]
    depends_on: {cache: {condition: started}, init: {condition: completed}, web: null}
    ready: {all: [{tcp: 5432}, {any: [{log: "ready"}, {exec: [pg_isready]}]}, {health: true}]}
  cache: {image: cache, ready: {tls: 6379}}
  init: {build: ./ftp, ready: {exited: true}}
  web: {builtin: echo, ready: {echo: {port: 7}}}
`, &Testbed{
			Source: filepath.Join(dir, "testbed.yaml"), Format: FormatNative,
			Servers: []*Server{
				{
					Name: "db", Image: "registry.example.com:5000/team/db@sha256:" + strings.Repeat("ab", 32),
					Hostname: "db.example.test", User: "1000:1000", WorkingDir: "/srv", ReadOnly: true,
					Tmpfs: []string{"/tmp", "/run:size=1m,mode=1777"}, CapAdd: []string{"NET_ADMIN"}, CapDrop: []string{"ALL"},
					Volumes: []Volume{
						{Type: VolumeBind, Source: filepath.Join(dir, "site"), Target: "/site", ReadOnly: true},
						{Type: VolumeBind, Source: filepath.Join(dir, "ca.pem"), Target: "/ca.pem", ReadOnly: true},
						{Type: VolumeVolume, Source: "data", Target: "/data"},
						{Type: VolumeVolume, Target: "/anon"},
					},
					Labels: map[string]string{"com.example.team": "qa"},
					Health: &Health{Test: []string{"CMD", "/bin/check", "--quick"}, Interval: 2 * time.Second, Retries: 5},
					Env:    map[string]string{"A": "1", "B": "x=y", "C": ""},
					DependsOn: []Dependency{
						{Name: "cache", Condition: ConditionStarted},
						{Name: "init", Condition: ConditionCompleted},
						{Name: "web", Condition: ConditionReady},
					},
					Ready: &Probe{All: []*Probe{
						{TCP: &TCPProbe{Port: 5432}},
						{Any: []*Probe{{Log: &LogProbe{Pattern: "ready"}}, {Exec: &ExecProbe{Command: []string{"pg_isready"}}}}},
						{Health: true},
					}},
					Pos: Pos{filepath.Join(dir, "testbed.yaml"), 2},
				},
				{Name: "cache", Image: "cache", Ready: &Probe{TLS: &TCPProbe{Port: 6379}}, Pos: Pos{filepath.Join(dir, "testbed.yaml"), 21}},
				{Name: "init", Build: &Build{Context: filepath.Join(dir, "ftp"), Dockerfile: "Dockerfile"}, Ready: &Probe{Exited: true}, Pos: Pos{filepath.Join(dir, "testbed.yaml"), 22}},
				{Name: "web", Builtin: "echo", Ready: &Probe{Echo: &TCPProbe{Port: 7}}, Pos: Pos{filepath.Join(dir, "testbed.yaml"), 23}},
			},
		}},
		{"anchors and merges", "testbed.yaml", `x-base: &base
  image: example/app:1.2
  env: {A: "1"}
  timeout: 5s
servers:
  a:
    <<: *base
    timeout: 10s
  b: {<<: [*base], aliases: [bee]}
`, &Testbed{
			Source: filepath.Join(dir, "testbed.yaml"), Format: FormatNative,
			Servers: []*Server{
				{Name: "a", Image: "example/app:1.2", Env: map[string]string{"A": "1"}, Timeout: 10 * time.Second, Pos: Pos{filepath.Join(dir, "testbed.yaml"), 6}},
				{Name: "b", Image: "example/app:1.2", Env: map[string]string{"A": "1"}, Timeout: 5 * time.Second, Aliases: []string{"bee"}, Pos: Pos{filepath.Join(dir, "testbed.yaml"), 9}},
			},
		}},
		{"shorthands and modes", "testbed.yaml", `servers:
  s:
    build: {dockerfile: ftp/Other.docker}
    files:
      - {src: ca.pem, dst: /a, mode: 644}
      - {src: ca.pem, dst: /b, mode: 0o600}
      - {src: site, dst: /c, mode: 0755}
      - {src: ca.pem, dst: /d}
    ports: ["127.0.0.1::8080", "[::1]:9000:90/udp", {port: "7000-7001/udp", host_port: 17000}]
    ready: {any: [{http: 8080}, {log: {pattern: "^up$"}}, {exec: {command: [true]}}, {tcp: {port: 90}}]}
`, &Testbed{
			Source: filepath.Join(dir, "testbed.yaml"), Format: FormatNative,
			Servers: []*Server{{
				Name:  "s",
				Build: &Build{Context: dir, Dockerfile: "ftp/Other.docker"},
				Files: []File{
					{Src: filepath.Join(dir, "ca.pem"), Dst: "/a", Mode: 0o644},
					{Src: filepath.Join(dir, "ca.pem"), Dst: "/b", Mode: 0o600},
					{Src: filepath.Join(dir, "site"), Dst: "/c", Mode: 0o755},
					{Src: filepath.Join(dir, "ca.pem"), Dst: "/d"},
				},
				Ports: []Port{
					{Port: 8080, Proto: "tcp", HostIP: "127.0.0.1"},
					{Port: 90, Proto: "udp", HostIP: "::1", HostPort: 9000},
					{Port: 7000, End: 7001, Proto: "udp", HostPort: 17000},
				},
				Ready: &Probe{Any: []*Probe{
					{HTTP: &HTTPProbe{Port: 8080}},
					{Log: &LogProbe{Pattern: "^up$"}},
					{Exec: &ExecProbe{Command: []string{"true"}}},
					{TCP: &TCPProbe{Port: 90}},
				}},
				Pos: Pos{filepath.Join(dir, "testbed.yaml"), 2},
			}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb, err := loadString(t, dir, tt.file, tt.body)
			if err != nil {
				t.Fatalf("Load() error = %v", err)
			}
			if err := tb.Validate(testKinds); err != nil {
				t.Fatalf("Validate() = %v, want nil", err)
			}
			stripLines(tb)
			if !reflect.DeepEqual(tb, tt.want) {
				t.Errorf("Load() =\n%s\nwant\n%s", dump(tb), dump(tt.want))
			}
		})
	}
}

// dump shows a model for a failure message.
func dump(tb *Testbed) string {
	b, err := json.MarshalIndent(tb, "", "  ")
	if err != nil {
		return err.Error()
	}
	return string(b)
}

func TestLoadLines(t *testing.T) {
	dir := project(t)
	tb, err := loadString(t, dir, "testbed.yaml", fullYAML)
	if err != nil {
		t.Fatal(err)
	}
	files, app := tb.Server("files"), tb.Server("app")
	for _, tt := range []struct {
		lines Lines
		field string
		want  int
	}{
		{tb.Lines, "name", 1},
		{tb.Lines, "domain", 2},
		{files.Lines, "build.context", 6},
		{files.Lines, "ports[3].host_ip", 7},
		{files.Lines, "ready.banner.expect", 8},
		{app.Lines, "timeout", 19},
		{app.Lines, "files[0].mode", 15},
		{app.Lines, "depends_on[0]", 17},
		{app.Lines, "ready.http.status.nothing", 18}, // falls back to the enclosing field
	} {
		if got := tt.lines.Find(tt.field); got != tt.want {
			t.Errorf("Lines.Find(%q) = %d, want %d", tt.field, got, tt.want)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	dir := project(t)
	if _, err := Load(filepath.Join(dir, "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want ErrNotExist", err)
	}
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("Load(dir) = %v, want not a regular file", err)
	}
	big := make([]byte, MaxSize+1)
	if err := os.WriteFile(filepath.Join(dir, "big.yaml"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(filepath.Join(dir, "big.yaml")); err == nil || !errors.Is(err, ErrInvalid) {
		t.Errorf("Load(big) = %v, want ErrInvalid", err)
	}
}

func TestParseRelativeSource(t *testing.T) {
	dir := project(t)
	t.Chdir(dir)
	tb, err := Parse([]byte("servers: {s: {build: ./ftp}}\n"), "testbed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tb.Servers[0].Build.Context, filepath.Join(dir, "ftp"); got != want {
		t.Errorf("Build.Context = %q, want %q", got, want)
	}
	if tb.Source != "testbed.yaml" {
		t.Errorf("Source = %q, want testbed.yaml", tb.Source)
	}
	if err := tb.Validate(nil); err != nil {
		t.Errorf("Validate() = %v", err)
	}
}

func TestAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("x-0: &a0 {k: v}\n")
	for i := 1; i <= 12; i++ {
		fmt.Fprintf(&b, "x-%d: &a%d {<<: [", i, i)
		for j := 0; j < 9; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*a%d", i-1)
		}
		b.WriteString("]}\n")
	}
	b.WriteString("servers: {s: {image: a, env: *a12}}\n")
	start := time.Now()
	_, err := Parse([]byte(b.String()), "bomb.yaml")
	if err == nil || !strings.Contains(err.Error(), "document too large") {
		t.Errorf("Parse(bomb) = %v, want document too large", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Parse(bomb) took %v", d)
	}
}

func TestMergeOrder(t *testing.T) {
	tb, err := Parse([]byte(`x-a: &a {image: a, timeout: 1s}
x-b: &b {image: b, timeout: 2s, user: u}
servers:
  s: {<<: [*a, *b], user: v}
`), "m.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := tb.Servers[0]
	if s.Image != "a" || s.Timeout != time.Second || s.User != "v" {
		t.Errorf("merged server = image %q timeout %v user %q, want a 1s v", s.Image, s.Timeout, s.User)
	}
}

func TestParseEncodings(t *testing.T) {
	for _, tt := range []struct {
		name, body string
		webLine    int
	}{
		{"crlf", "name: x\r\nservers:\r\n  web:\r\n    builtin: http\r\n", 3},
		{"bom", "\ufeffname: x\nservers:\n  web:\n    builtin: http\n", 3},
		{"json tab", "{\n\t\"name\": \"x\",\n\t\"servers\": {\n\t\t\"web\": {\"builtin\": \"http\"}\n\t}\n}\n", 4},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tb, err := Parse([]byte(tt.body), "t.yaml")
			if err != nil {
				t.Fatalf("Parse() error = %v", err)
			}
			if tb.Name != "x" || len(tb.Servers) != 1 || tb.Servers[0].Pos.Line != tt.webLine {
				t.Errorf("Parse() = name %q, %d servers, web on line %d; want x, 1, %d", tb.Name, len(tb.Servers), tb.Servers[0].Pos.Line, tt.webLine)
			}
		})
	}
}

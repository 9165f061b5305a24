package compose

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/testbed-dev/testbed/spec"
)

// files every key test may refer to.
var keyFiles = map[string]string{
	"conf/app.conf":      "x=1\n",
	"ctx/Dockerfile":     "FROM scratch\n",
	"ctx/alt.Dockerfile": "FROM scratch\n",
	"app.env":            "FROM_FILE=yes\n",
	"base.yml":           "services:\n  base:\n    image: example/base:1\n    user: \"1000\"\n    environment: {BASE: \"1\"}\n",
	"more.yml":           "services:\n  extra:\n    image: example/extra:1\n",
	"shared/Dockerfile":  "FROM scratch AS base\nFROM base AS dev\n",
	"token.txt":          "s3cret\n",
}

func TestLoadKeys(t *testing.T) {
	tests := []struct {
		name  string
		yaml  string
		check func(t *testing.T, dir string, tb *spec.Testbed, ws []Warning)
	}{
		{"image", "services:\n  web:\n    image: example/web:1.2\n", func(t *testing.T, _ string, tb *spec.Testbed, _ []Warning) {
			if s := tb.Server("web"); s.Image != "example/web:1.2" || s.Build != nil {
				t.Errorf("Image, Build = %q, %v", s.Image, s.Build)
			}
		}},
		{"build", "services:\n  web:\n    build:\n      context: ./ctx\n      dockerfile: alt.Dockerfile\n      args: {A: \"1\", B: null}\n", func(t *testing.T, dir string, tb *spec.Testbed, _ []Warning) {
			want := &spec.Build{Context: filepath.Join(dir, "ctx"), Dockerfile: "alt.Dockerfile", Args: map[string]string{"A": "1"}}
			if s := tb.Server("web"); !reflect.DeepEqual(s.Build, want) || s.Image != "" {
				t.Errorf("Build = %+v, Image = %q; want %+v", s.Build, s.Image, want)
			}
		}},
		{"build short and image", "services:\n  web:\n    image: mine/web:dev\n    build: ./ctx\n", func(t *testing.T, dir string, tb *spec.Testbed, ws []Warning) {
			want := &spec.Build{Context: filepath.Join(dir, "ctx")}
			if s := tb.Server("web"); !reflect.DeepEqual(s.Build, want) || s.Image != "" {
				t.Errorf("Build = %+v, Image = %q; want %+v", s.Build, s.Image, want)
			}
			if !containsWarning(ws, "testbed tags the images it builds") {
				t.Errorf("warnings = %v, want one about the image name", ws)
			}
		}},
		{"dockerfile inline", "services:\n  web:\n    build:\n      context: ./ctx\n      dockerfile_inline: |\n        FROM scratch\n", func(t *testing.T, _ string, tb *spec.Testbed, _ []Warning) {
			if b := tb.Server("web").Build; b == nil || b.Inline != "FROM scratch\n" {
				t.Errorf("Build = %+v, want the inline Dockerfile", b)
			}
		}},
		{"command entrypoint", "services:\n  web:\n    image: a/b\n    command: echo \"$$(id)\" '`x`' '&&' ls\n    entrypoint: [\"/bin/sh\", \"-c\"]\n", func(t *testing.T, _ string, tb *spec.Testbed, _ []Warning) {
			s := tb.Server("web")
			if want := []string{"echo", "$(id)", "`x`", "&&", "ls"}; !reflect.DeepEqual(s.Command, want) {
				t.Errorf("Command = %q, want %q (words, never a shell)", s.Command, want)
			}
			if want := []string{"/bin/sh", "-c"}; !reflect.DeepEqual(s.Entrypoint, want) {
				t.Errorf("Entrypoint = %q, want %q", s.Entrypoint, want)
			}
		}},
		{"environment and env_file", "services:\n  web:\n    image: a/b\n    env_file: app.env\n    environment:\n      - A=1\n      - UNSET\n      - INJ=$$(id);`x`\n", func(t *testing.T, _ string, tb *spec.Testbed, _ []Warning) {
			want := map[string]string{"A": "1", "INJ": "$(id);`x`", "FROM_FILE": "yes"}
			if s := tb.Server("web"); !reflect.DeepEqual(s.Env, want) {
				t.Errorf("Env = %v, want %v", s.Env, want)
			}
		}},
		{"hostname only", "services:\n  web:\n    image: a/b\n    hostname: WWW\n", func(t *testing.T, _ string, tb *spec.Testbed, _ []Warning) {
			s := tb.Server("web")
			if s.Hostname != "www" || !reflect.DeepEqual(s.Aliases, []string{"www"}) {
				t.Errorf("Hostname, Aliases = %q, %v; want www", s.Hostname, s.Aliases)
			}
		}},
		{"domainname only", "services:\n  web:\n    image: a/b\n    domainname: lab.test\n", func(t *testing.T, _ string, tb *spec.Testbed, _ []Warning) {
			if s := tb.Server("web"); s.Hostname != "" || s.Domainname != "lab.test" || s.FQDN("") != "web.lab.test" || !reflect.DeepEqual(s.Aliases, []string{"web.lab.test"}) {
				t.Errorf("Hostname, Domainname, FQDN, Aliases = %q, %q, %q, %v; want \"\", lab.test, web.lab.test", s.Hostname, s.Domainname, s.FQDN(""), s.Aliases)
			}
		}},
		{"ports", "services:\n  web:\n    image: a/b\n    ports:\n      - \"80\"\n      - \"0.0.0.0:8443:443\"\n      - \"10.0.0.5:53:53/udp\"\n      - \"[::]:8080:8080\"\n      - target: 9000\n        host_ip: 127.0.0.2\n        published: \"19000\"\n      - target: 9001\n        host_ip: \"0::\"\n      - target: 9002\n        host_ip: \"::ffff:0.0.0.0\"\n", func(t *testing.T, _ string, tb *spec.Testbed, ws []Warning) {
			want := []spec.Port{
				{Port: 80, Proto: "tcp", HostIP: "127.0.0.1"},
				{Port: 443, Proto: "tcp", HostIP: "127.0.0.1", HostPort: 8443},
				{Port: 53, Proto: "udp", HostIP: "10.0.0.5", HostPort: 53},
				{Port: 8080, Proto: "tcp", HostIP: "::1", HostPort: 8080},
				{Port: 9000, Proto: "tcp", HostIP: "127.0.0.2", HostPort: 19000},
				{Port: 9001, Proto: "tcp", HostIP: "::1"},
				{Port: 9002, Proto: "tcp", HostIP: "127.0.0.1"},
			}
			if s := tb.Server("web"); !reflect.DeepEqual(s.Ports, want) {
				t.Errorf("Ports = %+v, want %+v", s.Ports, want)
			}
			if !containsWarning(ws, "80/tcp, 443/tcp, 8080/tcp, 9001/tcp, 9002/tcp published on 127.0.0.1") {
				t.Errorf("warnings = %v, want one naming the narrowed ports", ws)
			}
		}},
		{"port range", "services:\n  web:\n    image: a/b\n    ports: [\"127.0.0.1:5000-5001:6000-6001\"]\n", func(t *testing.T, _ string, tb *spec.Testbed, _ []Warning) {
			want := []spec.Port{{Port: 6000, Proto: "tcp", HostIP: "127.0.0.1", HostPort: 5000}, {Port: 6001, Proto: "tcp", HostIP: "127.0.0.1", HostPort: 5001}}
			if s := tb.Server("web"); !reflect.DeepEqual(s.Ports, want) {
				t.Errorf("Ports = %+v, want %+v", s.Ports, want)
			}
		}},
		{"expose", "services:\n  web:\n    image: a/b\n    ports: [\"80\"]\n    expose: [\"80\", \"9000-9002/udp\", 7]\n", func(t *testing.T, _ string, tb *spec.Testbed, _ []Warning) {
			want := []spec.Port{{Port: 80, Proto: "tcp", HostIP: "127.0.0.1"},
				{Port: 9000, End: 9002, Proto: "udp", Expose: true}, {Port: 7, Proto: "tcp", Expose: true}}
			if s := tb.Server("web"); !reflect.DeepEqual(s.Ports, want) {
				t.Errorf("Ports = %+v, want %+v", s.Ports, want)
			}
		}},
		{"networks", "services:\n  web:\n    image: a/b\n    networks:\n      front: {aliases: [Www.Lab.Test, web]}\n      back: {aliases: [api]}\nnetworks:\n  front: {driver: bridge}\n  back: {}\n", func(t *testing.T, _ string, tb *spec.Testbed, ws []Warning) {
			if s := tb.Server("web"); !reflect.DeepEqual(s.Aliases, []string{"api", "www.lab.test"}) {
				t.Errorf("Aliases = %v, want [api www.lab.test]", s.Aliases)
			}
			if !containsWarning(ws, "networks back, front merged") || !containsWarning(ws, "network definitions are ignored") {
				t.Errorf("warnings = %v, want network warnings", ws)
			}
		}},
		{"links", "services:\n  db:\n    image: a/db\n  web:\n    image: a/b\n    links: [\"db:database\", db]\n", func(t *testing.T, _ string, tb *spec.Testbed, _ []Warning) {
			if a := tb.Server("db").Aliases; !reflect.DeepEqual(a, []string{"database"}) {
				t.Errorf("db Aliases = %v, want [database]", a)
			}
			if d := tb.Server("web").DependsOn; !reflect.DeepEqual(d, []spec.Dependency{{Name: "db", Condition: spec.ConditionStarted}}) {
				t.Errorf("web DependsOn = %v, want started db", d)
			}
		}},
		{"external links", "services:\n  db:\n    image: a/db\n    container_name: legacy-db\n  web:\n    image: a/b\n    external_links: [\"legacy-db:sql.lab.test\", \"db:db\"]\n", func(t *testing.T, _ string, tb *spec.Testbed, ws []Warning) {
			if a := tb.Server("db").Aliases; !reflect.DeepEqual(a, []string{"legacy-db", "sql.lab.test"}) {
				t.Errorf("db Aliases = %v, want [legacy-db sql.lab.test]", a)
			}
			if d := tb.Server("web").DependsOn; d != nil {
				t.Errorf("web DependsOn = %v, want none (external_links start nothing)", d)
			}
			if !containsWarning(ws, `container_name: replaced by testbed's naming`) {
				t.Errorf("warnings = %v, want the container_name one", ws)
			}
		}},
		{"depends_on", "services:\n  a:\n    image: a/a\n    healthcheck: {test: [\"CMD\", \"/ok\"]}\n  b:\n    image: a/b\n  c:\n    image: a/c\n  d:\n    image: a/d\n    depends_on:\n      a: {condition: service_healthy}\n      b: {condition: service_completed_successfully}\n      c: {condition: service_started}\n", func(t *testing.T, _ string, tb *spec.Testbed, _ []Warning) {
			want := []spec.Dependency{{Name: "a", Condition: spec.ConditionReady}, {Name: "b", Condition: spec.ConditionCompleted}, {Name: "c", Condition: spec.ConditionStarted}}
			if d := tb.Server("d").DependsOn; !reflect.DeepEqual(d, want) {
				t.Errorf("DependsOn = %v, want %v", d, want)
			}
		}},
		{"depends_on healthy without healthcheck", "services:\n  a:\n    image: a/a\n  b:\n    image: a/b\n    depends_on: {a: {condition: service_healthy}}\n", func(t *testing.T, _ string, tb *spec.Testbed, ws []Warning) {
			if r := tb.Server("a").Ready; r == nil || !r.Health {
				t.Errorf("a Ready = %+v, want the engine health", r)
			}
			if !containsWarning(ws, "no healthcheck in the file") {
				t.Errorf("warnings = %v, want one about the image's HEALTHCHECK", ws)
			}
		}},
		{"healthcheck", "services:\n  web:\n    image: a/b\n    healthcheck:\n      test: /check --quick\n      interval: 30s\n      retries: 5\n      timeout: 3s\n      start_period: 5s\n", func(t *testing.T, _ string, tb *spec.Testbed, _ []Warning) {
			s := tb.Server("web")
			want := &spec.Health{Test: []string{"CMD-SHELL", "/check --quick"}, Interval: 500 * time.Millisecond, Retries: 5, Timeout: 3 * time.Second, StartPeriod: 5 * time.Second}
			if !reflect.DeepEqual(s.Health, want) || s.Ready == nil || !s.Ready.Health {
				t.Errorf("Health, Ready = %+v, %+v; want %+v and health", s.Health, s.Ready, want)
			}
		}},
		{"healthcheck short interval", "services:\n  web:\n    image: a/b\n    healthcheck: {test: [\"CMD\", \"/ok\"], interval: 100ms}\n", func(t *testing.T, _ string, tb *spec.Testbed, _ []Warning) {
			if h := tb.Server("web").Health; h == nil || h.Interval != 100*time.Millisecond {
				t.Errorf("Health = %+v, want interval 100ms", h)
			}
		}},
		{"healthcheck disabled", "services:\n  web:\n    image: a/b\n    healthcheck: {disable: true}\n", func(t *testing.T, _ string, tb *spec.Testbed, _ []Warning) {
			s := tb.Server("web")
			if !reflect.DeepEqual(s.Health, &spec.Health{Test: []string{"NONE"}}) || s.Ready != nil {
				t.Errorf("Health, Ready = %+v, %+v; want NONE and no probe", s.Health, s.Ready)
			}
		}},
		{"container details", "services:\n  web:\n    image: a/b\n    cap_add: [NET_ADMIN]\n    cap_drop: [ALL]\n    user: \"1000:1000\"\n    working_dir: /srv\n    read_only: true\n    tmpfs: [\"/run:size=1m\"]\n    labels: [\"com.example.team=qa\"]\n    restart: \"no\"\n", func(t *testing.T, _ string, tb *spec.Testbed, _ []Warning) {
			s := tb.Server("web")
			got := []any{s.CapAdd, s.CapDrop, s.User, s.WorkingDir, s.ReadOnly, s.Tmpfs, s.Labels}
			want := []any{[]string{"NET_ADMIN"}, []string{"ALL"}, "1000:1000", "/srv", true, []string{"/run:size=1m"}, map[string]string{"com.example.team": "qa"}}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("details = %v, want %v", got, want)
			}
		}},
		{"volumes", "services:\n  web:\n    image: a/b\n    volumes:\n      - ./conf:/etc/app:ro\n      - data:/data\n      - /cache\n      - type: tmpfs\n        target: /scratch\n        tmpfs: {size: 1048576}\nvolumes:\n  data: {}\n", func(t *testing.T, dir string, tb *spec.Testbed, _ []Warning) {
			s := tb.Server("web")
			want := []spec.Volume{{Type: "bind", Source: filepath.Join(dir, "conf"), Target: "/etc/app", ReadOnly: true},
				{Type: "volume", Source: "data", Target: "/data"}, {Type: "volume", Target: "/cache"}}
			if !reflect.DeepEqual(s.Volumes, want) || !reflect.DeepEqual(s.Tmpfs, []string{"/scratch:size=1048576"}) {
				t.Errorf("Volumes, Tmpfs = %+v, %v; want %+v, [/scratch:size=1048576]", s.Volumes, s.Tmpfs, want)
			}
		}},
		{"harmless keys warn", "services:\n  web:\n    image: a/b\n    stop_grace_period: 1s\n    tty: true\n    logging: {driver: json-file}\n    x-note: ignored\nx-top: {a: 1}\n", func(t *testing.T, _ string, tb *spec.Testbed, ws []Warning) {
			for _, k := range []string{"stop_grace_period: ignored", "tty: ignored", "logging: ignored"} {
				if !containsWarning(ws, k) {
					t.Errorf("warnings = %v, want %q", ws, k)
				}
			}
		}},
		{"extends and include", "include: [more.yml]\nservices:\n  web:\n    extends: {file: base.yml, service: base}\n    environment: {OWN: \"2\"}\n", func(t *testing.T, _ string, tb *spec.Testbed, _ []Warning) {
			s := tb.Server("web")
			if s.Image != "example/base:1" || s.User != "1000" || !reflect.DeepEqual(s.Env, map[string]string{"BASE": "1", "OWN": "2"}) {
				t.Errorf("web = %+v, want the base service's image, user and env", s)
			}
			if tb.Server("extra") == nil || tb.Servers[len(tb.Servers)-1].Name != "extra" {
				t.Errorf("servers = %v, want the included extra last", tb.Servers)
			}
		}},
		{"version warns", "version: \"3.8\"\nservices:\n  web: {image: a/b}\n", func(t *testing.T, _ string, tb *spec.Testbed, ws []Warning) {
			if !containsWarning(ws, "docker-compose.yml:1: version: obsolete") {
				t.Errorf("warnings = %v, want one about version", ws)
			}
		}},
		{"restart warns", "services:\n  web:\n    image: a/b\n    restart: unless-stopped\n", func(t *testing.T, _ string, tb *spec.Testbed, ws []Warning) {
			if !containsWarning(ws, `docker-compose.yml:4: server "web": restart: "unless-stopped" ignored`) {
				t.Errorf("warnings = %v, want one placing restart", ws)
			}
		}},
		{"build target and shared dockerfile", "services:\n  web:\n    build:\n      context: ./ctx\n      dockerfile: ${SHARED:-../shared}/Dockerfile\n      target: dev\n      args: {serviceDir: ./web}\n", func(t *testing.T, dir string, tb *spec.Testbed, _ []Warning) {
			want := &spec.Build{Context: filepath.Join(dir, "ctx"), ExternalDockerfile: filepath.Join(dir, "shared/Dockerfile"), Target: "dev", Args: map[string]string{"serviceDir": "./web"}}
			if b := tb.Server("web").Build; !reflect.DeepEqual(b, want) {
				t.Errorf("Build = %+v, want %+v", b, want)
			}
		}},
		{"dockerfile inside context by path", "services:\n  web:\n    build: {context: ., dockerfile: ctx/alt.Dockerfile}\n", func(t *testing.T, dir string, tb *spec.Testbed, _ []Warning) {
			if b := tb.Server("web").Build; b.Dockerfile != "ctx/alt.Dockerfile" || b.ExternalDockerfile != "" {
				t.Errorf("Build = %+v, want ctx/alt.Dockerfile inside the context", b)
			}
		}},
		{"extra hosts platform resources", "services:\n  web:\n    image: a/b\n    platform: linux/AMD64\n    extra_hosts: [\"Db.Lab.Test:10.0.0.9\", \"gw=host-gateway\", \"v6.lab.test:[::1]\"]\n    deploy:\n      resources:\n        limits: {cpus: \"1.5\", memory: 128M, pids: 50}\n        reservations: {memory: 16M}\n", func(t *testing.T, _ string, tb *spec.Testbed, ws []Warning) {
			s := tb.Server("web")
			hosts := []spec.HostEntry{{Name: "db.lab.test", IP: "10.0.0.9"}, {Name: "gw", IP: "host-gateway"}, {Name: "v6.lab.test", IP: "::1"}}
			if !reflect.DeepEqual(s.ExtraHosts, hosts) {
				t.Errorf("ExtraHosts = %v, want %v", s.ExtraHosts, hosts)
			}
			if s.Platform != "linux/amd64" {
				t.Errorf("Platform = %q, want linux/amd64", s.Platform)
			}
			if want := (&spec.Resources{Memory: 128 << 20, NanoCPUs: 1500000000, Pids: 50}); !reflect.DeepEqual(s.Resources, want) {
				t.Errorf("Resources = %+v, want %+v", s.Resources, want)
			}
			if !containsWarning(ws, "reservations") {
				t.Errorf("warnings = %v, want one about reservations", ws)
			}
		}},
		{"old resource keys", "services:\n  web:\n    image: a/b\n    mem_limit: 64m\n    cpus: 0.5\n    pids_limit: 20\n", func(t *testing.T, _ string, tb *spec.Testbed, _ []Warning) {
			if want := (&spec.Resources{Memory: 64 << 20, NanoCPUs: 500000000, Pids: 20}); !reflect.DeepEqual(tb.Server("web").Resources, want) {
				t.Errorf("Resources = %+v, want %+v", tb.Server("web").Resources, want)
			}
		}},
		{"nocopy", "services:\n  web:\n    image: a/b\n    volumes:\n      - type: volume\n        source: data\n        target: /data\n        volume: {nocopy: true}\nvolumes:\n  data: {}\n", func(t *testing.T, _ string, tb *spec.Testbed, _ []Warning) {
			want := []spec.Volume{{Type: "volume", Source: "data", Target: "/data", NoCopy: true}}
			if v := tb.Server("web").Volumes; !reflect.DeepEqual(v, want) {
				t.Errorf("Volumes = %+v, want %+v", v, want)
			}
		}},
		{"secrets and configs", "services:\n  web:\n    image: a/b\n    secrets: [token, {source: token, target: api.key}, {source: token, target: /etc/app/key, mode: 0400}]\n    configs: [app, {source: app, target: /etc/app.conf}]\nsecrets:\n  token: {file: ./token.txt}\nconfigs:\n  app: {file: ./conf/app.conf}\n", func(t *testing.T, dir string, tb *spec.Testbed, ws []Warning) {
			tok, conf := filepath.Join(dir, "token.txt"), filepath.Join(dir, "conf/app.conf")
			want := []spec.Volume{
				{Type: "bind", Source: tok, Target: "/run/secrets/token", ReadOnly: true},
				{Type: "bind", Source: tok, Target: "/run/secrets/api.key", ReadOnly: true},
				{Type: "bind", Source: tok, Target: "/etc/app/key", ReadOnly: true},
				{Type: "bind", Source: conf, Target: "/app", ReadOnly: true},
				{Type: "bind", Source: conf, Target: "/etc/app.conf", ReadOnly: true},
			}
			if v := tb.Server("web").Volumes; !reflect.DeepEqual(v, want) {
				t.Errorf("Volumes = %+v\nwant %+v", v, want)
			}
			if !containsWarning(ws, "mode ignored") {
				t.Errorf("warnings = %v, want one about the mode", ws)
			}
		}},
		{"network_mode bridge", "services:\n  web:\n    image: a/b\n    network_mode: bridge\n", func(t *testing.T, _ string, tb *spec.Testbed, ws []Warning) {
			if !containsWarning(ws, `network_mode: "bridge" taken as testbed's project network`) {
				t.Errorf("warnings = %v, want one about network_mode", ws)
			}
		}},
		{"healthcheck start_interval", "services:\n  web:\n    image: a/b\n    healthcheck: {test: [\"CMD\", \"/ok\"], start_interval: 1s}\n", func(t *testing.T, _ string, tb *spec.Testbed, ws []Warning) {
			if !containsWarning(ws, "healthcheck.start_interval: ignored") {
				t.Errorf("warnings = %v, want one about start_interval", ws)
			}
		}},
		{"interpolation default", "services:\n  web:\n    image: ${IMG:-example/default:1}\n", func(t *testing.T, _ string, tb *spec.Testbed, _ []Warning) {
			if img := tb.Server("web").Image; img != "example/default:1" {
				t.Errorf("Image = %q, want the default", img)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tb, ws, err := loadYAMLIn(t, dir, tt.yaml, keyFiles, Options{})
			if err != nil {
				t.Fatalf("Load() error = %v", err)
			}
			tt.check(t, dir, tb, ws)
			if err := tb.Validate(nil); err != nil {
				t.Errorf("Validate() = %v, want nil", err)
			}
		})
	}
}

func TestLoadKeyErrors(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		service string   // the service the error must name ("" for any)
		want    []string // substrings of the error
	}{
		{"unsupported keys listed", "services:\n  web:\n    image: a/b\n    privileged: true\n    network_mode: host\n    deploy: {replicas: 2}\n    sysctls: {a: 1}\n", "web",
			[]string{"docker-compose.yml:2:", "unsupported keys: deploy.replicas, privileged, sysctls", "docker-compose.yml:5:", "host networking is deliberately not offered"}},
		{"network_mode service", "services:\n  a: {image: a/b}\n  web:\n    image: a/b\n    network_mode: \"service:a\"\n", "web", []string{"docker-compose.yml:5:", "its own address"}},
		{"unsupported nested keys", "services:\n  web:\n    image: a/b\n    build: {context: ./ctx, ssh: [default]}\n    networks:\n      default: {ipv4_address: 10.0.0.2}\n    healthcheck: {test: [\"CMD\", \"x\"]}\n    volumes: [\"./conf:/c:z\"]\n    ports: [{target: 80, x-foo: 1}]\n", "web",
			[]string{"build.ssh", "networks.default.ipv4_address", "volumes[].bind.selinux"}},
		{"unsupported per service", "services:\n  a:\n    image: a/b\n    privileged: true\n  b:\n    image: a/b\n    pid: host\n", "",
			[]string{`server "a": unsupported keys: privileged`, `server "b": unsupported keys: pid`}},
		{"unsupported top level", "services:\n  web: {image: a/b}\nsecrets:\n  s: {file: ./app.env, driver: x}\n", "",
			[]string{"unsupported top-level keys: secrets.s.driver"}},
		{"secret from the environment", "services:\n  web: {image: a/b, secrets: [s]}\nsecrets:\n  s: {environment: TOKEN}\n", "web", []string{`field "secrets[0]"`, "files only"}},
		{"secret external", "services:\n  web: {image: a/b, secrets: [s]}\nsecrets:\n  s: {external: true}\n", "web", []string{"external"}},
		{"secret file missing", "services:\n  web: {image: a/b, secrets: [s]}\nsecrets:\n  s: {file: ./nope}\n", "web", []string{"not an existing regular file"}},
		{"disabled service not checked", "services:\n  web: {image: a/b}\n  dbg:\n    image: a/b\n    profiles: [debug]\n    privileged: true\n", "ok", nil},
		{"service name", "services:\n  web_1:\n    image: a/b\n", "web_1", []string{"not a DNS label"}},
		{"remote build context", "services:\n  web:\n    build: https://example.test/repo.git\n", "web", []string{"offline"}},
		{"missing build context", "services:\n  web:\n    build: ./nope\n", "web", []string{"not an existing directory"}},
		{"dockerfile outside context missing", "services:\n  web:\n    build: {context: ./ctx, dockerfile: ../nope/Dockerfile}\n", "web", []string{`field "build.dockerfile"`, "outside the build context"}},
		{"bind source missing", "services:\n  web:\n    image: a/b\n    volumes: [\"./nope:/x\"]\n", "web", []string{`field "volumes[0]"`, "does not exist"}},
		{"external volume", "services:\n  web:\n    image: a/b\n    volumes: [\"data:/x\"]\nvolumes:\n  data: {external: true}\n", "", []string{"external"}},
		{"published range for one port", "services:\n  web:\n    image: a/b\n    ports: [\"8000-8010:80\"]\n", "web", []string{"range of host ports"}},
		{"huge port range", "services:\n  web:\n    image: a/b\n    ports: [\"127.0.0.1:1-65535:1-65535/udp\"]\n", "web", []string{"docker-compose.yml:4:", `field "ports[0]"`, "more than 1000 ports"}},
		{"huge expose range", "services:\n  web:\n    image: a/b\n    expose: [\"1-2000\"]\n", "web", []string{`field "expose[0]"`, "more than 1000 ports"}},
		{"sctp", "services:\n  web:\n    image: a/b\n    ports: [\"80/sctp\"]\n", "web", []string{"sctp"}},
		{"link alias names two servers", "services:\n  a: {image: a/b}\n  b: {image: a/b}\n  web:\n    image: a/b\n    links: [\"a:db\"]\n  app:\n    image: a/b\n    external_links:\n      - b:db\n", "app", []string{"docker-compose.yml:10:", `field "external_links[0]"`, "network-wide"}},
		{"external link unknown", "services:\n  web:\n    image: a/b\n    external_links: [\"elsewhere:db\"]\n", "web", []string{`field "external_links[0]"`, `"elsewhere"`}},
		{"healthcheck without test", "services:\n  web:\n    image: a/b\n    healthcheck: {interval: 1s}\n", "web", []string{"without a test"}},
		{"healthcheck bare CMD", "services:\n  web:\n    image: a/b\n    healthcheck: {test: [\"CMD\"]}\n", "web", []string{"healthcheck.test"}},
		{"yaml syntax", "services:\n  web:\n    image: [a\n", "", []string{"docker-compose.yml", "line"}},
		{"required variable", "services:\n  web:\n    image: ${NOPE:?set NOPE}\n", "", []string{"set NOPE"}},
		{"remote include stays offline", "include: [\"git@example.test:org/repo.git\"]\nservices:\n  web: {image: a/b}\n", "", []string{"git@example.test"}},
		{"self-referencing anchor", "x-a: &a {<<: *a, hostname: w}\nservices:\n  web: {<<: *a, image: a/b}\n", "", []string{"docker-compose.yml: invalid YAML", "contains itself"}},
		{"duplicate key", "services:\n  web: {image: a/b}\n  web: {image: a/c}\n", "", []string{"invalid YAML", "already defined"}},
		{"not a mapping", "- a\n- b\n", "", []string{"mapping"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := loadYAMLIn(t, t.TempDir(), tt.yaml, keyFiles, Options{})
			if tt.service == "ok" {
				if err != nil {
					t.Errorf("Load() error = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Load() error = nil, want %q", tt.want)
			}
			if !errors.Is(err, spec.ErrInvalid) {
				t.Errorf("Load() error = %v, want a spec error", err)
			}
			if tt.service != "" && !strings.Contains(err.Error(), `service "`+tt.service+`"`) && !strings.Contains(err.Error(), `server "`+tt.service+`"`) {
				t.Errorf("Load() error = %v, want it to name service %s", err, tt.service)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Load() error = %v, want it to contain %q", err, w)
				}
			}
		})
	}
}

// TestHostileValues: values meant to break out of their field are refused,
// by the loader or by validation, before anything is built; or they stay
// inert data.
func TestHostileValues(t *testing.T) {
	tests := []struct {
		name string
		svc  string // the service's keys, indented by 4
		want string // substring of the error
	}{
		{"hostname", "    hostname: \"www;id\"\n", "hostname"},
		{"domainname", "    domainname: \"lab.test/../x\"\n", "domainname"},
		{"alias", "    networks: {default: {aliases: [\"a b\"]}}\n", "alias"},
		{"user", "    user: \"root;id\"\n", "user"},
		{"working_dir", "    working_dir: \"srv\"\n", "working_dir"},
		{"tmpfs", "    tmpfs: [\"/run:exec;id\"]\n", "tmpfs"},
		{"cap", "    cap_add: [\"ALL;id\"]\n", "cap_add"},
		{"label key", "    labels: {testbed.project: other}\n", "testbed."},
		{"label value", "    labels: {a: \"x\\ny\"}\n", "labels.a"},
		{"env name", "    environment: {\"A;B\": x}\n", "env"},
		{"env NUL", "    environment: {A: \"x\\0y\"}\n", "NUL"},
		{"command NUL", "    command: [\"a\\0b\"]\n", "NUL"},
		{"image", "    image: \"Evil/Image\"\n", "image"},
		{"volume target", "    volumes: [{type: bind, source: ./conf, target: \"/x;id\"}]\n", "volumes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := "services:\n  web:\n"
			if !strings.Contains(tt.svc, "image:") {
				body += "    image: a/b\n"
			}
			body += tt.svc
			tb, _, err := loadYAMLIn(t, t.TempDir(), body, keyFiles, Options{})
			if err == nil {
				err = tb.Validate(nil)
			}
			if err == nil {
				t.Fatalf("Load()+Validate() error = nil, want one about %s", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "web") {
				t.Errorf("Load()+Validate() error = %v, want it to name web and %q", err, tt.want)
			}
		})
	}
}

// loadYAMLIn is loadYAML in a given directory.
func loadYAMLIn(t *testing.T, dir, body string, files map[string]string, opts Options) (*spec.Testbed, []Warning, error) {
	t.Helper()
	writeFiles(t, dir, files)
	writeFiles(t, dir, map[string]string{"docker-compose.yml": body})
	if opts.ProjectName == "" {
		opts.ProjectName = "t"
	}
	return Load(t.Context(), []string{filepath.Join(dir, "docker-compose.yml")}, opts)
}

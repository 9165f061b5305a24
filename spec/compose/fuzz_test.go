package compose

import (
	"bytes"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"

	"github.com/testbed-dev/testbed/spec"
)

// FuzzCompose loads a fuzzed docker-compose.yml. Load must not panic, must
// fail with spec errors only, and what it accepts must keep testbed's
// defaults: every server a DNS label, published ports on loopback, local
// absolute paths for contexts, Dockerfiles and bind sources. compose-go's
// log output must never reach the process's stderr.
func FuzzCompose(f *testing.F) {
	lab, err := os.ReadFile(labFile)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(lab)
	for _, seed := range []string{
		"services:\n  web:\n    image: a/b\n    ports: [\"80\", \"0.0.0.0:443:443\", \"[::]:53:53/udp\"]\n    expose: [7]\n",
		"services:\n  web:\n    build: {context: ./ctx, args: {A: \"$$(id)\"}}\n    command: sh -c 'id; `id`'\n",
		"services:\n  a: {image: a/a, healthcheck: {test: [CMD, /ok]}}\n  b: {image: a/b, depends_on: {a: {condition: service_healthy}}, links: [\"a:x\"], external_links: [\"a:y\"]}\n",
		"services:\n  web: {image: a/b, privileged: true, container_name: w, restart: always}\nsecrets: {s: {file: ./x}}\n",
		"services:\n  web:\n    image: a/b\n    volumes: [\"./ctx:/x:ro\", \"v:/v\", \"/anon\", {type: tmpfs, target: /t}]\nvolumes: {v: {}}\n",
		"x-a: &a {image: a/b}\nservices:\n  web: {<<: *a, hostname: www, domainname: lab.test}\n",
		"services:\n  web:\n    image: ${X:-a/b}\n    environment: [A, B=1]\n",
		"include: [other.yml]\nservices: {}\n",
		"services:\n  web:\n    image: a/b\n    ports: [\"x:y:z:w\", \"${P:-1}:80\"]\n    volumes: [\"\"]\n    env_file: [nope.env]\n    label_file: nope\n",
		"services:\n  web:\n    image: [a\n",
		"services:\n  web:\n    image: a/b\n    restart: always\n    platform: linux/amd64\n    extra_hosts: [\"db.lab.test:10.0.0.2\", \"gw=host-gateway\"]\n    network_mode: bridge\n    deploy: {resources: {limits: {cpus: \"0.5\", memory: 64M, pids: 10}, reservations: {memory: 8M}}}\n",
		"services:\n  web:\n    build: {context: ./ctx, dockerfile: ../shared/Dockerfile, target: dev}\n    hostname: www\n    domainname: lab.test\n    healthcheck: {test: [CMD, /ok], timeout: 2s, start_period: 5s, start_interval: 1s}\n",
		"services:\n  web:\n    image: a/b\n    secrets: [s, {source: s, target: k, mode: 0400}]\n    configs: [c]\n    volumes: [{type: volume, source: v, target: /v, volume: {nocopy: true}}]\nsecrets: {s: {file: ./ctx/s}}\nconfigs: {c: {file: ./ctx/s}}\nvolumes: {v: {}}\n",
		"web:\n  image: a/b\n  links: [db]\n",
		"services:\n  web:\n    image: ${IMG:?set IMG}\n    portz: [80]\n    hostname: ${H}\n",
		"services:\n  web: {image: a/b, profiles: [x]}\n",
		"services:\n  web:\n    image: a/b\n    network_mode: host\n  a: {image: a/b, links: [\"web:x\"]}\n  b: {image: a/b, external_links: [\"a:x\"]}\n",
		"x-testbed: {allow_host_mounts: true}\nservices:\n  web: {image: a/b, cap_add: [ALL], volumes: [\"/var/run/docker.sock:/s\", \"/:/h\"], labels: {testbed.kept: \"1\"}}\n",
		"services:\n  web: {image: a/b, command: [" + strings.Repeat("a", spec.MaxArg+1) + "], ports: [\"1000-2000:1000-2000\"]}\n",
		"",
	} {
		f.Add([]byte(seed))
	}
	dir := f.TempDir() // one per process; iterations only rewrite the compose file
	for _, d := range []string{"ctx", "shared"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			f.Fatal(err)
		}
	}
	for _, name := range []string{"shared/Dockerfile", "ctx/s"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("FROM scratch\n"), 0o644); err != nil {
			f.Fatal(err)
		}
	}
	file := filepath.Join(dir, "docker-compose.yml")
	var leaked bytes.Buffer
	old := logrus.StandardLogger().Out
	logrus.SetOutput(&leaked) // Load captures compose-go's logging; nothing may arrive here
	f.Cleanup(func() { logrus.SetOutput(old) })
	f.Fuzz(func(t *testing.T, body []byte) {
		defer func() {
			if leaked.Len() > 0 {
				t.Errorf("compose-go logged past the capture: %q", leaked.String())
				leaked.Reset()
			}
		}()
		if err := os.WriteFile(file, body, 0o644); err != nil {
			t.Fatal(err)
		}
		tb, _, err := Load(t.Context(), []string{file}, Options{ProjectName: "fuzz"})
		if err != nil {
			if !errors.Is(err, spec.ErrInvalid) {
				t.Fatalf("Load() error = %v, want spec errors only", err)
			}
			return
		}
		for _, s := range tb.Servers {
			if !spec.IsDNSLabel(s.Name) {
				t.Errorf("server name %q is not a DNS label", s.Name)
			}
			for _, p := range s.Ports {
				if p.Expose {
					continue
				}
				ip, err := netip.ParseAddr(p.HostIP)
				if err != nil || ip.IsUnspecified() {
					t.Errorf("server %s: port %+v published on %q, want a definite address", s.Name, p, p.HostIP)
				}
			}
			if s.Build != nil && !filepath.IsAbs(s.Build.Context) {
				t.Errorf("server %s: build context %q is not a local absolute path", s.Name, s.Build.Context)
			}
			if s.Build != nil && s.Build.ExternalDockerfile != "" && !filepath.IsAbs(s.Build.ExternalDockerfile) {
				t.Errorf("server %s: external Dockerfile %q is not an absolute path", s.Name, s.Build.ExternalDockerfile)
			}
			for _, v := range s.Volumes {
				if v.Type == spec.VolumeBind && !filepath.IsAbs(v.Source) {
					t.Errorf("server %s: bind source %q is not an absolute path", s.Name, v.Source)
				}
			}
		}
	})
}

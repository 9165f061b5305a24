package e2e

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/testbed-dev/testbed/internal/testenv"
	"github.com/testbed-dev/testbed/plan"
)

// A Qt-style bridge-network setup: one shared Dockerfile outside every
// build context, named through ${SHARED_DATA}; services that extend a
// common one with their own build args; a short hostname with a domain;
// links; extra_hosts; limits; an expose-only port. Every name resolves
// from inside the network, and every port is where it should be.
func TestComposeQtBridgeNetwork(t *testing.T) {
	b := newBed(t)
	base := testenv.Busybox(t, b.cli)
	shared := filepath.Dir(b.write("shared/Dockerfile", `ARG BASE
FROM ${BASE}
ARG SERVICE
RUN ["/bin/busybox", "sh", "-c", "echo $SERVICE > /service"]
`, 0o644))
	t.Setenv("SHARED_DATA", shared)
	b.write("qt/common.yml", `services:
  base:
    build:
      context: .
      dockerfile: ${SHARED_DATA}/Dockerfile
      args: {BASE: `+base+`}
`, 0o644)
	file := b.write("qt/docker-compose-bridge-network.yml", `services:
  apache2:
    extends: {file: common.yml, service: base}
    build: {args: {SERVICE: apache2}}
    hostname: apache2
    domainname: test-net.qt.local
    command: ["/bin/busybox", "httpd", "-f", "-p", "80"]
    ports: ["80"]
    extra_hosts: ["gateway.example:10.9.8.7"]
    deploy: {resources: {limits: {memory: 64M, pids: 100}}}
  squid:
    extends: {file: common.yml, service: base}
    build: {args: {SERVICE: squid}}
    hostname: squid
    domainname: test-net.qt.local
    command: ["/bin/busybox", "sleep", "3600"]
    expose: ["3128"]
    links: ["apache2:apache2-alias"]
    depends_on: [apache2]
`, 0o644)
	b.run("-f", file, "up").must(t, "up")
	t.Cleanup(func() { b.run("-f", file, "down", "--rmi") })

	exec := func(server string, argv ...string) string {
		t.Helper()
		return b.run(append([]string{"-f", file, "exec", server, "--"}, argv...)...).must(t, server+" "+strings.Join(argv, " ")).out
	}
	if got := exec("squid", "cat", "/service"); got != "squid\n" {
		t.Errorf("squid's build arg SERVICE = %q, want squid (extends with build args)", got)
	}
	if got := exec("apache2", "cat", "/service"); got != "apache2\n" {
		t.Errorf("apache2's build arg SERVICE = %q", got)
	}
	for _, name := range []string{"apache2", "apache2-alias", "apache2.test-net.qt.local"} {
		exec("squid", "/bin/busybox", "nslookup", name)
	}
	for _, name := range []string{"squid", "squid.test-net.qt.local"} {
		exec("apache2", "/bin/busybox", "nslookup", name)
	}
	if got := exec("apache2", "/bin/busybox", "hostname"); got != "apache2\n" {
		t.Errorf("hostname = %q, want the short name", got)
	}
	if got := exec("apache2", "/bin/busybox", "hostname", "-f"); got != "apache2.test-net.qt.local\n" {
		t.Errorf("hostname -f = %q, want apache2.test-net.qt.local", got)
	}
	if got := exec("apache2", "cat", "/etc/hosts"); !strings.Contains(got, "10.9.8.7\tgateway.example") {
		t.Errorf("/etc/hosts lacks the extra host:\n%s", got)
	}

	m := b.manifest()
	addr := m.Servers["apache2"].Ports["80/tcp"]
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Fatalf("apache2 80/tcp = %q, want published on 127.0.0.1", addr)
	}
	c := &http.Client{Timeout: 10 * time.Second}
	res, err := c.Get("http://" + addr + "/")
	if err != nil {
		t.Errorf("GET apache2: %v", err)
	} else {
		res.Body.Close()
	}
	if p, ok := m.Servers["squid"].Ports["3128/tcp"]; ok {
		t.Errorf("expose-only 3128 is an endpoint: %s", p)
	}

	ctx := context.Background()
	ap, err := b.cli.ContainerInspect(ctx, plan.ContainerName(b.project, "apache2"), client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if hc := ap.Container.HostConfig; hc.Memory != 64<<20 || hc.PidsLimit == nil || *hc.PidsLimit != 100 {
		t.Errorf("apache2 limits = memory %d, pids %v; want 64 MiB, 100", hc.Memory, hc.PidsLimit)
	}
	sq, err := b.cli.ContainerInspect(ctx, plan.ContainerName(b.project, "squid"), client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for port, bindings := range sq.Container.NetworkSettings.Ports {
		if len(bindings) > 0 {
			t.Errorf("squid publishes %s on %v; expose ports are network-only", port, bindings)
		}
	}
	exposed := false
	for port := range sq.Container.Config.ExposedPorts {
		exposed = exposed || port.String() == "3128/tcp"
	}
	if !exposed {
		t.Errorf("squid does not expose 3128/tcp: %v", sq.Container.Config.ExposedPorts)
	}
}

// build.target picks the stage of a multi-stage Dockerfile.
func TestComposeBuildTarget(t *testing.T) {
	b := newBed(t)
	base := testenv.Busybox(t, b.cli)
	b.write("mt/Dockerfile", `FROM `+base+` AS one
RUN ["/bin/busybox", "sh", "-c", "echo one > /stage"]
FROM `+base+` AS two
RUN ["/bin/busybox", "sh", "-c", "echo two > /stage"]
`, 0o644)
	file := b.write("mt/docker-compose.yml", `services:
  job:
    build: {context: ., target: one}
    command: ["/bin/busybox", "sleep", "3600"]
`, 0o644)
	b.run("-f", file, "up").must(t, "up")
	t.Cleanup(func() { b.run("-f", file, "down", "--rmi") })
	if got := b.run("-f", file, "exec", "job", "--", "cat", "/stage").must(t, "cat /stage").out; got != "one\n" {
		t.Errorf("/stage = %q, want one (build.target)", got)
	}
}

package docker_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/testbed-dev/testbed/catalog"
	"github.com/testbed-dev/testbed/engine/docker"
	"github.com/testbed-dev/testbed/plan"
	"github.com/testbed-dev/testbed/spec/compose"
)

// Compose details reach the create call: short host name and domain apart,
// extra hosts, limits, healthcheck timings, nocopy, platform, and expose
// ports declared but never bound.
func TestCreateOptionsComposeDetails(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "docker-compose.yml")
	if err := os.WriteFile(file, []byte(`services:
  web:
    image: busybox
    hostname: apache2
    domainname: test-net.qt.local
    platform: linux/amd64
    expose: ["8080"]
    ports: ["127.0.0.1::80"]
    extra_hosts: ["db.example:10.1.2.3"]
    volumes:
      - type: volume
        source: data
        target: /data
        volume: {nocopy: true}
    healthcheck:
      test: ["CMD", "true"]
      interval: 2s
      timeout: 3s
      start_period: 7s
    deploy:
      resources:
        limits: {memory: 64M, cpus: "0.5", pids: 50}
volumes:
  data: {}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	tb, _, err := compose.Load(context.Background(), []string{file}, compose.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cat := catalog.New()
	p, err := plan.New(tb, cat, plan.Options{Project: "cc", Container: true})
	if err != nil {
		t.Fatal(err)
	}
	st := p.Step("web")
	if st.Probe == nil || !st.Probe.Health {
		t.Errorf("probe = %+v, want the healthcheck", st.Probe)
	}
	o, err := docker.CreateOptions(p, st, "img", nil)
	if err != nil {
		t.Fatal(err)
	}
	c, h := o.Config, o.HostConfig
	if c.Hostname != "apache2" || c.Domainname != "test-net.qt.local" {
		t.Errorf("hostname, domainname = %q, %q; want apache2, test-net.qt.local", c.Hostname, c.Domainname)
	}
	if len(c.ExposedPorts) != 2 {
		t.Errorf("exposed = %v, want 80 and 8080", c.ExposedPorts)
	}
	for port := range h.PortBindings {
		if port.String() != "80/tcp" {
			t.Errorf("binding for %s; expose ports are never published", port)
		}
	}
	if !slices.Equal(h.ExtraHosts, []string{"db.example:10.1.2.3"}) {
		t.Errorf("extra hosts = %v", h.ExtraHosts)
	}
	if h.Memory != 64<<20 || h.NanoCPUs != 5e8 || h.PidsLimit == nil || *h.PidsLimit != 50 {
		t.Errorf("resources = mem %d cpus %d pids %v", h.Memory, h.NanoCPUs, h.PidsLimit)
	}
	if hc := c.Healthcheck; hc == nil || hc.Timeout != 3*time.Second || hc.StartPeriod != 7*time.Second {
		t.Errorf("healthcheck = %+v, want timeout 3s, start period 7s", hc)
	}
	if len(h.Mounts) != 1 || h.Mounts[0].VolumeOptions == nil || !h.Mounts[0].VolumeOptions.NoCopy {
		t.Errorf("mounts = %+v, want one nocopy volume", h.Mounts)
	}
	if o.Platform == nil || o.Platform.OS != "linux" || o.Platform.Architecture != "amd64" {
		t.Errorf("platform = %+v, want linux/amd64", o.Platform)
	}
}

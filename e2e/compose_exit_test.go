package e2e

import (
	"strings"
	"testing"

	"github.com/testbed-dev/testbed/internal/testenv"
)

// A compose service with no ports and no healthcheck that exits 111 at
// once fails up, naming the server, its status and the tail of its log;
// nothing is left behind.
func TestComposeExitBeforeReady(t *testing.T) {
	b := newBed(t)
	testenv.Busybox(t, b.cli)
	file := b.write("x/docker-compose.yml", `services:
  broken:
    image: `+testenv.BusyboxImage+`
    command: ["/bin/busybox", "sh", "-c", "echo cannot-open-config >&2; exit 111"]
`, 0o644)
	r := b.run("-f", file, "up")
	if r.code != 1 {
		t.Fatalf("up = exit %d, want 1\nstderr:\n%s", r.code, r.err)
	}
	for _, want := range []string{"broken", "status 111", "cannot-open-config"} {
		if !strings.Contains(r.err, want) {
			t.Errorf("up stderr lacks %q:\n%s", want, r.err)
		}
	}
	if left := testenv.Leftovers(t, b.cli, b.project); len(left) > 0 {
		t.Errorf("a failed up left %v", left)
	}
}

// A service declared to complete (service_completed_successfully) may
// exit 0; up succeeds and its dependent starts after it ended: the
// dependent sees the file the job wrote to a shared volume.
func TestComposeCompletedDependency(t *testing.T) {
	b := newBed(t)
	testenv.Busybox(t, b.cli)
	file := b.write("y/docker-compose.yml", `services:
  init:
    image: `+testenv.BusyboxImage+`
    command: ["/bin/busybox", "sh", "-c", "sleep 1; echo seeded > /data/seed"]
    volumes: [data:/data]
  app:
    image: `+testenv.BusyboxImage+`
    command: ["/bin/busybox", "sh", "-c", "cat /data/seed > /tmp/seen; exec sleep 3600"]
    volumes: [data:/data]
    depends_on:
      init: {condition: service_completed_successfully}
volumes:
  data: {}
`, 0o644)
	b.run("-f", file, "up").must(t, "up")
	r := b.run("-f", file, "exec", "app", "--", "cat", "/tmp/seen").must(t, "cat /tmp/seen")
	if r.out != "seeded\n" {
		t.Errorf("app saw %q, want the seed init wrote before app started", r.out)
	}
}

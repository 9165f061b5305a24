package e2e

import (
	"strings"
	"testing"

	"github.com/testbed-dev/testbed/internal/testenv"
)

// TestUpFailureMasksSecrets: a server that prints its environment and
// exits fails up; the error's log tail, the progress output (plain and
// json) and everything up printed show the spec's secrets masked: a URL
// password, a value under a secret-looking name, a --token argument.
func TestUpFailureMasksSecrets(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	img := testenv.Busybox(t, b.cli)
	secrets := []string{"s3cret-url-pw", "tok-by-name-123", "argv-token-456"}
	spec := b.write("testbed.yaml", `
servers:
  app:
    image: `+img+`
    command: [sh, -c, 'env; echo "arg: $1"', --token, argv-token-456]
    env:
      DATABASE_URL: "postgres://u:s3cret-url-pw@db/x"
      API_TOKEN: tok-by-name-123
    ports: [8080]
    timeout: 20s
`, 0o644)
	for _, mode := range []string{"plain", "json"} {
		r := b.run("-f", spec, "--progress", mode, "up")
		if r.code != 1 {
			t.Fatalf("up (--progress %s) = exit %d, want 1\nstderr:\n%s", mode, r.code, r.err)
		}
		// env ran: its output is in the log tail, masked.
		for _, want := range []string{"last lines of app's log", "DATABASE_URL=postgres://u:********@db/x", "API_TOKEN=********", "arg: ********"} {
			if !strings.Contains(r.err, want) {
				t.Errorf("up (--progress %s) error lacks %q:\n%s", mode, want, r.err)
			}
		}
		for _, s := range secrets {
			if strings.Contains(r.err+r.out, s) {
				t.Errorf("up (--progress %s) printed the secret %q:\n%s", mode, s, r.err)
			}
		}
	}
	// logs prints what the server wrote, unmasked (nothing is left of a
	// failed up, so keep it this time).
	r := b.run("-f", spec, "up", "--keep-on-failure")
	if r.code != 1 {
		t.Fatalf("up --keep-on-failure = exit %d, want 1\n%s", r.code, r.err)
	}
	r = b.run("-f", spec, "logs", "app").must(t, "logs")
	if !strings.Contains(r.out, "s3cret-url-pw") {
		t.Errorf("logs should print the server's output unmasked; got:\n%s", r.out)
	}
}

// TestPsMasksSecrets: ps (table and --json) shows the probe it checked
// again with the spec's secrets masked: here a log probe that waits for
// a token the spec gives under a secret-looking name, and progress output
// (which describes that probe) masks it too.
func TestPsMasksSecrets(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	img := testenv.Busybox(t, b.cli)
	spec := b.write("testbed.yaml", `
servers:
  app:
    image: `+img+`
    command: [sh, -c, 'echo "ready $API_TOKEN"; exec sleep 3600']
    env: {API_TOKEN: tok-ps-4242}
    ready: {log: {pattern: "ready tok-ps-4242"}}
`, 0o644)
	r := b.run("-f", spec, "--progress", "json", "up").must(t, "up")
	if strings.Contains(r.err+r.out, "tok-ps-4242") || !strings.Contains(r.err, "log ready ********") {
		t.Errorf("up's progress should describe the probe with the token masked:\n%s", r.err)
	}
	// The table shows the detail only when not ready; --json always.
	if r := b.run("-f", spec, "ps").must(t, "ps"); strings.Contains(r.out, "tok-ps-4242") {
		t.Errorf("ps printed the token:\n%s", r.out)
	}
	r = b.run("-f", spec, "ps", "--json").must(t, "ps --json")
	if strings.Contains(r.out, "tok-ps-4242") || !strings.Contains(r.out, `"ready_detail": "log ready ********"`) {
		t.Errorf("ps --json should show the probe with the token masked:\n%s", r.out)
	}
}

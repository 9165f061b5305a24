package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/testbed-dev/testbed/internal/testenv"
	"github.com/testbed-dev/testbed/progress"
)

// --keep-on-failure says what it kept and how to remove it.
func TestKeepOnFailureSaysWhatItKept(t *testing.T) {
	b := newBed(t)
	img := testenv.Busybox(t, b.cli)
	spec := b.write("testbed.yaml", fmt.Sprintf(`
servers:
  bad:
    image: %s
    command: [sh, -c, "echo failing; exit 3"]
    ports: [8000]
    timeout: 20s
`, img), 0o644)
	r := b.run("-f", spec, "up", "--keep-on-failure")
	if r.code != 1 {
		t.Fatalf("up of a failing server = exit %d, want 1\n%s", r.code, r.err)
	}
	for _, want := range []string{"--keep-on-failure kept container ", "network " + b.project, "testbed -p " + b.project + " down"} {
		if !strings.Contains(r.err, want) {
			t.Errorf("up --keep-on-failure does not say %q:\n%s", want, r.err)
		}
	}
	if left := testenv.Leftovers(t, b.cli, b.project); len(left) == 0 {
		t.Errorf("up --keep-on-failure kept nothing")
	}
}

// After kill -9 of up, reap --dry-run lists what it would remove and
// removes nothing; reap lists what it removed, the project's state
// directory (the CA's private key) among it, and that directory is gone.
//
// Not parallel: a reap of another test (from another state directory) in
// between would take the engine's side of the project and leave this
// state directory to a reap that no longer finds the project.
func TestReapListsAndRemovesStateDir(t *testing.T) {
	s := newSub(t)
	spec := slowSpec(t, s, 5, false)
	dir := filepath.Join(s.state, s.project)
	reapMu.RLock()
	p := s.start("-f", spec, "up")
	p.waitEvent(t, "waiting event", 2*time.Minute, phase(progress.PhaseWait, "slow"))
	p.signal(t, syscall.SIGKILL)
	p.wait(t)
	left := settle(t, s.cli, s.project)
	if _, err := os.Stat(filepath.Join(dir, "ca-key.pem")); err != nil {
		reapMu.RUnlock()
		t.Fatalf("the killed up left no CA key to reap: %v", err)
	}
	dry := s.run("reap", "--dry-run").must(t, "reap --dry-run")
	section := projectSection(dry.out, s.project)
	for _, want := range []string{"would remove container ", "would remove network", "would remove state directory " + dir} {
		if !strings.Contains(section, want) {
			t.Errorf("reap --dry-run does not say %q:\n%s", want, dry.out)
		}
	}
	if _, err := os.Stat(dir); err != nil {
		t.Errorf("reap --dry-run removed the state directory: %v", err)
	}
	if again := testenv.Leftovers(t, s.cli, s.project); len(again) < len(left) {
		t.Errorf("reap --dry-run removed resources: %v, then %v", left, again)
	}
	reapMu.RUnlock()
	r := s.reap(t)
	section = projectSection(r.out, s.project)
	for _, want := range []string{"removed container ", "removed state directory " + dir} {
		if !strings.Contains(section, want) {
			t.Errorf("reap does not say %q:\n%s", want, r.out)
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("after reap, the state directory %s is still there (%v)", dir, err)
	}
	if after := testenv.Leftovers(t, s.cli, s.project); len(after) > 0 {
		s.reap(t) // a create in flight at the kill may land late
		if after = testenv.Leftovers(t, s.cli, s.project); len(after) > 0 {
			t.Errorf("after reap, left on the engine: %v", after)
		}
	}
}

// reap PROJECT takes that project only: of two runs killed during up, the
// one named goes (its state directory too) and the other stays for a reap
// that names it.
func TestReapOnlyTheNamedProject(t *testing.T) {
	reapMu.RLock() // no reap of every project in between
	defer reapMu.RUnlock()
	subs := []*sub{newSub(t), newSub(t)}
	left := make([][]string, len(subs))
	for i, s := range subs {
		p := s.start("-f", slowSpec(t, s, 5, false), "up")
		p.waitEvent(t, "waiting event", 2*time.Minute, phase(progress.PhaseWait, "slow"))
		p.signal(t, syscall.SIGKILL)
		p.wait(t)
		if left[i] = settle(t, s.cli, s.project); len(left[i]) == 0 {
			t.Fatalf("the killed up of %s left nothing to reap", s.project)
		}
	}
	first, second := subs[0], subs[1]
	r := first.run("reap", first.project).must(t, "reap "+first.project)
	if !strings.Contains(r.out, first.project+":") || strings.Contains(r.out, second.project) {
		t.Errorf("reap %s says:\n%s", first.project, r.out)
	}
	if now := testenv.Leftovers(t, first.cli, first.project); len(now) > 0 {
		t.Errorf("reap %s left %v", first.project, now)
	}
	if _, err := os.Stat(filepath.Join(first.state, first.project)); !os.IsNotExist(err) {
		t.Errorf("reap %s left its state directory (%v)", first.project, err)
	}
	if now := testenv.Leftovers(t, second.cli, second.project); len(now) < len(left[1]) {
		t.Errorf("reap %s took of %s: %v, then %v", first.project, second.project, left[1], now)
	}
	second.run("reap", second.project).must(t, "reap "+second.project)
	if now := testenv.Leftovers(t, second.cli, second.project); len(now) > 0 {
		t.Errorf("reap %s left %v", second.project, now)
	}
	if r := first.run("reap", "Not.A.Project"); r.code != 2 || !strings.Contains(r.err, "Not.A.Project") {
		t.Errorf("reap of a bad project name = exit %d, want 2 naming it:\n%s", r.code, r.err)
	}
}

// projectSection is reap's lines for one project: its header and the
// indented lines under it.
func projectSection(out, project string) string {
	var b strings.Builder
	in := false
	for _, l := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(l, project+": "):
			in = true
		case !strings.HasPrefix(l, "  "):
			in = false
		}
		if in {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

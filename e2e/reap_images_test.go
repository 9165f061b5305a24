package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/testbed-dev/testbed/internal/testenv"
	"github.com/testbed-dev/testbed/owner"
	"github.com/testbed-dev/testbed/plan"
	"github.com/testbed-dev/testbed/progress"
)

// spoofedBase makes an image FROM busybox that carries testbed's own
// labels, as a user's image could: testbed.kept=true and another
// project's name. It is removed at cleanup.
func spoofedBase(t *testing.T, cli *client.Client, tag, otherProject string) string {
	t.Helper()
	ctx := context.Background()
	img := testenv.Busybox(t, cli)
	c, err := cli.ContainerCreate(ctx, client.ContainerCreateOptions{Config: &container.Config{Image: img, Cmd: []string{"true"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true})
	_, err = cli.ContainerCommit(ctx, c.ID, client.ContainerCommitOptions{Reference: tag, Config: &container.Config{
		Cmd:    []string{"sleep", "3600"},
		Labels: map[string]string{"testbed.kept": "true", "testbed.project": otherProject, "testbed.owner": "spoofed"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.ImageRemove(context.Background(), tag, client.ImageRemoveOptions{Force: true}) })
	return tag
}

// TestReapImagesOfReapedProjectsOnly: project A runs (`run`, which owns
// its servers) from a user image whose labels say testbed.kept=true and
// name project B, and is killed with SIGKILL; project B is up (kept) with
// an image testbed built for it. While another run holds a project lock,
// `reap --images --dry-run` lists A but no image; with no lock held it
// lists A's image only, and `reap --images` removes A and its image, never
// B's nor the built-in server image, and leaves nothing of A (the spoofed
// kept label did not save it).
func TestReapImagesOfReapedProjectsOnly(t *testing.T) {
	t.Parallel()
	runtime := t.TempDir() // a lock directory of this test's own
	a, b := newSub(t), newSub(t)
	a.env = append(a.env, "XDG_RUNTIME_DIR="+runtime)
	b.env = append(b.env, "XDG_RUNTIME_DIR="+runtime)
	t.Cleanup(func() { removeProjectImages(t, a.cli, a.project); removeProjectImages(t, b.cli, b.project) })

	base := spoofedBase(t, a.cli, "testbed-test/spoofed:"+a.project, b.project)
	nonce := func(s *sub) string {
		s.write("nonce.txt", s.project) // a content hash of each project's own
		return s.write("testbed.yaml", `
servers:
  app:
    image: `+base+`
    files: [{src: ./nonce.txt, dst: /nonce.txt}]
    ready: {exec: {command: ["true"]}}
  web: {builtin: echo}
`)
	}
	specA, specB := nonce(a), nonce(b)
	b.run("-f", specB, "up").must(t, "up B")
	imagesB := builtImages(t, b)
	if len(imagesB) != 1 {
		t.Fatalf("B's images = %v, want the one testbed built", imagesB)
	}

	p := a.start("-f", specA, "run", "--", "sleep", "5")
	p.waitEvent(t, "A's app ready", 2*time.Minute, phase(progress.PhaseReady, "app"))
	p.signal(t, syscall.SIGKILL)
	p.wait(t)
	imagesA := builtImages(t, a)
	if len(imagesA) != 1 || len(testenv.Leftovers(t, a.cli, a.project)) == 0 {
		t.Fatalf("after SIGKILL, A's images %v and resources %v: want its image and containers left", imagesA, testenv.Leftovers(t, a.cli, a.project))
	}

	// The user's label reached A's container: only the kept volume counts.
	ins, err := a.cli.ContainerInspect(context.Background(), plan.ContainerName(a.project, "app"), client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := ins.Container.Config.Labels["testbed.kept"]; got != "true" {
		t.Logf("A's container label testbed.kept = %q (overridden; the spoof did not reach it)", got)
	}

	// An up in flight somewhere (a held project lock): A is listed, but
	// no image is.
	held, err := owner.TryLock(filepath.Join(runtime, "testbed", "locks", "someone-else.lock"))
	if err != nil {
		t.Fatal(err)
	}
	r := a.reap(t, "--images", "--dry-run")
	held.Unlock(true)
	if !strings.Contains(r.out, a.project+":") {
		t.Errorf("reap --dry-run does not list A:\n%s\n%s", r.out, r.err)
	}
	if strings.Contains(r.out, "image ") || !strings.Contains(r.err, "no image is removed") {
		t.Errorf("reap --images listed images while a lock was held:\nstdout:\n%s\nstderr:\n%s", r.out, r.err)
	}

	// No lock held: a dry run lists A's image only (never B's, nor the
	// built-in server image), then reap removes it.
	r = a.reap(t, "--images", "--dry-run")
	if !strings.Contains(r.out, imageTag(imagesA[0])) || strings.Contains(r.out, imageTag(imagesB[0])) || strings.Contains(r.out, "testbed/builtin") {
		t.Errorf("reap --images --dry-run = %q, want A's image %s only", r.out, imagesA[0])
	}
	r = a.reap(t, "--images")
	if !strings.Contains(r.out, a.project+":") || strings.Contains(r.out, imageTag(imagesB[0])) || strings.Contains(r.out, "testbed/builtin") {
		t.Errorf("reap --images = %q, want A reaped and only A's image removed", r.out)
	}
	if got := builtImages(t, a); len(got) != 0 {
		t.Errorf("A's images after reap --images = %v, want none\n%s", got, r.out)
	}
	if got := builtImages(t, b); len(got) != 1 {
		t.Errorf("B's images after reap --images = %v, want kept", got)
	}
	// Nothing of A is left: the testbed.kept=true its image carried did
	// not make it look kept.
	if left := testenv.Leftovers(t, a.cli, a.project); len(left) > 0 {
		t.Errorf("after reap, left of A: %v", left)
	}
	// B (kept, live) still answers.
	b.run("-f", specB, "exec", "app", "--", "cat", "/nonce.txt").must(t, "exec in B")
}

// imageTag is the tag in a projectImages line ("image testbed/app:abc").
func imageTag(line string) string {
	f := strings.Fields(line)
	return f[len(f)-1]
}

// builtImages are the images testbed built for the sub's project (not the
// spoofed base, which names a project too).
func builtImages(t *testing.T, s *sub) []string {
	t.Helper()
	var out []string
	for _, im := range projectImages(t, s.cli, s.project, false) {
		if strings.Contains(im, "testbed/") {
			out = append(out, im)
		}
	}
	return out
}

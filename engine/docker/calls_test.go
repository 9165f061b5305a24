package docker_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/testbed-dev/testbed/catalog"
	"github.com/testbed-dev/testbed/engine/docker"
	"github.com/testbed-dev/testbed/engine/docker/dockertest"
	"github.com/testbed-dev/testbed/image"
	"github.com/testbed-dev/testbed/internal/testenv"
	"github.com/testbed-dev/testbed/lifecycle"
	"github.com/testbed-dev/testbed/plan"
	"github.com/testbed-dev/testbed/progress"
	"github.com/testbed-dev/testbed/spec"
)

// imageCalls are the routes that make or fetch an image.
var imageCalls = []string{"POST /build", "POST /images/load", "POST /images/create"}

// TestEngineCalls counts the driver's engine calls through a proxy: the
// built-in image is loaded once when missing and never built; an unchanged
// spec makes no image at all (one inspect); a one-server up and down stay
// within a small budget.
func TestEngineCalls(t *testing.T) {
	api := testenv.Engine(t)
	t.Setenv(image.BinaryEnv, testenv.Binary(t))
	px, err := dockertest.NewProxy(t.TempDir(), "")
	if err != nil {
		t.Skip(err)
	}
	t.Cleanup(func() { px.Close() })
	t.Setenv("DOCKER_HOST", px.Host)

	ctx := context.Background()
	d, err := docker.New(ctx, docker.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	project := fmt.Sprintf("calls-%d-%d", os.Getpid(), time.Now().UnixNano()%1e6)
	tb := &spec.Testbed{Name: project, Servers: []*spec.Server{{Name: "echo", Builtin: "echo"}}}
	newPlan := func() *plan.Plan {
		t.Helper()
		// A version of its own gives the built-in image a tag of its own,
		// missing at first and removed at the end.
		p, err := plan.New(tb, catalog.New(), plan.Options{Project: project, Container: true, Owner: "calls-test", Version: project})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	t.Cleanup(func() {
		d.Remove(context.Background(), lifecycle.RemoveOptions{Project: project})
		if left := testenv.Leftovers(t, api, project); len(left) > 0 {
			t.Errorf("left on the engine: %v", left)
		}
	})

	count := func(step string, f func() error) map[string]int {
		t.Helper()
		px.Reset()
		if err := f(); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		c := px.Counts()
		delete(c, "GET /info") // the driver's background reachability check
		t.Logf("%s: %v", step, c)
		return c
	}

	p := newPlan()
	var images map[string]string
	cold := count("cold EnsureImages", func() (err error) { images, err = d.EnsureImages(ctx, p, progress.Discard{}); return err })
	tag := images[p.Steps()[0].Server.Name]
	t.Cleanup(func() { api.ImageRemove(context.Background(), tag, client.ImageRemoveOptions{PruneChildren: true}) })
	if cold["POST /images/load"] != 1 || cold["POST /build"] != 0 {
		t.Errorf("cold EnsureImages calls = %v, want one image load and no build", cold)
	}

	warm := count("unchanged EnsureImages", func() error { _, err := d.EnsureImages(ctx, newPlan(), progress.Discard{}); return err })
	if warm["GET /images/{name}/json"] != 1 || len(warm) != 1 {
		t.Errorf("unchanged EnsureImages calls = %v, want one image inspect and nothing else", warm)
	}

	rec := &progress.Recorder{}
	up := count("up", func() error {
		_, err := lifecycle.Up(ctx, d, newPlan(), lifecycle.UpOptions{Sink: rec, Owner: "calls-test"})
		return err
	})
	for _, r := range imageCalls {
		if up[r] != 0 {
			t.Errorf("up of an unchanged spec called %s %d times, want none", r, up[r])
		}
	}
	if up["POST /containers/create"] != 1 || up["POST /containers/{id}/start"] != 1 || up["POST /networks/create"] != 1 || total(up) > 8 {
		t.Errorf("up calls = %v (%d), want one network, one create, one start, at most 8 in all", up, total(up))
	}
	phases := map[string]bool{}
	for _, e := range rec.Events {
		if e.Server == "echo" {
			phases[e.Phase] = true
		}
	}
	for _, ph := range []string{progress.PhaseCreate, progress.PhaseStart, progress.PhaseWait, progress.PhaseReady} {
		if !phases[ph] {
			t.Errorf("up reported no %q for echo (got %v)", ph, phases)
		}
	}

	// An image a server names but the engine lacks is found before
	// anything is made: no network, no container, no build.
	missing := &spec.Testbed{Name: project + "-missing", Servers: []*spec.Server{
		{Name: "app", Image: "testbed-test/no-such-image:" + project}, {Name: "echo", Builtin: "echo"}}}
	mp, err := plan.New(missing, catalog.New(), plan.Options{Project: project + "-missing", Container: true, Owner: "calls-test", Version: project})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Remove(context.Background(), lifecycle.RemoveOptions{Project: mp.Project}) })
	px.Reset()
	err = d.Prepare(ctx, mp, progress.Discard{})
	if err == nil || !strings.Contains(err.Error(), "server app: image: image testbed-test/no-such-image:"+project+" is not on the engine") {
		t.Errorf("Prepare() with a missing image = %v, want the server and the image named", err)
	}
	for route, n := range px.Counts() {
		if strings.HasPrefix(route, "POST ") {
			t.Errorf("Prepare() with a missing image made %s %d times, want nothing made", route, n)
		}
	}

	down := count("down", func() error { return d.Remove(ctx, lifecycle.RemoveOptions{Project: project}) })
	if down["DELETE /containers/{id}"] != 1 || down["DELETE /networks/{id}"] != 1 || total(down) > 6 {
		t.Errorf("down calls = %v (%d), want one container and one network removed, at most 6 in all", down, total(down))
	}
}

func total(c map[string]int) int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

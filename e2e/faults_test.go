package e2e

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/internal/testenv"
	"github.com/testbed-dev/testbed/progress"
)

// The fault-injection suite: the testbed CLI runs as a separate process
// against the real engine and is killed, interrupted and contradicted at
// chosen points of `up`, found by reading its --progress json events.

// childEnv makes this test binary act as the ARGV of `testbed run` (see
// TestMain) instead of running tests.
const childEnv = "TESTBED_E2E_CHILD"

// reapMu orders the tests of this package that leave a dead run's
// resources behind against those that run `reap`, which removes every dead
// run's resources on the engine, not only its own test's: a test holds the
// read lock from before it injects a fault until it has looked at what the
// fault left (so no other test's reap cleans that up first, hiding a leak
// or the fault itself), and each `reap` runs under the write lock.
var reapMu sync.RWMutex

// reap runs `testbed reap` (with args) under the write lock.
func (s *sub) reap(t *testing.T, args ...string) result {
	t.Helper()
	reapMu.Lock()
	defer reapMu.Unlock()
	return s.run(append([]string{"reap"}, args...)...).must(t, "reap")
}

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "signal" {
		os.Exit(signalChild())
	}
	os.Exit(m.Run())
}

// signalChild is the ARGV of `testbed run` in TestRunForwardsSignals: it
// says it is ready (with an endpoint from its environment), then exits 7
// when SIGTERM or SIGINT reaches it.
func signalChild() int {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	fmt.Fprintf(os.Stderr, "child ready slow=%s\n", os.Getenv("TESTBED_SLOW_8000"))
	select {
	case s := <-sigs:
		fmt.Fprintf(os.Stderr, "child got %v\n", s)
		return 7
	case <-time.After(2 * time.Minute):
		fmt.Fprintln(os.Stderr, "child: no signal came")
		return 3
	}
}

// slowSpec is two busybox servers: slow starts listening on 8000 after
// delay seconds (so `up` spends that long in "waiting"), after depends on
// it. With build set, slow is built from a Dockerfile that takes a few
// seconds (a RUN sleep behind a per-project label, so it is never cached).
func slowSpec(t *testing.T, s *sub, delay int, build bool) string {
	t.Helper()
	img := testenv.Busybox(t, s.cli)
	what := "image: " + img
	if build {
		s.write("ctx/Dockerfile", fmt.Sprintf("FROM %s\nLABEL nonce=%s\nRUN sleep 3\n", img, s.project))
		what = "build: {context: ./ctx}"
		t.Cleanup(func() { removeProjectImages(t, s.cli, s.project) })
	}
	return s.write("testbed.yaml", fmt.Sprintf(`
servers:
  slow:
    %s
    command: [sh, -c, "sleep %d; mkdir -p /w; echo ok > /w/i; exec httpd -f -p 8000 -h /w"]
    ports: [8000]
  after:
    image: %s
    command: [sleep, "3600"]
    depends_on: [slow]
`, what, delay, img))
}

// removeProjectImages removes the images testbed built for project, and
// the steps of an interrupted build of slowSpec's Dockerfile (which carry
// its nonce label but none of testbed's: the builder labels only the final
// image).
func removeProjectImages(t *testing.T, cli *client.Client, project string) {
	ctx := context.Background()
	for _, label := range []string{"testbed.project=" + project, "nonce=" + project} {
		list, err := cli.ImageList(ctx, client.ImageListOptions{All: true, Filters: client.Filters{}.Add("label", label)})
		if err != nil {
			t.Errorf("list images: %v", err)
			return
		}
		for _, im := range list.Items {
			cli.ImageRemove(ctx, im.ID, client.ImageRemoveOptions{Force: true, PruneChildren: true})
		}
	}
}

// killPoint is a moment of `up` to inject a fault at.
type killPoint struct {
	name  string
	build bool // the spec builds an image (for the building phase)
	match func(progress.Event) bool
	// leaves: a SIGKILL here leaves labelled resources for reap to find.
	leaves bool
	delay  int // seconds slow takes to listen
}

var killPoints = []killPoint{
	// The project network is made while images build, so a kill here may
	// or may not leave it.
	{name: "building", build: true, match: phase(progress.PhaseBuild, "slow"), delay: 5},
	{name: "network", match: phase(progress.PhaseNetwork, ""), leaves: true, delay: 5},
	{name: "creating", match: phase(progress.PhaseCreate, "slow"), delay: 5},
	{name: "waiting", match: phase(progress.PhaseWait, "slow"), leaves: true, delay: 5},
	// The second server is being created while the first one runs.
	{name: "creating-second", match: phase(progress.PhaseCreate, "after"), leaves: true, delay: 1},
}

// SIGKILL at each point of up, then `reap` from another process: nothing
// labelled with the project is left.
func TestKillDuringUpThenReap(t *testing.T) {
	t.Parallel()
	for _, kp := range killPoints {
		t.Run(kp.name, func(t *testing.T) {
			t.Parallel()
			s := newSub(t)
			spec := slowSpec(t, s, kp.delay, kp.build)
			reapMu.RLock()
			locked := true
			defer func() {
				if locked {
					reapMu.RUnlock()
				}
			}()
			p := s.start("-f", spec, "up")
			p.waitEvent(t, kp.name+" event", 2*time.Minute, kp.match)
			p.signal(t, syscall.SIGKILL)
			if r := p.wait(t); r.code != -1 {
				t.Fatalf("up after SIGKILL = exit %d, want killed", r.code)
			}
			left := settle(t, s.cli, s.project)
			if kp.leaves && len(left) == 0 {
				t.Fatalf("SIGKILL at %s left nothing; the fault was not injected where intended", kp.name)
			}
			t.Logf("SIGKILL at %s left %v", kp.name, left)
			if len(left) > 0 {
				dry := s.run("reap", "--dry-run").must(t, "reap --dry-run")
				if !strings.Contains(dry.out, s.project+": owner pid") {
					t.Errorf("reap --dry-run does not list %s:\n%s", s.project, dry.out)
				}
				// (A create in flight at the kill may add to them, never take.)
				again := testenv.Leftovers(t, s.cli, s.project)
				for _, l := range left {
					if !slices.Contains(again, l) {
						t.Errorf("reap --dry-run removed %s", l)
					}
				}
			}
			reapMu.RUnlock()
			locked = false
			s.reap(t)
			after := testenv.Leftovers(t, s.cli, s.project)
			if len(after) > 0 && !overlaps(after, left) {
				// A create the killed CLI had sent can (rarely, under load)
				// land even after settle and reap; the next reap takes it.
				t.Logf("after reap, a create in flight at the kill landed: %v; reaping again", after)
				s.reap(t)
				after = testenv.Leftovers(t, s.cli, s.project)
			}
			if len(after) > 0 {
				t.Errorf("after reap, left on the engine: %v", after)
			}
		})
	}
}

// settle waits until the engine has finished what a killed CLI had asked
// of it: requests in flight at the kill (a network or container create)
// still complete, some time later. It returns the project's resources once
// they have not changed for a second (at most 20s).
func settle(t *testing.T, cli *client.Client, project string) []string {
	t.Helper()
	const quiet = time.Second
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	deadline := time.Now().Add(20 * time.Second)
	last := testenv.Leftovers(t, cli, project)
	since := time.Now()
	for time.Since(since) < quiet && time.Now().Before(deadline) {
		<-tick.C
		if now := testenv.Leftovers(t, cli, project); !slices.Equal(now, last) {
			last, since = now, time.Now()
		}
	}
	return last
}

// overlaps reports whether a and b share an element.
func overlaps(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// SIGINT or SIGTERM at each point of up: up rolls back by itself, exits
// 130 or 143, and leaves nothing, not even its state directory.
func TestSignalDuringUpRollsBack(t *testing.T) {
	t.Parallel()
	for _, kp := range killPoints {
		for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
			if kp.build && sig == syscall.SIGTERM {
				continue // a build is cancelled the same way for both
			}
			t.Run(kp.name+"/"+sig.String(), func(t *testing.T) {
				t.Parallel()
				s := newSub(t)
				spec := slowSpec(t, s, kp.delay, kp.build)
				reapMu.RLock() // no reap may clean up for this run
				defer reapMu.RUnlock()
				p := s.start("-f", spec, "up")
				p.waitEvent(t, kp.name+" event", 2*time.Minute, kp.match)
				p.signal(t, sig)
				r := p.wait(t)
				if want := 128 + int(sig); r.code != want {
					t.Errorf("up after %v = exit %d, want %d\n%s", sig, r.code, want, r.err)
				}
				if !strings.Contains(r.err, "stopped, interrupted (SIGINT, Ctrl-C)") && !strings.Contains(r.err, "stopped, terminated (SIGTERM)") {
					t.Errorf("stderr does not say up was interrupted:\n%s", r.err)
				}
				if left := testenv.Leftovers(t, s.cli, s.project); len(left) > 0 {
					t.Errorf("after %v at %s, left on the engine without reap: %v", sig, kp.name, left)
				}
				if _, err := os.Stat(filepath.Join(s.state, s.project)); !os.IsNotExist(err) {
					t.Errorf("state directory of the interrupted run is still there (%v)", err)
				}
			})
		}
	}
}

// A second Ctrl-C while up rolls back does not stop the rollback; it says
// that cleanup is still going on.
func TestSecondSignalKeepsCleaningUp(t *testing.T) {
	t.Parallel()
	s := newSub(t)
	spec := slowSpec(t, s, 10, false)
	reapMu.RLock()
	defer reapMu.RUnlock()
	p := s.start("-f", spec, "up")
	p.waitEvent(t, "waiting event", 2*time.Minute, phase(progress.PhaseWait, "slow"))
	p.signal(t, syscall.SIGINT)
	p.waitEvent(t, "rollback event", time.Minute, phase(progress.PhaseRemove, ""))
	p.signal(t, syscall.SIGINT)
	r := p.wait(t)
	if r.code != 130 {
		t.Errorf("up after two SIGINTs = exit %d, want 130\n%s", r.code, r.err)
	}
	if !strings.Contains(r.err, "still cleaning up") {
		t.Errorf("the second SIGINT did not say cleanup goes on:\n%s", r.err)
	}
	if left := testenv.Leftovers(t, s.cli, s.project); len(left) > 0 {
		t.Errorf("left on the engine: %v", left)
	}
}

// The next up of a project whose run was killed removes what that run left
// and comes up.
func TestUpAfterCrashCleansFirst(t *testing.T) {
	t.Parallel()
	s := newSub(t)
	spec := slowSpec(t, s, 2, false)
	reapMu.RLock() // the leftovers are for the next up to clean, not a reap
	defer reapMu.RUnlock()
	p := s.start("-f", spec, "up")
	p.waitEvent(t, "waiting event", 2*time.Minute, phase(progress.PhaseWait, "slow"))
	p.signal(t, syscall.SIGKILL)
	p.wait(t)
	left := containerIDs(t, s.cli, s.project)
	if len(left) == 0 {
		t.Fatal("the killed up left no container to clean")
	}
	r := s.run("-f", spec, "up").must(t, "up after the crash")
	if !strings.Contains(r.err, "removing what a crashed run") {
		t.Errorf("up did not say it removed the crashed run's leftovers:\n%s", r.err)
	}
	now := containerIDs(t, s.cli, s.project)
	for _, old := range left {
		id := strings.Fields(old)[1]
		for _, c := range now {
			if strings.Fields(c)[1] == id {
				t.Errorf("up kept the crashed run's container %s", old)
			}
		}
	}
	if len(now) != 2 {
		t.Errorf("after up, containers = %v, want 2", now)
	}
}

// A project that is up (a finished `up` recorded it) survives `reap` from
// another process, and so does a project whose up is still running; a
// second up of a project being brought up is refused.
func TestLiveProjectSurvivesReap(t *testing.T) {
	t.Parallel()
	t.Run("finished", func(t *testing.T) {
		t.Parallel()
		s := newSub(t)
		spec := slowSpec(t, s, 0, false)
		s.run("-f", spec, "up").must(t, "up")
		before := containerIDs(t, s.cli, s.project)
		manifest, _ := os.ReadFile(filepath.Join(s.state, s.project, "endpoints.json"))
		dry := s.run("reap", "--dry-run").must(t, "reap --dry-run")
		if strings.Contains(dry.out, s.project+":") {
			t.Errorf("reap --dry-run would take the live project:\n%s", dry.out)
		}
		s.reap(t)
		// From another state directory, which knows nothing of it: the
		// engine's kept marker is what spares it.
		reapMu.Lock()
		other := s.run("--state-dir", t.TempDir(), "reap").must(t, "reap from another state directory")
		reapMu.Unlock()
		if strings.Contains(other.out, s.project+":") {
			t.Errorf("reap from another state directory took the project left up:\n%s", other.out)
		}
		if after := containerIDs(t, s.cli, s.project); !reflect.DeepEqual(after, before) {
			t.Errorf("containers after reap = %v, want %v", after, before)
		}
		if again, _ := os.ReadFile(filepath.Join(s.state, s.project, "endpoints.json")); string(again) != string(manifest) || len(manifest) == 0 {
			t.Errorf("endpoints.json changed or missing after reap")
		}
		env := s.run("env", "--json").must(t, "env")
		var m endpoints.Manifest
		testenv.JSON(t, []byte(env.out), &m)
		get200(t, "http://"+m.Servers["slow"].Ports["8000/tcp"]+"/i")
	})
	t.Run("in-progress", func(t *testing.T) {
		t.Parallel()
		s := newSub(t)
		spec := slowSpec(t, s, 4, false)
		p := s.start("-f", spec, "up")
		p.waitEvent(t, "waiting event", 2*time.Minute, phase(progress.PhaseWait, "slow"))
		before := containerIDs(t, s.cli, s.project)
		s.reap(t)
		if after := containerIDs(t, s.cli, s.project); !reflect.DeepEqual(after, before) {
			t.Errorf("reap during up changed the containers: %v -> %v", before, after)
		}
		second := s.run("-f", spec, "up")
		if second.code != 2 || !strings.Contains(second.err, "being brought up by another run (pid") {
			t.Errorf("second up during the first = exit %d, want 2 saying another run is bringing it up\n%s", second.code, second.err)
		}
		r := p.wait(t)
		if r.code != 0 {
			t.Fatalf("the up that reap ran beside = exit %d\n%s", r.code, r.err)
		}
		if got := containerIDs(t, s.cli, s.project); len(got) != 2 {
			t.Errorf("containers after up = %v, want 2", got)
		}
	})
}

// A second up of a live project: the same spec is a no-op that prints the
// same endpoints; another spec recreates the server that changed (here
// slow, whose command changed) and keeps the other; an up from a state
// directory that lacks the project's CA is refused with exit 2 and the
// project is left exactly as it was.
func TestSecondUpOfLiveProject(t *testing.T) {
	t.Parallel()
	s := newSub(t)
	spec := slowSpec(t, s, 0, false)
	first := s.run("-f", spec, "up", "--json").must(t, "first up")
	before := containerIDs(t, s.cli, s.project)
	manifestPath := filepath.Join(s.state, s.project, "endpoints.json")
	recorded, err := os.ReadFile(manifestPath)
	if err != nil {
		t.Fatal(err)
	}

	same := s.run("-f", spec, "up", "--json").must(t, "second up, same spec")
	var m1, m2 endpoints.Manifest
	testenv.JSON(t, []byte(first.out), &m1)
	testenv.JSON(t, []byte(same.out), &m2)
	if !reflect.DeepEqual(m1, m2) {
		t.Errorf("second up printed other endpoints:\n%s\nwant\n%s", same.out, first.out)
	}
	if !strings.Contains(same.err, "already up with this spec") {
		t.Errorf("second up does not say the project is already up:\n%s", same.err)
	}
	if evs := eventsOf(same.err); len(evs) > 0 {
		t.Errorf("second up did something: %v", evs)
	}

	elsewhere := s.run("--state-dir", t.TempDir(), "-f", spec, "up")
	if elsewhere.code != 2 || !strings.Contains(elsewhere.err, "recorded in another state directory") {
		t.Errorf("up from another state directory = exit %d, want 2 saying the project is recorded elsewhere\n%s", elsewhere.code, elsewhere.err)
	}
	if after := containerIDs(t, s.cli, s.project); !reflect.DeepEqual(after, before) {
		t.Errorf("containers after the refused ups = %v, want %v", after, before)
	}
	if again, _ := os.ReadFile(manifestPath); string(again) != string(recorded) {
		t.Errorf("endpoints.json changed after the refused up")
	}
	get200(t, "http://"+m1.Servers["slow"].Ports["8000/tcp"]+"/i")

	other := s.write("other.yaml", strings.Replace(readFile(t, spec), `"3600"`, `"3601"`, 1))
	changed := s.run("-f", other, "up").must(t, "up with another spec")
	if !strings.Contains(changed.err, "recreated after") {
		t.Errorf("up with another spec does not say it recreated the changed server:\n%s", changed.err)
	}
	now := containerIDs(t, s.cli, s.project)
	if len(now) != 2 || now[1] != before[1] || now[0] == before[0] { // sorted: after, slow
		t.Errorf("containers after up with another spec = %v, want slow kept and after recreated (was %v)", now, before)
	}
}

// Four projects of the default testbed come up at the same time on one
// engine: all ready, every host port distinct, every network distinct,
// every project answering, and all down clean.
func TestParallelProjects(t *testing.T) {
	t.Parallel()
	const n = 4
	subs := make([]*sub, n)
	for i := range subs {
		subs[i] = newSub(t)
	}
	start := time.Now()
	results := make([]result, n)
	var wg sync.WaitGroup
	for i, s := range subs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = s.start("up", "--json").wait(t)
		}()
	}
	wg.Wait()
	t.Logf("%d default testbeds up in parallel in %s", n, time.Since(start).Round(time.Millisecond))
	ports := map[string]string{}
	subnets := map[string]string{}
	for i, r := range results {
		if r.code != 0 {
			t.Fatalf("up of %s = exit %d\n%s", subs[i].project, r.code, r.err)
		}
		var m endpoints.Manifest
		testenv.JSON(t, []byte(r.out), &m)
		if len(m.Servers) != 6 {
			t.Errorf("%s: %d servers, want 6", m.Project, len(m.Servers))
		}
		for name, srv := range m.Servers {
			for key, addr := range srv.Ports {
				_, port, _ := net.SplitHostPort(addr)
				proto := "tcp"
				if strings.HasSuffix(key, "/udp") {
					proto = "udp"
				}
				where := m.Project + " " + name + " " + key
				if other, dup := ports[proto+":"+port]; dup {
					t.Errorf("host port %s/%s used twice: %s and %s", port, proto, other, where)
				}
				ports[proto+":"+port] = where
			}
			for _, a := range srv.Addresses {
				if other, dup := subnets[a]; dup && !strings.HasPrefix(other, m.Project+" ") {
					t.Errorf("address %s in two projects: %s and %s %s", a, other, m.Project, name)
				}
				subnets[a] = m.Project + " " + name
			}
		}
		get200(t, "http://"+m.Servers["http"].Ports["80/tcp"]+"/status/200")
		echoOnce(t, m.Servers["echo"].Ports["7/tcp"])
	}
	t.Logf("%d projects held %d distinct host ports", n, len(ports))
	for i, s := range subs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = s.start("down").wait(t)
		}()
	}
	wg.Wait()
	for i, r := range results {
		if r.code != 0 {
			t.Errorf("down of %s = exit %d\n%s", subs[i].project, r.code, r.err)
		}
		if left := testenv.Leftovers(t, subs[i].cli, subs[i].project); len(left) > 0 {
			t.Errorf("after down of %s, left: %v", subs[i].project, left)
		}
	}
}

// A fixed host port (--bind-local) that a listener of this test holds:
// up fails with exit 1 before creating anything, naming the port and this
// process as its holder.
func TestBindLocalPortHeld(t *testing.T) {
	t.Parallel()
	s := newSub(t)
	img := testenv.Busybox(t, s.cli)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	spec := s.write("testbed.yaml", fmt.Sprintf(`
servers:
  web: {image: %q, command: [sleep, "3600"], ports: [%d]}
`, img, port))
	r := s.run("-f", spec, "up", "--bind-local")
	if r.code != 1 {
		t.Errorf("up with port %d held = exit %d, want 1\n%s", port, r.code, r.err)
	}
	for _, want := range []string{strconv.Itoa(port), fmt.Sprintf("pid %d", os.Getpid()), "server web"} {
		if !strings.Contains(r.err, want) {
			t.Errorf("error does not name %q:\n%s", want, r.err)
		}
	}
	if evs := eventsOf(r.err); len(evs) > 0 {
		for _, ev := range evs {
			if ev.Phase == progress.PhaseNetwork || ev.Phase == progress.PhaseCreate {
				t.Errorf("up went on to %s before finding the port taken", ev.Phase)
			}
		}
	}
	if left := testenv.Leftovers(t, s.cli, s.project); len(left) > 0 {
		t.Errorf("left on the engine: %v", left)
	}
	if _, err := os.Stat(filepath.Join(s.state, s.project)); !os.IsNotExist(err) {
		t.Errorf("state directory left behind (%v)", err)
	}
}

// No engine at DOCKER_HOST: up and reap with --driver docker exit 1 with a
// message that says how to fix it.
func TestEngineUnreachable(t *testing.T) {
	t.Parallel()
	bin := testenv.Binary(t)
	for _, args := range [][]string{{"up"}, {"reap"}, {"down"}} {
		s := &sub{t: t, bin: bin, project: project(t), state: t.TempDir(), dir: t.TempDir(),
			env: []string{"DOCKER_HOST=unix:///nonexistent.sock"}}
		start := time.Now()
		r := s.run(append([]string{"--driver", "docker"}, args...)...)
		if r.code != 1 {
			t.Errorf("%s without an engine = exit %d, want 1\n%s", args[0], r.code, r.err)
		}
		for _, want := range []string{"no Docker engine answers", "/nonexistent.sock", "testbed doctor", "--driver local"} {
			if !strings.Contains(r.err, want) {
				t.Errorf("%s error lacks %q:\n%s", args[0], want, r.err)
			}
		}
		if took := time.Since(start); took > 15*time.Second {
			t.Errorf("%s took %s to notice there is no engine", args[0], took)
		}
	}
}

// The engine goes away in the middle of up (its socket stops answering
// while a server is being waited on): up fails with exit 1 and a clear
// error within bounded time, and `reap` cleans up what was left.
func TestEngineGoesAwayMidUp(t *testing.T) {
	t.Parallel()
	s := newSub(t)
	spec := slowSpec(t, s, 3, false)
	px := newEngineProxy(t)
	reapMu.RLock()
	locked := true
	defer func() {
		if locked {
			reapMu.RUnlock()
		}
	}()
	s.env = []string{"DOCKER_HOST=" + px.host}
	p := s.start("-f", spec, "up")
	p.waitEvent(t, "waiting event", 2*time.Minute, phase(progress.PhaseWait, "slow"))
	start := time.Now()
	px.cut()
	r := p.wait(t)
	took := time.Since(start)
	t.Logf("up after the engine went away: exit %d in %s\n%s", r.code, took.Round(time.Millisecond), lastLines(r.err, 6))
	if r.code != 1 {
		t.Errorf("up = exit %d, want 1", r.code)
	}
	if took > 90*time.Second {
		t.Errorf("up took %s to give up after the engine went away", took)
	}
	// The error names the server and phase that hit the dead engine, and
	// says the rollback could not reach it either.
	for _, want := range []string{"testbed: server ", "failed to connect", "roll back"} {
		if !strings.Contains(r.err, want) {
			t.Errorf("error lacks %q:\n%s", want, r.err)
		}
	}
	s.env = nil
	if left := testenv.Leftovers(t, s.cli, s.project); len(left) == 0 {
		t.Errorf("the engine going away left nothing for reap: the fault came too late")
	}
	reapMu.RUnlock()
	locked = false
	s.reap(t)
	if left := testenv.Leftovers(t, s.cli, s.project); len(left) > 0 {
		t.Errorf("after reap, left: %v", left)
	}
}

// `run` passes SIGTERM on to ARGV, exits with ARGV's status, and still
// takes the testbed down.
func TestRunForwardsSignals(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			s := newSub(t)
			spec := slowSpec(t, s, 0, false)
			s.env = []string{childEnv + "=signal"}
			self, err := os.Executable()
			if err != nil {
				t.Fatal(err)
			}
			p := s.start("-f", spec, "run", "--", self)
			line := p.waitLine(t, "child ready", 2*time.Minute, func(l string) bool { return strings.HasPrefix(l, "child ready") })
			if !strings.Contains(line, "slow=127.0.0.1:") {
				t.Errorf("ARGV did not get the endpoint environment: %q", line)
			}
			if got := containerIDs(t, s.cli, s.project); len(got) != 2 {
				t.Errorf("while ARGV runs, containers = %v, want 2", got)
			}
			p.signal(t, sig)
			r := p.wait(t)
			if r.code != 7 {
				t.Errorf("run = exit %d, want ARGV's 7\n%s", r.code, r.err)
			}
			if !strings.Contains(r.err, "child got "+sig.String()) {
				t.Errorf("ARGV did not receive %v:\n%s", sig, r.err)
			}
			if left := testenv.Leftovers(t, s.cli, s.project); len(left) > 0 {
				t.Errorf("run left: %v", left)
			}
		})
	}
}

// eventsOf picks the --progress json events out of stderr text.
func eventsOf(stderr string) []progress.Event {
	var out []progress.Event
	for _, line := range strings.Split(stderr, "\n") {
		if ev, ok := decodeEvent(line); ok {
			out = append(out, ev)
		}
	}
	return out
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// get200 fails the test unless GET url answers 200.
func get200(t *testing.T, url string) {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Errorf("GET %s: %v", url, err)
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET %s = %d, want 200", url, resp.StatusCode)
	}
}

// echoOnce sends a line to an echo server and wants it back.
func echoOnce(t *testing.T, addr string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Errorf("echo %s: %v", addr, err)
		return
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	msg := "parallel " + addr + "\n"
	io.WriteString(c, msg)
	buf := make([]byte, len(msg))
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != msg {
		t.Errorf("echo %s = %q, %v", addr, buf, err)
	}
}

// engineProxy stands between the CLI and the engine on a unix socket of its
// own, so a test can make the engine go away: cut closes the socket and
// every connection through it.
type engineProxy struct {
	host string // DOCKER_HOST for the CLI
	ln   net.Listener

	mu    sync.Mutex
	conns []net.Conn
	done  bool
}

func newEngineProxy(t *testing.T) *engineProxy {
	t.Helper()
	target := os.Getenv("DOCKER_HOST")
	if target == "" {
		target = "unix:///var/run/docker.sock"
	}
	sock, ok := strings.CutPrefix(target, "unix://")
	if !ok {
		t.Skipf("engine at %s is not on a unix socket", target)
	}
	dir, err := os.MkdirTemp("", "tbpx")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "engine.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	px := &engineProxy{host: "unix://" + path, ln: ln}
	t.Cleanup(px.cut)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			e, err := net.DialTimeout("unix", sock, 5*time.Second)
			if err != nil {
				c.Close()
				continue
			}
			if !px.track(c, e) {
				return
			}
			go func() { io.Copy(e, c); e.Close() }()
			go func() { io.Copy(c, e); c.Close() }()
		}
	}()
	return px
}

// track remembers a proxied connection pair; false once cut.
func (px *engineProxy) track(c ...net.Conn) bool {
	px.mu.Lock()
	defer px.mu.Unlock()
	if px.done {
		for _, x := range c {
			x.Close()
		}
		return false
	}
	px.conns = append(px.conns, c...)
	return true
}

// cut makes the engine unreachable through the proxy.
func (px *engineProxy) cut() {
	px.mu.Lock()
	defer px.mu.Unlock()
	if px.done {
		return
	}
	px.done = true
	px.ln.Close()
	for _, c := range px.conns {
		c.Close()
	}
}

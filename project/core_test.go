package project_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/internal/testenv"
)

// specBed is a docker bed with twoServers written in its directory.
func specBed(t *testing.T) *bed {
	t.Helper()
	b := newBed(t, "docker")
	img := testenv.Busybox(t, b.cli)
	b.write("a.txt", "alpha\n")
	b.write("b.txt", "bravo\n")
	b.write("testbed.yaml", twoServers(img, 0))
	t.Cleanup(func() { removeProjectImages(t, b.cli, b.project) })
	return b
}

// removeProjectImages removes the images testbed built for the project.
func removeProjectImages(t *testing.T, cli *client.Client, project string) {
	ctx := context.Background()
	list, err := cli.ImageList(ctx, client.ImageListOptions{Filters: client.Filters{}.Add("label", "testbed.project="+project)})
	if err != nil {
		return
	}
	for _, img := range list.Items {
		cli.ImageRemove(ctx, img.ID, client.ImageRemoveOptions{Force: true, PruneChildren: true})
	}
}

func (b *bed) env() *endpoints.Manifest {
	b.t.Helper()
	r := b.run("env", "--json").must(b.t, "env --json")
	var m endpoints.Manifest
	testenv.JSON(b.t, []byte(r.out), &m)
	return &m
}

func get(t *testing.T, m *endpoints.Manifest, server string) string {
	t.Helper()
	res, err := http.Get("http://" + m.Servers[server].Ports["8000/tcp"] + "/i")
	if err != nil {
		t.Fatalf("GET %s: %v", server, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return string(body)
}

// Editing one byte of a file copied into b's image makes the next up
// rebuild and recreate b, and only b.
func TestEditRecreatesOnlyThatServer(t *testing.T) {
	t.Parallel()
	b := specBed(t)
	b.run("up").must(t, "up")
	before := b.containers()
	again := b.run("up").must(t, "up again")
	if !strings.Contains(again.err, "already up with this spec") {
		t.Errorf("up of an unchanged spec did something:\n%s", again.err)
	}
	if after := b.containers(); after["a"] != before["a"] || after["b"] != before["b"] {
		t.Errorf("unchanged up recreated containers: %v -> %v", before, after)
	}

	b.write("b.txt", "bravO\n")
	r := b.run("up").must(t, "up after the edit")
	after := b.containers()
	if after["a"] != before["a"] {
		t.Errorf("a was recreated although only b's file changed\n%s", r.err)
	}
	if after["b"] == before["b"] || after["b"] == "" {
		t.Errorf("b was not recreated after its file changed\n%s", r.err)
	}
	m := b.env()
	if got := get(t, m, "b"); got != "bravO\n" {
		t.Errorf("b serves %q, want the edited file", got)
	}
	if got := get(t, m, "a"); got != "alpha\n" {
		t.Errorf("a serves %q", got)
	}
}

// down SERVER takes one server away: env and ps no longer list it, up
// brings it back (the other untouched), and so does up SERVER.
func TestDownServerThenUp(t *testing.T) {
	t.Parallel()
	b := specBed(t)
	b.run("up").must(t, "up")
	before := b.containers()
	b.run("down", "b").must(t, "down b")
	m := b.env()
	if _, ok := m.Servers["b"]; ok || m.Servers["a"] == nil {
		t.Errorf("env after down b = %v, want a without b", keys(m.Servers))
	}
	if ps := b.run("ps").must(t, "ps"); strings.Contains(ps.out, " b ") || !strings.Contains(ps.out, " a ") {
		t.Errorf("ps after down b:\n%s", ps.out)
	}
	b.run("up").must(t, "up after down b")
	after := b.containers()
	if after["a"] != before["a"] || after["b"] == "" || after["b"] == before["b"] {
		t.Errorf("containers %v -> %v, want a kept and b made again", before, after)
	}
	if got := get(t, b.env(), "b"); got != "bravo\n" {
		t.Errorf("b after up serves %q", got)
	}

	b.run("down", "b").must(t, "down b again")
	r := b.run("up", "b").must(t, "up b")
	m = b.env()
	if len(m.Servers) != 2 || b.containers()["a"] != before["a"] {
		t.Errorf("after up b: servers %v, containers %v\n%s", keys(m.Servers), b.containers(), r.err)
	}
}

// Two ups of one project at the same time: one brings it up, the other is
// refused at once (exit 2, "being brought up by another run (pid N)") and
// touches nothing. Three rounds.
func TestSimultaneousUps(t *testing.T) {
	t.Parallel()
	b := newBed(t, "docker")
	img := testenv.Busybox(t, b.cli)
	// The winner holds the lock while its server takes a second to answer.
	b.write("testbed.yaml", `servers:
  slow:
    image: `+img+`
    command: [sh, -c, "sleep 1; mkdir -p /w; echo ok > /w/i; exec httpd -f -p 8000 -h /w"]
    ports: [8000]
`)
	for round := range 3 {
		var wg sync.WaitGroup
		results := make([]result, 2)
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		cmds := []*exec.Cmd{b.cmd(ctx, "up"), b.cmd(ctx, "up")}
		for i, c := range cmds {
			wg.Go(func() { results[i] = wait(t, c, []string{"up"}) })
		}
		wg.Wait()
		cancel()
		won, lost := results[0], results[1]
		if won.code != 0 {
			won, lost = lost, won
		}
		if won.code != 0 || lost.code != 2 || !has(lost.err, "being brought up by another run (pid ") {
			t.Errorf("round %d: exits %d and %d, want 0 and 2 with 'being brought up by another run (pid'\n%s\n---\n%s", round, won.code, lost.code, won.err, lost.err)
		}
		if strings.Contains(lost.err, "creat") {
			t.Errorf("round %d: the refused up made something:\n%s", round, lost.err)
		}
		if c := b.containers(); len(c) != 1 {
			t.Errorf("round %d: containers %v, want one", round, c)
		}
		if got := get(t, b.env(), "slow"); got != "ok\n" {
			t.Errorf("round %d: slow serves %q", round, got)
		}
		b.run("down").must(t, "down")
	}
}

// A down killed with SIGKILL at any point leaves either the project as it
// was (its kept marker still there) or what reap removes entirely.
func TestKilledDownIsFinishedByReap(t *testing.T) {
	t.Parallel()
	b := specBed(t)
	for _, after := range []time.Duration{0, 30 * time.Millisecond, 80 * time.Millisecond, 200 * time.Millisecond, 500 * time.Millisecond} {
		b.run("up").must(t, "up")
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		down := b.cmd(ctx, "down")
		if err := down.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(after) // where down is killed; not a wait for a condition
		down.Process.Signal(syscall.SIGKILL)
		down.Wait()
		cancel()
		left := testenv.Leftovers(t, b.cli, b.project)
		kept := false
		for _, l := range left {
			kept = kept || strings.HasSuffix(l, b.project+"._kept")
		}
		b.run("reap", b.project).must(t, "reap")
		now := testenv.Leftovers(t, b.cli, b.project)
		switch {
		case kept && len(now) != len(left):
			t.Errorf("killed after %s: reap changed a kept project: %v -> %v", after, left, now)
		case !kept && len(now) > 0:
			t.Errorf("killed after %s: reap left %v (before reap: %v)", after, now, left)
		}
		t.Logf("killed after %s: %d resources left, kept=%v", after, len(left), kept)
		if kept {
			b.run("down").must(t, "down")
		}
	}
	// The points a kill can leave, made by hand: marker gone; marker and
	// containers gone (network left).
	for _, stage := range []string{"marker", "containers"} {
		b.run("up").must(t, "up")
		ctx := context.Background()
		if _, err := b.cli.VolumeRemove(ctx, b.project+"._kept", client.VolumeRemoveOptions{}); err != nil {
			t.Fatal(err)
		}
		if stage == "containers" {
			for _, id := range b.containers() {
				b.cli.ContainerRemove(ctx, id, client.ContainerRemoveOptions{Force: true})
			}
		}
		// Reaps of other tests running at once may take the project
		// first: what counts is that it is gone.
		b.run("reap", b.project).must(t, "reap")
		if left := testenv.Leftovers(t, b.cli, b.project); len(left) > 0 {
			t.Errorf("reap after a down stopped at %s left %v", stage, left)
		}
	}
}

// Names of two projects are never equal: project A server x-web and project
// A-x server web both come up side by side; the kept marker of project A_z
// is never project A's, and taking one down leaves the other.
func TestNamesNeverCollide(t *testing.T) {
	t.Parallel()
	a := newBed(t, "docker")
	img := testenv.Busybox(t, a.cli)
	ax, az := newBed(t, "docker"), newBed(t, "docker")
	ax.project, az.project = a.project+"-x", a.project+"_z"
	server := func(name string) string {
		return "servers:\n  " + name + ":\n    image: " + img + "\n    command: [sleep, \"3600\"]\n"
	}
	a.write("testbed.yaml", server("x-web"))
	ax.write("testbed.yaml", server("web"))
	az.write("testbed.yaml", server("x-web"))
	a.run("up").must(t, "up a")
	ax.run("up").must(t, "up a-x")
	az.run("up").must(t, "up a_z")
	if ca, cx := a.containers()["x-web"], ax.containers()["web"]; ca == "" || cx == "" || ca == cx {
		t.Errorf("containers of a/x-web and a-x/web: %q, %q", ca, cx)
	}
	inspect := func(b *bed, server string) string {
		res, err := b.cli.ContainerInspect(context.Background(), b.containers()[server], client.ContainerInspectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimPrefix(res.Container.Name, "/")
	}
	if n1, n2 := inspect(a, "x-web"), inspect(ax, "web"); n1 == n2 {
		t.Errorf("container names are equal: %s", n1)
	}
	a.run("down").must(t, "down a")
	for _, b := range []*bed{ax, az} {
		left := testenv.Leftovers(t, b.cli, b.project)
		if len(left) != 3 { // container, network, kept marker
			t.Errorf("after down of %s, %s has %v", a.project, b.project, left)
		}
		vols, err := b.cli.VolumeList(context.Background(), client.VolumeListOptions{Filters: client.Filters{}.Add("label", "testbed.kept=true").Add("label", "testbed.project="+b.project)})
		if err != nil || len(vols.Items) != 1 {
			t.Errorf("kept marker of %s: %v %v", b.project, vols.Items, err)
		}
	}
	r := a.run("reap", a.project, ax.project, az.project).must(t, "reap")
	for _, b := range []*bed{ax, az} {
		if strings.Contains(r.out, b.project+":") {
			t.Errorf("reap took %s:\n%s", b.project, r.out)
		}
	}
}

// A run in a pid namespace of its own is never reaped while it lives, and
// is once it is killed.
func TestRunInPIDNamespaceSurvivesReap(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("no unshare")
	}
	b := newBed(t, "docker")
	img := testenv.Busybox(t, b.cli)
	b.write("testbed.yaml", "servers:\n  s:\n    image: "+img+"\n    command: [sleep, \"3600\"]\n")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	inner := b.cmd(ctx, "run", "--", "sleep", "300")
	cmd := exec.CommandContext(ctx, "unshare", append([]string{"--pid", "--fork", "--mount-proc", "--kill-child"}, inner.Args...)...)
	cmd.Dir, cmd.Env = inner.Dir, inner.Env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Skipf("unshare: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var project string
	deadline := time.Now().Add(2 * time.Minute)
	for project == "" && time.Now().Before(deadline) {
		list, err := b.cli.ContainerList(ctx, client.ContainerListOptions{Filters: client.Filters{}.Add("label", "testbed.project")})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range list.Items {
			if c.Labels["testbed.project"] == b.project && c.State == "running" {
				project = c.Labels["testbed.project"]
				t.Logf("owner of the run in its pid namespace: %s", c.Labels["testbed.owner"])
			}
		}
		select {
		case err := <-done:
			t.Fatalf("the run under unshare ended: %v", err)
		case <-time.After(100 * time.Millisecond):
		}
	}
	if project == "" {
		t.Fatal("the run under unshare made no container in 2 minutes")
	}
	r := b.run("reap", project).must(t, "reap beside the live run")
	if strings.Contains(r.out, project) || len(testenv.Leftovers(t, b.cli, project)) == 0 {
		t.Errorf("reap took the live run's project %s:\n%s", project, r.out)
	}
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	<-done
	// Another test's reap may take it first: what counts is that it goes.
	b.run("reap", project).must(t, "reap after the run was killed")
	if left := testenv.Leftovers(t, b.cli, project); len(left) > 0 {
		t.Errorf("left after reap: %v", left)
	}
}

// A local supervisor in a pid namespace of its own is never reaped while it
// lives (its file lock says so, not its pid), and down from outside the
// namespace stops it.
func TestLocalSupervisorInPIDNamespace(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("no unshare")
	}
	b := newBed(t, "local")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	up := b.cmd(ctx, "up", "echo")
	// The namespace lives as long as its first process: a shell that
	// brings the project up, then waits.
	cmd := exec.CommandContext(ctx, "unshare", "--pid", "--fork", "--mount-proc", "--kill-child", "sh", "-c", `"$@" && exec sleep 300`, "sh")
	cmd.Args = append(cmd.Args, up.Args...)
	cmd.Dir, cmd.Env = up.Dir, up.Env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Skipf("unshare: %v", err)
	}
	defer func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
	}()
	var m *endpoints.Manifest
	deadline := time.Now().Add(2 * time.Minute)
	for m == nil && time.Now().Before(deadline) {
		if r := b.run("env", "--json"); r.code == 0 {
			m = &endpoints.Manifest{}
			testenv.JSON(t, []byte(r.out), m)
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if m == nil {
		t.Fatal("the project up in a pid namespace never answered env")
	}
	r := b.run("reap", b.project).must(t, "reap beside the live supervisor")
	if strings.Contains(r.out, b.project+":") {
		t.Errorf("reap took the live supervisor's project:\n%s", r.out)
	}
	echoAddr := m.Servers["echo"].Ports["7/tcp"]
	if c, err := net.DialTimeout("tcp", echoAddr, 5*time.Second); err != nil {
		t.Errorf("echo after reap: %v", err)
	} else {
		c.Close()
	}
	b.run("down").must(t, "down from outside the namespace")
	if c, err := net.DialTimeout("tcp", echoAddr, time.Second); err == nil {
		c.Close()
		t.Errorf("echo still answers after down")
	}
}

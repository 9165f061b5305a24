package e2e

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/internal/procstate"
	"github.com/testbed-dev/testbed/internal/testenv"
)

// forwarderPid is the pid of a kept project's background forwarder, from
// the file up writes.
func forwarderPid(t *testing.T, project string) int {
	t.Helper()
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(cache, "testbed", "forward", project+".pid"))
	if err != nil {
		t.Fatalf("no forwarder pid for %s: %v", project, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// alive reports whether pid runs, or has not yet finished exiting (a
// thread of it still holds its listeners).
func alive(pid int) bool {
	_, err := os.Stat("/proc/" + strconv.Itoa(pid))
	return err == nil && !procstate.Exited(pid)
}

// awaitGone waits, bounded, until pid has exited.
func awaitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("forwarder %d still running", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func published(t *testing.T, cli *client.Client, project string) int {
	t.Helper()
	list, err := cli.ContainerList(context.Background(), client.ContainerListOptions{All: true, Filters: client.Filters{}.Add("label", "testbed.project="+project)})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range list.Items {
		for _, p := range c.Ports {
			if p.PublicPort != 0 {
				n++
			}
		}
	}
	return n
}

func refused(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err == nil {
		c.Close()
	}
	return err != nil
}

// TestUpForwards: `up` of the default testbed on a local engine publishes
// no port: a background forwarder holds the 127.0.0.1 ports, and real
// clients reach the servers through it (FTP passive transfers included).
// Killed with SIGKILL, ps says the servers are not reachable; up brings it
// back on the same ports; down stops it and frees them.
func TestUpForwards(t *testing.T) {
	b := newBed(t)
	r := b.run("up", "--json").must(t, "up")
	var m endpoints.Manifest
	testenv.JSON(t, []byte(r.out), &m)
	if n := published(t, b.cli, b.project); n != 0 {
		t.Fatalf("%d ports published by the engine, want none", n)
	}
	addr := func(server, port string) string {
		a, err := m.Addr(server, port)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	check := func() {
		t.Helper()
		get200(t, "http://"+addr("http", "80")+"/status/200")
		echoOnce(t, addr("echo", "7"))
		if err := ftpSession(addr("ftp", "21")); err != nil {
			t.Errorf("ftp through the forwarder: %v", err)
		}
	}
	check()

	pid := forwarderPid(t, b.project)
	syscall.Kill(pid, syscall.SIGKILL)
	awaitGone(t, pid)
	ps := b.run("ps").must(t, "ps")
	if !strings.Contains(ps.out, "forwarder is not running") {
		t.Errorf("ps after the forwarder died:\n%s\nwant it to say so", ps.out)
	}
	again := b.run("up", "--json").must(t, "up again")
	var m2 endpoints.Manifest
	testenv.JSON(t, []byte(again.out), &m2)
	if m2.Servers["http"].Ports["80/tcp"] != m.Servers["http"].Ports["80/tcp"] {
		t.Errorf("restored on %s, want the same port %s", m2.Servers["http"].Ports["80/tcp"], m.Servers["http"].Ports["80/tcp"])
	}
	check()

	pid = forwarderPid(t, b.project)
	b.run("down").must(t, "down")
	if alive(pid) {
		t.Errorf("forwarder %d still running after down", pid)
	}
	if !refused(addr("http", "80")) {
		t.Errorf("%s still accepts after down", addr("http", "80"))
	}
}

// TestUpPublish: --publish has the engine publish the ports, as before.
func TestUpPublish(t *testing.T) {
	b := newBed(t)
	r := b.run("up", "--publish", "--json", "echo").must(t, "up --publish")
	var m endpoints.Manifest
	testenv.JSON(t, []byte(r.out), &m)
	if n := published(t, b.cli, b.project); n == 0 {
		t.Fatal("no port published with --publish")
	}
	a, _ := m.Addr("echo", "7")
	echoOnce(t, a)
}

// TestForwarderGoesWithProject: a forwarder whose project's containers are
// removed behind testbed's back exits and frees its ports.
func TestForwarderGoesWithProject(t *testing.T) {
	b := newBed(t)
	r := b.run("up", "--json", "echo").must(t, "up")
	var m endpoints.Manifest
	testenv.JSON(t, []byte(r.out), &m)
	pid := forwarderPid(t, b.project)
	ctx := context.Background()
	list, err := b.cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: client.Filters{}.Add("label", "testbed.project="+b.project)})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range list.Items {
		if _, err := b.cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true}); err != nil {
			t.Fatal(err)
		}
	}
	awaitGone(t, pid)
	a, _ := m.Addr("echo", "7")
	if !refused(a) {
		t.Errorf("%s still accepts after the forwarder exited", a)
	}
}

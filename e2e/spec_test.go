package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/testbed-dev/testbed/internal/testenv"
)

// A Dockerfile build whose context carries a binary file and a spec file
// with its own mode: both come out byte-identical with their modes.
func TestBuildCarriesFilesByteExact(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	b.removeImagesAtCleanup() // the random blob makes a new image every run
	img := testenv.Busybox(t, b.cli)
	blob := make([]byte, 70000)
	rand.Read(blob)
	blob[0], blob[1] = 0, '\n' // NUL and newline: no echo tricks survive this
	b.write("ctx/Dockerfile", "FROM "+img+"\nCOPY blob.bin /data/ctx.bin\nCMD [\"sleep\", \"3600\"]\n", 0o644)
	b.write("ctx/blob.bin", string(blob), 0o600)
	b.write("ctx/secret.txt", "ignored", 0o644)
	b.write("ctx/.dockerignore", "secret.txt\n", 0o644)
	b.write("extra.bin", string(blob[:1000]), 0o644)
	spec := b.write("testbed.yaml", `
servers:
  box:
    build: {context: ./ctx}
    files: [{src: ./extra.bin, dst: /data/extra.bin, mode: "0751"}]
    ready: {exec: {command: [test, -f, /data/extra.bin]}}
`, 0o644)
	b.run("-f", spec, "up").must(t, "up")
	if built := projectImages(t, b.cli, b.project, false); len(built) != 1 || !strings.HasPrefix(built[0], "image testbed/box:") {
		t.Errorf("images labelled with the project after up = %v, want the one testbed/box built", built)
	}
	for _, c := range []struct {
		path, mode string
		want       []byte
	}{
		{"/data/ctx.bin", "600", blob},
		{"/data/extra.bin", "751", blob[:1000]},
	} {
		r := b.run("-f", spec, "exec", "box", "--", "cat", c.path).must(t, "exec cat")
		if !bytes.Equal([]byte(r.out), c.want) {
			t.Errorf("%s: got %d bytes, want %d identical bytes", c.path, len(r.out), len(c.want))
		}
		r = b.run("-f", spec, "exec", "box", "--", "stat", "-c", "%a", c.path).must(t, "exec stat")
		if got := strings.TrimSpace(r.out); got != c.mode {
			t.Errorf("mode of %s = %s, want %s", c.path, got, c.mode)
		}
	}
	if r := b.run("-f", spec, "exec", "box", "--", "test", "-e", "/secret.txt"); r.code == 0 {
		t.Errorf(".dockerignore'd file reached the image")
	}
	// Unchanged spec: nothing is built again.
	b.run("-f", spec, "down").must(t, "down")
	r := b.run("-f", spec, "up").must(t, "second up")
	if strings.Contains(r.err, "building") {
		t.Errorf("second up of an unchanged spec built something:\n%s", r.err)
	}
}

// removeImagesAtCleanup makes the bed's cleanup also remove the images
// testbed built for the project (down --rmi), and check that nothing of the
// project is left, images included. It runs before newBed's own cleanup.
func (b *bed) removeImagesAtCleanup() {
	b.t.Cleanup(func() {
		if r := b.run("down", "--rmi"); r.code != 0 {
			b.t.Errorf("cleanup: down --rmi = exit %d\n%s", r.code, r.err)
		}
		left := append(testenv.Leftovers(b.t, b.cli, b.project), projectImages(b.t, b.cli, b.project, true)...)
		if len(left) > 0 {
			b.t.Errorf("after down --rmi, left on the engine: %v", left)
		}
	})
}

// projectImages lists the images labelled with project, by tag (or id);
// with all, also the untagged intermediate images of their builds.
func projectImages(t *testing.T, cli *client.Client, project string, all bool) []string {
	t.Helper()
	list, err := cli.ImageList(context.Background(), client.ImageListOptions{All: all, Filters: client.Filters{}.Add("label", "testbed.project="+project)})
	if err != nil {
		t.Fatalf("list images: %v", err)
	}
	var out []string
	for _, im := range list.Items {
		name := im.ID
		if len(im.RepoTags) > 0 {
			name = strings.Join(im.RepoTags, ",")
		}
		out = append(out, "image "+name)
	}
	return out
}

// exec passes argv with spaces and quotes unchanged and keeps the status.
func TestExecArgvAndStatus(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	img := testenv.Busybox(t, b.cli)
	spec := b.write("testbed.yaml", fmt.Sprintf(`
servers:
  box: {image: %q, command: [sleep, "3600"]}
`, img), 0o644)
	b.run("-f", spec, "up").must(t, "up")
	args := []string{"a b", `"quoted"`, "it's", "$(id)", "`id`", "; echo no"}
	r := b.run(append([]string{"-f", spec, "exec", "box", "--", "printf", "[%s]\\n"}, args...)...).must(t, "exec printf")
	var want strings.Builder
	for _, a := range args {
		fmt.Fprintf(&want, "[%s]\n", a)
	}
	if r.out != want.String() {
		t.Errorf("exec output = %q, want %q", r.out, want.String())
	}
	r = b.run("-f", spec, "exec", "box", "--", "sh", "-c", "echo out; echo err >&2; exit 7")
	if r.code != 7 || r.out != "out\n" || !strings.Contains(r.err, "err\n") {
		t.Errorf("exec status/streams = %d, %q, %q; want 7, \"out\\n\", \"err\\n\"", r.code, r.out, r.err)
	}
}

// Servers start after their dependencies are ready.
func TestDependencyOrder(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	img := testenv.Busybox(t, b.cli)
	spec := b.write("testbed.yaml", fmt.Sprintf(`
servers:
  db:
    image: %[1]q
    command: [sh, -c, "sleep 1; mkdir -p /www; echo db > /www/ok; httpd -f -p 8000 -h /www"]
    ports: [8000]
    ready: {http: {port: 8000, path: /ok}}
  app:
    image: %[1]q
    command: [sh, -c, "wget -qO- http://db.testbed.test:8000/ok > /tmp/seen && sleep 3600"]
    depends_on: [db]
    ready: {exec: {command: [cat, /tmp/seen]}}
`, img), 0o644)
	r := b.run("-f", spec, "up").must(t, "up")
	ready := regexp.MustCompile(`(?m)^\s*[\d.]+s (\w+)\s+(creating|ready)`)
	var order []string
	for _, m := range ready.FindAllStringSubmatch(r.err, -1) {
		order = append(order, m[1]+" "+m[2])
	}
	want := "db creating,db ready,app creating,app ready"
	if got := strings.Join(order, ","); got != want {
		t.Errorf("event order = %s, want %s\n%s", got, want, r.err)
	}
	out := b.run("-f", spec, "exec", "app", "--", "cat", "/tmp/seen").must(t, "exec")
	if out.out != "db\n" {
		t.Errorf("app saw %q from db, want \"db\\n\"", out.out)
	}
}

// A probe that can never pass fails up within the timeout, names the
// server, shows its log, and leaves nothing behind.
func TestNeverReadyFailsAndCleansUp(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	img := testenv.Busybox(t, b.cli)
	spec := b.write("testbed.yaml", fmt.Sprintf(`
servers:
  ok: {image: %[1]q, command: [sleep, "3600"]}
  stuck:
    image: %[1]q
    command: [sh, -c, "echo stuck-is-alive; sleep 3600"]
    ports: [9999]
    timeout: 2s
`, img), 0o644)
	start := time.Now()
	r := b.run("-f", spec, "up")
	if r.code != 1 {
		t.Fatalf("up = exit %d, want 1\n%s", r.code, r.err)
	}
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("up took %s to fail with a 2s timeout", took)
	}
	for _, want := range []string{`server stuck`, `readiness`, `not ready`, `stuck-is-alive`} {
		if !strings.Contains(r.err, want) {
			t.Errorf("error lacks %q:\n%s", want, r.err)
		}
	}
	if left := testenv.Leftovers(t, b.cli, b.project); len(left) > 0 {
		t.Errorf("failed up left %v", left)
	}
}

// A server that exits while being waited on fails at once with its status.
func TestExitWhileWaiting(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	img := testenv.Busybox(t, b.cli)
	spec := b.write("testbed.yaml", fmt.Sprintf(`
servers:
  crash: {image: %q, command: [sh, -c, "echo boom-before-exit; exit 3"], ports: [1234], timeout: 50s}
`, img), 0o644)
	start := time.Now()
	r := b.run("-f", spec, "up")
	if r.code != 1 || !strings.Contains(r.err, "status 3") || !strings.Contains(r.err, "boom-before-exit") {
		t.Fatalf("up = exit %d, want 1 naming status 3 and the log:\n%s", r.code, r.err)
	}
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("took %s: the exit was not noticed at once", took)
	}
}

// --bind-local publishes host port = container port.
func TestBindLocal(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	img := testenv.Busybox(t, b.cli)
	port := freePort(t)
	spec := b.write("testbed.yaml", fmt.Sprintf(`
servers:
  web:
    image: %q
    command: [sh, -c, "mkdir /w; echo hi > /w/x; httpd -f -p %d -h /w"]
    ports: [%d]
`, img, port, port), 0o644)
	b.run("-f", spec, "up", "--bind-local").must(t, "up")
	addr := b.manifest().Servers["web"].Ports[fmt.Sprintf("%d/tcp", port)]
	if addr != fmt.Sprintf("127.0.0.1:%d", port) {
		t.Fatalf("published at %q, want 127.0.0.1:%d", addr, port)
	}
	resp, err := http.Get("http://" + addr + "/x")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "hi\n" {
		t.Errorf("GET = %q", body)
	}
}

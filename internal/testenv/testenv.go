// Package testenv is what testbed's own tests share: a Docker engine (tests
// skip without one, except in CI where they fail), a tiny busybox image made
// locally from Debian's busybox-static, and checks that nothing leaked.
package testenv

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/testbed-dev/testbed/image"
)

// BusyboxImage is the tag of the test base image.
const BusyboxImage = "testbed-test/busybox:local"

// BusyboxPath is where Debian's busybox-static installs its binary.
const BusyboxPath = "/bin/busybox"

// Engine returns an API client, skipping the test when no engine answers
// (failing instead when CI is set).
func Engine(t testing.TB) *client.Client {
	t.Helper()
	cli, err := client.New(client.FromEnv)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		_, err = cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true})
		cancel()
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("no Docker engine answers and CI is set: %v", err)
		}
		t.Skipf("no Docker engine answers: %v", err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

var busyboxOnce sync.Mutex

// Busybox makes sure the busybox test image exists and returns its tag.
func Busybox(t testing.TB, cli *client.Client) string {
	t.Helper()
	busyboxOnce.Lock()
	defer busyboxOnce.Unlock()
	ctx := context.Background()
	if _, err := cli.ImageInspect(ctx, BusyboxImage); err == nil {
		return BusyboxImage
	}
	bin, err := os.ReadFile(BusyboxPath)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("busybox-static is not installed (%v); .ci/run installs it", err)
		}
		t.Skipf("busybox-static is not installed: %v", err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	df := "FROM scratch\nCOPY bin /bin\nCOPY tmp /tmp\nENV PATH=/bin\nCMD [\"sh\"]\n"
	add := func(h *tar.Header, body []byte) {
		h.ModTime = time.Unix(0, 0)
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if body != nil {
			tw.Write(body)
		}
	}
	add(&tar.Header{Name: "Dockerfile", Mode: 0o644, Size: int64(len(df)), Typeflag: tar.TypeReg}, []byte(df))
	add(&tar.Header{Name: "bin/", Mode: 0o755, Typeflag: tar.TypeDir}, nil)
	add(&tar.Header{Name: "tmp/", Mode: 0o1777, Typeflag: tar.TypeDir}, nil)
	add(&tar.Header{Name: "bin/busybox", Mode: 0o755, Size: int64(len(bin)), Typeflag: tar.TypeReg}, bin)
	for _, applet := range []string{"sh", "cat", "ls", "ftpget", "ftpput", "echo", "nc", "sleep", "stat", "true", "false", "wget", "hostname",
		"nslookup", "md5sum", "sha256sum", "id", "printf", "test", "mkdir", "env", "httpd", "ping", "grep", "head", "tail", "wc", "cmp", "touch"} {
		add(&tar.Header{Name: "bin/" + applet, Linkname: "busybox", Mode: 0o777, Typeflag: tar.TypeSymlink}, nil)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	res, err := cli.ImageBuild(ctx, &buf, client.ImageBuildOptions{Tags: []string{BusyboxImage}, Remove: true, ForceRemove: true,
		Labels: map[string]string{"testbed.test": "busybox"}})
	if err != nil {
		t.Fatalf("build busybox image: %v", err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if bytes.Contains(b, []byte(`"error"`)) {
		t.Fatalf("build busybox image: %s", b)
	}
	return BusyboxImage
}

// Leftovers lists containers, networks and volumes still labelled with project.
func Leftovers(t testing.TB, cli *client.Client, project string) []string {
	t.Helper()
	ctx := context.Background()
	f := client.Filters{}.Add("label", "testbed.project="+project)
	var out []string
	cs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs.Items {
		out = append(out, "container "+strings.Join(c.Names, ","))
	}
	ns, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range ns.Items {
		out = append(out, "network "+n.Name)
	}
	vs, err := cli.VolumeList(ctx, client.VolumeListOptions{Filters: f})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs.Items {
		out = append(out, "volume "+v.Name)
	}
	return out
}

var built struct {
	sync.Mutex
	path string
}

// Binary builds the testbed command once per test process (static, so the
// built-in image can use it) and returns its path. The file is named by a
// hash of its content and never replaced, so test processes running at the
// same time (go test ./... runs packages in parallel) never swap a binary
// out from under one another's running servers.
func Binary(t testing.TB) string {
	t.Helper()
	built.Lock()
	defer built.Unlock()
	if built.path != "" {
		return built.path
	}
	dir := filepath.Join(os.TempDir(), "testbed-test-bin")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	tmp, err := os.CreateTemp(dir, "build-*")
	if err != nil {
		t.Fatal(err)
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	cmd := exec.Command("go", "build", "-o", tmp.Name(), "./cmd/testbed")
	cmd.Dir = ModuleRoot(t)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/testbed: %v\n%s", err, b)
	}
	content, err := os.ReadFile(tmp.Name())
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(content)
	out := filepath.Join(dir, fmt.Sprintf("testbed-%s-%x", runtime.GOARCH, sum[:8]))
	if _, err := os.Stat(out); err != nil {
		if err := os.Rename(tmp.Name(), out); err != nil {
			t.Fatal(err)
		}
	}
	built.path = out
	return out
}

// ModuleRoot is the directory of testbed's go.mod, found as the built-in
// image's builder finds it ([image.ModuleDir]).
func ModuleRoot(t testing.TB) string {
	t.Helper()
	dir, err := image.ModuleDir(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// JSON decodes b into v or fails the test.
func JSON(t testing.TB, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode JSON: %v\n%s", err, b)
	}
}

// Get fetches u with c within 30 s and returns the body, failing the test
// unless the answer is 200.
func Get(t testing.TB, c *http.Client, u string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s = %v", u, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s = %s: %s", u, res.Status, b)
	}
	return string(b)
}

//go:build kubernetes

package kubernetes_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8s "k8s.io/client-go/kubernetes"

	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/engine/kubernetes"
	"github.com/testbed-dev/testbed/image"
	"github.com/testbed-dev/testbed/internal/clienttest"
	"github.com/testbed-dev/testbed/internal/testenv"
)

var (
	cliOnce sync.Once
	cliPath string
	cliErr  error
)

// testbedCLI builds the testbed command with the kubernetes driver, once
// per test binary.
func testbedCLI(t *testing.T) string {
	t.Helper()
	cliOnce.Do(func() {
		dir, err := image.ModuleDir(context.Background())
		if err != nil {
			cliErr = err
			return
		}
		out, err := os.MkdirTemp("", "testbed-k8s-cli-")
		if err != nil {
			cliErr = err
			return
		}
		cliPath = filepath.Join(out, "testbed")
		cmd := exec.Command("go", "build", "-tags", "kubernetes", "-o", cliPath, "./cmd/testbed")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			cliErr = fmt.Errorf("go build -tags kubernetes ./cmd/testbed: %v\n%s", err, b)
		}
	})
	if cliErr != nil {
		t.Fatal(cliErr)
	}
	return cliPath
}

// cliRun runs the testbed command on the kubernetes driver with a state
// directory of the test's.
type cliRun struct {
	t        *testing.T
	bin      string
	project  string
	spec     string
	stateDir string
}

func newCLI(t *testing.T, spec string) *cliRun {
	dir := t.TempDir()
	path := filepath.Join(dir, "testbed.yaml")
	if err := os.WriteFile(path, []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	return &cliRun{t: t, bin: testbedCLI(t), project: fmt.Sprintf("k8scli-%d", time.Now().UnixNano()%1e9), spec: path, stateDir: filepath.Join(dir, "state")}
}

func (c *cliRun) cmd(ctx context.Context, args ...string) *exec.Cmd {
	all := append([]string{"--driver", "kubernetes", "-p", c.project, "-f", c.spec, "--state-dir", c.stateDir, "--progress", "plain"}, args...)
	cmd := exec.CommandContext(ctx, c.bin, all...)
	cmd.Env = os.Environ()
	return cmd
}

// run runs the command to its end and returns stdout, stderr and the exit
// status.
func (c *cliRun) run(args ...string) (string, string, int) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := c.cmd(ctx, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			c.t.Fatalf("testbed %s: %v", strings.Join(args, " "), err)
		}
		code = ee.ExitCode()
	}
	return out.String(), errb.String(), code
}

func (c *cliRun) must(args ...string) string {
	c.t.Helper()
	out, errOut, code := c.run(args...)
	if code != 0 {
		c.t.Fatalf("testbed %s = exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// namespaceGone waits (90 s at most) until the project's namespace is
// deleted.
func namespaceGone(t *testing.T, cs k8s.Interface, project string) {
	t.Helper()
	ns := kubernetes.Namespace(project)
	deadline := time.Now().Add(90 * time.Second)
	for {
		_, err := cs.CoreV1().Namespaces().Get(context.Background(), ns, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("namespace %s still there after 90s (%v)", ns, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// TestClusterCLIKeptUp: `testbed up` on the cluster exits and leaves the
// project up; its forwarded endpoints keep answering through the
// background forwarder (HTTP, and FTP in passive mode with its data
// ports); env in another process hands out the same ports; ps, exec (exit
// status kept), logs work; reap spares the kept project; down removes the
// namespace and stops the forwarder.
func TestClusterCLIKeptUp(t *testing.T) {
	cs, _ := cluster(t)
	c := newCLI(t, "name: k8scli\nservers:\n  web: {builtin: http}\n  ftp: {builtin: ftp}\n")
	t.Cleanup(func() { c.run("down") })
	var m endpoints.Manifest
	if err := json.Unmarshal([]byte(c.must("up", "--json")), &m); err != nil {
		t.Fatalf("up --json: %v", err)
	}
	web, err := m.Addr("web", "80")
	if err != nil {
		t.Fatal(err)
	}
	// up has exited: what answers now is the background forwarder.
	if got := testenv.Get(t, http.DefaultClient, "http://"+web+"/files/hello.txt"); got != "Hello, testbed!\n" {
		t.Errorf("GET /files/hello.txt after up exited = %q", got)
	}
	ftpAddr, err := m.Addr("ftp", "21")
	if err != nil {
		t.Fatal(err)
	}
	clienttest.PassiveFTP(t, ftpAddr)

	var again endpoints.Manifest
	if err := json.Unmarshal([]byte(c.must("env", "--json")), &again); err != nil {
		t.Fatalf("env --json: %v", err)
	}
	if a, _ := again.Addr("web", "80"); a != web {
		t.Errorf("env in another process: web 80 at %s, want %s (the forwarder's)", a, web)
	}
	if ps := c.must("ps"); !strings.Contains(ps, "web") || !strings.Contains(ps, "ftp") {
		t.Errorf("ps does not list web and ftp:\n%s", ps)
	}
	if out := c.must("exec", "web", "--", "/testbed", "version"); !strings.Contains(out, "testbed") {
		t.Errorf("exec web -- /testbed version = %q", out)
	}
	if _, _, code := c.run("exec", "web", "--", "/testbed", "no-such-command"); code == 0 {
		t.Errorf("exec of a failing command = exit 0, want its non-zero status")
	}
	if logs := c.must("logs", "web"); !strings.Contains(logs, "GET") && !strings.Contains(logs, "listening") && logs == "" {
		t.Errorf("logs web is empty")
	}
	c.must("reap")
	if _, err := cs.CoreV1().Namespaces().Get(context.Background(), kubernetes.Namespace(c.project), metav1.GetOptions{}); err != nil {
		t.Fatalf("reap took the kept project: %v", err)
	}
	c.must("down")
	namespaceGone(t, cs, c.project)
	if conn, err := net.DialTimeout("tcp", web, 2*time.Second); err == nil {
		conn.Close()
		t.Errorf("%s still answers after down: the forwarder was not stopped", web)
	}
}

// TestClusterKilledUpIsReaped: SIGKILL of `up` while it waits for a
// server leaves the namespace; reap (the owner is dead: its lock is
// released) removes it.
func TestClusterKilledUpIsReaped(t *testing.T) {
	cs, image := cluster(t)
	c := newCLI(t, fmt.Sprintf(`
name: k8skill
servers:
  slow:
    image: %s
    command: [serve, echo, --port, "7/tcp=7007"]
    tmpfs: [/tmp]
    ready: {tcp: {port: 7999}}  # never: nothing listens there
    timeout: 5m
`, image))
	t.Cleanup(func() { c.run("down") })
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := c.cmd(ctx, "up")
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ns := kubernetes.Namespace(c.project)
	deadline := time.Now().Add(3 * time.Minute)
	for {
		pods, err := cs.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{})
		if err == nil && len(pods.Items) == 1 && pods.Items[0].Status.Phase == "Running" {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("the pod of up never ran (%v); up's stderr:\n%s", err, errb.String())
		}
		time.Sleep(300 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if _, err := cs.CoreV1().Namespaces().Get(context.Background(), ns, metav1.GetOptions{}); err != nil {
		t.Fatalf("after SIGKILL of up, namespace %s: %v; want it left for reap", ns, err)
	}
	dry := c.must("reap", "--dry-run")
	if !strings.Contains(dry, c.project) {
		t.Errorf("reap --dry-run does not list %s:\n%s", c.project, dry)
	}
	c.must("reap")
	namespaceGone(t, cs, c.project)
}

//go:build kubernetes

package kubernetes_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jlaffaye/ftp"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8s "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/testbed-dev/testbed"
	"github.com/testbed-dev/testbed/engine/kubernetes"
	"github.com/testbed-dev/testbed/engine/kubernetes/register"
	"github.com/testbed-dev/testbed/internal/clienttest"
	"github.com/testbed-dev/testbed/internal/testenv"
	"github.com/testbed-dev/testbed/project"
)

// cluster returns a client of the cluster $KUBECONFIG names and the
// built-in image ($TESTBED_K8S_IMAGE), or skips the test when there is
// none; in CI with TESTBED_K8S=1 (.ci/run with the local cluster) it fails
// instead, so a cluster that did not start is never a green run.
func cluster(t *testing.T) (k8s.Interface, string) {
	t.Helper()
	must := os.Getenv("CI") == "true" && os.Getenv("TESTBED_K8S") == "1"
	fail := func(format string, args ...any) {
		t.Helper()
		if must {
			t.Fatalf("CI=true and TESTBED_K8S=1, but "+format, args...)
		}
		t.Skipf(format, args...)
	}
	kc := os.Getenv("KUBECONFIG")
	if kc == "" {
		fail("KUBECONFIG is not set: no cluster to test on")
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kc)
	if err != nil {
		fail("KUBECONFIG=%s: %v", kc, err)
	}
	cs, err := k8s.NewForConfig(cfg)
	if err != nil {
		fail("KUBECONFIG=%s: %v", kc, err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if _, err := cs.Discovery().RESTClient().Get().AbsPath("/version").Do(ctx).Raw(); err != nil {
		fail("no cluster answers at %s: %v", cfg.Host, err)
	}
	image := os.Getenv(kubernetes.EnvImage)
	if image == "" {
		fail("%s is not set: the built-in image is not on the cluster", kubernetes.EnvImage)
	}
	return cs, image
}

// noNamespaceAfter fails the test when project's namespace is still there
// once every other cleanup (the testbed's down) has run.
func noNamespaceAfter(t *testing.T, cs k8s.Interface, project *string) {
	t.Cleanup(func() {
		if *project == "" {
			return
		}
		_, err := cs.CoreV1().Namespaces().Get(context.Background(), kubernetes.Namespace(*project), metav1.GetOptions{})
		if !apierrors.IsNotFound(err) {
			t.Errorf("namespace %s after down: %v, want it gone", kubernetes.Namespace(*project), err)
		}
	})
}

// TestClusterTwoServers brings a two-server image spec up on a real
// cluster (both servers from the built-in image, run as image servers:
// no hardening, their own ports) and talks to them through the forwarded
// endpoints with real clients; a refused forward does not stall the pod's
// other forwards.
func TestClusterTwoServers(t *testing.T) {
	cs, image := cluster(t)
	dir := t.TempDir()
	spec := fmt.Sprintf(`
name: k8s-two
servers:
  web:
    image: %[1]s
    command: [serve, http, --port, "80/tcp=8080", --port, "443/tcp=8443"]
    ports: [8080]
    tmpfs: [/tmp]  # the image is FROM scratch; serve makes a throwaway CA there
    ready: {http: {port: 8080, path: /status/200, status: 200}}
  echo:
    image: %[1]s
    command: [serve, echo, --port, "7/tcp=7007", --port, "7/udp=7007", --port, "9/tcp=7009", --port, "9/udp=7009", --port, "13/tcp=7013", --port, "13/udp=7013", --port, "19/tcp=7019"]
    ports: [7007, 7999]  # nothing listens on 7999
    ready: {tcp: {port: 7007}}
    tmpfs: [/tmp]
    depends_on: [web]
`, image)
	if err := os.WriteFile(filepath.Join(dir, "testbed.yaml"), []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	var project string
	noNamespaceAfter(t, cs, &project)
	bed := testbed.Start(t, testbed.WithDriver("kubernetes"), testbed.WithSpecFile(filepath.Join(dir, "testbed.yaml")), testbed.WithTimeout(3*time.Minute))
	project = bed.Project()
	if bed.Driver() != kubernetes.Name {
		t.Fatalf("driver = %s, want %s", bed.Driver(), kubernetes.Name)
	}
	res, err := http.Get("http://" + bed.Addr("web", "8080") + "/status/200")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("GET /status/200 = %d", res.StatusCode)
	}
	clienttest.EchoTCP(t, bed.Addr("echo", "7007"))
	// A port nothing listens on: the runtime refuses each connection (a
	// message on the port-forward's error stream), and the pod's other
	// ports go on answering over the same port-forward connection.
	for range 3 {
		c, err := net.DialTimeout("tcp", bed.Addr("echo", "7999"), 10*time.Second)
		if err != nil {
			continue // refused at once: as good
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		if n, err := c.Read(make([]byte, 1)); n > 0 || err == nil || os.IsTimeout(err) {
			t.Errorf("read from the forwarded port nothing listens on = %d, %v; want it closed", n, err)
		}
		c.Close()
	}
	clienttest.EchoTCP(t, bed.Addr("echo", "7007"))
}

// TestClusterDefaultTestbed brings the default testbed up on a real
// cluster and talks to every built-in server through the forwarded
// endpoints with the same real clients as the docker and local tests:
// net/http over HTTP/1.1 and HTTP/2 with the project CA, the HTTP proxy
// and SOCKS5 (x/net/proxy) reaching the http and echo servers by their
// testbed names (names resolve between pods), an FTP client in passive
// mode, IMAP over plain and implicit TLS, and echo.
func TestClusterDefaultTestbed(t *testing.T) {
	cs, _ := cluster(t)
	var project string
	noNamespaceAfter(t, cs, &project)
	bed := testbed.Start(t, testbed.WithDriver("kubernetes"), testbed.WithTimeout(3*time.Minute))
	project = bed.Project()
	for _, name := range []string{"http", "proxy", "socks", "ftp", "imap", "echo"} {
		s := bed.Manifest().Servers[name]
		if s == nil {
			t.Fatalf("manifest has no server %s", name)
		}
		for key, a := range s.Ports {
			if strings.HasSuffix(key, "/tcp") && !strings.HasPrefix(a, "127.0.0.1:") {
				t.Errorf("%s %s = %q, want a forwarded 127.0.0.1 port", name, key, a)
			}
		}
	}
	t.Run("http", func(t *testing.T) {
		if got := testenv.Get(t, http.DefaultClient, "http://"+bed.Addr("http", "80")+"/files/hello.txt"); got != "Hello, testbed!\n" {
			t.Errorf("GET /files/hello.txt = %q", got)
		}
	})
	t.Run("https over HTTP/2", func(t *testing.T) { clienttest.HTTPS2(t, bed.Addr("http", "443"), bed.TLSConfigFor("http")) })
	t.Run("proxy by name", func(t *testing.T) { clienttest.ProxyByName(t, bed.Addr("proxy", "3128"), bed.TLSConfig()) })
	t.Run("proxy refuses outside", func(t *testing.T) { clienttest.ProxyRefusesOutside(t, bed.Addr("proxy", "3128")) })
	t.Run("socks by name", func(t *testing.T) {
		clienttest.SocksByName(t, func(port string) string { return bed.Addr("socks", port) })
	})
	t.Run("ftp", func(t *testing.T) {
		clienttest.AnonymousFTP(t, bed.Addr("ftp", "21"))
		clienttest.PassiveFTP(t, bed.Addr("ftp", "21"))
	})
	t.Run("imap", func(t *testing.T) {
		clienttest.IMAPGreetings(t, bed.Addr("imap", "143"), bed.Addr("imap", "993"), bed.TLSConfigFor("imap"))
	})
	t.Run("echo", func(t *testing.T) { clienttest.EchoTCP(t, bed.Addr("echo", "7")) })
}

// TestClusterParallelProjects brings two projects up on the cluster at
// once: each gets a namespace of its own and answers on its own endpoints.
func TestClusterParallelProjects(t *testing.T) {
	cs, _ := cluster(t)
	for _, name := range []string{"one", "two"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var project string
			noNamespaceAfter(t, cs, &project)
			bed := testbed.Start(t, testbed.WithDriver("kubernetes"), testbed.WithServers("http", "echo"), testbed.WithTimeout(3*time.Minute))
			project = bed.Project()
			ns, err := cs.CoreV1().Namespaces().Get(t.Context(), kubernetes.Namespace(project), metav1.GetOptions{})
			if err != nil {
				t.Fatalf("namespace of %s: %v", project, err)
			}
			pods, err := cs.CoreV1().Pods(ns.Name).List(t.Context(), metav1.ListOptions{})
			if err != nil || len(pods.Items) != 2 {
				t.Errorf("pods in %s = %d (%v), want 2 (http, echo)", ns.Name, len(pods.Items), err)
			}
			if got := testenv.Get(t, http.DefaultClient, "http://"+bed.Addr("http", "80")+"/files/hello.txt"); got != "Hello, testbed!\n" {
				t.Errorf("GET /files/hello.txt = %q", got)
			}
			clienttest.EchoTCP(t, bed.Addr("echo", "7"))
		})
	}
}

// ftpLogin logs in to the FTP server at addr as ftptest; the test ends
// the session.
func ftpLogin(t *testing.T, addr string) *ftp.ServerConn {
	t.Helper()
	c, err := ftp.Dial(addr, ftp.DialWithTimeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Quit() })
	if err := c.Login("ftptest", "password"); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestClusterReuseResets: a reused testbed on the cluster is the same
// project for the next test, with its built-in servers reset through
// their control channel (over a port-forward stream): the first test's
// FTP upload is gone for the second.
func TestClusterReuseResets(t *testing.T) {
	cs, _ := cluster(t)
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	file := filepath.Join(t.TempDir(), "testbed.yaml")
	// A user of its own makes the spec's hash, and so its reusable
	// projects, this test's.
	text := fmt.Sprintf("servers:\n  ftp: {builtin: ftp}\n  http: {builtin: http, options: {user: u%d}}\n", time.Now().UnixNano()%1e9)
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := []testbed.Option{testbed.WithDriver("kubernetes"), testbed.WithSpecFile(file), testbed.WithReuse(), testbed.WithTimeout(3 * time.Minute)}
	var first string
	t.Cleanup(func() {
		if first == "" {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		c, err := project.Open(ctx, project.Options{Driver: kubernetes.Name, Drivers: []project.Opener{register.Opener()}})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.Down(ctx, first, project.DownOptions{}); err != nil {
			t.Errorf("down %s: %v", first, err)
		}
		namespaceGone(t, cs, first)
	})
	t.Run("writes", func(t *testing.T) {
		bed := testbed.Start(t, opts...)
		first = bed.Project()
		if !strings.HasPrefix(first, project.ReusePrefix) {
			t.Errorf("project %s: want a reusable one (%s...)", first, project.ReusePrefix)
		}
		c := ftpLogin(t, bed.Addr("ftp", "21"))
		if err := c.Stor("left-behind.txt", strings.NewReader("x")); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("sees a fresh testbed", func(t *testing.T) {
		bed := testbed.Start(t, opts...)
		if bed.Project() != first {
			t.Fatalf("project %s, want %s reused", bed.Project(), first)
		}
		c := ftpLogin(t, bed.Addr("ftp", "21"))
		if _, err := c.FileSize("left-behind.txt"); err == nil {
			t.Error("the first test's FTP file is still there after the reset")
		}
	})
}

// TestClusterHealthcheck: a spec's healthcheck is the pod's readiness
// probe, and `ready: {health: true}` waits for it. One that passes
// (`/testbed version` in the built-in image) brings the server up; one
// that fails never does, and the up fails naming the healthcheck, with
// nothing left behind.
func TestClusterHealthcheck(t *testing.T) {
	cs, image := cluster(t)
	write := func(test string) string {
		dir := t.TempDir()
		spec := fmt.Sprintf(`
servers:
  echo:
    image: %[1]s
    command: [serve, echo, --port, "7/tcp=7007", --port, "7/udp=7007", --port, "9/tcp=7009", --port, "9/udp=7009", --port, "13/tcp=7013", --port, "13/udp=7013", --port, "19/tcp=7019"]
    ports: [7007]
    tmpfs: [/tmp]
    healthcheck: {test: [/testbed, %[2]s], interval: 1s, retries: 2}
    ready: {health: true}
`, image, test)
		path := filepath.Join(dir, "testbed.yaml")
		if err := os.WriteFile(path, []byte(spec), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	t.Run("passes", func(t *testing.T) {
		var project string
		noNamespaceAfter(t, cs, &project)
		bed := testbed.Start(t, testbed.WithDriver("kubernetes"), testbed.WithSpecFile(write("version")), testbed.WithTimeout(3*time.Minute))
		project = bed.Project()
		clienttest.EchoTCP(t, bed.Addr("echo", "7007"))
	})
	t.Run("fails", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
		defer cancel()
		bed, err := testbed.New(ctx, testbed.WithDriver("kubernetes"), testbed.WithSpecFile(write("no-such-command")), testbed.WithTimeout(20*time.Second))
		if err == nil {
			bed.Close()
			t.Fatal("a server whose healthcheck fails came up")
		}
		if !strings.Contains(err.Error(), "health") {
			t.Errorf("up error does not name the healthcheck: %v", err)
		}
		t.Logf("the failed up says: %v", err)
		// New names its projects tb-shared-PID-N-...: none of this
		// process's may be left after the failed up.
		nss, err := cs.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, ns := range nss.Items {
			if p := ns.Annotations["testbed.project"]; strings.HasPrefix(p, fmt.Sprintf("tb-shared-%d-", os.Getpid())) {
				t.Errorf("namespace %s of the failed up is left (%s)", ns.Name, ns.Status.Phase)
			}
		}
	})
}

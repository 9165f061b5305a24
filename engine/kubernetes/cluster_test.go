//go:build kubernetes

package kubernetes_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8s "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/testbed-dev/testbed"
	"github.com/testbed-dev/testbed/engine/kubernetes"
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
// endpoints with real clients.
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
    ports: [7007]
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
	echoRoundTrip(t, bed.Addr("echo", "7007"))
}

// TestClusterDefaultTestbed brings the default testbed up on a real
// cluster and checks its servers through the forwarded endpoints: http
// and https, echo, and the proxy fetching from the http server by its
// testbed name (names resolve between pods).
func TestClusterDefaultTestbed(t *testing.T) {
	cs, _ := cluster(t)
	var project string
	noNamespaceAfter(t, cs, &project)
	bed := testbed.Start(t, testbed.WithDriver("kubernetes"), testbed.WithTimeout(3*time.Minute))
	project = bed.Project()
	for _, u := range []string{"http://" + bed.Addr("http", "80") + "/status/204", "https://" + bed.Addr("http", "443") + "/status/204"} {
		res, err := bed.HTTPClient().Get(u)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 204 {
			t.Errorf("GET %s = %d, want 204", u, res.StatusCode)
		}
	}
	echoRoundTrip(t, bed.Addr("echo", "7"))
	proxy := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(&url.URL{Scheme: "http", Host: bed.Addr("proxy", "3128")})}, Timeout: 30 * time.Second}
	res, err := proxy.Get("http://http.testbed.test/status/200")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("GET http://http.testbed.test/status/200 through the proxy = %d, want 200", res.StatusCode)
	}
}

func echoRoundTrip(t *testing.T, addr string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	msg := []byte("hello through the port-forward\n")
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, msg) {
		t.Errorf("echo %s = %q, %v; want %q", addr, got, err, msg)
	}
}

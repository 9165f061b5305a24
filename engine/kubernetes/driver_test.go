//go:build kubernetes

package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/testbed-dev/testbed/catalog"
	"github.com/testbed-dev/testbed/engine"
	"github.com/testbed-dev/testbed/plan"
	"github.com/testbed-dev/testbed/servers/testca"
	"github.com/testbed-dev/testbed/spec"
)

// testOwner is the owner label of the tests' runs.
const testOwner = "testhost/4242/99"

// twoServers is an image spec of two servers, one depending on the other.
const twoServers = `
name: k8s
servers:
  web:
    image: example/web:1
    ports: [8080]
  app:
    image: example/app:2
    ports: [9000]
    aliases: [api]
    depends_on: [web]
    env: {UPSTREAM: "http://web.testbed.test:8080"}
`

// newPlan plans a native spec for project "kt".
func newPlan(t *testing.T, yaml string) *plan.Plan {
	t.Helper()
	tb, err := spec.Parse([]byte(yaml), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cat := catalog.New()
	if err := tb.Validate(catalog.SpecKinds(cat)); err != nil {
		t.Fatal(err)
	}
	p, err := plan.New(tb, cat, plan.Options{Project: "kt", Owner: testOwner, Container: true})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// echoDialer is a PodDialer whose every pod port is one echo server on
// 127.0.0.1, so that the real probes and forwards have something to reach.
type echoDialer struct {
	ln    net.Listener
	mu    sync.Mutex
	dials []string // "namespace/pod:port"
	wg    sync.WaitGroup
}

func newEchoDialer(t *testing.T) *echoDialer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e := &echoDialer{ln: ln}
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			e.wg.Add(1)
			go func() {
				defer e.wg.Done()
				io.Copy(c, c)
				c.Close()
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); e.wg.Wait() })
	return e
}

func (e *echoDialer) DialPod(ctx context.Context, ns, pod string, port int) (net.Conn, error) {
	e.mu.Lock()
	e.dials = append(e.dials, fmt.Sprintf("%s/%s:%d", ns, pod, port))
	e.mu.Unlock()
	var d net.Dialer
	return d.DialContext(ctx, "tcp", e.ln.Addr().String())
}

// fakeCluster is a fake clientset that acts as a cluster would for what
// the driver reads back: Services get a ClusterIP, pods run with an
// address at once unless failing names them (they fail with status 3).
func fakeCluster(t *testing.T, failing ...string) *fake.Clientset {
	cs := fake.NewClientset()
	var n atomic.Int32
	cs.PrependReactor("create", "services", func(a k8stesting.Action) (bool, runtime.Object, error) {
		svc := a.(k8stesting.CreateAction).GetObject().(*corev1.Service)
		svc.Spec.ClusterIP = fmt.Sprintf("10.96.0.%d", n.Add(1))
		return false, nil, nil
	})
	cs.PrependReactor("create", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		pod := a.(k8stesting.CreateAction).GetObject().(*corev1.Pod)
		for _, f := range failing {
			if pod.Name == f {
				pod.Status.Phase = corev1.PodFailed
				pod.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "server", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 3}}}}
				return false, nil, nil
			}
		}
		pod.Status.Phase = corev1.PodRunning
		pod.Status.PodIP = fmt.Sprintf("10.244.0.%d", n.Add(1))
		// The EndpointSlice controller's part: the pod's Service lists it,
		// ready. (Through the tracker: the clientset is locked in here.)
		slice := &discoveryv1.EndpointSlice{
			ObjectMeta:  metav1.ObjectMeta{Name: pod.Name + "-slice", Namespace: a.GetNamespace(), Labels: map[string]string{discoveryv1.LabelServiceName: serviceName(pod.Name)}},
			AddressType: discoveryv1.AddressTypeIPv4,
			Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{pod.Status.PodIP}, Conditions: discoveryv1.EndpointConditions{Ready: ptr(true)}}},
		}
		if err := cs.Tracker().Create(discoveryv1.SchemeGroupVersion.WithResource("endpointslices"), slice, a.GetNamespace()); err != nil {
			t.Errorf("endpoint slice of %s: %v", pod.Name, err)
		}
		return false, nil, nil
	})
	return cs
}

func newDriver(t *testing.T, cs *fake.Clientset, d PodDialer, image string) *Driver {
	t.Helper()
	drv, err := New(context.Background(), Options{Client: cs, Dialer: d, Image: image, InCluster: ptr(false)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { drv.Close() })
	return drv
}

func upOptions(t *testing.T) engine.UpOptions {
	ca, err := testca.New("testbed test CA")
	if err != nil {
		t.Fatal(err)
	}
	return engine.UpOptions{CA: ca, Dir: t.TempDir(), Owner: testOwner, Timeout: 20 * time.Second}
}

func TestUpTwoServers(t *testing.T) {
	cs := fakeCluster(t)
	dial := newEchoDialer(t)
	d := newDriver(t, cs, dial, "")
	p := newPlan(t, twoServers)
	ctx := context.Background()
	m, err := d.Up(ctx, p, upOptions(t))
	if err != nil {
		t.Fatalf("Up() = %v", err)
	}
	ns := Namespace("kt")
	got, err := cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("namespace %s: %v", ns, err)
	}
	for k, want := range map[string]string{plan.LabelProject: "kt", LabelManaged: "true", plan.LabelOwner: labelValue(testOwner), plan.LabelSpecHash: labelValue(p.SpecHash)} {
		if got.Labels[k] != want {
			t.Errorf("namespace label %s = %q, want %q", k, got.Labels[k], want)
		}
	}
	if got.Annotations[plan.LabelOwner] != testOwner || got.Annotations[plan.LabelSpecHash] != p.SpecHash {
		t.Errorf("namespace annotations = %v, want the exact owner and spec hash", got.Annotations)
	}

	svcIP := map[string]string{}
	for _, server := range []string{"web", "app"} {
		svc, err := cs.CoreV1().Services(ns).Get(ctx, server, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("service %s: %v", server, err)
		}
		if svc.Spec.Type != corev1.ServiceTypeClusterIP || svc.Spec.Selector[plan.LabelServer] != server {
			t.Errorf("service %s: type %s selector %v", server, svc.Spec.Type, svc.Spec.Selector)
		}
		svcIP[server] = svc.Spec.ClusterIP
	}
	pod, err := cs.CoreV1().Pods(ns).Get(ctx, "app", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if pod.Labels[plan.LabelServer] != "app" || pod.Labels[plan.LabelProject] != "kt" || pod.Annotations[plan.LabelOwner] != testOwner {
		t.Errorf("pod app labels %v annotations %v", pod.Labels, pod.Annotations)
	}
	if c := pod.Spec.Containers[0]; c.Image != "example/app:2" || c.SecurityContext != nil {
		t.Errorf("pod app: image %q security %v, want the image as is and no hardening", c.Image, c.SecurityContext)
	}
	if pod.Spec.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("restartPolicy = %s, want Never", pod.Spec.RestartPolicy)
	}
	aliases := map[string]string{}
	for _, h := range pod.Spec.HostAliases {
		for _, n := range h.Hostnames {
			aliases[n] = h.IP
		}
	}
	for name, server := range map[string]string{"web": "web", "web.testbed.test": "web", "api": "app", "app.testbed.test": "app"} {
		if aliases[name] != svcIP[server] {
			t.Errorf("hostAlias %s = %q, want %s's service address %q", name, aliases[name], server, svcIP[server])
		}
	}
	// The endpoint is a 127.0.0.1 port forwarded to the pod: a round trip
	// through it reaches the (echo) server.
	addr := m.Servers["web"].Ports["8080/tcp"]
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Fatalf("web 8080/tcp = %q, want a 127.0.0.1 port; manifest %+v", addr, m.Servers["web"])
	}
	roundTrip(t, addr)
	dial.mu.Lock()
	found := false
	for _, d := range dial.dials {
		found = found || d == ns+"/web:8080"
	}
	dial.mu.Unlock()
	if !found {
		t.Errorf("dials %v, want one to %s/web:8080", dial.dials, ns)
	}
	if m.Driver != Name || m.Servers["app"].Addresses[0] != svcIP["app"] {
		t.Errorf("manifest %+v, want driver %s and app at its service address", m, Name)
	}
}

func roundTrip(t *testing.T, addr string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte("ping\n")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "ping\n" {
		t.Fatalf("echo through %s = %q, %v", addr, buf, err)
	}
}

func TestServersAndResourcesFromLabels(t *testing.T) {
	cs := fakeCluster(t)
	d := newDriver(t, cs, newEchoDialer(t), "")
	p := newPlan(t, twoServers)
	ctx := context.Background()
	if _, err := d.Up(ctx, p, upOptions(t)); err != nil {
		t.Fatal(err)
	}
	// A second driver (another process) reads everything back from the cluster.
	d2 := newDriver(t, cs, newEchoDialer(t), "")
	list, err := d2.Servers(ctx, "kt")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("Servers() = %d servers, want 2", len(list))
	}
	for _, s := range list {
		if s.Project != "kt" || s.Owner != testOwner || s.SpecHash != p.Step(s.Server).Hash || !s.Running || s.Driver != Name {
			t.Errorf("server %+v: want project kt, owner %s, its spec hash, running", s, testOwner)
		}
		if s.Endpoint == nil || s.Endpoint.Hostname != s.Server+".testbed.test" {
			t.Errorf("server %s endpoint %+v", s.Server, s.Endpoint)
		}
	}
	web := list[1]
	if web.Server != "web" {
		t.Fatalf("Servers() order: %s, %s", list[0].Server, list[1].Server)
	}
	roundTrip(t, web.Endpoint.Ports["8080/tcp"])
	if ok, why := d2.Ready(ctx, web, nil); !ok {
		t.Errorf("Ready(web) = false, %s", why)
	}
	res, err := d2.Resources(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Kind != "namespace" || res[0].Project != "kt" || res[0].Owner != testOwner || res[0].Kept {
		t.Fatalf("Resources() = %+v, want kt's namespace, not kept", res)
	}
	if err := d2.Keep(ctx, p); err != nil {
		t.Fatal(err)
	}
	res, _ = d2.Resources(ctx, "kt")
	if len(res) != 1 || !res[0].Kept {
		t.Fatalf("Resources() after Keep = %+v, want kept", res)
	}
	// A namespace labelled by hand as testbed's is not taken for one.
	cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "victim",
		Labels: map[string]string{LabelManaged: "true", plan.LabelProject: "victim"}, Annotations: map[string]string{plan.LabelProject: "victim"}}}, metav1.CreateOptions{})
	if res, _ = d2.Resources(ctx, ""); len(res) != 1 {
		t.Errorf("Resources() = %+v, want only kt's namespace", res)
	}
}

func TestRollbackOnFailedPod(t *testing.T) {
	cs := fakeCluster(t, "app")
	d := newDriver(t, cs, newEchoDialer(t), "")
	p := newPlan(t, twoServers)
	ctx := context.Background()
	_, err := d.Up(ctx, p, upOptions(t))
	var se interface{ Unwrap() error }
	if err == nil || !strings.Contains(err.Error(), "server app") || !strings.Contains(err.Error(), "status 3") || !errors.As(err, &se) {
		t.Fatalf("Up() = %v, want server app's exit status 3", err)
	}
	if _, err := cs.CoreV1().Namespaces().Get(ctx, Namespace("kt"), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("namespace after a failed up: %v, want it deleted", err)
	}
	if n := len(d.fwd); n != 0 {
		t.Errorf("%d forwards left after the rollback", n)
	}
}

func TestRemoveDeletesNamespace(t *testing.T) {
	cs := fakeCluster(t)
	d := newDriver(t, cs, newEchoDialer(t), "")
	p := newPlan(t, twoServers)
	ctx := context.Background()
	m, err := d.Up(ctx, p, upOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	addr := m.Servers["web"].Ports["8080/tcp"]
	// One server only: its pod, Service and Secret go, the rest stays.
	if err := d.Remove(ctx, engine.RemoveOptions{Project: "kt", Servers: []string{"web"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Pods(Namespace("kt")).Get(ctx, "web", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("pod web after Remove(web): %v", err)
	}
	if _, err := cs.CoreV1().Pods(Namespace("kt")).Get(ctx, "app", metav1.GetOptions{}); err != nil {
		t.Errorf("pod app after Remove(web): %v", err)
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Errorf("web's forward %s still listens after Remove(web)", addr)
	}
	cs.ClearActions()
	if err := d.Remove(ctx, engine.RemoveOptions{Project: "kt"}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Namespaces().Get(ctx, Namespace("kt"), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("namespace after Remove: %v, want it gone", err)
	}
	deleted := false
	for _, a := range cs.Actions() {
		deleted = deleted || a.GetVerb() == "delete" && a.GetResource().Resource == "namespaces"
	}
	if !deleted {
		t.Errorf("actions %v, want a namespace delete", cs.Actions())
	}
	list, err := d.Servers(ctx, "kt")
	if err != nil || len(list) != 0 {
		t.Errorf("Servers() after Remove = %v, %v, want none", list, err)
	}
}

func TestHostileInputRefusedBeforeAnyCall(t *testing.T) {
	t.Setenv(EnvImage, "") // "builtin without image" must not find one in the environment
	for _, tc := range []struct {
		name, yaml, image, want string
	}{
		{"build", `
servers:
  web:
    build: {context: ., dockerfile: Dockerfile}
    ports: [80]
`, "", "images are not built on a cluster"},
		{"builtin without image", `
servers:
  web: {builtin: http}
`, "", EnvImage},
		{"host volume", `
servers:
  web:
    image: example/web:1
    volumes: ["/etc:/host-etc"]
`, "", "host paths"},
		{"user name", `
servers:
  web:
    image: example/web:1
    user: root
`, "", "numeric uid"},
		{"image with spaces", `
servers:
  web:
    image: "example/web:1 --privileged"
`, "", "not an image reference"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs := fakeCluster(t)
			d := newDriver(t, cs, newEchoDialer(t), tc.image)
			p := parsePlanLoose(t, tc.yaml)
			if p == nil {
				return // the spec layer refused it already
			}
			_, err := d.Up(context.Background(), p, upOptions(t))
			if err == nil || !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Up() = %v, want a refusal naming %q", err, tc.want)
			}
			if a := cs.Actions(); len(a) != 0 {
				t.Errorf("the fake saw %d API calls (%v), want none", len(a), a)
			}
		})
	}
}

// parsePlanLoose plans a spec, or returns nil when validation refuses it
// (then the driver is never reached, which is as good).
func parsePlanLoose(t *testing.T, yaml string) *plan.Plan {
	t.Helper()
	tb, err := spec.Parse([]byte(yaml), "test.yaml")
	if err != nil {
		t.Logf("spec refused: %v", err)
		return nil
	}
	cat := catalog.New()
	tb.AllowHostMounts = true
	if err := tb.Validate(catalog.SpecKinds(cat)); err != nil {
		t.Logf("spec refused: %v", err)
		return nil
	}
	p, err := plan.New(tb, cat, plan.Options{Project: "kt", Owner: testOwner, Container: true})
	if err != nil {
		t.Logf("plan refused: %v", err)
		return nil
	}
	return p
}

func TestNamespaceNames(t *testing.T) {
	seen := map[string]string{}
	for _, p := range []string{"kt", "a_b", "a-b", "x-", strings.Repeat("p", 63), "0start"} {
		ns := Namespace(p)
		if !isDNSLabel(ns) {
			t.Errorf("Namespace(%q) = %q, not a DNS label", p, ns)
		}
		if other, ok := seen[ns]; ok {
			t.Errorf("Namespace(%q) = Namespace(%q) = %q", p, other, ns)
		}
		seen[ns] = p
	}
	if !isLabelValue(labelValue(testOwner)) || labelValue("kt") != "kt" || !isLabelValue(labelValue(strings.Repeat("f", 64))) {
		t.Errorf("labelValue: %q %q", labelValue(testOwner), labelValue(strings.Repeat("f", 64)))
	}
	if s := serviceName("1web"); !strings.HasPrefix(s, "s-") || len(s) > 63 {
		t.Errorf("serviceName(1web) = %q", s)
	}
}

func TestLogsAndReset(t *testing.T) {
	cs := fakeCluster(t)
	d := newDriver(t, cs, newEchoDialer(t), "")
	p := newPlan(t, `
servers:
  web:
    image: example/web:1
    ports: [8080]
    reset: restart
`)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := d.Up(ctx, p, upOptions(t)); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := d.Logs(ctx, "kt", "web", engine.LogOptions{Tail: 5, Stdout: &out}); err != nil || out.String() == "" {
		t.Errorf("Logs() = %v with %q, want the pod's output (the fake's)", err, out.String())
	}
	err := d.Reset(ctx, "kt", engine.ResetOptions{Token: "x"})
	if !errors.Is(err, engine.ErrUnsupported) || !strings.Contains(err.Error(), "restart") {
		t.Errorf("Reset() of a reset: restart image server = %v, want it refused as unsupported", err)
	}
	if _, err := d.Exec(ctx, "kt", "web", []string{"true"}, nil, nil); !errors.Is(err, engine.ErrUnsupported) {
		t.Errorf("Exec() without a cluster configuration = %v, want unsupported", err)
	}
}

// A server is ready for the others only once its Service lists the pod as
// a ready endpoint: until then the service proxy refuses connections to
// the Service's address. A Service that never does fails the up, naming
// it; an account that may not list EndpointSlices does not wait.
func TestUpWaitsForTheServiceToRoute(t *testing.T) {
	t.Run("never routed", func(t *testing.T) {
		cs := fakeCluster(t)
		cs.PrependReactor("list", "endpointslices", func(k8stesting.Action) (bool, runtime.Object, error) {
			return true, &discoveryv1.EndpointSliceList{}, nil
		})
		d := newDriver(t, cs, newEchoDialer(t), "")
		o := upOptions(t)
		o.Timeout = 2 * time.Second
		_, err := d.Up(context.Background(), newPlan(t, twoServers), o)
		if err == nil || !strings.Contains(err.Error(), "service web never listed pod web as a ready endpoint") {
			t.Errorf("Up() = %v, want it to say the Service never routed to the pod", err)
		}
	})
	t.Run("not ready", func(t *testing.T) {
		cs := fakeCluster(t)
		cs.PrependReactor("list", "endpointslices", func(k8stesting.Action) (bool, runtime.Object, error) {
			notReady := discoveryv1.Endpoint{Addresses: []string{"10.244.0.2"}, Conditions: discoveryv1.EndpointConditions{Ready: ptr(false)}}
			return true, &discoveryv1.EndpointSliceList{Items: []discoveryv1.EndpointSlice{{Endpoints: []discoveryv1.Endpoint{notReady}}}}, nil
		})
		d := newDriver(t, cs, newEchoDialer(t), "")
		o := upOptions(t)
		o.Timeout = 2 * time.Second
		if _, err := d.Up(context.Background(), newPlan(t, twoServers), o); err == nil {
			t.Error("Up() succeeded with the pod listed as not ready")
		}
	})
	t.Run("forbidden", func(t *testing.T) {
		cs := fakeCluster(t)
		cs.PrependReactor("list", "endpointslices", func(k8stesting.Action) (bool, runtime.Object, error) {
			return true, nil, apierrors.NewForbidden(discoveryv1.Resource("endpointslices"), "", errors.New("no rule"))
		})
		d := newDriver(t, cs, newEchoDialer(t), "")
		if _, err := d.Up(context.Background(), newPlan(t, twoServers), upOptions(t)); err != nil {
			t.Errorf("Up() without the right to list EndpointSlices = %v, want it to go on", err)
		}
	})
}

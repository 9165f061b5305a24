//go:build kubernetes

package kubernetes

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/plan"
	"github.com/testbed-dev/testbed/probe"
)

// instance is a started pod as lifecycle and probes see it.
type instance struct {
	d         *Driver
	namespace string
	pod       string
	bindings  []plan.Binding
	hostname  string

	mu        sync.Mutex
	podIP     string
	serviceIP string
	service   string // the Service that names it to the others ("" for none)
	routed    bool   // the Service lists the pod as a ready endpoint
	fwd       *podForward

	exited chan struct{}
	code   int
	once   sync.Once
}

var (
	_ probe.Target         = (*instance)(nil)
	_ probe.Execer         = (*instance)(nil)
	_ probe.LogReader      = (*instance)(nil)
	_ probe.ExitReporter   = (*instance)(nil)
	_ probe.DirectReporter = (*instance)(nil)
	_ probe.HealthReporter = (*instance)(nil)
)

func newInstance(d *Driver, namespace, pod, hostname string, bindings []plan.Binding) *instance {
	return &instance{d: d, namespace: namespace, pod: pod, hostname: hostname, bindings: bindings, exited: make(chan struct{})}
}

// exit records that the pod's container ended with code.
func (i *instance) exit(code int) {
	i.once.Do(func() {
		i.mu.Lock()
		i.code = code
		i.mu.Unlock()
		close(i.exited)
	})
}

// observe reads the pod once: its address, whether it ended (and how),
// and a reason it can never start ("" when there is none).
func (i *instance) observe(pod *corev1.Pod) (running bool, fatal string) {
	i.mu.Lock()
	if pod.Status.PodIP != "" {
		i.podIP = pod.Status.PodIP
	}
	i.mu.Unlock()
	if ended, code := podExit(pod); ended {
		i.exit(code)
		return false, ""
	}
	for _, cs := range pod.Status.ContainerStatuses {
		if w := cs.State.Waiting; w != nil {
			switch w.Reason {
			case "ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull",
				"CreateContainerConfigError", "CreateContainerError", "RunContainerError":
				return false, fmt.Sprintf("%s: %s", w.Reason, w.Message)
			}
		}
	}
	return pod.Status.Phase == corev1.PodRunning && pod.Status.PodIP != "", ""
}

// podExit says whether a pod's server ended, and its exit status (1 when
// the pod failed without one, e.g. evicted).
func podExit(pod *corev1.Pod) (bool, int) {
	for _, cs := range pod.Status.ContainerStatuses {
		if t := cs.State.Terminated; t != nil {
			return true, int(t.ExitCode)
		}
	}
	switch pod.Status.Phase {
	case corev1.PodFailed:
		return true, 1
	case corev1.PodSucceeded:
		return true, 0
	}
	return false, 0
}

// watch polls the pod until it ends or ctx does, recording its exit.
func (i *instance) watch(ctx context.Context) {
	go func() {
		tick := time.NewTicker(PollInterval)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-i.exited:
				return
			case <-tick.C:
			}
			cctx, cancel := callCtx(ctx)
			pod, err := i.d.cs.CoreV1().Pods(i.namespace).Get(cctx, i.pod, metav1.GetOptions{})
			cancel()
			if err == nil {
				i.observe(pod)
			}
		}
	}()
}

// Addr implements probe.Target: the pod's own address inside the
// cluster, a forwarded 127.0.0.1 port outside it.
func (i *instance) Addr(port int, proto string) (string, error) {
	select {
	case <-i.exited:
		return "", probe.Permanent(fmt.Errorf("pod %s exited with status %d", i.pod, i.ExitCode()))
	default:
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.d.inCluster {
		if i.podIP == "" {
			return "", fmt.Errorf("pod %s has no address yet", i.pod)
		}
		return net.JoinHostPort(i.podIP, strconv.Itoa(port)), nil
	}
	if proto == "udp" {
		return "", probe.Permanent(fmt.Errorf("port %d/udp: UDP is not forwarded from outside the cluster (run testbed in the cluster, %s=1)", port, EnvInCluster))
	}
	key := strconv.Itoa(port) + "/" + proto
	if i.fwd != nil {
		if a, ok := i.fwd.ports[key]; ok {
			return a, nil
		}
	}
	return "", probe.Permanent(fmt.Errorf("port %s is not a port of pod %s", key, i.pod))
}

// Direct implements probe.DirectReporter: a pod's own address is direct;
// a forwarded port accepts before the pod does.
func (i *instance) Direct() bool { return i.d.inCluster }

// Endpoint says how clients reach the server, once its Service routes to
// it: lifecycle asks it after readiness and before dependents start, and
// the other servers reach this one through the Service's address.
func (i *instance) Endpoint(ctx context.Context) (*endpoints.Server, error) {
	if err := i.awaitRouted(ctx); err != nil {
		return nil, err
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	return endpoint(i.d.inCluster, i.namespace, i.hostname, i.serviceIP, i.bindings, i.fwd), nil
}

// awaitRouted waits until the server's Service has the pod as a ready
// endpoint (its EndpointSlices), which is when the service proxy starts
// sending the other servers' connections to it: a pod ready through its
// forwards may still be refused through its Service. An account that may
// not list EndpointSlices (an older rbac.yaml) skips the wait, once said.
func (i *instance) awaitRouted(ctx context.Context) error {
	i.mu.Lock()
	service, routed, podIP := i.service, i.routed, i.podIP
	i.mu.Unlock()
	if service == "" || routed || podIP == "" {
		return nil
	}
	selector := discoveryv1.LabelServiceName + "=" + service
	for {
		cctx, cancel := callCtx(ctx)
		list, err := i.d.cs.DiscoveryV1().EndpointSlices(i.namespace).List(cctx, metav1.ListOptions{LabelSelector: selector})
		cancel()
		switch {
		case apierrors.IsForbidden(err):
			i.d.log.Warn("cannot list EndpointSlices (see engine/kubernetes/rbac.yaml): servers are ready without waiting for their Services to route to them", "err", err)
			return nil
		case err != nil && ctx.Err() == nil:
			return fmt.Errorf("service %s: endpoints: %w", service, err)
		case err == nil && listsReady(list.Items, podIP):
			i.mu.Lock()
			i.routed = true
			i.mu.Unlock()
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("service %s never listed pod %s as a ready endpoint: %w", service, i.pod, context.Cause(ctx))
		case <-i.exited:
			return fmt.Errorf("service %s: pod %s ended", service, i.pod)
		case <-time.After(PollInterval):
		}
	}
}

// listsReady reports whether slices hold ip as an endpoint that is ready
// (a missing condition counts as ready, as the API says).
func listsReady(list []discoveryv1.EndpointSlice, ip string) bool {
	for _, sl := range list {
		for _, ep := range sl.Endpoints {
			if ep.Conditions.Ready != nil && !*ep.Conditions.Ready {
				continue
			}
			if slices.Contains(ep.Addresses, ip) {
				return true
			}
		}
	}
	return false
}

// endpoint is a server's endpoints: forwarded ports outside the cluster
// (TCP only), the Service's DNS name and port inside it.
func endpoint(inCluster bool, namespace, hostname, serviceIP string, bindings []plan.Binding, fwd *podForward) *endpoints.Server {
	ep := &endpoints.Server{Hostname: hostname, Ports: map[string]string{}}
	if serviceIP != "" {
		ep.Addresses = []string{serviceIP}
	}
	server, _, _ := cutFirst(hostname, ".")
	for _, b := range bindings {
		if b.Data || b.Expose {
			continue
		}
		switch {
		case inCluster:
			ep.Ports[b.Key()] = net.JoinHostPort(serviceName(server)+"."+namespace+".svc", strconv.Itoa(b.Port))
		case fwd != nil:
			if a, ok := fwd.ports[b.Key()]; ok {
				ep.Ports[b.Key()] = a
			}
		}
	}
	return ep
}

func cutFirst(s, sep string) (string, string, bool) {
	for i := 0; i+len(sep) <= len(s); i++ {
		if s[i:i+len(sep)] == sep {
			return s[:i], s[i+len(sep):], true
		}
	}
	return s, "", false
}

// Done is closed when the server's process ends.
func (i *instance) Done() <-chan struct{} { return i.exited }

// ExitCode is valid once Done is closed.
func (i *instance) ExitCode() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.code
}

// Exited implements probe.ExitReporter.
func (i *instance) Exited(ctx context.Context) (bool, int, error) {
	select {
	case <-i.exited:
		return true, i.ExitCode(), nil
	default:
		return false, 0, nil
	}
}

// Exec implements probe.Execer.
func (i *instance) Exec(ctx context.Context, argv []string) (int, []byte, error) {
	var out bytes.Buffer
	code, err := i.d.execIn(ctx, i.namespace, i.pod, argv, &out, &out)
	return code, out.Bytes(), err
}

// Logs implements probe.LogReader.
func (i *instance) Logs(ctx context.Context) ([]byte, error) {
	return i.d.podLogs(ctx, i.namespace, i.pod, 0)
}

// LogTail returns the last n lines of the server's output.
func (i *instance) LogTail(ctx context.Context, n int) string {
	b, err := i.d.podLogs(ctx, i.namespace, i.pod, n)
	if err != nil {
		return ""
	}
	return string(b)
}

// Health implements probe.HealthReporter from the pod's readiness, which
// the spec's healthcheck sets (healthProbe): healthy once the container is
// ready, starting until its first probe is due (start, plus one period and
// one timeout), unhealthy after that, none without a healthcheck.
func (i *instance) Health(ctx context.Context) (string, error) {
	cctx, cancel := callCtx(ctx)
	pod, err := i.d.cs.CoreV1().Pods(i.namespace).Get(cctx, i.pod, metav1.GetOptions{})
	cancel()
	if err != nil {
		return "", err
	}
	return podHealth(pod, time.Now()), nil
}

// podHealth is a pod's healthcheck status at now (see instance.Health).
func podHealth(pod *corev1.Pod, now time.Time) string {
	if len(pod.Spec.Containers) == 0 || pod.Spec.Containers[0].ReadinessProbe == nil {
		return probe.NoHealth
	}
	rp := pod.Spec.Containers[0].ReadinessProbe
	for _, cs := range pod.Status.ContainerStatuses {
		if cs.Ready {
			return probe.Healthy
		}
		if r := cs.State.Running; r != nil {
			due := r.StartedAt.Add(time.Duration(rp.InitialDelaySeconds+rp.PeriodSeconds+rp.TimeoutSeconds) * time.Second)
			if now.After(due) {
				return probe.Unhealthy
			}
		}
	}
	return probe.Starting
}

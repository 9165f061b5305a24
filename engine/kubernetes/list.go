//go:build kubernetes

package kubernetes

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/testbed-dev/testbed/engine"
	"github.com/testbed-dev/testbed/plan"
	"github.com/testbed-dev/testbed/probe"
	"github.com/testbed-dev/testbed/spec"
)

// namespaces lists the namespaces of a project ("" = every project),
// read from labels, with the exact project from the annotation.
func (d *Driver) namespaces(ctx context.Context, project string) ([]corev1.Namespace, error) {
	if err := d.reach(ctx); err != nil {
		return nil, err
	}
	cctx, cancel := callCtx(ctx)
	defer cancel()
	list, err := d.cs.CoreV1().Namespaces().List(cctx, metav1.ListOptions{LabelSelector: projectSelector(project, "")})
	if err != nil {
		return nil, fmt.Errorf("list namespaces: %w", err)
	}
	var out []corev1.Namespace
	for _, ns := range list.Items {
		p := ns.Annotations[plan.LabelProject]
		// The name must be the project's: a namespace someone labelled
		// by hand is not testbed's.
		if p == "" || ns.Name != Namespace(p) || project != "" && p != project {
			continue
		}
		out = append(out, ns)
	}
	return out, nil
}

// Servers implements engine.Driver: the pods of a project, from their
// labels and annotations and the cluster's state.
func (d *Driver) Servers(ctx context.Context, project string) ([]engine.Server, error) {
	nss, err := d.namespaces(ctx, project)
	if err != nil {
		return nil, err
	}
	var out []engine.Server
	for _, ns := range nss {
		cctx, cancel := callCtx(ctx)
		pods, err := d.cs.CoreV1().Pods(ns.Name).List(cctx, metav1.ListOptions{LabelSelector: LabelManaged + "=true"})
		cancel()
		if err != nil {
			return nil, fmt.Errorf("list pods of %s: %w", ns.Name, err)
		}
		live := liveForwards(ns.Annotations[plan.LabelProject], ns.Annotations[AnnotationForward])
		for i := range pods.Items {
			out = append(out, d.server(ctx, ns.Name, &pods.Items[i], live))
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Project != out[j].Project {
			return out[i].Project < out[j].Project
		}
		return out[i].Server < out[j].Server
	})
	return out, nil
}

// server is one pod as the core sees it. A running pod outside the
// cluster has the ports of its project's background forwarder (live, see
// liveForwards) when one runs; else this process's
// forwards (opened now, when not yet), so that its endpoints answer for as
// long as this process runs.
func (d *Driver) server(ctx context.Context, ns string, pod *corev1.Pod, live map[string]map[string]string) engine.Server {
	a := pod.Annotations
	state, running := podStateWord(pod)
	s := engine.Server{
		Project: a[plan.LabelProject], Server: a[plan.LabelServer], Driver: Name, Name: ns + "/" + pod.Name,
		SpecHash: a[plan.LabelSpecHash], Owner: a[plan.LabelOwner], State: state, Status: podState(pod),
		Running: running, Labels: a, Created: pod.CreationTimestamp.Time,
	}
	if len(pod.Spec.Containers) > 0 {
		s.Image = pod.Spec.Containers[0].Image
	}
	bindings := podBindings(pod)
	var fwd *podForward
	if running && !d.inCluster && d.dialer != nil {
		if ports := live[pod.Name]; len(ports) > 0 {
			fwd = &podForward{ports: ports}
		} else {
			fwd, _ = d.forwardPod(ns, pod.Name, bindings)
		}
	}
	serviceIP := ""
	cctx, cancel := callCtx(ctx)
	if svc, err := d.cs.CoreV1().Services(ns).Get(cctx, serviceName(s.Server), metav1.GetOptions{}); err == nil && svc.Spec.ClusterIP != corev1.ClusterIPNone {
		serviceIP = svc.Spec.ClusterIP
	}
	cancel()
	s.Endpoint = endpoint(d.inCluster, ns, a[plan.LabelHostname], serviceIP, bindings, fwd)
	s.Endpoint.Kind = a[plan.LabelKind]
	return s
}

// podStateWord is the docker-like state of a pod: running, exited,
// created (pending).
func podStateWord(pod *corev1.Pod) (string, bool) {
	if ended, _ := podExit(pod); ended {
		return "exited", false
	}
	if pod.DeletionTimestamp != nil {
		return "removing", false
	}
	if pod.Status.Phase == corev1.PodRunning {
		return "running", true
	}
	return "created", false
}

// podBindings reads a pod's ports back from its container (and its data
// ports from the annotation), with the host side forwarding chooses.
func podBindings(pod *corev1.Pod) []plan.Binding {
	data := map[int]bool{}
	for _, p := range strings.Split(pod.Annotations[plan.LabelDataPorts], ",") {
		if n, err := strconv.Atoi(p); err == nil {
			data[n] = true
		}
	}
	var out []plan.Binding
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			proto := strings.ToLower(string(p.Protocol))
			if proto == "" {
				proto = "tcp"
			}
			out = append(out, plan.Binding{Port: int(p.ContainerPort), Proto: proto, HostIP: plan.LocalHost, Data: data[int(p.ContainerPort)]})
		}
	}
	return out
}

// Resources implements engine.Driver: a project is its namespace (what is
// in it goes with it), with its owner and kept marker.
func (d *Driver) Resources(ctx context.Context, project string) ([]engine.Resource, error) {
	nss, err := d.namespaces(ctx, project)
	if err != nil {
		return nil, err
	}
	out := make([]engine.Resource, 0, len(nss))
	for _, ns := range nss {
		out = append(out, engine.Resource{
			Kind: "namespace", Name: ns.Name, Project: ns.Annotations[plan.LabelProject], Owner: ns.Annotations[plan.LabelOwner],
			Kept: ns.Labels[LabelKept] == "true", Created: ns.CreationTimestamp.Time,
		})
	}
	return out, nil
}

// Ready implements engine.Driver: the probe up waited on, read back from
// the pod's annotation, checked once.
func (d *Driver) Ready(ctx context.Context, s engine.Server, roots *x509.CertPool) (bool, string) {
	raw := s.Labels[plan.LabelReady]
	var sp *spec.Probe
	if raw != "" {
		sp = &spec.Probe{}
		if err := json.Unmarshal([]byte(raw), sp); err != nil {
			return false, fmt.Sprintf("pod %s: annotation %s: %v", s.Name, plan.LabelReady, err)
		}
	}
	switch {
	case sp == nil || !s.Running && !sp.AwaitsExit():
		return s.Running, s.Status
	case sp.Acts():
		return s.Running, "running; its exec probe is not run again by ps"
	}
	var cfg *tls.Config
	if roots != nil {
		cfg = &tls.Config{RootCAs: roots, ServerName: s.Server}
	}
	pr, err := probe.FromSpec(sp, cfg)
	if err != nil {
		return false, err.Error()
	}
	t, err := d.target(ctx, s)
	if err != nil {
		return false, err.Error()
	}
	if err := pr.Check(ctx, t); err != nil {
		return false, pr.String() + ": " + err.Error()
	}
	return true, pr.String()
}

// target is a listed pod as a probe sees it.
func (d *Driver) target(ctx context.Context, s engine.Server) (*instance, error) {
	ns, name, _ := strings.Cut(s.Name, "/")
	cctx, cancel := callCtx(ctx)
	pod, err := d.cs.CoreV1().Pods(ns).Get(cctx, name, metav1.GetOptions{})
	cancel()
	if err != nil {
		return nil, fmt.Errorf("read pod %s: %w", s.Name, err)
	}
	bindings := podBindings(pod)
	inst := newInstance(d, ns, name, s.Labels[plan.LabelHostname], bindings)
	inst.observe(pod)
	if !d.inCluster && d.dialer != nil {
		// Through this process's own forwards even when a background
		// forwarder runs: a probe must not depend on it.
		pf, err := d.forwardPod(ns, name, bindings)
		if err != nil {
			return nil, err
		}
		inst.fwd = pf
	}
	return inst, nil
}

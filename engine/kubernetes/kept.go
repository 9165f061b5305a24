//go:build kubernetes

package kubernetes

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/testbed-dev/testbed/forward/background"
	"github.com/testbed-dev/testbed/image"
	"github.com/testbed-dev/testbed/plan"
)

// AnnotationForward, on a kept project's namespace, records the 127.0.0.1
// ports its background forwarder listens on, as JSON: pod -> "80/tcp" ->
// "127.0.0.1:41234". Only testbed writes it (a spec's annotations go to
// pods, never to the namespace).
const AnnotationForward = "testbed.forward"

// forwardPoll is how often a background forwarder looks for the pods it
// forwards to, and for its namespace, to stop when they are gone.
const forwardPoll = 2 * time.Second

// Keep implements engine.Driver: the project's namespace gets the label
// testbed.kept=true, so that reap leaves it alone. Only testbed sets
// labels on the namespace (a spec's labels go to pods, never here), so
// the marker cannot come from a user's spec or image. Outside the cluster
// the project's forwarded ports move into a background forwarder (the
// hidden `testbed --driver kubernetes forward PROJECT`), so that the
// endpoints up printed keep answering after it exits, until down.
func (d *Driver) Keep(ctx context.Context, p *plan.Plan) error {
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{
		"labels":      map[string]string{LabelKept: "true"},
		"annotations": map[string]string{LabelKept: "true"},
	}})
	if err != nil {
		return err
	}
	if err := d.reach(ctx); err != nil {
		return err
	}
	cctx, cancel := callCtx(ctx)
	defer cancel()
	ns := Namespace(p.Project)
	if _, err := d.cs.CoreV1().Namespaces().Patch(cctx, ns, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		return fmt.Errorf("mark project %s as left up: %w", p.Project, err)
	}
	if d.inCluster || d.dialer == nil {
		return nil
	}
	if !isTestbedCommand() {
		d.log.Warn("the project's servers stay up, but their forwarded 127.0.0.1 endpoints end with this process: only the testbed command built with -tags kubernetes leaves a background forwarder; use `testbed up`, or run testbed in the cluster (" + EnvInCluster + "=1)")
		return nil
	}
	return d.handOver(ctx, p.Project)
}

// isTestbedCommand reports whether this process is the testbed command,
// which carries this driver when it runs (it is compiled in): the
// background forwarder re-executes it.
func isTestbedCommand() bool {
	bi, ok := debug.ReadBuildInfo()
	return ok && bi.Path == image.Module+"/cmd/testbed"
}

// handOver moves this process's forwards of a kept project into a new
// background forwarder, which also takes over the ports the one before
// (if any) recorded for pods that are still there. The ports are recorded
// on the namespace first, so the forwarder listens on exactly the
// addresses up hands out.
func (d *Driver) handOver(ctx context.Context, project string) error {
	dir, err := background.Dir("")
	if err != nil {
		return err
	}
	ns := Namespace(project)
	own := d.ownForwards(ns)
	alive := background.Alive(dir, project)
	recorded, err := d.recordedForwards(ctx, ns)
	if err != nil {
		return err
	}
	cctx, cancel := callCtx(ctx)
	pods, err := d.cs.CoreV1().Pods(ns).List(cctx, metav1.ListOptions{LabelSelector: LabelManaged + "=true"})
	cancel()
	if err != nil {
		return fmt.Errorf("list pods of %s: %w", ns, err)
	}
	// A pod the live forwarder holds keeps its ports (those are the ones
	// handed out: this process's own forwards of it were for probes);
	// else this process's ports, which it handed out.
	all := map[string]map[string]string{}
	for _, pod := range pods.Items {
		switch {
		case alive && len(recorded[pod.Name]) > 0:
			all[pod.Name] = recorded[pod.Name]
		case len(own[pod.Name]) > 0:
			all[pod.Name] = own[pod.Name]
		case len(recorded[pod.Name]) > 0:
			all[pod.Name] = recorded[pod.Name]
		}
	}
	if len(all) == 0 || alive && maps.EqualFunc(all, recorded, maps.Equal) {
		return nil // nothing new to forward: the forwarder stays, connections too
	}
	raw, err := json.Marshal(all)
	if err != nil {
		return err
	}
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{AnnotationForward: string(raw)}}})
	if err != nil {
		return err
	}
	cctx, cancel = callCtx(ctx)
	_, err = d.cs.CoreV1().Namespaces().Patch(cctx, ns, types.MergePatchType, patch, metav1.PatchOptions{})
	cancel()
	if err != nil {
		return fmt.Errorf("record the forwarded ports of project %s: %w", project, err)
	}
	background.Stop(dir, project)
	d.closeForwards(ns, nil)
	return background.Start(ctx, background.StartOptions{Dir: dir, Project: project, Flags: []string{"--driver", Name},
		Logf: func(f string, a ...any) { d.log.Info(fmt.Sprintf(f, a...)) }})
}

// ownForwards is this process's forwarded ports of a namespace's pods.
func (d *Driver) ownForwards(ns string) map[string]map[string]string {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := map[string]map[string]string{}
	for k, pf := range d.fwd {
		n, pod, _ := cutLast(k, "/")
		if n == ns && pf.f != nil && len(pf.ports) > 0 {
			out[pod] = pf.ports
		}
	}
	return out
}

// recordedForwards reads a namespace's AnnotationForward (nil when none).
func (d *Driver) recordedForwards(ctx context.Context, ns string) (map[string]map[string]string, error) {
	cctx, cancel := callCtx(ctx)
	defer cancel()
	cur, err := d.cs.CoreV1().Namespaces().Get(cctx, ns, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("read namespace %s: %w", ns, err)
	}
	return parseForwards(cur.Annotations[AnnotationForward]), nil
}

func parseForwards(raw string) map[string]map[string]string {
	var m map[string]map[string]string
	if raw == "" || json.Unmarshal([]byte(raw), &m) != nil {
		return nil
	}
	return m
}

// liveForwards are the ports a live background forwarder of the project
// holds, by pod (raw is the namespace's AnnotationForward); nil when no
// forwarder runs. Processes other than the one that made them (ps, env, a
// second up) hand out those instead of forwards of their own that would
// end with them.
func liveForwards(project, raw string) map[string]map[string]string {
	recorded := parseForwards(raw)
	if len(recorded) == 0 {
		return nil
	}
	dir, err := background.Dir("")
	if err != nil || !background.Alive(dir, project) {
		return nil
	}
	return recorded
}

// ServeForwards is a kept project's background forwarder: it listens on
// the ports recorded on the namespace, forwards each to its pod through
// the API server's port-forward, prints background.Ready, drops a pod's
// ports when the pod is gone and returns when none is left, the namespace
// is going, or ctx ends.
func (d *Driver) ServeForwards(ctx context.Context, project string, ready io.Writer) error {
	if d.inCluster || d.dialer == nil {
		return fmt.Errorf("project %s: nothing to forward inside the cluster", project)
	}
	if err := d.reach(ctx); err != nil {
		return err
	}
	ns := Namespace(project)
	recorded, err := d.recordedForwards(ctx, ns)
	if err != nil {
		return err
	}
	defer d.closeForwards(ns, nil)
	for pod, ports := range recorded {
		if _, err := d.forwardPorts(ns, pod, ports); err != nil {
			return err
		}
	}
	if len(recorded) == 0 {
		return fmt.Errorf("project %s has no forwarded ports", project)
	}
	fmt.Fprintln(ready, background.Ready)
	tick := time.NewTicker(forwardPoll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		cctx, cancel := callCtx(ctx)
		cur, err := d.cs.CoreV1().Namespaces().Get(cctx, ns, metav1.GetOptions{})
		cancel()
		switch {
		case apierrors.IsNotFound(err) || err == nil && cur.DeletionTimestamp != nil:
			return nil
		case err != nil:
			d.log.Debug("background forwarder: read namespace", "namespace", ns, "err", err)
			continue // the API server may be restarting: try again
		}
		cctx, cancel = callCtx(ctx)
		pods, err := d.cs.CoreV1().Pods(ns).List(cctx, metav1.ListOptions{LabelSelector: LabelManaged + "=true"})
		cancel()
		if err != nil {
			continue
		}
		there := map[string]bool{}
		for _, p := range pods.Items {
			there[p.Name] = p.DeletionTimestamp == nil
		}
		own := d.ownForwards(ns)
		var gone []string
		for pod := range own {
			if !there[pod] {
				gone = append(gone, pod)
			}
		}
		if len(gone) == len(own) {
			return nil // every pod it forwarded to is gone (the deferred close ends the rest)
		}
		if len(gone) > 0 {
			d.closeForwards(ns, gone)
		}
	}
}

// forwardPorts makes this process's listeners for a pod: ports maps
// "PORT/tcp" to the address to listen on; each dials PORT of the pod.
func (d *Driver) forwardPorts(ns, pod string, ports map[string]string) (*podForward, error) {
	bindings := make([]plan.Binding, 0, len(ports))
	for key, addr := range ports {
		p, proto, _ := strings.Cut(key, "/")
		n, err := strconv.Atoi(p)
		host, hp, err2 := net.SplitHostPort(addr)
		hostPort, err3 := strconv.Atoi(hp)
		if err != nil || err2 != nil || err3 != nil || proto != "tcp" {
			return nil, fmt.Errorf("pod %s/%s: recorded port %s at %q is not PORT/tcp at HOST:PORT", ns, pod, key, addr)
		}
		bindings = append(bindings, plan.Binding{Port: n, Proto: proto, HostIP: host, HostPort: hostPort})
	}
	return d.forwardPod(ns, pod, bindings)
}

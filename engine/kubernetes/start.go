//go:build kubernetes

package kubernetes

import (
	"context"
	"fmt"
	"maps"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/engine"
	"github.com/testbed-dev/testbed/hostnet"
	"github.com/testbed-dev/testbed/lifecycle"
	"github.com/testbed-dev/testbed/plan"
	"github.com/testbed-dev/testbed/probe"
	"github.com/testbed-dev/testbed/progress"
)

// Up implements engine.Driver: the spec is checked ([Driver.Check])
// before any API call, then lifecycle.Up runs this driver's Prepare and
// Start; a failed up deletes what this run made (the namespace, when it
// made it).
func (d *Driver) Up(ctx context.Context, p *plan.Plan, o engine.UpOptions) (*endpoints.Manifest, error) {
	if err := d.Check(p); err != nil {
		return nil, err
	}
	if err := d.reach(ctx); err != nil {
		return nil, err
	}
	return engine.BringUp(ctx, d, p, o)
}

// Prepare makes the project's namespace (or finds it, when servers are
// added to a project that is up) and a Service per server, whose
// addresses every pod's hostAliases name.
func (d *Driver) Prepare(ctx context.Context, p *plan.Plan, sink progress.Sink) error {
	if err := d.Check(p); err != nil {
		return err
	}
	ns := Namespace(p.Project)
	if err := d.ensureNamespace(ctx, p); err != nil {
		return err
	}
	sink.Event(progress.Event{Phase: progress.PhaseNetwork, Detail: "namespace " + ns})
	hosts := map[string]string{}
	for _, st := range p.Steps() {
		ip, err := d.ensureService(ctx, ns, p, st)
		if err != nil {
			return err
		}
		if ip == "" {
			continue
		}
		for _, a := range st.Aliases {
			hosts[a] = ip
		}
	}
	d.mu.Lock()
	d.services[ns] = hosts
	d.mu.Unlock()
	return ctx.Err()
}

// ensureNamespace creates the project's namespace, or accepts the one
// there when it is this project's; one still being deleted (a down just
// before) is waited for first.
func (d *Driver) ensureNamespace(ctx context.Context, p *plan.Plan) error {
	ns := Namespace(p.Project)
	values := maps.Clone(p.Labels)
	values[plan.LabelSpecHash] = p.SpecHash
	labels, annotations := metadata(values)
	obj := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: labels, Annotations: annotations}}
	deadline := time.Now().Add(RemoveTimeout)
	for {
		cctx, cancel := callCtx(context.WithoutCancel(ctx))
		_, err := d.cs.CoreV1().Namespaces().Create(cctx, obj, metav1.CreateOptions{})
		cancel()
		if err == nil {
			return nil
		}
		if !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create namespace %s: %w", ns, err)
		}
		cctx, cancel = callCtx(ctx)
		cur, gerr := d.cs.CoreV1().Namespaces().Get(cctx, ns, metav1.GetOptions{})
		cancel()
		switch {
		case apierrors.IsNotFound(gerr):
			continue // deleted meanwhile
		case gerr != nil:
			return fmt.Errorf("read namespace %s: %w", ns, gerr)
		case cur.Annotations[plan.LabelProject] != p.Project:
			return fmt.Errorf("namespace %s exists and is not project %s's", ns, p.Project)
		case cur.Status.Phase != corev1.NamespaceTerminating:
			return nil
		case time.Now().After(deadline):
			return fmt.Errorf("namespace %s is still being deleted after %s", ns, RemoveTimeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// ensureService makes a server's ClusterIP Service (none for a server
// without ports) and returns its address.
func (d *Driver) ensureService(ctx context.Context, ns string, p *plan.Plan, st *plan.Step) (string, error) {
	svc := serviceSpec(st)
	if svc == nil {
		return "", nil
	}
	cctx, cancel := callCtx(context.WithoutCancel(ctx))
	defer cancel()
	made, err := d.cs.CoreV1().Services(ns).Create(cctx, svc, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		made, err = d.cs.CoreV1().Services(ns).Get(cctx, svc.Name, metav1.GetOptions{})
	}
	if err != nil {
		return "", fmt.Errorf("service of %s: %w", st.Server.Name, err)
	}
	if ip := made.Spec.ClusterIP; ip != "" && ip != corev1.ClusterIPNone {
		return ip, nil
	}
	return "", nil
}

// serviceSpec is a server's Service: every port it has (published,
// exposed; data ports are reached on the pod's own address), selecting
// its pod by the server label. nil for a server without ports.
func serviceSpec(st *plan.Step) *corev1.Service {
	var ports []corev1.ServicePort
	for _, b := range st.Ports {
		if b.Data {
			continue
		}
		proto := corev1.ProtocolTCP
		if b.Proto == "udp" {
			proto = corev1.ProtocolUDP
		}
		ports = append(ports, corev1.ServicePort{Name: portName(b), Port: int32(b.Port), Protocol: proto})
	}
	if len(ports) == 0 {
		return nil
	}
	labels, annotations := metadata(podValues(st))
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: serviceName(st.Server.Name), Labels: labels, Annotations: annotations},
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeClusterIP,
			Selector: map[string]string{LabelManaged: "true", plan.LabelServer: labelValue(st.Server.Name)},
			Ports:    ports,
		},
	}
}

// Start creates the step's Secret and Pod, waits until the pod runs (or
// ends, or can never start), and opens this process's forwards to it.
func (d *Driver) Start(ctx context.Context, p *plan.Plan, st *plan.Step, tls *lifecycle.TLSMaterial) (lifecycle.Instance, error) {
	ns := Namespace(p.Project)
	if st.DataPorts > 0 {
		// Outside the cluster a data port is forwarded on the same number
		// (FTP names it in its replies): one free here.
		ports, err := hostnet.FreePorts(st.DataPorts)
		if err != nil {
			return nil, fmt.Errorf("choose data ports: %w", err)
		}
		st = st.WithDataPorts(ports)
	}
	d.mu.Lock()
	hosts := d.services[ns]
	d.mu.Unlock()
	image := st.Server.Image
	if st.Server.Builtin != "" {
		image = d.image
	}
	withSecret := tls != nil && st.Hardened
	pod, err := podSpec(p, st, image, d.pull, hosts, withSecret)
	if err != nil {
		return nil, err
	}
	// Creates are not cancelled with ctx: one the API server finishes after
	// we stopped waiting would escape the rollback (which deletes by label
	// once every Start has returned).
	wctx := context.WithoutCancel(ctx)
	if withSecret {
		labels, annotations := metadata(podValues(st))
		sec := &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: secretName(st.Server.Name), Labels: labels, Annotations: annotations},
			Type:       corev1.SecretTypeOpaque,
			Data:       map[string][]byte{secretCert: tls.CertPEM, secretKey: tls.KeyPEM},
		}
		if tls.ControlToken != "" {
			sec.Data[secretControl] = []byte(tls.ControlToken)
		}
		if err := d.createOrReplace(wctx, ns, sec); err != nil {
			return nil, err
		}
	}
	cctx, cancel := callCtx(wctx)
	_, err = d.cs.CoreV1().Pods(ns).Create(cctx, pod, metav1.CreateOptions{})
	cancel()
	if err != nil {
		return nil, fmt.Errorf("create pod %s: %w", pod.Name, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, context.Cause(ctx)
	}
	lifecycle.CreatedHook(ctx)
	inst := newInstance(d, ns, pod.Name, st.Hostname, st.Ports)
	if ip := hosts[st.Server.Name]; ip != "" {
		inst.serviceIP, inst.service = ip, serviceName(st.Server.Name)
	}
	if err := d.awaitRunning(ctx, inst); err != nil {
		return nil, err
	}
	inst.watch(ctx)
	if !d.inCluster {
		select {
		case <-inst.exited:
			// It ended already: the wait that follows reports its status
			// and log; there is nothing to forward to.
		default:
			pf, err := d.forwardPod(ns, pod.Name, st.Ports)
			if err != nil {
				return inst, err
			}
			inst.mu.Lock()
			inst.fwd = pf
			inst.mu.Unlock()
		}
	}
	return inst, nil
}

// createOrReplace creates a server's Secret, replacing one a previous
// start of it left.
func (d *Driver) createOrReplace(ctx context.Context, ns string, sec *corev1.Secret) error {
	cctx, cancel := callCtx(ctx)
	defer cancel()
	_, err := d.cs.CoreV1().Secrets(ns).Create(cctx, sec, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		_, err = d.cs.CoreV1().Secrets(ns).Update(cctx, sec, metav1.UpdateOptions{})
	}
	if err != nil {
		return fmt.Errorf("create secret %s: %w", sec.Name, err)
	}
	return nil
}

// awaitRunning polls the pod until it runs with an address or ends; a
// pod that can never start (its image cannot be pulled, its Secret is
// missing) fails at once with the reason.
func (d *Driver) awaitRunning(ctx context.Context, inst *instance) error {
	tick := time.NewTicker(PollInterval)
	defer tick.Stop()
	last := "pending"
	for {
		cctx, cancel := callCtx(ctx)
		pod, err := d.cs.CoreV1().Pods(inst.namespace).Get(cctx, inst.pod, metav1.GetOptions{})
		cancel()
		switch {
		case err == nil:
			running, fatal := inst.observe(pod)
			if fatal != "" {
				return probe.Permanent(fmt.Errorf("pod %s cannot start: %s", inst.pod, fatal))
			}
			select {
			case <-inst.exited:
				return nil
			default:
			}
			if running {
				return nil
			}
			last = podState(pod)
		case apierrors.IsNotFound(err):
			return fmt.Errorf("pod %s is gone", inst.pod)
		default:
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("pod %s not running (%s): %w", inst.pod, last, context.Cause(ctx))
		case <-tick.C:
		}
	}
}

// podState says in a few words where a pod is: its phase and the reason
// it waits, or why it is not scheduled.
func podState(pod *corev1.Pod) string {
	s := string(pod.Status.Phase)
	if s == "" {
		s = "Pending"
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Message != "" {
			return s + ": " + c.Message
		}
	}
	for _, cs := range pod.Status.ContainerStatuses {
		if w := cs.State.Waiting; w != nil && w.Reason != "" {
			return s + ": " + w.Reason
		}
	}
	return s
}

//go:build kubernetes

package kubernetes

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/testbed-dev/testbed/plan"
	"github.com/testbed-dev/testbed/servers/control"
	"github.com/testbed-dev/testbed/spec"
)

// Default limits of a built-in server's pod: the docker driver's
// (engine/docker/limits.go), measured there. Kubernetes has no per-pod
// process limit (the kubelet's podPidsLimit is the node's), so the pids
// limit of a spec is not applied on this driver.
const (
	BuiltinMemory = 256 << 20 // bytes
	// BuiltinRequestMemory and BuiltinRequestCPU are what the scheduler
	// reserves for a built-in server: what one idles at, with headroom,
	// so that a small test node fits a whole testbed.
	BuiltinRequestMemory = 32 << 20
	BuiltinRequestCPU    = "10m"
)

// Keys of a server's Secret.
const (
	secretCert    = "tls.crt"
	secretKey     = "tls.key"
	secretControl = "control-token"
)

// builtinUID is the numeric user and group of plan.BuiltinUser.
func builtinUID() (uid, gid int64) {
	u, g, _ := strings.Cut(plan.BuiltinUser, ":")
	uid, _ = strconv.ParseInt(u, 10, 64)
	gid, _ = strconv.ParseInt(g, 10, 64)
	return uid, gid
}

// podSpec is the Pod of a step: a pure function of the plan, the step,
// the image, the other servers' Service addresses (hosts: name -> IP) and
// whether a Secret carries TLS material, for tests to read.
func podSpec(p *plan.Plan, st *plan.Step, image, pull string, hosts map[string]string, withSecret bool) (*corev1.Pod, error) {
	srv := st.Server
	values := podValues(st)
	labels, annotations := metadata(values)
	c := corev1.Container{
		Name:       "server",
		Image:      image,
		Command:    srv.Entrypoint,
		Args:       st.Command,
		WorkingDir: srv.WorkingDir,
		Env:        envVars(st.Env),
	}
	if pull != "" {
		c.ImagePullPolicy = corev1.PullPolicy(pull)
	}
	if st.Hardened {
		c.Args = clusterCommand(st.Command, hosts)
	}
	for _, b := range st.Ports {
		proto := corev1.ProtocolTCP
		if b.Proto == "udp" {
			proto = corev1.ProtocolUDP
		}
		c.Ports = append(c.Ports, corev1.ContainerPort{Name: portName(b), ContainerPort: int32(b.Port), Protocol: proto})
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: podName(srv.Name), Labels: labels, Annotations: annotations},
		Spec: corev1.PodSpec{
			RestartPolicy:                 corev1.RestartPolicyNever,
			AutomountServiceAccountToken:  ptr(false),
			EnableServiceLinks:            ptr(false),
			TerminationGracePeriodSeconds: ptr(int64(5)),
			HostAliases:                   hostAliases(hosts),
		},
	}
	if h, _, _ := strings.Cut(st.Hostname, "."); h != "" && isDNSLabel(h) {
		pod.Spec.Hostname = h
	}
	for _, e := range srv.ExtraHosts {
		ip, err := netip.ParseAddr(e.IP)
		if err != nil {
			return nil, fmt.Errorf("server %s: extra host %s: %q is not an IP address (host-gateway has no meaning on a cluster)", srv.Name, e.Name, e.IP)
		}
		pod.Spec.HostAliases = append(pod.Spec.HostAliases, corev1.HostAlias{IP: ip.String(), Hostnames: []string{e.Name}})
	}
	if srv.User != "" && !st.Hardened {
		sc, err := userContext(srv.User)
		if err != nil {
			return nil, fmt.Errorf("server %s: %w", srv.Name, err)
		}
		c.SecurityContext = sc
	}
	if srv.ReadOnly || len(srv.CapAdd) > 0 || len(srv.CapDrop) > 0 {
		if c.SecurityContext == nil {
			c.SecurityContext = &corev1.SecurityContext{}
		}
		if srv.ReadOnly {
			c.SecurityContext.ReadOnlyRootFilesystem = ptr(true)
		}
		if len(srv.CapAdd)+len(srv.CapDrop) > 0 {
			c.SecurityContext.Capabilities = &corev1.Capabilities{Add: capabilities(srv.CapAdd), Drop: capabilities(srv.CapDrop)}
		}
	}
	for i, t := range srv.Tmpfs {
		path, _, _ := strings.Cut(t, ":")
		name := "tmpfs-" + strconv.Itoa(i)
		pod.Spec.Volumes = append(pod.Spec.Volumes, corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory}}})
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: name, MountPath: path})
	}
	if srv.Platform != "" {
		os, arch, _ := strings.Cut(srv.Platform, "/")
		arch, _, _ = strings.Cut(arch, "/")
		pod.Spec.NodeSelector = map[string]string{"kubernetes.io/os": os}
		if arch != "" {
			pod.Spec.NodeSelector["kubernetes.io/arch"] = arch
		}
	}
	c.ReadinessProbe = healthProbe(srv.Health)
	c.Resources = resources(st)
	if st.Hardened {
		harden(&pod.Spec, &c)
		if withSecret {
			ref := func(key string) *corev1.EnvVarSource {
				return &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
					LocalObjectReference: corev1.LocalObjectReference{Name: secretName(srv.Name)}, Key: key, Optional: ptr(key == secretControl)}}
			}
			c.Env = append(c.Env,
				corev1.EnvVar{Name: plan.EnvTLSCert, ValueFrom: ref(secretCert)},
				corev1.EnvVar{Name: plan.EnvTLSKey, ValueFrom: ref(secretKey)},
				corev1.EnvVar{Name: control.EnvToken, ValueFrom: ref(secretControl)})
		}
	}
	pod.Spec.Containers = []corev1.Container{c}
	return pod, nil
}

// healthProbe is a spec's healthcheck as the container's readiness probe,
// which the kubelet runs in the container as the engine runs a
// healthcheck: ready after one success, not ready after Retries failures
// in a row (3 unless it says). A start period needs nothing here: until
// the first success the server is simply not ready yet, which is all
// readiness waits on. Kubernetes counts in whole seconds, so the interval is at
// least 1s (the engine's is capped at 500ms). nil for no healthcheck or
// NONE (an image's own HEALTHCHECK is the engine's only).
func healthProbe(h *spec.Health) *corev1.Probe {
	if h == nil || len(h.Test) < 2 {
		return nil
	}
	argv := h.Test[1:]
	if h.Test[0] == "CMD-SHELL" {
		argv = []string{"/bin/sh", "-c", h.Test[1]}
	}
	seconds := func(d time.Duration, dflt int32) int32 {
		if d <= 0 {
			return dflt
		}
		return int32(max(1, (d+time.Second-1)/time.Second))
	}
	return &corev1.Probe{
		ProbeHandler:     corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: slices.Clone(argv)}},
		PeriodSeconds:    seconds(h.Interval, 1),
		TimeoutSeconds:   seconds(h.Timeout, 30),
		SuccessThreshold: 1,
		FailureThreshold: int32(cmp.Or(h.Retries, 3)),
	}
}

// podValues are the testbed labels of a step's pod (the plan's, the
// step's, the data ports), as annotations and selectable labels.
func podValues(st *plan.Step) map[string]string {
	values := map[string]string{}
	for k, v := range st.Labels {
		values[k] = v
	}
	values[plan.LabelDataPorts] = st.DataPortList()
	values[plan.LabelSpecHash] = st.Hash
	return values
}

// harden applies the built-in servers' security defaults, as the docker
// driver's harden does: the built-in user, non-root enforced, a read-only
// root with an emptyDir /tmp, every capability dropped but
// NET_BIND_SERVICE, no privilege escalation, the runtime's default
// seccomp profile, and low ports opened through the namespaced sysctl
// (a "safe" sysctl every kubelet allows), so no capability is needed to
// bind them.
func harden(ps *corev1.PodSpec, c *corev1.Container) {
	uid, gid := builtinUID()
	ps.SecurityContext = &corev1.PodSecurityContext{
		RunAsUser:      &uid,
		RunAsGroup:     &gid,
		RunAsNonRoot:   ptr(true),
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		Sysctls:        []corev1.Sysctl{{Name: "net.ipv4.ip_unprivileged_port_start", Value: "0"}},
	}
	c.SecurityContext = &corev1.SecurityContext{
		RunAsUser:                &uid,
		RunAsGroup:               &gid,
		RunAsNonRoot:             ptr(true),
		ReadOnlyRootFilesystem:   ptr(true),
		AllowPrivilegeEscalation: ptr(false),
		Privileged:               ptr(false),
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}, Add: []corev1.Capability{"NET_BIND_SERVICE"}},
		SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
	size := resource.NewQuantity(1<<30, resource.BinarySI)
	ps.Volumes = append(ps.Volumes, corev1.Volume{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: size}}})
	c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: "tmp", MountPath: "/tmp"})
	c.Env = append(c.Env, corev1.EnvVar{Name: "TMPDIR", Value: "/tmp"})
}

// resources are the container's limits: for a built-in server the
// docker driver's default memory, each replaced by the spec's resources
// when it sets one; for any other server only what the spec sets.
func resources(st *plan.Step) corev1.ResourceRequirements {
	var r corev1.ResourceRequirements
	limits := corev1.ResourceList{}
	requests := corev1.ResourceList{}
	if st.Hardened {
		limits[corev1.ResourceMemory] = *resource.NewQuantity(BuiltinMemory, resource.BinarySI)
		requests[corev1.ResourceMemory] = *resource.NewQuantity(BuiltinRequestMemory, resource.BinarySI)
		requests[corev1.ResourceCPU] = resource.MustParse(BuiltinRequestCPU)
	}
	if sr := st.Server.Resources; sr != nil {
		if sr.Memory > 0 {
			limits[corev1.ResourceMemory] = *resource.NewQuantity(sr.Memory, resource.BinarySI)
			if q := requests[corev1.ResourceMemory]; q.Value() > sr.Memory {
				requests[corev1.ResourceMemory] = limits[corev1.ResourceMemory]
			}
		}
		if sr.NanoCPUs > 0 {
			limits[corev1.ResourceCPU] = *resource.NewMilliQuantity(max(sr.NanoCPUs/1e6, 1), resource.DecimalSI)
			if q := requests[corev1.ResourceCPU]; q.MilliValue() > sr.NanoCPUs/1e6 {
				requests[corev1.ResourceCPU] = limits[corev1.ResourceCPU]
			}
		}
	}
	if len(limits) > 0 {
		r.Limits = limits
	}
	if len(requests) > 0 {
		r.Requests = requests
	}
	return r
}

// clusterCommand is a built-in server's argv on the cluster: the proxy
// and socks servers' allow-list is the project's Service addresses and
// names, in place of the docker network's reverse DNS (which a cluster
// does not have), and they dial a Service that refuses again for
// ServiceRefusedRetry (a server counts as ready once its EndpointSlice
// lists it; the service proxy applies that a moment later, and refuses
// until then).
func clusterCommand(argv []string, hosts map[string]string) []string {
	out := make([]string, 0, len(argv)+2*len(hosts))
	for i := 0; i < len(argv); i++ {
		switch argv[i] {
		case "--allow-net", "--allow-network":
			if i+1 < len(argv) {
				i++
			}
			continue
		}
		out = append(out, argv[i])
	}
	ips := map[string]bool{}
	names := make([]string, 0, len(hosts))
	for name, ip := range hosts {
		names = append(names, name)
		ips[ip] = true
	}
	sort.Strings(names)
	for _, n := range names {
		if !strings.Contains(n, ".") {
			out = append(out, "--allow-name", n)
		}
	}
	list := make([]string, 0, len(ips))
	for ip := range ips {
		list = append(list, ip)
	}
	sort.Strings(list)
	for _, ip := range list {
		if a, err := netip.ParseAddr(ip); err == nil {
			out = append(out, "--allow-net", netip.PrefixFrom(a, a.BitLen()).String())
		}
	}
	return append(out, "--refused-retry", ServiceRefusedRetry.String())
}

// ServiceRefusedRetry is how long the built-in proxy and socks servers on
// a cluster dial a Service that refuses again: kube-proxy applies its
// changes at most once a second by default, and later under load.
const ServiceRefusedRetry = 5 * time.Second

// hostAliases map every server's names (its own too: a server that dials
// itself by name reaches its Service, as on docker) to its Service
// address, sorted so that the pod spec is stable.
func hostAliases(hosts map[string]string) []corev1.HostAlias {
	byIP := map[string][]string{}
	for name, ip := range hosts {
		byIP[ip] = append(byIP[ip], name)
	}
	ips := make([]string, 0, len(byIP))
	for ip := range byIP {
		ips = append(ips, ip)
	}
	sort.Strings(ips)
	var out []corev1.HostAlias
	for _, ip := range ips {
		names := byIP[ip]
		sort.Strings(names)
		out = append(out, corev1.HostAlias{IP: ip, Hostnames: names})
	}
	return out
}

// userContext reads a numeric "uid[:gid]" (a cluster knows no user names).
func userContext(user string) (*corev1.SecurityContext, error) {
	u, g, hasGroup := strings.Cut(user, ":")
	uid, err := strconv.ParseInt(u, 10, 64)
	if err != nil || uid < 0 {
		return nil, fmt.Errorf("user %q: a cluster needs a numeric uid[:gid]", user)
	}
	sc := &corev1.SecurityContext{RunAsUser: &uid}
	if hasGroup {
		gid, err := strconv.ParseInt(g, 10, 64)
		if err != nil || gid < 0 {
			return nil, fmt.Errorf("user %q: a cluster needs a numeric uid[:gid]", user)
		}
		sc.RunAsGroup = &gid
	}
	return sc, nil
}

func capabilities(in []string) []corev1.Capability {
	out := make([]corev1.Capability, 0, len(in))
	for _, c := range in {
		out = append(out, corev1.Capability(strings.TrimPrefix(strings.ToUpper(c), "CAP_")))
	}
	return out
}

func envVars(env map[string]string) []corev1.EnvVar {
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]corev1.EnvVar, 0, len(keys))
	for _, k := range keys {
		out = append(out, corev1.EnvVar{Name: k, Value: env[k]})
	}
	return out
}

// portName is a container or service port's name: "tcp-80", "udp-53"
// (at most 15 characters, unique per protocol and port).
func portName(b plan.Binding) string { return b.Proto + "-" + strconv.Itoa(b.Port) }

func isDNSLabel(s string) bool {
	if len(s) < 1 || len(s) > 63 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' && i > 0 && i < len(s)-1) {
			return false
		}
	}
	return true
}

func ptr[T any](v T) *T { return &v }

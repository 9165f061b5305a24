//go:build kubernetes

package kubernetes

import (
	"context"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/testbed-dev/testbed/lifecycle"
	"github.com/testbed-dev/testbed/plan"
	"github.com/testbed-dev/testbed/progress"
	"github.com/testbed-dev/testbed/servers/control"
)

func TestBuiltinHardening(t *testing.T) {
	cs := fakeCluster(t)
	d := newDriver(t, cs, newEchoDialer(t), "registry.test/testbed/builtin:1")
	p := newPlan(t, `
servers:
  proxy: {builtin: proxy}
  web: {builtin: http}
`)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := d.Prepare(ctx, p, progress.Discard{}); err != nil {
		t.Fatal(err)
	}
	st := p.Step("proxy")
	material := &lifecycle.TLSMaterial{CertPEM: []byte("CERT"), KeyPEM: []byte("KEY"), ControlToken: "TOKEN"}
	inst, err := d.Start(ctx, p, st, material)
	if err != nil {
		t.Fatal(err)
	}
	_ = inst
	ns := Namespace("kt")
	pod, err := cs.CoreV1().Pods(ns).Get(ctx, "proxy", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ps := pod.Spec
	c := ps.Containers[0]
	if c.Image != "registry.test/testbed/builtin:1" {
		t.Errorf("image = %q, want the built-in image option", c.Image)
	}
	uid, gid := builtinUID()
	psc, sc := ps.SecurityContext, c.SecurityContext
	switch {
	case psc == nil || sc == nil:
		t.Fatalf("no security context: pod %v container %v", psc, sc)
	case *psc.RunAsUser != uid || *psc.RunAsGroup != gid || !*psc.RunAsNonRoot || !*sc.RunAsNonRoot || *sc.RunAsUser != uid:
		t.Errorf("user: pod %v container %v, want %d:%d non-root", psc, sc, uid, gid)
	case !*sc.ReadOnlyRootFilesystem || *sc.AllowPrivilegeEscalation || *sc.Privileged:
		t.Errorf("container security %+v, want a read-only root, no escalation, unprivileged", sc)
	case !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || !slices.Equal(sc.Capabilities.Add, []corev1.Capability{"NET_BIND_SERVICE"}):
		t.Errorf("capabilities %+v, want ALL dropped, NET_BIND_SERVICE added", sc.Capabilities)
	case psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault:
		t.Errorf("seccomp %v / %v, want RuntimeDefault", psc.SeccompProfile, sc.SeccompProfile)
	case len(psc.Sysctls) != 1 || psc.Sysctls[0].Name != "net.ipv4.ip_unprivileged_port_start" || psc.Sysctls[0].Value != "0":
		t.Errorf("sysctls %v", psc.Sysctls)
	case *ps.AutomountServiceAccountToken:
		t.Errorf("the service account token is mounted")
	}
	tmp := false
	for _, m := range c.VolumeMounts {
		tmp = tmp || m.MountPath == "/tmp"
	}
	if !tmp || len(ps.Volumes) != 1 || ps.Volumes[0].EmptyDir == nil {
		t.Errorf("volumes %v mounts %v, want an emptyDir /tmp", ps.Volumes, c.VolumeMounts)
	}
	if q := c.Resources.Limits[corev1.ResourceMemory]; q.Value() != BuiltinMemory {
		t.Errorf("memory limit = %v, want %d", q.String(), BuiltinMemory)
	}
	// TLS material and the control token come from the Secret, never the pod spec.
	env := map[string]*corev1.EnvVar{}
	for i := range c.Env {
		env[c.Env[i].Name] = &c.Env[i]
		if strings.Contains(c.Env[i].Value, "CERT") || strings.Contains(c.Env[i].Value, "TOKEN") {
			t.Errorf("env %s carries secret material in the pod spec", c.Env[i].Name)
		}
	}
	for _, k := range []string{plan.EnvTLSCert, plan.EnvTLSKey, control.EnvToken} {
		if env[k] == nil || env[k].ValueFrom == nil || env[k].ValueFrom.SecretKeyRef.Name != secretName("proxy") {
			t.Errorf("env %s = %+v, want it from secret %s", k, env[k], secretName("proxy"))
		}
	}
	sec, err := cs.CoreV1().Secrets(ns).Get(ctx, secretName("proxy"), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if string(sec.Data[secretCert]) != "CERT" || string(sec.Data[secretKey]) != "KEY" || string(sec.Data[secretControl]) != "TOKEN" {
		t.Errorf("secret data %v", sec.Data)
	}
	// The proxy's allow-list is the project's Service addresses and names,
	// not the docker network's reverse DNS.
	args := strings.Join(c.Args, " ")
	if strings.Contains(args, "--allow-network") || strings.Contains(args, "--allow-net local") ||
		!strings.Contains(args, "--allow-name web") || !strings.Contains(args, "--allow-net 10.96.0.") ||
		!strings.Contains(args, "--control :65531") {
		t.Errorf("args %q", args)
	}
}

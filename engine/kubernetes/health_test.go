//go:build kubernetes

package kubernetes

import (
	"context"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/testbed-dev/testbed/probe"
	"github.com/testbed-dev/testbed/progress"
	"github.com/testbed-dev/testbed/spec"
)

// A spec's healthcheck becomes the pod's readiness probe, run by the
// kubelet in the container.
func TestHealthcheckIsTheReadinessProbe(t *testing.T) {
	cs := fakeCluster(t)
	d := newDriver(t, cs, newEchoDialer(t), "registry.test/testbed/builtin:1")
	p := newPlan(t, `
servers:
  app:
    image: registry.test/app:1
    healthcheck: {test: [/app, check], interval: 2500ms, retries: 4}
    ready: {health: true}
  plain:
    image: registry.test/app:1
`)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := d.Prepare(ctx, p, progress.Discard{}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"app", "plain"} {
		if _, err := d.Start(ctx, p, p.Step(name), nil); err != nil {
			t.Fatal(err)
		}
	}
	get := func(name string) *corev1.Pod {
		pod, err := cs.CoreV1().Pods(Namespace("kt")).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return pod
	}
	rp := get("app").Spec.Containers[0].ReadinessProbe
	switch {
	case rp == nil || rp.Exec == nil:
		t.Fatalf("readiness probe %+v, want an exec probe", rp)
	case !slices.Equal(rp.Exec.Command, []string{"/app", "check"}):
		t.Errorf("probe command %q, want the healthcheck's argv", rp.Exec.Command)
	case rp.PeriodSeconds != 3 || rp.FailureThreshold != 4 || rp.SuccessThreshold != 1 || rp.TimeoutSeconds != 30:
		t.Errorf("probe period %d, failures %d, successes %d, timeout %d; want 3, 4, 1, 30", rp.PeriodSeconds, rp.FailureThreshold, rp.SuccessThreshold, rp.TimeoutSeconds)
	}
	if rp := get("plain").Spec.Containers[0].ReadinessProbe; rp != nil {
		t.Errorf("a server without a healthcheck has readiness probe %+v", rp)
	}
}

// The compose forms: CMD-SHELL runs under /bin/sh -c, NONE is no probe,
// a sub-second interval is 1s and a timeout is kept.
func TestHealthProbeForms(t *testing.T) {
	shell := healthProbe(&spec.Health{Test: []string{"CMD-SHELL", "wget -q -O- localhost:80"}, Interval: 500 * time.Millisecond, Timeout: 2 * time.Second})
	if shell == nil || !slices.Equal(shell.Exec.Command, []string{"/bin/sh", "-c", "wget -q -O- localhost:80"}) || shell.PeriodSeconds != 1 || shell.TimeoutSeconds != 2 || shell.FailureThreshold != 3 {
		t.Errorf("CMD-SHELL probe = %+v", shell)
	}
	if none := healthProbe(&spec.Health{Test: []string{"NONE"}}); none != nil {
		t.Errorf("NONE probe = %+v, want none", none)
	}
}

// A pod's health: none without a probe, starting until the first probe
// is due, unhealthy after, healthy once the container is ready.
func TestPodHealth(t *testing.T) {
	started := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	pod := func(probe bool, ready bool) *corev1.Pod {
		p := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "server"}}}}
		if probe {
			p.Spec.Containers[0].ReadinessProbe = healthProbe(&spec.Health{Test: []string{"CMD", "/app"}, Timeout: time.Second})
		}
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "server", Ready: ready,
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(started)}}}}
		return p
	}
	for _, c := range []struct {
		pod   *corev1.Pod
		after time.Duration
		want  string
	}{
		{pod(false, true), time.Minute, probe.NoHealth},
		{pod(true, false), time.Second, probe.Starting},
		{pod(true, false), 3 * time.Second, probe.Unhealthy},
		{pod(true, true), time.Second, probe.Healthy},
	} {
		if got := podHealth(c.pod, started.Add(c.after)); got != c.want {
			t.Errorf("probe %v ready %v after %s: %s, want %s", c.pod.Spec.Containers[0].ReadinessProbe != nil, c.pod.Status.ContainerStatuses[0].Ready, c.after, got, c.want)
		}
	}
}

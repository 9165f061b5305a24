//go:build kubernetes

package kubernetes

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/testbed-dev/testbed/engine"
	"github.com/testbed-dev/testbed/owner"
	"github.com/testbed-dev/testbed/plan"
	"github.com/testbed-dev/testbed/project"
)

// TestReapDeadOwner: a project whose owner is a process that is gone is
// reaped (its namespace deleted) by the project core's reap; a live
// owner's project and a kept one are spared.
func TestReapDeadOwner(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skipf("no process to outlive: %v", err)
	}
	host, _ := os.Hostname()
	dead := owner.Owner{Host: host, PID: cmd.Process.Pid, Start: 1}.String()
	alive := owner.Self().String()

	cs := fakeCluster(t)
	d := newDriver(t, cs, newEchoDialer(t), "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	up := func(name, own string) *plan.Plan {
		p := newPlan(t, twoServers)
		p.Project = name
		p.Labels[plan.LabelProject] = name
		p.Labels[plan.LabelOwner] = own
		for _, st := range p.Steps() {
			st.Labels[plan.LabelProject] = name
			st.Labels[plan.LabelOwner] = own
		}
		o := upOptions(t)
		o.Owner = own
		if _, err := d.Up(ctx, p, o); err != nil {
			t.Fatal(err)
		}
		return p
	}
	up("gone", dead)
	up("live", alive)
	kept := up("kept", dead)
	if err := d.Keep(ctx, kept); err != nil {
		t.Fatal(err)
	}

	core, err := project.Open(ctx, project.Options{
		Driver: Name, StateDir: t.TempDir(), LockDir: t.TempDir(),
		Drivers: []project.Opener{{Name: Name, Container: true, Open: func(context.Context, project.Options) (engine.Driver, error) { return d, nil }}},
	})
	if err != nil {
		t.Fatal(err)
	}
	reaped, err := core.Reap(ctx, project.ReapOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(reaped) != 1 || reaped[0].Project != "gone" {
		t.Fatalf("Reap() = %+v, want project gone only", reaped)
	}
	for name, want := range map[string]bool{"gone": false, "live": true, "kept": true} {
		_, err := cs.CoreV1().Namespaces().Get(ctx, Namespace(name), metav1.GetOptions{})
		if got := err == nil; got != want || err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("namespace of %s there = %v (%v), want %v", name, got, err, want)
		}
	}
}

// TestCoreRefusesBeforeAnyCall: the project core asks the driver to check
// the plan before it looks at what is up, so a spec this driver cannot
// run costs no API call at all.
func TestCoreRefusesBeforeAnyCall(t *testing.T) {
	t.Setenv(EnvImage, "") // the refusal is of built-in servers without an image
	cs := fakeCluster(t)
	d := newDriver(t, cs, newEchoDialer(t), "")
	ctx := context.Background()
	core, err := project.Open(ctx, project.Options{
		Driver: Name, StateDir: t.TempDir(), LockDir: t.TempDir(),
		Drivers: []project.Opener{{Name: Name, Container: true, Open: func(context.Context, project.Options) (engine.Driver, error) { return d, nil }}},
	})
	if err != nil {
		t.Fatal(err)
	}
	s, err := project.Load(ctx, project.LoadOptions{NoFind: true, Project: "kt"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = core.Up(ctx, s, project.UpOptions{Dir: t.TempDir()})
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), EnvImage) {
		t.Fatalf("Up(default testbed, no image) = %v, want a refusal naming %s", err, EnvImage)
	}
	if a := cs.Actions(); len(a) != 0 {
		t.Errorf("the fake saw %d API calls (%v), want none", len(a), a)
	}
}

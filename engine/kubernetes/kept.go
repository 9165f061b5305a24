//go:build kubernetes

package kubernetes

import (
	"context"
	"encoding/json"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/testbed-dev/testbed/plan"
)

// Keep implements engine.Driver: the project's namespace gets the label
// testbed.kept=true, so that reap leaves it alone. Only testbed sets
// labels on the namespace (a spec's labels go to pods, never here), so
// the marker cannot come from a user's spec or image.
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
	if !d.inCluster {
		d.log.Warn("the project's servers stay up, but their forwarded 127.0.0.1 endpoints end with this process; from outside the cluster use `testbed run` or the library, or run testbed in the cluster (" + EnvInCluster + "=1)")
	}
	return nil
}

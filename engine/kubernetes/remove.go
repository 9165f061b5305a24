//go:build kubernetes

package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/testbed-dev/testbed/forward/background"
	"github.com/testbed-dev/testbed/lifecycle"
	"github.com/testbed-dev/testbed/plan"
)

// Remove implements engine.Driver and lifecycle.Engine. The whole
// project: its namespace is deleted (the kept marker with it), and
// Remove waits until it is gone, so that an up right after finds none.
// With o.Owner (the rollback of a failed up): the namespace when that run
// made it, else only the pods, Services and Secrets it made. With
// o.Servers: those servers' pods, Services and Secrets. Images are never
// removed (they live in a registry).
func (d *Driver) Remove(ctx context.Context, o lifecycle.RemoveOptions) error {
	ns := Namespace(o.Project)
	if err := d.reach(ctx); err != nil {
		return err
	}
	if len(o.Servers) > 0 {
		d.closeForwards(ns, o.Servers)
		var errs []error
		for _, s := range o.Servers {
			errs = append(errs, d.removeServer(ctx, ns, s))
		}
		return errors.Join(errs...)
	}
	defer d.closeForwards(ns, nil)
	d.mu.Lock()
	delete(d.services, ns)
	d.mu.Unlock()
	if o.Owner != "" {
		cctx, cancel := callCtx(ctx)
		cur, err := d.cs.CoreV1().Namespaces().Get(cctx, ns, metav1.GetOptions{})
		cancel()
		switch {
		case apierrors.IsNotFound(err):
			return nil
		case err != nil:
			return fmt.Errorf("read namespace %s: %w", ns, err)
		case cur.Annotations[plan.LabelOwner] != o.Owner:
			return d.removeSelected(ctx, ns, projectSelector(o.Project, o.Owner))
		}
	}
	if dir, err := background.Dir(""); err == nil {
		background.Stop(dir, o.Project) // it would stop by itself once the namespace goes, up to forwardPoll later
	}
	return d.deleteNamespace(ctx, ns)
}

// deleteNamespace deletes a project's namespace (everything in it goes
// with it) and waits until it is gone.
func (d *Driver) deleteNamespace(ctx context.Context, ns string) error {
	cctx, cancel := callCtx(ctx)
	err := d.cs.CoreV1().Namespaces().Delete(cctx, ns, metav1.DeleteOptions{PropagationPolicy: ptr(metav1.DeletePropagationBackground)})
	cancel()
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("delete namespace %s: %w", ns, err)
	}
	wctx, cancel := context.WithTimeout(ctx, RemoveTimeout)
	defer cancel()
	tick := time.NewTicker(PollInterval)
	defer tick.Stop()
	for {
		cctx, cancel := callCtx(wctx)
		_, err := d.cs.CoreV1().Namespaces().Get(cctx, ns, metav1.GetOptions{})
		cancel()
		if apierrors.IsNotFound(err) {
			return nil
		}
		select {
		case <-wctx.Done():
			return fmt.Errorf("namespace %s is still being deleted: %w", ns, wctx.Err())
		case <-tick.C:
		}
	}
}

// removeServer deletes one server's pod, Service and Secret.
func (d *Driver) removeServer(ctx context.Context, ns, server string) error {
	return d.removeSelected(ctx, ns, LabelManaged+"=true,"+plan.LabelServer+"="+labelValue(server))
}

// removeSelected deletes the pods, Services and Secrets of a namespace
// that selector selects, and waits until the pods are gone (a server
// started again right after gets its name back).
func (d *Driver) removeSelected(ctx context.Context, ns, selector string) error {
	lo := metav1.ListOptions{LabelSelector: selector}
	grace := metav1.DeleteOptions{GracePeriodSeconds: ptr(int64(2))}
	var errs []error
	cctx, cancel := callCtx(ctx)
	defer cancel()
	pods := d.cs.CoreV1().Pods(ns)
	list, err := pods.List(cctx, lo)
	if err != nil {
		return fmt.Errorf("list pods of %s: %w", ns, err)
	}
	uids := map[string]types.UID{}
	for _, p := range list.Items {
		if err := pods.Delete(cctx, p.Name, grace); err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("delete pod %s: %w", p.Name, err))
		}
		uids[p.Name] = p.UID
	}
	svcs, err := d.cs.CoreV1().Services(ns).List(cctx, lo)
	if err != nil {
		errs = append(errs, fmt.Errorf("list services of %s: %w", ns, err))
	} else {
		for _, s := range svcs.Items {
			if err := d.cs.CoreV1().Services(ns).Delete(cctx, s.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
				errs = append(errs, fmt.Errorf("delete service %s: %w", s.Name, err))
			}
		}
	}
	secs, err := d.cs.CoreV1().Secrets(ns).List(cctx, lo)
	if err != nil {
		errs = append(errs, fmt.Errorf("list secrets of %s: %w", ns, err))
	} else {
		for _, s := range secs.Items {
			if err := d.cs.CoreV1().Secrets(ns).Delete(cctx, s.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
				errs = append(errs, fmt.Errorf("delete secret %s: %w", s.Name, err))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return d.awaitPodsGone(ctx, ns, uids)
}

// awaitPodsGone waits until none of the pods (by name and UID) exists.
func (d *Driver) awaitPodsGone(ctx context.Context, ns string, uids map[string]types.UID) error {
	left := maps.Clone(uids)
	wctx, cancel := context.WithTimeout(ctx, RemoveTimeout)
	defer cancel()
	tick := time.NewTicker(PollInterval)
	defer tick.Stop()
	for len(left) > 0 {
		for name, uid := range left {
			cctx, cancel := callCtx(wctx)
			p, err := d.cs.CoreV1().Pods(ns).Get(cctx, name, metav1.GetOptions{})
			cancel()
			if apierrors.IsNotFound(err) || err == nil && p.UID != uid {
				delete(left, name)
			}
		}
		if len(left) == 0 {
			return nil
		}
		select {
		case <-wctx.Done():
			return fmt.Errorf("pods of %s still being deleted: %w", ns, wctx.Err())
		case <-tick.C:
		}
	}
	return nil
}

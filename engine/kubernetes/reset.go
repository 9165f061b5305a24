//go:build kubernetes

package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/testbed-dev/testbed/engine"
	"github.com/testbed-dev/testbed/plan"
	"github.com/testbed-dev/testbed/servers/control"
)

// Reset implements engine.Resetter: every built-in server of a running
// project back to its seeded state through its control channel (POST
// /reset on the pod's control port: directly inside the cluster, through
// a port-forward stream outside it). An image server with reset: restart
// is refused (a pod is not restarted in place; recreate, the default, is
// the project core's: it removes and starts the pod anew); reset: none is
// left alone.
func (d *Driver) Reset(ctx context.Context, project string, o engine.ResetOptions) error {
	return engine.ResetEach(ctx, project, o, d.Servers, func(ctx context.Context, s engine.Server, policy string) error {
		if policy != plan.ResetControl {
			return fmt.Errorf("reset: %s: %w (use recreate or none)", policy, engine.ErrUnsupported)
		}
		return d.resetBuiltin(ctx, s, o.Token)
	})
}

// resetBuiltin posts the reset to a built-in server's control channel.
func (d *Driver) resetBuiltin(ctx context.Context, s engine.Server, token string) error {
	if token == "" {
		return errors.New("no control token (the project's CA is missing)")
	}
	ns, pod, _ := strings.Cut(s.Name, "/")
	tr := &http.Transport{Proxy: nil, DisableKeepAlives: true}
	addr := "control:" + strconv.Itoa(control.Port)
	if d.inCluster {
		t, err := d.target(ctx, s)
		if err != nil {
			return err
		}
		if addr, err = t.Addr(control.Port, "tcp"); err != nil {
			return err
		}
	} else {
		if d.dialer == nil {
			return fmt.Errorf("reset: no way to reach pod %s", pod)
		}
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			return d.dialer.DialPod(ctx, ns, pod, control.Port)
		}
	}
	defer tr.CloseIdleConnections()
	return control.Reset(ctx, &http.Client{Transport: tr}, addr, token)
}

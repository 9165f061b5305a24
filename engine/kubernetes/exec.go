//go:build kubernetes

package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"io"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/remotecommand"
	utilexec "k8s.io/client-go/util/exec"

	"github.com/testbed-dev/testbed/engine"
)

// Logs implements engine.Driver: the server container's output (stdout
// and stderr interleaved, as the kubelet keeps them, to o.Stdout).
func (d *Driver) Logs(ctx context.Context, project, server string, o engine.LogOptions) error {
	if err := d.reach(ctx); err != nil {
		return err
	}
	ns := Namespace(project)
	lo := &corev1.PodLogOptions{Container: "server", Follow: o.Follow}
	if o.Tail > 0 {
		lo.TailLines = ptr(int64(o.Tail))
	}
	rc, err := d.cs.CoreV1().Pods(ns).GetLogs(podName(server), lo).Stream(ctx)
	if err != nil {
		return fmt.Errorf("logs of %s: %w", server, err)
	}
	defer rc.Close()
	w := o.Stdout
	if w == nil {
		w = io.Discard
	}
	_, err = io.Copy(w, rc)
	if err != nil && ctx.Err() != nil {
		return nil
	}
	return err
}

// podLogs returns a pod's output (the last n lines; 0 = all).
func (d *Driver) podLogs(ctx context.Context, ns, pod string, n int) ([]byte, error) {
	lo := &corev1.PodLogOptions{Container: "server"}
	if n > 0 {
		lo.TailLines = ptr(int64(n))
	}
	cctx, cancel := callCtx(ctx)
	defer cancel()
	b, err := d.cs.CoreV1().Pods(ns).GetLogs(pod, lo).Do(cctx).Raw()
	if err != nil {
		return nil, fmt.Errorf("logs of pod %s: %w", pod, err)
	}
	return b, nil
}

// Exec implements engine.Driver: argv runs in the server's container
// (no shell), through the API server's exec (WebSockets, else SPDY); its
// exit status is returned.
func (d *Driver) Exec(ctx context.Context, project, server string, argv []string, stdout, stderr io.Writer) (int, error) {
	if err := d.reach(ctx); err != nil {
		return -1, err
	}
	return d.execIn(ctx, Namespace(project), podName(server), argv, orDiscard(stdout), orDiscard(stderr))
}

func (d *Driver) execIn(ctx context.Context, ns, pod string, argv []string, stdout, stderr io.Writer) (int, error) {
	if len(argv) == 0 {
		return -1, errors.New("exec: no command")
	}
	if d.cfg == nil {
		return -1, fmt.Errorf("exec in pod %s: no cluster configuration: %w", pod, engine.ErrUnsupported)
	}
	req := d.cs.CoreV1().RESTClient().Post().Resource("pods").Namespace(ns).Name(pod).SubResource("exec").
		VersionedParams(&corev1.PodExecOptions{Container: "server", Command: argv, Stdout: true, Stderr: true}, scheme.ParameterCodec)
	// WebSockets first, SPDY where the API server does not upgrade to
	// them (before 1.30), as kubectl does.
	spdyEx, err := remotecommand.NewSPDYExecutor(d.cfg, "POST", req.URL())
	if err != nil {
		return -1, fmt.Errorf("exec in pod %s: %w", pod, err)
	}
	wsEx, err := remotecommand.NewWebSocketExecutor(d.cfg, "GET", req.URL().String())
	if err != nil {
		return -1, fmt.Errorf("exec in pod %s: %w", pod, err)
	}
	ex, err := remotecommand.NewFallbackExecutor(wsEx, spdyEx, func(err error) bool {
		return httpstream.IsUpgradeFailure(err) || httpstream.IsHTTPSProxyError(err)
	})
	if err != nil {
		return -1, fmt.Errorf("exec in pod %s: %w", pod, err)
	}
	err = ex.StreamWithContext(ctx, remotecommand.StreamOptions{Stdout: stdout, Stderr: stderr})
	var exit utilexec.ExitError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &exit):
		return exit.ExitStatus(), nil
	}
	return -1, fmt.Errorf("exec in pod %s: %w", pod, err)
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

package local

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"strings"

	"github.com/testbed-dev/testbed/catalog"
	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/lifecycle"
	"github.com/testbed-dev/testbed/plan"
	"github.com/testbed-dev/testbed/servers/testca"
)

// Start implements lifecycle.Engine: it runs the step's kind on the sockets
// bound by Prepare, in a goroutine that outlives ctx (Remove stops it).
func (e *Engine) Start(ctx context.Context, p *plan.Plan, st *plan.Step, material *lifecycle.TLSMaterial) (lifecycle.Instance, error) {
	pr := e.project(p.Project)
	if pr == nil {
		return nil, fmt.Errorf("start %s: project %s was not prepared", st.Server.Name, p.Project)
	}
	srv := pr.servers[st.Server.Name]
	if srv == nil {
		return nil, fmt.Errorf("start %s: not in the prepared plan of project %s", st.Server.Name, p.Project)
	}
	var tlsCfg *tls.Config
	if material != nil {
		var err error
		if tlsCfg, err = testca.ServerTLSConfig(material.CertPEM, material.KeyPEM); err != nil {
			return nil, fmt.Errorf("start %s: %w", st.Server.Name, err)
		}
	}
	var out io.Writer = srv.log
	if e.opts.ServerLog != nil {
		if w := e.opts.ServerLog(st.Server.Name); w != nil {
			out = io.MultiWriter(srv.log, w)
		}
	}
	logger := slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: e.opts.LogLevel})).With("server", st.Server.Name)
	env := catalog.Env{
		Listeners: srv.bound.Listeners,
		Packets:   srv.bound.Packets,
		Options:   maps.Clone(st.Options),
		TLS:       tlsCfg,
		Dialer:    srv.policy,
		Logger:    logger,
	}
	if env.Options == nil {
		env.Options = map[string]string{}
	}

	srv.mu.Lock()
	if srv.started {
		srv.mu.Unlock()
		return nil, fmt.Errorf("start %s: already started or stopped", st.Server.Name)
	}
	// The server lives until Remove, not until the caller's ctx ends.
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	srv.started, srv.cancel = true, cancel
	srv.mu.Unlock()

	logger.Info("starting", "kind", st.Kind.Name, "ports", describePorts(srv.bound.addrs))
	go func() {
		err := runKind(runCtx, st.Kind, env, srv.resets)
		_ = srv.bound.Close() // whatever the kind did, its ports are closed now
		srv.mu.Lock()
		if err != nil && runCtx.Err() == nil {
			srv.code, srv.err = 1, err
		}
		srv.mu.Unlock()
		if srv.err != nil {
			logger.Error("exited", "err", err)
		} else {
			logger.Info("stopped")
		}
		close(srv.done)
	}()
	return &instance{srv: srv}, nil
}

// runKind runs k, turning a panic into an error so one broken server does
// not take the whole process (the supervisor, a test binary) down.
func runKind(ctx context.Context, k *catalog.Kind, env catalog.Env, resets <-chan chan<- error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: panic: %v", k.Name, r)
		}
	}()
	err = k.RunResettable(ctx, env, resets)
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		err = nil
	}
	return err
}

// describePorts is "7/tcp=127.0.0.1:41815 7/udp=127.0.0.1:60521", by port.
func describePorts(addrs map[string]string) string {
	keys := endpoints.PortKeys(addrs)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + addrs[k]
	}
	return strings.Join(parts, " ")
}

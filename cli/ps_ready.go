package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/testbed-dev/testbed/engine/docker"
	"github.com/testbed-dev/testbed/probe"
	"github.com/testbed-dev/testbed/servers/testca"
)

// psReadyTimeout bounds the readiness checks of one `ps`.
const psReadyTimeout = 5 * time.Second

// readiness is whether a server answers its readiness probe now.
type readiness struct {
	ready  bool
	detail string // what was checked when ready; why not otherwise
}

// checkReady checks every container's readiness probe once, in parallel:
// the probe up waited on, read back from the container's label.
func (a *app) checkReady(ctx context.Context, drv *docker.Driver, list []docker.Container) []readiness {
	ctx, cancel := context.WithTimeout(ctx, psReadyTimeout)
	defer cancel()
	out := make([]readiness, len(list))
	pools := map[string]*x509.CertPool{}
	for _, c := range list {
		if _, ok := pools[c.Project]; !ok {
			pools[c.Project] = a.projectCA(c.Project)
		}
	}
	var wg sync.WaitGroup
	for i, c := range list {
		wg.Go(func() { out[i] = checkOne(ctx, drv, c, pools[c.Project]) })
	}
	wg.Wait()
	return out
}

func checkOne(ctx context.Context, drv *docker.Driver, c docker.Container, pool *x509.CertPool) readiness {
	sp, err := docker.ReadyProbe(c)
	if err != nil {
		return readiness{detail: err.Error()}
	}
	switch {
	case sp == nil || c.State != "running" && !sp.AwaitsExit():
		// Running is all there is to check, or all that is missing.
		return readiness{ready: c.State == "running", detail: c.Status}
	case sp.Acts():
		// A command of the user's may not be safe to run again.
		return readiness{ready: c.State == "running", detail: "running; its exec probe is not run again by ps"}
	}
	var cfg *tls.Config
	if pool != nil {
		cfg = &tls.Config{RootCAs: pool, ServerName: c.Server}
	}
	pr, err := probe.FromSpec(sp, cfg)
	if err != nil {
		return readiness{detail: err.Error()}
	}
	target, err := drv.Target(ctx, c)
	if err != nil {
		return readiness{detail: err.Error()}
	}
	if err := pr.Check(ctx, target); err != nil {
		return readiness{detail: pr.String() + ": " + err.Error()}
	}
	return readiness{ready: true, detail: pr.String()}
}

// projectCA is the pool of a project's test CA from its state directory,
// or nil when there is none here.
func (a *app) projectCA(project string) *x509.CertPool {
	dir, err := a.stateDir(project)
	if err != nil {
		return nil
	}
	pem, err := os.ReadFile(testca.CertFile(dir))
	if err != nil {
		return nil
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil
	}
	return pool
}

// readyText is the READY column: "yes", or "no: why" cut to one short line.
func readyText(r readiness) string {
	if r.ready {
		return "yes"
	}
	why, _, _ := strings.Cut(r.detail, "\n")
	if len(why) > 80 {
		why = why[:77] + "..."
	}
	return "no: " + why
}

package docker

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"strconv"
	"strings"

	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/engine"
	"github.com/testbed-dev/testbed/lifecycle"
	"github.com/testbed-dev/testbed/plan"
	"github.com/testbed-dev/testbed/probe"
)

var (
	_ engine.Driver    = (*Driver)(nil)
	_ lifecycle.Engine = (*Driver)(nil)
)

// Up implements engine.Driver: lifecycle.Up with this driver's Prepare
// and Start. Containers outlive the process whether kept or not.
func (d *Driver) Up(ctx context.Context, p *plan.Plan, o engine.UpOptions) (*endpoints.Manifest, error) {
	d.prefetchFacts()
	return engine.BringUp(ctx, d, p, o)
}

// Servers implements engine.Driver: the project's containers, from their
// labels and the engine's state.
func (d *Driver) Servers(ctx context.Context, project string) ([]engine.Server, error) {
	list, err := d.List(ctx, project)
	if err != nil {
		return nil, err
	}
	out := make([]engine.Server, 0, len(list))
	for _, c := range list {
		out = append(out, engine.Server{
			Project: c.Project, Server: c.Server, Driver: d.Name(), Name: c.Name, Image: c.Image,
			SpecHash: c.Labels[plan.LabelSpecHash], Owner: c.Owner, State: c.State, Status: c.Status,
			Running: c.State == "running", Labels: c.Labels, Created: c.Created,
			Endpoint: &endpoints.Server{Hostname: c.Labels[plan.LabelHostname], Kind: c.Labels[plan.LabelKind], Addresses: c.Addrs, Ports: dataless(c)},
		})
	}
	return out, nil
}

// Ready implements engine.Driver: the probe up waited on, read back from
// the container's label, checked once.
func (d *Driver) Ready(ctx context.Context, s engine.Server, roots *x509.CertPool) (bool, string) {
	c := Container{Name: s.Name, Project: s.Project, Server: s.Server, State: s.State, Status: s.Status, Labels: s.Labels}
	if why := d.forwarderDown(c); why != "" && c.State == "running" {
		return false, why
	}
	sp, err := ReadyProbe(c)
	if err != nil {
		return false, err.Error()
	}
	switch {
	case sp == nil || c.State != "running" && !sp.AwaitsExit():
		// Running is all there is to check, or all that is missing.
		return c.State == "running", c.Status
	case sp.Acts():
		// A command of the user's may not be safe to run again.
		return c.State == "running", "running; its exec probe is not run again by ps"
	}
	var cfg *tls.Config
	if roots != nil {
		cfg = &tls.Config{RootCAs: roots, ServerName: s.Server}
	}
	pr, err := probe.FromSpec(sp, cfg)
	if err != nil {
		return false, err.Error()
	}
	target, err := d.target(ctx, s.Name)
	if err != nil {
		return false, err.Error()
	}
	if err := pr.Check(ctx, target); err != nil {
		return false, pr.String() + ": " + err.Error()
	}
	return true, pr.String()
}

// Resources implements engine.Driver.
func (d *Driver) Resources(ctx context.Context, project string) ([]engine.Resource, error) {
	list, err := d.resources(ctx, project)
	if err != nil {
		return nil, err
	}
	out := make([]engine.Resource, len(list))
	for i, r := range list {
		out[i] = engine.Resource{Kind: r.Kind, Name: r.Name, Project: r.Project, Owner: r.Owner, Kept: r.Kept, Created: r.Created}
	}
	return out, nil
}

// Logs implements engine.Driver.
func (d *Driver) Logs(ctx context.Context, project, server string, o engine.LogOptions) error {
	c, err := d.Find(ctx, project, server)
	if err != nil {
		return err
	}
	tail := "all"
	if o.Tail > 0 {
		tail = strconv.Itoa(o.Tail)
	}
	return d.logs(ctx, c.ID, tail, o.Follow, orDiscard(o.Stdout), orDiscard(o.Stderr))
}

// Exec implements engine.Driver.
func (d *Driver) Exec(ctx context.Context, project, server string, argv []string, stdout, stderr io.Writer) (int, error) {
	c, err := d.Find(ctx, project, server)
	if err != nil {
		return -1, err
	}
	return d.execIn(ctx, c.ID, argv, orDiscard(stdout), orDiscard(stderr))
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// dataless is a container's published ports but its data ports (FTP
// passive), which are not endpoints.
func dataless(c Container) map[string]string {
	data := map[string]bool{}
	for _, p := range strings.Split(c.Labels[plan.LabelDataPorts], ",") {
		if p != "" {
			data[p+"/tcp"] = true
		}
	}
	out := map[string]string{}
	for k, v := range c.Ports {
		if !data[k] {
			out[k] = v
		}
	}
	return out
}

package docker

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/moby/moby/client"

	"github.com/testbed-dev/testbed/plan"
)

// Container is one testbed container as `ps` shows it.
type Container struct {
	ID      string
	Name    string
	Project string
	Server  string
	Owner   string
	Image   string
	State   string // running, exited, created, ...
	Status  string // the engine's words ("Up 3 seconds (healthy)")
	Ports   map[string]string
	Addrs   []string // addresses on its networks, sorted
	Labels  map[string]string
	Created time.Time
}

// List returns the containers of a project ("" = every testbed project).
func (d *Driver) List(ctx context.Context, project string) ([]Container, error) {
	return d.list(ctx, projectFilter(project, ""))
}

// list returns the containers the filter selects, sorted by name.
func (d *Driver) list(ctx context.Context, filter client.Filters) ([]Container, error) {
	cctx, cancel := callCtx(ctx)
	defer cancel()
	list, err := d.cli.ContainerList(cctx, client.ContainerListOptions{All: true, Filters: filter})
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	var out []Container
	for _, c := range list.Items {
		name := c.ID[:12]
		if len(c.Names) > 0 {
			name = c.Names[0][1:]
		}
		ports := map[string]string{}
		for _, p := range c.Ports {
			if p.PublicPort == 0 {
				continue
			}
			host := p.IP.String()
			switch {
			case !p.IP.IsValid() || p.IP.IsUnspecified():
				host = plan.LocalHost
			case p.IP.Is6():
				host = "[" + host + "]"
			}
			key := fmt.Sprintf("%d/%s", p.PrivatePort, p.Type)
			if _, ok := ports[key]; !ok || p.IP.Is4() {
				// An address this host reaches, IPv4 first, as up reports it.
				ports[key] = fmt.Sprintf("%s:%d", host, p.PublicPort)
			}
		}
		for k, v := range forwardedPorts(c.Labels) {
			ports[k] = v
		}
		var addrs []string
		if c.NetworkSettings != nil {
			for _, ep := range c.NetworkSettings.Networks {
				if ep != nil && ep.IPAddress.IsValid() {
					addrs = append(addrs, ep.IPAddress.String())
				}
			}
		}
		sort.Strings(addrs)
		out = append(out, Container{
			Addrs: addrs, ID: c.ID, Name: name, Image: c.Image, State: string(c.State), Status: c.Status, Ports: ports, Labels: c.Labels,
			Created: time.Unix(c.Created, 0), Project: c.Labels[plan.LabelProject], Server: c.Labels[plan.LabelServer], Owner: c.Labels[plan.LabelOwner],
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Find returns the container of a project's server.
func (d *Driver) Find(ctx context.Context, project, server string) (Container, error) {
	list, err := d.list(ctx, projectFilter(project, "").Add("label", plan.LabelServer+"="+server))
	if err != nil {
		return Container{}, err
	}
	if len(list) == 0 {
		return Container{}, errNoServer(project, server)
	}
	return list[0], nil
}

func errNoServer(project, server string) error {
	return fmt.Errorf("project %s has no server %q running", project, server)
}

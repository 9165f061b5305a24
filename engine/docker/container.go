package docker

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"

	"github.com/testbed-dev/testbed/hostnet"
	"github.com/testbed-dev/testbed/lifecycle"
	"github.com/testbed-dev/testbed/plan"
	"github.com/testbed-dev/testbed/servers/control"
)

// Environment variables that carry a built-in server's certificate.
const (
	EnvTLSCert = plan.EnvTLSCert
	EnvTLSKey  = plan.EnvTLSKey
)

// DataPortTries bounds how often a server whose data ports were taken
// between picking and starting gets new ones.
const DataPortTries = 3

// Start creates the step's container on the project network, starts it and
// returns the running instance. Data ports (FTP passive) are picked here,
// free at this moment, on a copy of the step; another project could take
// one before the engine binds it, and the container is then made again on
// new ones.
func (d *Driver) Start(ctx context.Context, p *plan.Plan, st *plan.Step, tls *lifecycle.TLSMaterial) (lifecycle.Instance, error) {
	n := st.DataPorts
	for try := 1; ; try++ {
		run := st
		if n > 0 {
			ports, err := hostnet.FreePorts(n)
			if err != nil {
				return nil, fmt.Errorf("choose data ports: %w", err)
			}
			run = st.WithDataPorts(ports)
		}
		inst, err := d.start(ctx, p, run, tls)
		if err == nil || n == 0 || try == DataPortTries || !strings.Contains(err.Error(), "port is already allocated") {
			return inst, err
		}
		d.fwd.close(p.Project, []string{st.Container})
		if rerr := d.removeContainers(context.WithoutCancel(ctx), []string{st.Container}); rerr != nil {
			return nil, errors.Join(err, rerr)
		}
	}
}

func (d *Driver) start(ctx context.Context, p *plan.Plan, st *plan.Step, tls *lifecycle.TLSMaterial) (lifecycle.Instance, error) {
	img := d.image(p.Project, st.Server.Name)
	if img == "" {
		return nil, fmt.Errorf("start %s: no image prepared for it", st.Server.Name)
	}
	opts, err := CreateOptions(p, st, img, tls)
	if err != nil {
		return nil, err
	}
	var dst *target
	var fwdPorts map[string]string
	if d.forwards(p) {
		// This process holds the host ports and forwards them to the
		// container's address: the engine starts no proxy per port.
		dst = &target{}
		f, label, err := listen(st, dst)
		if err != nil {
			return nil, err
		}
		d.fwd.add(p.Project, st.Container, f)
		opts.HostConfig.PortBindings = nil
		opts.Config.Labels[LabelForward] = label
		fwdPorts = forwardedPorts(opts.Config.Labels)
	}
	// The create is not cancelled with ctx: a create the engine finishes
	// after we stopped waiting would escape the rollback, which lists the
	// project's containers once every Start has returned.
	cctx, cancel := callCtx(context.WithoutCancel(ctx))
	created, err := d.cli.ContainerCreate(cctx, opts)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("create container %s: %w", st.Container, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, context.Cause(ctx)
	}
	lifecycle.CreatedHook(ctx)
	inst := newInstance(d, st, created.ID)
	for k, v := range fwdPorts {
		inst.ports[k] = v
	}
	// Watch for the exit before starting, so an instant crash is not missed.
	inst.watchExit(ctx)
	cctx, cancel = callCtx(ctx)
	_, err = d.cli.ContainerStart(cctx, created.ID, client.ContainerStartOptions{})
	cancel()
	if err != nil {
		inst.stopWatching()
		return nil, fmt.Errorf("start container %s: %w", st.Container, err)
	}
	if err := inst.inspect(ctx); err != nil {
		return inst, err
	}
	if dst != nil {
		// A container that exited at once has no address any more: the
		// wait that follows reports its exit status and log.
		if a, err := inst.Addr(0, "tcp"); err == nil {
			host, _, _ := net.SplitHostPort(a)
			dst.set(host)
		}
	}
	return inst, nil
}

// CreateOptions are the engine's create options for a step: the container
// testbed makes, for tools (and benchmarks) that must make the same one.
func CreateOptions(p *plan.Plan, st *plan.Step, image string, tls *lifecycle.TLSMaterial) (client.ContainerCreateOptions, error) {
	srv := st.Server
	labels := maps.Clone(st.Labels)
	labels[plan.LabelDataPorts] = st.DataPortList() // set even when empty, like every testbed.* label
	cfg := &container.Config{
		Hostname:     st.Hostname,
		Image:        image,
		Labels:       labels,
		ExposedPorts: network.PortSet{},
		Env:          envList(st.Env),
		Cmd:          st.Command,
		Entrypoint:   srv.Entrypoint,
		User:         srv.User,
		WorkingDir:   srv.WorkingDir,
	}
	host := &container.HostConfig{
		NetworkMode:    container.NetworkMode(p.Network),
		PortBindings:   network.PortMap{},
		ReadonlyRootfs: srv.ReadOnly,
		CapAdd:         srv.CapAdd,
		CapDrop:        srv.CapDrop,
		RestartPolicy:  container.RestartPolicy{Name: container.RestartPolicyDisabled},
	}
	for _, b := range st.Ports {
		port, err := network.ParsePort(b.Key())
		if err != nil {
			return client.ContainerCreateOptions{}, fmt.Errorf("port %s: %w", b.Key(), err)
		}
		if b.Expose {
			cfg.ExposedPorts[port] = struct{}{} // network only: no binding
			continue
		}
		ip, err := netip.ParseAddr(b.HostIP)
		if err != nil {
			return client.ContainerCreateOptions{}, fmt.Errorf("port %s: host ip: %w", b.Key(), err)
		}
		cfg.ExposedPorts[port] = struct{}{}
		hp := ""
		if b.HostPort != 0 {
			hp = strconv.Itoa(b.HostPort)
		}
		host.PortBindings[port] = append(host.PortBindings[port], network.PortBinding{HostIP: ip, HostPort: hp})
	}
	if len(srv.Tmpfs) > 0 {
		host.Tmpfs = map[string]string{}
		for _, t := range srv.Tmpfs {
			path, opts, _ := strings.Cut(t, ":")
			host.Tmpfs[path] = opts
		}
	}
	for _, v := range srv.Volumes {
		m := mount.Mount{Target: v.Target, Source: v.Source, ReadOnly: v.ReadOnly, Type: mount.TypeBind}
		if v.Type == "volume" {
			m.Type = mount.TypeVolume
			m.Source = plan.VolumeName(p.Project, v.Source)
			m.VolumeOptions = &mount.VolumeOptions{Labels: p.Labels, NoCopy: v.NoCopy}
		}
		host.Mounts = append(host.Mounts, m)
	}
	if h := srv.Health; h != nil {
		cfg.Healthcheck = &container.HealthConfig{Test: h.Test, Interval: h.Interval, Retries: h.Retries}
	}
	limits(host, st) // resources: built-in defaults, then the spec's
	applyComposeDetails(p, st, cfg, host)
	if st.Hardened {
		harden(cfg, host)
		if tls != nil {
			cfg.Env = append(cfg.Env, EnvTLSCert+"="+string(tls.CertPEM), EnvTLSKey+"="+string(tls.KeyPEM))
			if tls.ControlToken != "" {
				cfg.Env = append(cfg.Env, control.EnvToken+"="+tls.ControlToken)
			}
		}
	}
	return client.ContainerCreateOptions{
		Name:       st.Container,
		Platform:   createPlatform(srv.Platform),
		Config:     cfg,
		HostConfig: host,
		NetworkingConfig: &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{
			p.Network: {Aliases: st.Aliases},
		}},
	}, nil
}

// harden applies the built-in servers' security defaults: nobody, a
// read-only root with a private /tmp, every capability dropped but
// NET_BIND_SERVICE, no-new-privileges. Low ports are opened through the
// namespaced sysctl, so no capability is needed to bind them as nobody.
func harden(cfg *container.Config, host *container.HostConfig) {
	cfg.User = plan.BuiltinUser
	host.ReadonlyRootfs = true
	host.CapDrop = []string{"ALL"}
	host.CapAdd = []string{"NET_BIND_SERVICE"}
	host.SecurityOpt = []string{"no-new-privileges:true"}
	host.Sysctls = map[string]string{"net.ipv4.ip_unprivileged_port_start": "0"}
	host.Tmpfs = map[string]string{"/tmp": "rw,nosuid,nodev,noexec,size=1g,mode=1777"}
	host.Init = nil
	cfg.Env = append(cfg.Env, "TMPDIR=/tmp")
}

func envList(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

package compose

import (
	"fmt"
	"maps"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/testbed-dev/testbed/spec"
)

// networkMode maps network_mode. Every server is on testbed's own project
// network: "bridge" (the engine's default network, which Qt's files name)
// is taken as that, with a warning; the modes that would take the server
// off it are refused, each with why.
func (m *mapper) networkMode(s *spec.Server, svc types.ServiceConfig) {
	mode := svc.NetworkMode
	switch {
	case mode == "" || mode == "default":
	case mode == "bridge":
		m.warnf(s.Name, "network_mode", "network_mode", "\"bridge\" taken as testbed's project network: servers reach each other by name and alias there, and parallel runs stay apart")
	case mode == "host":
		m.errorf(s.Name, "network_mode", "network_mode", "host networking is deliberately not offered: a server on the host's network binds the host's ports on every interface, collides with parallel runs and other projects, and cannot get testbed's DNS names; remove network_mode (ports: publishes on 127.0.0.1)")
	case mode == "none":
		m.errorf(s.Name, "network_mode", "network_mode", "\"none\" is not supported: testbed servers must be reachable on the project network to be probed and used")
	case strings.HasPrefix(mode, "service:") || strings.HasPrefix(mode, "container:"):
		m.errorf(s.Name, "network_mode", "network_mode", "%s is not supported: testbed gives every server its own address and names on the project network and probes each on its own; put both processes in one server or let them talk over the network", quote(mode))
	default:
		m.errorf(s.Name, "network_mode", "network_mode", "%s is not supported: every server is on testbed's project network", quote(mode))
	}
}

// extraHosts maps extra_hosts, in name order.
func (m *mapper) extraHosts(s *spec.Server, svc types.ServiceConfig) {
	for _, name := range slices.Sorted(maps.Keys(svc.ExtraHosts)) {
		for _, ip := range svc.ExtraHosts[name] {
			s.ExtraHosts = append(s.ExtraHosts, spec.HostEntry{Name: strings.ToLower(name), IP: strings.Trim(ip, "[]")})
		}
	}
}

// platform maps platform.
func (m *mapper) platform(s *spec.Server, svc types.ServiceConfig) {
	s.Platform = strings.ToLower(svc.Platform)
}

// resources maps deploy.resources.limits and the older mem_limit, cpus and
// pids_limit (deploy wins, as in compose). Reservations are no limits: they
// are ignored with a warning.
func (m *mapper) resources(s *spec.Server, svc types.ServiceConfig) {
	r := spec.Resources{Memory: int64(svc.MemLimit), NanoCPUs: nanoCPUs(float64(svc.CPUS)), Pids: svc.PidsLimit}
	if d := svc.Deploy; d != nil {
		if l := d.Resources.Limits; l != nil {
			if l.MemoryBytes != 0 {
				r.Memory = int64(l.MemoryBytes)
			}
			if l.NanoCPUs != 0 {
				r.NanoCPUs = nanoCPUs(float64(l.NanoCPUs))
			}
			if l.Pids != 0 {
				r.Pids = l.Pids
			}
		}
		if d.Resources.Reservations != nil {
			m.warnf(s.Name, "deploy", "deploy.resources.reservations", "ignored: reservations place containers in a swarm; testbed runs on one engine (limits are honoured)")
		}
	}
	if r != (spec.Resources{}) {
		s.Resources = &r
	}
}

// nanoCPUs converts a CPU count to the engine's units.
func nanoCPUs(cpus float64) int64 {
	return int64(cpus*1e9 + 0.5)
}

// Where compose mounts file-based secrets and configs without a target.
const secretsDir = "/run/secrets"

// secrets maps the service's secrets and configs that name a file as
// read-only bind mounts, where compose puts them: /run/secrets/NAME for a
// secret and /NAME for a config, or the given target (a relative secret
// target is below /run/secrets).
func (m *mapper) secrets(s *spec.Server, svc types.ServiceConfig) {
	type ref struct {
		key, field string
		types.FileReferenceConfig
	}
	var refs []ref
	for i, r := range svc.Secrets {
		refs = append(refs, ref{"secrets", fmt.Sprintf("secrets[%d]", i), types.FileReferenceConfig(r)})
	}
	for i, r := range svc.Configs {
		refs = append(refs, ref{"configs", fmt.Sprintf("configs[%d]", i), types.FileReferenceConfig(r)})
	}
	for _, r := range refs {
		var obj types.FileObjectConfig
		var ok bool
		if r.key == "secrets" {
			var o types.SecretConfig
			o, ok = m.project.Secrets[r.Source]
			obj = types.FileObjectConfig(o)
		} else {
			var o types.ConfigObjConfig
			o, ok = m.project.Configs[r.Source]
			obj = types.FileObjectConfig(o)
		}
		what := strings.TrimSuffix(r.key, "s")
		switch {
		case !ok:
			m.errorf(s.Name, r.key, r.field, "no top-level %s %s", what, quote(r.Source))
			continue
		case bool(obj.External):
			m.errorf(s.Name, r.key, r.field, "%s %s is external: testbed reads %ss from files only (a swarm's stores are not there); give it a file:", what, quote(r.Source), what)
			continue
		case obj.File == "":
			m.errorf(s.Name, r.key, r.field, "%s %s has no file: testbed mounts %ss from files only; write the value to a file and name it with file:", what, quote(r.Source), what)
			continue
		}
		if st, err := os.Stat(obj.File); err != nil || !st.Mode().IsRegular() {
			m.errorf(s.Name, r.key, r.field, "%s %s: file %s is not an existing regular file", what, quote(r.Source), quote(obj.File))
			continue
		}
		target := r.Target
		switch {
		case target == "" && r.key == "secrets":
			target = path.Join(secretsDir, r.Source)
		case target == "":
			target = "/" + r.Source
		case !path.IsAbs(target) && r.key == "secrets":
			target = path.Join(secretsDir, target)
		case !path.IsAbs(target):
			target = "/" + target
		}
		if r.UID != "" || r.GID != "" || r.Mode != nil {
			m.warnf(s.Name, r.key, r.field+".uid", "uid, gid and mode ignored: the file is bind-mounted read-only with its own owner and mode, as compose does for file-based %ss", what)
		}
		s.Volumes = append(s.Volumes, spec.Volume{Type: spec.VolumeBind, Source: obj.File, Target: target, ReadOnly: true})
	}
}

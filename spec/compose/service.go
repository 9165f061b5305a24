package compose

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/testbed-dev/testbed/spec"
)

// nativeField maps a compose key to the field of testbed's model it fills,
// so validation messages about a server point at the compose line.
var nativeField = map[string]string{
	"image": "image", "build": "build", "command": "command", "entrypoint": "entrypoint",
	"environment": "env", "env_file": "env", "hostname": "hostname", "domainname": "domainname",
	"ports": "ports", "networks": "aliases", "depends_on": "depends_on",
	"healthcheck": "healthcheck", "cap_add": "cap_add", "cap_drop": "cap_drop", "user": "user",
	"working_dir": "working_dir", "read_only": "read_only", "tmpfs": "tmpfs", "volumes": "volumes",
	"labels": "labels", "extra_hosts": "extra_hosts", "platform": "platform", "deploy": "resources",
	"mem_limit": "resources", "cpus": "resources", "pids_limit": "resources",
}

// server maps one service, except what refers to other services (see
// relations).
func (m *mapper) server(name string) *spec.Server {
	svc := m.project.Services[name]
	pos := m.src.service(name, m.first)
	s := &spec.Server{Name: name, Pos: spec.Pos{File: pos.file, Line: pos.line}, Lines: spec.Lines{}}
	if p := m.src.services[name]; p != nil {
		for key, a := range p.keys {
			if f, ok := nativeField[key]; ok && a.file == pos.file {
				s.Lines[f] = a.line
			}
		}
		if a, ok := p.keys["healthcheck"]; ok && a.file == pos.file {
			s.Lines["ready"] = a.line
		}
	}
	if !spec.IsDNSLabel(name) {
		m.errorf(name, "", "", "service name %s is not a DNS label (a-z, 0-9 and '-', at most 63): testbed resolves servers by name; rename the service", quote(name))
	}

	m.image(s, svc)
	s.Command = cloneArgv(svc.Command)
	s.Entrypoint = cloneArgv(svc.Entrypoint)
	for k, v := range svc.Environment {
		if v == nil {
			continue // named without a value and not set anywhere: compose leaves it unset too
		}
		if s.Env == nil {
			s.Env = map[string]string{}
		}
		s.Env[k] = *v
	}
	m.hostname(s, svc)
	m.ports(s, svc)
	m.networks(s, svc)
	m.health(s, svc)
	s.CapAdd = cloneArgv(svc.CapAdd)
	s.CapDrop = cloneArgv(svc.CapDrop)
	s.User = svc.User
	s.WorkingDir = svc.WorkingDir
	s.ReadOnly = svc.ReadOnly
	s.Tmpfs = cloneArgv(svc.Tmpfs)
	m.volumes(s, svc)
	if len(svc.Labels) > 0 {
		s.Labels = maps.Clone(map[string]string(svc.Labels))
	}
	switch svc.Restart {
	case "", types.RestartPolicyNo:
	default:
		m.warnf(name, "restart", "restart", "%s ignored: testbed servers live for one run and are never restarted", quote(svc.Restart))
	}
	m.networkMode(s, svc)
	m.extraHosts(s, svc)
	m.platform(s, svc)
	m.resources(s, svc)
	m.secrets(s, svc)
	return s
}

// image maps image and build.
func (m *mapper) image(s *spec.Server, svc types.ServiceConfig) {
	if svc.Build == nil {
		s.Image = svc.Image
		return
	}
	b := svc.Build
	if svc.Image != "" {
		m.warnf(s.Name, "image", "image", "image name %s is not given to the built image: testbed tags the images it builds itself (testbed/<server>:<hash>)", quote(svc.Image))
	}
	ctxDir := b.Context
	if strings.Contains(ctxDir, "://") || strings.HasPrefix(ctxDir, "git@") || !filepath.IsAbs(ctxDir) {
		m.errorf(s.Name, "build", "build.context", "build context %s: testbed loads compose files offline: the context must be a local directory", quote(ctxDir))
		return
	}
	if st, err := os.Stat(ctxDir); err != nil || !st.IsDir() {
		m.errorf(s.Name, "build", "build.context", "build context %s is not an existing directory", quote(ctxDir))
		return
	}
	build := &spec.Build{Context: ctxDir, Inline: b.DockerfileInline, Target: b.Target}
	if b.DockerfileInline == "" {
		df := b.Dockerfile
		if df != "" && !filepath.IsAbs(df) {
			df = filepath.Join(ctxDir, df) // compose resolves it against the context
		}
		rel, err := filepath.Rel(ctxDir, df)
		switch {
		case df == "":
		case err == nil && filepath.IsLocal(rel):
			if rel != "Dockerfile" {
				build.Dockerfile = filepath.ToSlash(rel)
			}
		default:
			// Outside the context, as Qt's shared Dockerfile: compose sends
			// it along with the context; so does testbed's image builder.
			st, err := os.Stat(df)
			if err != nil || !st.Mode().IsRegular() {
				m.errorf(s.Name, "build", "build.dockerfile", "dockerfile %s (outside the build context %s) is not an existing regular file", quote(df), quote(ctxDir))
				return
			}
			build.ExternalDockerfile = df
		}
	}
	for k, v := range b.Args {
		if v == nil {
			continue
		}
		if build.Args == nil {
			build.Args = map[string]string{}
		}
		build.Args[k] = *v
	}
	s.Build = build
}

// hostname maps hostname and domainname as compose does: the container's
// host name stays short and the domain is set apart (hostname prints
// "www", hostname -f "www.lab.test"). The full name also becomes a network
// alias, so other servers reach the server by it.
func (m *mapper) hostname(s *spec.Server, svc types.ServiceConfig) {
	host, domain := strings.ToLower(svc.Hostname), strings.ToLower(svc.DomainName)
	if host == "" && domain == "" {
		return
	}
	s.Hostname, s.Domainname = host, domain
	addAlias(s, s.FQDN(""))
}

// networks takes the aliases of every network: testbed has one project
// network.
func (m *mapper) networks(s *spec.Server, svc types.ServiceConfig) {
	var others []string
	for _, name := range slices.Sorted(maps.Keys(svc.Networks)) {
		if name != "default" {
			others = append(others, name)
		}
		if n := svc.Networks[name]; n != nil {
			for _, a := range n.Aliases {
				addAlias(s, a)
			}
		}
	}
	if len(others) > 0 {
		m.warnf(s.Name, "networks", "networks", "networks %s merged: every server is on testbed's one project network, with the aliases of all", strings.Join(others, ", "))
	}
}

// addAlias gives s one more DNS name, lowercased, once, and never its own
// name.
func addAlias(s *spec.Server, alias string) {
	alias = strings.ToLower(alias)
	if alias != "" && alias != s.Name && !slices.Contains(s.Aliases, alias) {
		s.Aliases = append(s.Aliases, alias)
	}
}

func cloneArgv(a []string) []string {
	if len(a) == 0 {
		return nil
	}
	return append([]string(nil), a...)
}

package plan

import (
	"fmt"
	"sort"
	"strings"

	"github.com/testbed-dev/testbed/probe"
	"github.com/testbed-dev/testbed/spec"
)

// Redacted is what secrets are printed as.
const Redacted = "********"

// String prints the plan for people: one block per level, secrets redacted.
func (p *Plan) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "project %s (network %s, domain %s, spec %s)\n", p.Project, p.Network, p.Domain, p.SpecHash)
	for i, level := range p.Levels {
		fmt.Fprintf(&b, "level %d:\n", i)
		for _, s := range level {
			s.write(&b)
		}
	}
	return b.String()
}

func (s *Step) write(b *strings.Builder) {
	fmt.Fprintf(b, "  %s\n", s.Server.Name)
	fmt.Fprintf(b, "    container  %s\n", s.Container)
	fmt.Fprintf(b, "    image      %s\n", s.ImageDescription())
	fmt.Fprintf(b, "    hostname   %s\n", s.Hostname)
	fmt.Fprintf(b, "    aliases    %s\n", strings.Join(s.Aliases, " "))
	if len(s.Command) > 0 {
		fmt.Fprintf(b, "    command    %q\n", s.RedactedCommand())
	}
	var ports []string
	for _, p := range s.Ports {
		if p.Expose {
			continue // in the details, as expose
		}
		host := "auto"
		if p.HostPort != 0 {
			host = fmt.Sprint(p.HostPort)
		}
		ports = append(ports, fmt.Sprintf("%s->%s:%s", p.Key(), p.HostIP, host))
	}
	if len(ports) > 0 {
		fmt.Fprintf(b, "    ports      %s\n", strings.Join(ports, " "))
	}
	if len(s.Env) > 0 {
		var env []string
		for k, v := range s.Env {
			env = append(env, k+"="+RedactEnv(k, v))
		}
		sort.Strings(env)
		fmt.Fprintf(b, "    env        %s\n", strings.Join(env, " "))
	}
	var deps []string
	for _, d := range s.Server.DependsOn {
		deps = append(deps, d.Name+"("+orReady(d.Condition)+")")
	}
	if len(deps) > 0 {
		fmt.Fprintf(b, "    depends on %s\n", strings.Join(deps, " "))
	}
	fmt.Fprintf(b, "    ready      %s within %s\n", probe.Describe(s.Probe), s.Timeout)
	if r := s.Labels[LabelReset]; r != "" && r != ResetControl && r != spec.ResetRecreate {
		fmt.Fprintf(b, "    reset      %s (when the testbed is reused)\n", r)
	}
	for _, d := range s.Details() {
		fmt.Fprintf(b, "    %-10s %s\n", d.Name, d.Value)
	}
	if s.Hardened {
		fmt.Fprintf(b, "    security   user %s, read-only root, cap-drop ALL (+NET_BIND_SERVICE), no-new-privileges\n", BuiltinUser)
	}
}

func orReady(c string) string {
	if c == "" {
		return "ready"
	}
	return c
}

// ImageDescription says where the step's image comes from.
func (s *Step) ImageDescription() string {
	srv := s.Server
	switch {
	case srv.Builtin != "":
		return "testbed built-in server image (kind " + srv.Builtin + ")"
	case srv.Build != nil:
		df := srv.Build.Dockerfile
		if srv.Build.Inline != "" {
			df = "generated Dockerfile"
		} else if srv.Build.ExternalDockerfile != "" {
			df = srv.Build.ExternalDockerfile
		} else if df == "" {
			df = "Dockerfile"
		}
		return fmt.Sprintf("build %s (%s, %d files)", srv.Build.Context, df, len(srv.Files))
	case len(srv.Files) > 0:
		return fmt.Sprintf("%s + %d files", srv.Image, len(srv.Files))
	default:
		return srv.Image
	}
}

// RedactedCommand is Command with secret option values hidden.
func (s *Step) RedactedCommand() []string {
	out := append([]string(nil), s.Command...)
	if s.Kind == nil {
		return out
	}
	for i := 1; i < len(out); i++ {
		if out[i-1] != "--set" {
			continue
		}
		name, _, ok := strings.Cut(out[i], "=")
		if ok && s.Kind.SecretOption(name) {
			out[i] = name + "=" + Redacted
		}
	}
	return out
}

// RedactEnv hides values of variables whose names look secret.
func RedactEnv(name, value string) string {
	if SecretName(name) {
		return Redacted
	}
	return value
}

// SecretName reports whether a variable's name looks like it holds a
// secret (PASSWORD, TOKEN, KEY, ...).
func SecretName(name string) bool {
	n := strings.ToUpper(name)
	for _, w := range []string{"PASSWORD", "PASSWD", "SECRET", "TOKEN", "KEY", "CREDENTIAL", "AUTH"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

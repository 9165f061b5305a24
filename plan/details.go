package plan

import (
	"fmt"
	"sort"
	"strings"
)

// Detail is one more field of a step that reaches the engine, as `config`
// prints it: a name ("entrypoint", "build args") and its value in one line.
type Detail struct {
	Name  string
	Value string
}

// Details lists, in a fixed order, the fields of the step's server that
// reach the engine beyond those the plan's text always shows: entrypoint,
// user, mounts, capabilities, labels, build args, target and platform,
// extra hosts, limits, host and domain name, healthcheck, expose ports.
// Secret-looking build args and labels are redacted.
func (s *Step) Details() []Detail {
	srv := s.Server
	var out []Detail
	add := func(name, value string) {
		if value != "" {
			out = append(out, Detail{name, value})
		}
	}
	if len(srv.Entrypoint) > 0 {
		add("entrypoint", fmt.Sprintf("%q", srv.Entrypoint))
	}
	if srv.Domainname != "" {
		short := srv.Hostname
		if short == "" {
			short = srv.Name
		}
		add("host name", short+" (domain "+srv.Domainname+")")
	}
	add("user", srv.User)
	add("workdir", srv.WorkingDir)
	if srv.ReadOnly && !s.Hardened {
		add("read-only", "true")
	}
	add("tmpfs", strings.Join(srv.Tmpfs, " "))
	if !s.Hardened {
		add("cap add", strings.Join(srv.CapAdd, " "))
		add("cap drop", strings.Join(srv.CapDrop, " "))
	}
	var vols []string
	for _, v := range srv.Volumes {
		x := v.Type + " " + v.Source + ":" + v.Target
		if v.ReadOnly {
			x += ":ro"
		}
		if v.NoCopy {
			x += ":nocopy"
		}
		vols = append(vols, x)
	}
	add("volumes", strings.Join(vols, ", "))
	add("labels", pairs(srv.Labels))
	if b := srv.Build; b != nil {
		add("build args", pairs(b.Args))
		add("target", b.Target)
		add("dockerfile", b.ExternalDockerfile)
	}
	add("platform", srv.Platform)
	var hosts []string
	for _, h := range srv.ExtraHosts {
		hosts = append(hosts, h.Name+":"+h.IP)
	}
	add("extra hosts", strings.Join(hosts, " "))
	if r := srv.Resources; r != nil {
		var lim []string
		if r.Memory > 0 {
			lim = append(lim, fmt.Sprintf("memory %d bytes", r.Memory))
		}
		if r.NanoCPUs > 0 {
			lim = append(lim, fmt.Sprintf("cpus %g", float64(r.NanoCPUs)/1e9))
		}
		if r.Pids > 0 {
			lim = append(lim, fmt.Sprintf("pids %d", r.Pids))
		}
		add("limits", strings.Join(lim, ", "))
	}
	if h := srv.Health; h != nil {
		add("healthcheck", fmt.Sprintf("%q every %s, %d retries, timeout %s, start period %s",
			h.Test, h.Interval, h.Retries, h.Timeout, h.StartPeriod))
	}
	var expose []string
	for _, b := range s.Ports {
		if b.Expose {
			expose = append(expose, b.Key())
		}
	}
	add("expose", strings.Join(expose, " "))
	return out
}

// pairs is "k=v k2=v2", sorted, secret-looking values redacted.
func pairs(m map[string]string) string {
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+RedactEnv(k, v))
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

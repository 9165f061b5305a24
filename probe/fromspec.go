package probe

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/testbed-dev/testbed/spec"
)

// FromSpec builds the probe a spec describes, checking it: exactly one kind
// set, ports 1-65535, HTTP paths and statuses, regular expressions (compiled
// here, once), commands. An error names the field, like
// "probe: all[1].http.port: 70000 is out of range 1-65535".
//
// tlsConfig is used by the http (with tls), tls and banner (with tls) probes,
// and should trust the project CA. When it is nil those probes skip
// certificate verification: a probe only asks whether a server answers.
func FromSpec(p *spec.Probe, tlsConfig *tls.Config) (Probe, error) {
	if tlsConfig != nil {
		tlsConfig = tlsConfig.Clone()
	}
	return fromSpec(p, tlsConfig, "", 0)
}

// fieldError is an invalid field of a spec probe.
func fieldError(field, format string, args ...any) error {
	if field == "" {
		return fmt.Errorf("probe: "+format, args...)
	}
	return fmt.Errorf("probe: %s: "+format, append([]any{field}, args...)...)
}

func join(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

// kinds lists the kinds set in p, by their spec names.
func kinds(p *spec.Probe) []string {
	var set []string
	add := func(on bool, name string) {
		if on {
			set = append(set, name)
		}
	}
	add(p.TCP != nil, "tcp")
	add(p.HTTP != nil, "http")
	add(p.TLS != nil, "tls")
	add(p.Banner != nil, "banner")
	add(p.Exec != nil, "exec")
	add(p.Log != nil, "log")
	add(p.Health, "health")
	add(len(p.All) > 0, "all")
	add(len(p.Any) > 0, "any")
	add(p.Echo != nil, "echo")
	add(p.Exited, "exited")
	return set
}

const kindNames = "tcp, http, tls, banner, exec, log, health, all, any, echo, exited"

func fromSpec(p *spec.Probe, cfg *tls.Config, path string, depth int) (Probe, error) {
	if p == nil {
		return nil, fieldError(path, "no probe")
	}
	if depth > MaxDepth {
		return nil, fieldError(path, "all/any nested deeper than %d", MaxDepth)
	}
	set := kinds(p)
	switch len(set) {
	case 0:
		return nil, fieldError(path, "no kind set (want one of %s)", kindNames)
	case 1:
	default:
		return nil, fieldError(path, "%s all set (want exactly one kind)", strings.Join(set, ", "))
	}
	kind := set[0]
	field := join(path, kind)
	switch kind {
	case "tcp":
		if err := portField(field, p.TCP.Port); err != nil {
			return nil, err
		}
		return &TCP{Port: p.TCP.Port}, nil
	case "tls":
		if err := portField(field, p.TLS.Port); err != nil {
			return nil, err
		}
		return &TLS{Port: p.TLS.Port, Config: cfg}, nil
	case "echo":
		if err := portField(field, p.Echo.Port); err != nil {
			return nil, err
		}
		return &Echo{Port: p.Echo.Port}, nil
	case "http":
		return httpFromSpec(p.HTTP, cfg, field)
	case "banner":
		return bannerFromSpec(p.Banner, cfg, field)
	case "exec":
		return execFromSpec(p.Exec, field)
	case "log":
		if p.Log.Pattern == "" {
			return nil, fieldError(field+".pattern", "empty")
		}
		re, err := regexp.Compile(multiLine + p.Log.Pattern)
		if err != nil {
			return nil, fieldError(field+".pattern", "%w", err)
		}
		return &Log{Pattern: re}, nil
	case "health":
		return Health{}, nil
	case "exited":
		return Exited{}, nil
	case "all", "any":
		list := p.All
		if kind == "any" {
			list = p.Any
		}
		children := make([]Probe, len(list))
		for i, c := range list {
			child, err := fromSpec(c, cfg, fmt.Sprintf("%s[%d]", field, i), depth+1)
			if err != nil {
				return nil, err
			}
			children[i] = child
		}
		if kind == "any" {
			return Any(children...), nil
		}
		return All(children...), nil
	}
	return nil, fieldError(path, "unknown kind %s", kind) // unreachable: kinds lists every field
}

func portField(field string, port int) error {
	if port < 1 || port > 65535 {
		return fieldError(field+".port", "%d is out of range 1-65535", port)
	}
	return nil
}

func httpFromSpec(h *spec.HTTPProbe, cfg *tls.Config, field string) (Probe, error) {
	if err := portField(field, h.Port); err != nil {
		return nil, err
	}
	if _, err := parsePath(h.Path); err != nil {
		return nil, fieldError(field+".path", "%w", err)
	}
	if h.Status != 0 && (h.Status < 100 || h.Status > 599) {
		return nil, fieldError(field+".status", "%d is not an HTTP status (100-599)", h.Status)
	}
	if h.Status != 0 && h.Status < 200 && h.Status != http.StatusSwitchingProtocols {
		// 1xx other than 101 never ends a GET: the client reads on.
		return nil, fieldError(field+".status", "%d is an informational status a GET never ends with", h.Status)
	}
	out := &HTTP{Port: h.Port, Path: h.Path, Status: h.Status, TLS: h.TLS}
	if h.TLS {
		out.Config = cfg
	}
	return out, nil
}

func bannerFromSpec(b *spec.BannerProbe, cfg *tls.Config, field string) (Probe, error) {
	if err := portField(field, b.Port); err != nil {
		return nil, err
	}
	if b.Expect == "" {
		return nil, fieldError(field+".expect", "empty (use . for any banner)")
	}
	re, err := regexp.Compile(b.Expect)
	if err != nil {
		return nil, fieldError(field+".expect", "%w", err)
	}
	out := &Banner{Port: b.Port, Send: b.Send, Expect: re, TLS: b.TLS}
	if b.TLS {
		out.Config = cfg
	}
	return out, nil
}

func execFromSpec(x *spec.ExecProbe, field string) (Probe, error) {
	field += ".command"
	if len(x.Command) == 0 {
		return nil, fieldError(field, "empty")
	}
	if x.Command[0] == "" {
		return nil, fieldError(field+"[0]", "empty program name")
	}
	for i, a := range x.Command {
		if strings.IndexByte(a, 0) >= 0 {
			return nil, fieldError(fmt.Sprintf("%s[%d]", field, i), "contains a NUL byte")
		}
	}
	return &Exec{Command: append([]string(nil), x.Command...)}, nil
}

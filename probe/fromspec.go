package probe

import (
	"crypto/tls"
	"fmt"
	"regexp"
	"strings"

	"github.com/testbed-dev/testbed/spec"
)

// FromSpec builds the probe a spec describes. It first checks p by the
// rules spec validation applies to ready: ([spec.Probe.CheckRunnable], from
// the one table of [spec.ProbeKinds]; it leaves out only the rules for a
// spec file's text, so a built-in probe may send and expect binary bytes),
// so an error reads as a spec error does, naming the field relative to the
// probe, like
//
//	probe: field "all[1].http.port": port 70000 out of range 1-65535
//
// and matches [spec.ErrInvalid]. Regular expressions are compiled here, once.
//
// tlsConfig is used by the http (with tls), tls and banner (with tls) probes,
// and should trust the project CA. When it is nil those probes skip
// certificate verification: a probe only asks whether a server answers.
func FromSpec(p *spec.Probe, tlsConfig *tls.Config) (Probe, error) {
	if err := p.CheckRunnable(); err != nil {
		return nil, fmt.Errorf("probe: %w", err)
	}
	if tlsConfig != nil {
		tlsConfig = tlsConfig.Clone()
	}
	return fromSpec(p, tlsConfig)
}

// Describe is how people see the readiness check p: the [Probe.String] of
// the probe FromSpec builds, like "http GET /healthz on 8080 = 200";
// "running" when p is nil (running is enough). Progress lines, `testbed
// config` and the plan's text all use it.
func Describe(p *spec.Probe) string {
	if p == nil {
		return "running"
	}
	pr, err := FromSpec(p, nil)
	if err != nil {
		return strings.ReplaceAll(err.Error(), "\n", "; ")
	}
	return pr.String()
}

// fromSpec builds a valid p.
func fromSpec(p *spec.Probe, cfg *tls.Config) (Probe, error) {
	kind := p.Kinds()[0].Name
	switch kind {
	case "tcp":
		return &TCP{Port: p.TCP.Port}, nil
	case "tls":
		return &TLS{Port: p.TLS.Port, Config: cfg}, nil
	case "echo":
		return &Echo{Port: p.Echo.Port}, nil
	case "http":
		h := p.HTTP
		out := &HTTP{Port: h.Port, Path: h.Path, Status: h.Status, TLS: h.TLS}
		if h.TLS {
			out.Config = cfg
		}
		return out, nil
	case "banner":
		b := p.Banner
		re, err := regexp.Compile(b.Expect)
		if err != nil {
			return nil, fmt.Errorf("probe: banner.expect: %w", err)
		}
		out := &Banner{Port: b.Port, Send: b.Send, Expect: re, TLS: b.TLS}
		if b.TLS {
			out.Config = cfg
		}
		return out, nil
	case "exec":
		return &Exec{Command: append([]string(nil), p.Exec.Command...)}, nil
	case "log":
		re, err := regexp.Compile(multiLine + p.Log.Pattern)
		if err != nil {
			return nil, fmt.Errorf("probe: log.pattern: %w", err)
		}
		return &Log{Pattern: re}, nil
	case "health":
		return Health{}, nil
	case "exited":
		return Exited{}, nil
	case "all", "any":
		list := p.List()
		children := make([]Probe, len(list))
		for i, c := range list {
			child, err := fromSpec(c, cfg)
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
	// A kind added to spec.ProbeKinds but not here.
	return nil, fmt.Errorf("probe: %s probes are not supported", kind)
}

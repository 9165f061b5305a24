package spec

import (
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// probeKeys are the keys of a probe mapping, one per kind.
var probeKeys = ProbeKindNames()

// probe reads a ready: value; null is no probe.
func (d *decoder) probe(n *yaml.Node, at place, depth int) *Probe {
	if isNull(n) {
		return nil
	}
	if depth > MaxProbeDepth {
		d.errorf(at, n.Line, "probes nested more than %d deep", MaxProbeDepth)
		return nil
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(at, n.Line, "must be a mapping with one of %s, not %s", strings.Join(probeKeys, ", "), kindName(n))
		return nil
	}
	pr := &Probe{} // Validate checks it sets exactly one kind
	for _, p := range d.pairs(n, at) {
		sub := at.key(p.key)
		if !slices.Contains(probeKeys, p.key) {
			d.errorf(sub, p.line, "unknown probe%s", suggest(p.key, probeKeys))
			continue
		}
		sub.record(p.line)
		v := p.val
		switch p.key {
		case "tcp":
			pr.TCP = d.portProbe(v, sub)
		case "tls":
			pr.TLS = d.portProbe(v, sub)
		case "echo":
			pr.Echo = d.portProbe(v, sub)
		case "http":
			pr.HTTP = d.httpProbe(v, sub)
		case "banner":
			pr.Banner = d.bannerProbe(v, sub)
		case "exec":
			pr.Exec = d.execProbe(v, sub)
		case "log":
			pr.Log = d.logProbe(v, sub)
		case "health":
			pr.Health = d.boolean(v, sub)
		case "exited":
			pr.Exited = d.boolean(v, sub)
		case "all":
			pr.All = d.probeList(v, sub, depth)
		case "any":
			pr.Any = d.probeList(v, sub, depth)
		}
	}
	return pr
}

func (d *decoder) probeList(n *yaml.Node, at place, depth int) []*Probe {
	out := []*Probe{}
	d.list(n, at, func(_ int, item *yaml.Node, at place) {
		if p := d.probe(item, at, depth+1); p != nil {
			out = append(out, p)
		} else if isNull(item) {
			d.errorf(at, item.Line, "empty probe")
		}
	})
	return out
}

// probePort reads the port of a probe: a decimal integer.
func (d *decoder) probePort(n *yaml.Node, at place) int {
	v, _ := d.integer(n, at)
	return v
}

// shorthand reads a probe written as a mapping of known keys, or as a
// scalar that is the value of its first key (tcp: 8080, log: "ready").
func (d *decoder) shorthand(n *yaml.Node, at place, known []string, fn func(key string, val *yaml.Node, at place)) {
	if n.Kind == yaml.ScalarNode {
		fn(known[0], n, at.key(known[0]))
		return
	}
	d.object(n, at, known, fn)
}

// portProbe reads 8080 or {port: 8080}.
func (d *decoder) portProbe(n *yaml.Node, at place) *TCPProbe {
	p := &TCPProbe{}
	d.shorthand(n, at, []string{"port"}, func(_ string, v *yaml.Node, at place) { p.Port = d.probePort(v, at) })
	return p
}

// httpProbe reads 8080 or {port, path, status, tls}.
func (d *decoder) httpProbe(n *yaml.Node, at place) *HTTPProbe {
	p := &HTTPProbe{}
	d.shorthand(n, at, []string{"port", "path", "status", "tls"}, func(key string, v *yaml.Node, at place) {
		switch key {
		case "port":
			p.Port = d.probePort(v, at)
		case "path":
			p.Path, _ = d.str(v, at)
		case "status":
			p.Status, _ = d.integer(v, at)
		case "tls":
			p.TLS = d.boolean(v, at)
		}
	})
	return p
}

func (d *decoder) bannerProbe(n *yaml.Node, at place) *BannerProbe {
	p := &BannerProbe{}
	d.object(n, at, []string{"port", "expect", "send", "tls"}, func(key string, v *yaml.Node, at place) {
		switch key {
		case "port":
			p.Port = d.probePort(v, at)
		case "expect":
			p.Expect, _ = d.str(v, at)
		case "send":
			p.Send, _ = d.str(v, at)
		case "tls":
			p.TLS = d.boolean(v, at)
		}
	})
	return p
}

// execProbe reads [cmd, args...] or {command: [cmd, args...]}.
func (d *decoder) execProbe(n *yaml.Node, at place) *ExecProbe {
	p := &ExecProbe{}
	if n.Kind != yaml.MappingNode {
		p.Command = d.argv(n, at.key("command"))
		return p
	}
	d.object(n, at, []string{"command"}, func(_ string, v *yaml.Node, at place) { p.Command = d.argv(v, at) })
	return p
}

// logProbe reads "pattern" or {pattern: "..."}.
func (d *decoder) logProbe(n *yaml.Node, at place) *LogProbe {
	p := &LogProbe{}
	d.shorthand(n, at, []string{"pattern"}, func(_ string, v *yaml.Node, at place) { p.Pattern, _ = d.str(v, at) })
	return p
}

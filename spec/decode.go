package spec

import (
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

var topKeys = []string{"name", "domain", "allow_host_mounts", "servers"}

// testbed decodes the document's root mapping.
func (d *decoder) testbed(root *yaml.Node) *Testbed {
	t := &Testbed{Format: FormatNative, Lines: Lines{}}
	at := place{lines: t.Lines}
	if root.Kind != yaml.MappingNode {
		d.errorf(at, root.Line, "the spec must be a mapping with a servers: key, not %s", kindName(root))
		return t
	}
	var servers *yaml.Node
	for _, p := range d.pairs(root, at) {
		sub := at.key(p.key)
		switch {
		case p.key == "name":
			t.Name, _ = d.str(p.val, sub)
		case p.key == "domain":
			t.Domain, _ = d.str(p.val, sub)
		case p.key == "allow_host_mounts":
			t.AllowHostMounts = d.boolean(p.val, sub)
		case p.key == "servers":
			servers = p.val
		case strings.HasPrefix(p.key, "x-"):
			continue // extension fields: anchors to merge from
		default:
			d.errorf(sub, p.line, "unknown field%s", suggest(p.key, topKeys))
			continue
		}
		sub.record(p.line)
	}
	switch {
	case servers == nil:
		d.errorf(at, root.Line, "no servers: key")
	case isNull(servers):
		d.errorf(at.key("servers"), servers.Line, "no servers")
	case servers.Kind != yaml.MappingNode:
		d.errorf(at.key("servers"), servers.Line, "must be a mapping of server name to server, not %s", kindName(servers))
	default:
		for _, p := range d.pairs(servers, at.key("servers")) {
			t.Servers = append(t.Servers, d.server(p))
		}
	}
	return t
}

var serverKeys = []string{
	"builtin", "options", "image", "pull", "build",
	"command", "entrypoint", "env", "files", "ports", "aliases", "depends_on", "ready", "timeout",
	"hostname", "user", "working_dir", "read_only", "tmpfs", "cap_add", "cap_drop", "volumes", "labels",
	"healthcheck", "resources", "reset",
}

// server decodes one server entry.
func (d *decoder) server(p pair) *Server {
	s := &Server{Name: p.key, Pos: Pos{File: d.file, Line: p.line}, Lines: Lines{}}
	at := place{server: p.key, lines: s.Lines}
	if p.val.Kind == yaml.ScalarNode && !isNull(p.val) {
		d.errorf(at, p.val.Line, "must be a mapping like {builtin: http} or {image: ...}, not %s", Quote(p.val.Value))
		return s
	}
	d.object(p.val, at, serverKeys, func(key string, v *yaml.Node, at place) {
		switch key {
		case "builtin":
			s.Builtin, _ = d.str(v, at)
		case "options":
			s.Options = d.strMap(v, at, false)
		case "image":
			s.Image, _ = d.str(v, at)
		case "pull":
			s.Pull = d.boolean(v, at)
		case "build":
			s.Build = d.build(v, at)
		case "command":
			s.Command = d.argv(v, at)
		case "entrypoint":
			s.Entrypoint = d.argv(v, at)
		case "env":
			s.Env = d.strMap(v, at, true)
		case "files":
			d.list(v, at, func(_ int, item *yaml.Node, at place) { s.Files = append(s.Files, d.file1(item, at)) })
		case "ports":
			d.list(v, at, func(_ int, item *yaml.Node, at place) {
				if p, ok := d.port(item, at); ok {
					s.Ports = append(s.Ports, p)
				}
			})
		case "aliases":
			s.Aliases = d.strList(v, at)
		case "depends_on":
			s.DependsOn = d.dependsOn(v, at)
		case "ready":
			s.Ready = d.probe(v, at, 0)
		case "timeout":
			s.Timeout = d.duration(v, at)
		case "hostname":
			s.Hostname, _ = d.str(v, at)
		case "user":
			s.User, _ = d.str(v, at)
		case "working_dir":
			s.WorkingDir, _ = d.str(v, at)
		case "read_only":
			s.ReadOnly = d.boolean(v, at)
		case "tmpfs":
			s.Tmpfs = d.strList(v, at)
		case "cap_add":
			s.CapAdd = d.strList(v, at)
		case "cap_drop":
			s.CapDrop = d.strList(v, at)
		case "volumes":
			d.list(v, at, func(_ int, item *yaml.Node, at place) {
				if vol, ok := d.volume(item, at); ok {
					s.Volumes = append(s.Volumes, vol)
				}
			})
		case "labels":
			s.Labels = d.strMap(v, at, true)
		case "healthcheck":
			s.Health = d.health(v, at)
		case "resources":
			s.Resources = d.resources(v, at)
		case "reset":
			s.Reset, _ = d.str(v, at)
		}
	})
	return s
}

// path resolves a host path against the spec's directory.
func (d *decoder) path(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(d.base, p)
}

// build reads build: ./dir or build: {context, dockerfile, args}.
func (d *decoder) build(n *yaml.Node, at place) *Build {
	b := &Build{Dockerfile: "Dockerfile"}
	if n.Kind == yaml.ScalarNode && !isNull(n) {
		ctx, _ := d.str(n, at)
		b.Context = d.path(ctx)
		return b
	}
	ctx := "."
	d.object(n, at, []string{"context", "dockerfile", "args"}, func(key string, v *yaml.Node, at place) {
		switch key {
		case "context":
			ctx, _ = d.str(v, at)
		case "dockerfile":
			b.Dockerfile, _ = d.str(v, at)
		case "args":
			b.Args = d.strMap(v, at, true)
		}
	})
	b.Context = d.path(ctx)
	return b
}

// file1 reads one files: entry.
func (d *decoder) file1(n *yaml.Node, at place) File {
	var f File
	d.object(n, at, []string{"src", "dst", "mode"}, func(key string, v *yaml.Node, at place) {
		switch key {
		case "src":
			src, _ := d.str(v, at)
			f.Src = d.path(src)
		case "dst":
			f.Dst, _ = d.str(v, at)
		case "mode":
			s, ok := d.str(v, at)
			if !ok || s == "" {
				return
			}
			m, err := ParseMode(s)
			if err != nil {
				d.errorf(at, v.Line, "%v", err)
				return
			}
			f.Mode = m
		}
	})
	if n.Kind == yaml.MappingNode || isNull(n) {
		if f.Src == "" {
			d.errorf(at, n.Line, "src: is required")
		}
		if f.Dst == "" {
			d.errorf(at, n.Line, "dst: is required")
		}
	}
	return f
}

// port reads 80, "80/udp", "30000-30009", "127.0.0.1:8080:80" or
// {port, proto, host_ip, host_port}.
func (d *decoder) port(n *yaml.Node, at place) (Port, bool) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!int" {
		v, ok := d.integer(n, at)
		return Port{Port: v, Proto: "tcp"}, ok // range checked by Validate
	}
	if n.Kind == yaml.ScalarNode {
		return parsed(d, n, at, ParsePort)
	}
	p := Port{Proto: "tcp"}
	ok, havePort := true, false
	proto := ""
	d.object(n, at, []string{"port", "proto", "host_ip", "host_port"}, func(key string, v *yaml.Node, at place) {
		switch key {
		case "port":
			havePort = true
			if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!int" {
				p.Port, ok = d.integer(v, at) // range checked by Validate
				return
			}
			q, qok := parsed(d, v, at, ParsePort)
			switch {
			case !qok:
				ok = false
			case q.HostIP != "" || q.HostPort != 0:
				d.errorf(at, v.Line, "give the host side with host_ip: and host_port:")
				ok = false
			default:
				p.Port, p.End, p.Proto = q.Port, q.End, q.Proto // proto: wins, below
			}
		case "proto":
			proto, _ = d.str(v, at)
		case "host_ip":
			p.HostIP, _ = d.str(v, at)
		case "host_port":
			p.HostPort, _ = d.integer(v, at)
		}
	})
	if !ok {
		return Port{}, false
	}
	if n.Kind == yaml.MappingNode && !havePort {
		d.errorf(at, n.Line, "port: is required")
		return Port{}, false
	}
	if proto != "" {
		p.Proto = proto
	}
	return p, n.Kind == yaml.MappingNode
}

// dependsOn reads [a, b] or {a: {condition: started}, b: null}. Lines are
// recorded as depends_on[i] in both forms.
func (d *decoder) dependsOn(n *yaml.Node, at place) []Dependency {
	var out []Dependency
	if n.Kind == yaml.MappingNode {
		for i, p := range d.pairs(n, at) {
			dep := Dependency{Name: p.key, Condition: ConditionReady}
			iat := at.index(i)
			iat.record(p.line)
			at.key(p.key).record(p.line)
			if p.val.Kind == yaml.ScalarNode && !isNull(p.val) {
				d.errorf(iat, p.val.Line, "must be a mapping like {condition: ready}, not %s", Quote(p.val.Value))
			}
			d.object(p.val, iat, []string{"condition"}, func(_ string, v *yaml.Node, at place) {
				if c, ok := d.str(v, at); ok && c != "" {
					dep.Condition = c
				}
			})
			out = append(out, dep)
		}
		return out
	}
	d.list(n, at, func(_ int, item *yaml.Node, at place) {
		if name, ok := d.str(item, at); ok {
			out = append(out, Dependency{Name: name, Condition: ConditionReady})
		}
	})
	return out
}

// volume reads "src:dst[:ro]" or {type, source, target, read_only}.
func (d *decoder) volume(n *yaml.Node, at place) (v Volume, ok bool) {
	if n.Kind == yaml.ScalarNode {
		v, ok = parsed(d, n, at, ParseVolume)
	} else {
		d.object(n, at, []string{"type", "source", "target", "read_only"}, func(key string, val *yaml.Node, at place) {
			switch key {
			case "type":
				v.Type, _ = d.str(val, at)
			case "source":
				v.Source, _ = d.str(val, at)
			case "target":
				v.Target, _ = d.str(val, at)
			case "read_only":
				v.ReadOnly = d.boolean(val, at)
			}
		})
		if v.Type == "" {
			v.Type = VolumeVolume
			if IsHostPath(v.Source) {
				v.Type = VolumeBind
			}
		}
		ok = n.Kind == yaml.MappingNode
	}
	if v.Type == VolumeBind {
		v.Source = d.path(v.Source)
	}
	return v, ok
}

// duration reads a Go duration like "30s"; it must be above 0.
func (d *decoder) duration(n *yaml.Node, at place) time.Duration {
	s, ok := d.str(n, at)
	if !ok || isNull(n) {
		return 0
	}
	if n.ShortTag() == "!!int" || n.ShortTag() == "!!float" {
		d.errorf(at, n.Line, "duration %s needs a unit, like \"%ss\"", Quote(s), s)
		return 0
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		d.errorf(at, n.Line, "duration %s: want a number with a unit, like \"30s\" or \"2m\"", Quote(s))
		return 0
	}
	if v <= 0 {
		d.errorf(at, n.Line, "duration %s must be above 0", Quote(s))
		return 0
	}
	return v
}

// health reads healthcheck: {test: [argv], interval, retries}.
func (d *decoder) health(n *yaml.Node, at place) *Health {
	h := &Health{}
	d.object(n, at, []string{"test", "interval", "retries"}, func(key string, v *yaml.Node, at place) {
		switch key {
		case "test":
			argv := d.argv(v, at)
			if len(argv) > 0 && (argv[0] == "CMD-SHELL" || argv[0] == "NONE") {
				d.errorf(at, v.Line, "an argv list run without a shell; %s is not supported", argv[0])
				return
			}
			if len(argv) > 0 && argv[0] == "CMD" {
				argv = argv[1:]
			}
			if len(argv) > 0 {
				h.Test = append([]string{"CMD"}, argv...)
			}
		case "interval":
			h.Interval = d.duration(v, at)
		case "retries":
			h.Retries, _ = d.integer(v, at)
		}
	})
	if h.Test == nil && n.Kind == yaml.MappingNode {
		d.errorf(at, n.Line, "test: is required")
	}
	return h
}

package spec

// MaxProbeDepth bounds how deeply all: and any: may nest: the probe of
// ready: is at depth 0, the members of its list at depth 1, and so on down
// to MaxProbeDepth.
const MaxProbeDepth = 8

// ProbeKind describes one kind of readiness probe. [ProbeKinds] lists them
// all; validation, [probe.FromSpec] and the planner read this one table, so
// a kind has one set of rules and one wording for its errors.
//
// [probe.FromSpec]: https://pkg.go.dev/github.com/testbed-dev/testbed/probe#FromSpec
type ProbeKind struct {
	// Name is the kind's key in a spec and in field paths: "tcp", "http", ...
	Name string
	// Fields are the keys the kind's mapping takes, in the model's order;
	// nil for a kind whose value is true (health, exited) or a list (all, any).
	Fields []string
	// Port says the kind checks one of the server's ports, its "port" field.
	Port bool
	// List says the kind's value is a list of probes, nested at most
	// MaxProbeDepth deep. Every says each of them must pass (all), not just
	// one (any).
	List, Every bool
	// Running says the kind can pass only while the server runs: it dials
	// the server, runs a command in it or asks for its healthcheck. Exits
	// says it can pass only once the server's process has ended (exited).
	// A kind may be neither (log: the output outlives the process).
	Running, Exits bool
	// Acts says checking the kind runs something of the user's in the
	// server (exec): `testbed ps` does not check it again after up, as it
	// may change what it checks.
	Acts bool

	set     func(*Probe) bool
	port    func(*Probe) int
	list    func(*Probe) []*Probe
	setList func(*Probe, []*Probe)
	// check reports the problems of the kind's own fields (ports and lists
	// are checked for every kind that has them), with field the kind's path;
	// text adds the rules for a spec file's text.
	check func(p *Probe, field string, text bool, report func(field, msg string))
}

// probeKindTable is the one list of probe kinds, in the order messages
// list them.
var probeKindTable = []ProbeKind{
	{Name: "tcp", Fields: []string{"port"}, Port: true, Running: true,
		set: func(p *Probe) bool { return p.TCP != nil }, port: func(p *Probe) int { return p.TCP.Port }},
	{Name: "http", Fields: []string{"port", "path", "status", "tls"}, Port: true, Running: true,
		set: func(p *Probe) bool { return p.HTTP != nil }, port: func(p *Probe) int { return p.HTTP.Port }, check: checkHTTPProbe},
	{Name: "tls", Fields: []string{"port"}, Port: true, Running: true,
		set: func(p *Probe) bool { return p.TLS != nil }, port: func(p *Probe) int { return p.TLS.Port }},
	{Name: "banner", Fields: []string{"port", "send", "expect", "tls"}, Port: true, Running: true,
		set: func(p *Probe) bool { return p.Banner != nil }, port: func(p *Probe) int { return p.Banner.Port }, check: checkBannerProbe},
	{Name: "exec", Fields: []string{"command"}, Running: true, Acts: true,
		set: func(p *Probe) bool { return p.Exec != nil }, check: checkExecProbe},
	{Name: "log", Fields: []string{"pattern"},
		set: func(p *Probe) bool { return p.Log != nil }, check: checkLogProbe},
	{Name: "health", Running: true,
		set: func(p *Probe) bool { return p.Health }},
	{Name: "all", List: true, Every: true,
		set: func(p *Probe) bool { return p.All != nil }, list: func(p *Probe) []*Probe { return p.All },
		setList: func(p *Probe, l []*Probe) { p.All = l }},
	{Name: "any", List: true,
		set: func(p *Probe) bool { return p.Any != nil }, list: func(p *Probe) []*Probe { return p.Any },
		setList: func(p *Probe, l []*Probe) { p.Any = l }},
	{Name: "echo", Fields: []string{"port"}, Port: true, Running: true,
		set: func(p *Probe) bool { return p.Echo != nil }, port: func(p *Probe) int { return p.Echo.Port }},
	{Name: "exited", Exits: true,
		set: func(p *Probe) bool { return p.Exited }},
}

// ProbeKinds lists every kind of probe.
func ProbeKinds() []ProbeKind {
	return append([]ProbeKind(nil), probeKindTable...)
}

// ProbeKindNames lists the names of every kind of probe.
func ProbeKindNames() []string {
	names := make([]string, len(probeKindTable))
	for i, k := range probeKindTable {
		names[i] = k.Name
	}
	return names
}

// Kinds lists the kinds p sets; a valid probe sets exactly one. A list kind
// counts as set when its list is not nil, even if empty.
func (p *Probe) Kinds() []ProbeKind {
	if p == nil {
		return nil
	}
	var set []ProbeKind
	for _, k := range probeKindTable {
		if k.set(p) {
			set = append(set, k)
		}
	}
	return set
}

// kind is the one kind p sets.
func (p *Probe) kind() (ProbeKind, bool) {
	set := p.Kinds()
	if len(set) != 1 {
		return ProbeKind{}, false
	}
	return set[0], true
}

// Port is the port p checks, when p is of one kind and that kind checks a
// port (tcp, http, tls, banner, echo).
func (p *Probe) Port() (int, bool) {
	k, ok := p.kind()
	if !ok || !k.Port {
		return 0, false
	}
	return k.port(p), true
}

// List is the list of probes of an all or any probe; nil for other kinds.
func (p *Probe) List() []*Probe {
	k, ok := p.kind()
	if !ok || !k.List {
		return nil
	}
	return k.list(p)
}

// WithList returns a copy of an all or any probe whose list is list; for
// other kinds, a copy of p.
func (p *Probe) WithList(list []*Probe) *Probe {
	q := *p
	if k, ok := p.kind(); ok && k.List {
		k.setList(&q, list)
	}
	return &q
}

// AwaitsExit reports whether p, or a probe in its lists, can pass only once
// the server's process has ended (exited): for such a probe the end of the
// process is an answer, not a crash.
func (p *Probe) AwaitsExit() bool {
	k, ok := p.kind()
	switch {
	case !ok:
		return false
	case k.Exits:
		return true
	}
	for _, c := range p.List() {
		if c.AwaitsExit() {
			return true
		}
	}
	return false
}

// Acts reports whether checking p, or a probe in its lists, runs something
// in the server (see [ProbeKind].Acts).
func (p *Probe) Acts() bool {
	k, ok := p.kind()
	if ok && k.Acts {
		return true
	}
	for _, c := range p.List() {
		if c.Acts() {
			return true
		}
	}
	return false
}

// mustRun reports whether p can pass only while the server runs, and
// mustExit whether only once it has exited: all needs what any of its
// members needs, any what every one of them does.
func (p *Probe) mustRun() bool  { return p.needs(func(k ProbeKind) bool { return k.Running }) }
func (p *Probe) mustExit() bool { return p.needs(func(k ProbeKind) bool { return k.Exits }) }

func (p *Probe) needs(leaf func(ProbeKind) bool) bool {
	k, ok := p.kind()
	if !ok {
		return false
	}
	if !k.List {
		return leaf(k)
	}
	list := k.list(p)
	if len(list) == 0 {
		return false
	}
	for _, c := range list {
		if c.needs(leaf) == k.Every {
			return k.Every // all: one member decides; any: one member that does not
		}
	}
	return !k.Every
}

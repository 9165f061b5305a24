// Package plan turns a validated spec into what an engine does: container and
// network names, labels, published ports, images, commands, probes and the
// order to start servers in. It touches no engine and no network, so a plan
// can be printed (`testbed config`) and tested as text.
package plan

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/testbed-dev/testbed/catalog"
	"github.com/testbed-dev/testbed/servers/control"
	"github.com/testbed-dev/testbed/spec"
)

// Labels every resource carries.
const (
	LabelProject  = "testbed.project"
	LabelServer   = "testbed.server"
	LabelSpecHash = "testbed.spec-hash"
	LabelOwner    = "testbed.owner"
	LabelVersion  = "testbed.version"
)

// Labels a server's container carries, so that its endpoints can be read
// back from the engine with no state file: its host name and kind.
const (
	LabelHostname = "testbed.hostname"
	LabelKind     = "testbed.kind"
	// LabelReset is how a reused testbed resets the server: "control"
	// (a built-in kind's control channel), or the spec's reset:
	// "recreate", "restart" or "none".
	LabelReset  = "testbed.reset"
	LabelDomain = "testbed.domain"
	// LabelDataPorts lists the data ports (FTP passive) a driver picked
	// and published, "30000,30001": published, but not endpoints.
	LabelDataPorts = "testbed.data-ports"
)

// LabelReady, on a server's container, is its readiness probe as JSON, so
// that `testbed ps` can check it again with no spec at hand.
const LabelReady = "testbed.ready"

// Environment variables that carry a built-in server's certificate into
// its container (read by `testbed serve`).
const (
	EnvTLSCert = "TESTBED_TLS_CERT"
	EnvTLSKey  = "TESTBED_TLS_KEY"
)

// LocalHost is where ports are published unless a spec says otherwise.
const LocalHost = "127.0.0.1"

// BuiltinUser is the uid:gid built-in servers run as (nobody).
const BuiltinUser = "65534:65534"

// Options are the run-time choices that shape a plan.
type Options struct {
	Project   string // project name; required
	BindLocal bool   // publish host port = container port
	Owner     string // the testbed.owner label value
	Version   string // the testbed.version label value
	// Container is true for engines that run servers in containers (docker);
	// false for the local driver, where kinds need no data-port publishing.
	Container bool
	// Contents are the content hashes of what goes into each server's image
	// (image.Context hashes: bytes and modes of every copied file and build
	// context file), by server; the core reads them, so that planning does
	// no I/O. A server missing here has no files of its own.
	Contents map[string]string
}

// Plan is everything an engine needs to bring a testbed up.
type Plan struct {
	Project  string
	Domain   string
	Network  string
	SpecHash string
	Labels   map[string]string // on every resource; steps add testbed.server
	Levels   [][]*Step         // servers of one level depend only on earlier levels
}

// Steps lists every step in start order.
func (p *Plan) Steps() []*Step {
	var out []*Step
	for _, l := range p.Levels {
		out = append(out, l...)
	}
	return out
}

// Step finds the step of a server.
func (p *Plan) Step(server string) *Step {
	for _, s := range p.Steps() {
		if s.Server.Name == server {
			return s
		}
	}
	return nil
}

// Step is one server to run.
type Step struct {
	Server    *spec.Server
	Kind      *catalog.Kind `json:"-"` // for built-in servers; Decode finds it again
	Container string        // container name, <project>-<server>
	Hostname  string        // FQDN
	Aliases   []string      // DNS names on the project network (short name, FQDN, extras)
	TLSNames  []string      // names and addresses in the server's certificate
	Ports     []Binding
	Command   []string // argv after the entrypoint (built-in: serve KIND ...)
	Env       map[string]string
	Options   map[string]string // built-in kind options, defaults applied
	Probe     *spec.Probe       // nil: running is enough
	Timeout   time.Duration
	Labels    map[string]string
	Hardened  bool // non-root, read-only root, capabilities dropped, no-new-privileges
	// DataPorts is how many data ports (FTP passive) the driver picks and
	// publishes at start, host port = container port ([Step.WithDataPorts]);
	// 0 when none or when they are planned already (bind-local).
	DataPorts int
	// Hash is the content of what runs for this server: its canonical
	// resolved form plus the content hash of its image's files. It is the
	// testbed.spec-hash label of its container; a change means recreate.
	Hash string
}

// Binding publishes one container port.
type Binding struct {
	Port     int
	Proto    string
	HostIP   string
	HostPort int  // 0: the engine chooses
	Data     bool // a data port (FTP passive): published, but not an endpoint
	// Expose: reachable on the project network only (compose expose):
	// declared on the container, never published, not an endpoint, not probed.
	Expose bool
}

// Key is "80/tcp".
func (b Binding) Key() string { return fmt.Sprintf("%d/%s", b.Port, b.Proto) }

// New makes the plan for tb. tb must be valid.
func New(tb *spec.Testbed, cat *catalog.Catalog, o Options) (*Plan, error) {
	if o.Project == "" {
		return nil, fmt.Errorf("plan: no project name")
	}
	domain := tb.Domain
	if domain == "" {
		domain = spec.DefaultDomain
	}
	p := &Plan{
		Project: o.Project,
		Domain:  domain,
		Network: NetworkName(o.Project),
		Labels: map[string]string{
			LabelProject: o.Project,
			LabelOwner:   o.Owner,
			LabelVersion: o.Version,
			LabelDomain:  domain,
		},
	}
	levels, err := tb.Order()
	if err != nil {
		return nil, err
	}
	for _, level := range levels {
		var steps []*Step
		for _, s := range level {
			st, err := newStep(p, tb, s, cat, o)
			if err != nil {
				return nil, fmt.Errorf("plan server %s: %w", s.Name, err)
			}
			steps = append(steps, st)
		}
		p.Levels = append(p.Levels, steps)
	}
	if err := p.hash(o.Contents); err != nil {
		return nil, err
	}
	return p, nil
}

func newStep(p *Plan, tb *spec.Testbed, s *spec.Server, cat *catalog.Catalog, o Options) (*Step, error) {
	fqdn := s.Name + "." + p.Domain
	st := &Step{
		Server:    s,
		Container: ContainerName(p.Project, s.Name),
		Hostname:  s.FQDN(p.Domain),
		Env:       map[string]string{},
		Timeout:   s.Timeout,
		Labels:    map[string]string{},
	}
	if st.Timeout == 0 {
		st.Timeout = spec.DefaultTimeout
	}
	// testbed's own labels last: nothing of a spec's overrides them.
	for k, v := range s.Labels {
		st.Labels[k] = v
	}
	for k, v := range p.Labels {
		st.Labels[k] = v
	}
	st.Labels[LabelServer] = s.Name
	st.Labels[LabelHostname] = st.Hostname
	st.Labels[LabelKind] = s.Builtin
	st.Labels[LabelReset] = resetPolicy(s)
	st.Aliases = uniq(append([]string{s.Name, fqdn, st.Hostname}, s.Aliases...))
	st.TLSNames = uniq(append(append([]string{}, st.Aliases...), "localhost", "127.0.0.1", "::1"))
	for k, v := range s.Env {
		st.Env[k] = v
	}
	ports := s.Ports
	st.Probe = s.Ready
	if s.Builtin != "" {
		k, ok := cat.Kind(s.Builtin)
		if !ok {
			return nil, fmt.Errorf("unknown built-in kind %q", s.Builtin)
		}
		st.Kind = k
		st.Hardened = true
		opts, err := k.ResolveOptions(s.Options)
		if err != nil {
			return nil, err
		}
		if len(ports) == 0 {
			ports = k.SpecPorts()
		} else if err := kindHasPorts(k, ports); err != nil {
			return nil, err
		}
		if st.Probe == nil && k.Ready != nil {
			st.Probe = onPorts(k.Ready(opts), ports)
		}
		nData, err := k.DataPortCount(opts)
		if err != nil {
			return nil, err
		}
		if o.Container && nData > 0 {
			opts["pasv-host"] = LocalHost
			opts["public-clients"] = "gateway"
			if o.BindLocal {
				// Fixed and known now: planned, like every bind-local port.
				data := make([]int, nData)
				for i := range data {
					data[i] = 30000 + i
				}
				opts["pasv-ports"] = joinInts(data)
				for _, n := range data {
					st.Ports = append(st.Ports, Binding{Port: n, Proto: "tcp", HostIP: LocalHost, HostPort: n, Data: true})
				}
			} else {
				// Free host ports are a fact of the moment of start: the
				// driver picks them then (WithDataPorts), not the planner.
				st.DataPorts = nData
			}
		}
		st.Options = opts
		st.Command = builtinCommand(k, opts, p.Domain, p.Network, o.Container)
	} else {
		st.Command = s.Command
		if st.Probe == nil {
			st.Probe = defaultProbe(ports)
		}
	}
	// Set even when empty: an image's LABEL of the same name, which its
	// containers inherit, must never stand in for testbed's.
	st.Labels[LabelReady] = ""
	if st.Probe != nil {
		ready, err := json.Marshal(st.Probe)
		if err != nil {
			return nil, fmt.Errorf("server %s: readiness probe: %w", s.Name, err)
		}
		st.Labels[LabelReady] = string(ready)
	}
	var bound []Binding
	for _, port := range ports {
		for _, single := range port.Expand() {
			b := Binding{Port: single.Port, Proto: single.Proto, HostIP: single.HostIP, HostPort: single.HostPort}
			if port.Expose {
				bound = append(bound, Binding{Port: single.Port, Proto: single.Proto, Expose: true})
				continue
			}
			if b.HostIP == "" {
				b.HostIP = LocalHost
			}
			if b.HostPort == 0 && o.BindLocal {
				b.HostPort = b.Port
			}
			bound = append(bound, b)
		}
	}
	st.Ports = append(bound, st.Ports...)
	return st, nil
}

// resetPolicy is the server's LabelReset.
func resetPolicy(s *spec.Server) string {
	switch {
	case s.Builtin != "":
		return ResetControl
	case s.Reset == "":
		return spec.ResetRecreate
	}
	return s.Reset
}

// ResetControl is the LabelReset of a built-in server: it resets through
// its control channel.
const ResetControl = "control"

// builtinCommand is the argv after the image's entrypoint (`testbed`).
func builtinCommand(k *catalog.Kind, opts map[string]string, domain, network string, container bool) []string {
	cmd := []string{"serve", k.Name}
	names := make([]string, 0, len(opts))
	for n := range opts {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if opts[n] != "" {
			cmd = append(cmd, "--set", n+"="+opts[n])
		}
	}
	if container {
		// O(1) per server: the proxy and socks servers resolve names at
		// connect time and dial only containers of the project network.
		cmd = append(cmd, "--allow-domain", domain, "--allow-net", "local", "--allow-network", network)
		// Never published: testbed resets the server through it on the
		// container's address (or by exec), when a testbed is reused.
		cmd = append(cmd, "--control", ":"+strconv.Itoa(control.Port))
	}
	return cmd
}

// defaultProbe waits for every published tcp port to accept connections;
// expose-only ports are not probed (an image may expose ports it does not
// listen on).
func defaultProbe(ports []spec.Port) *spec.Probe {
	var all []*spec.Probe
	for _, p := range ports {
		if p.Expose {
			continue
		}
		for _, single := range p.Expand() {
			if single.Proto == "tcp" {
				all = append(all, &spec.Probe{TCP: &spec.TCPProbe{Port: single.Port}})
			}
		}
	}
	switch len(all) {
	case 0:
		return nil
	case 1:
		return all[0]
	}
	return &spec.Probe{All: all}
}

func uniq(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func joinInts(ns []int) string {
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = fmt.Sprint(n)
	}
	return strings.Join(parts, ",")
}

// kindHasPorts refuses a built-in server's ports that its kind does not
// listen on: a spec lists a kind's ports only to choose where (host_ip,
// host_port) and which of them to publish.
func kindHasPorts(k *catalog.Kind, ports []spec.Port) error {
	have := map[string]bool{}
	var names []string
	for _, p := range k.Ports {
		have[p.Key()] = true
		names = append(names, p.Key())
	}
	for _, p := range ports {
		for _, single := range p.Expand() {
			if !have[single.Key()] {
				return fmt.Errorf("ports: kind %s listens on %s, not %s; publish one of those (host_port picks the host side)",
					k.Name, strings.Join(names, ", "), single.Key())
			}
		}
	}
	return nil
}

// onPorts keeps the parts of a kind's probe that check one of ports (a
// server may publish only some of its kind's ports); nil when none is left.
// Which kinds check a port, and which hold a list, is spec.ProbeKinds'.
func onPorts(p *spec.Probe, ports []spec.Port) *spec.Probe {
	if p == nil {
		return nil
	}
	keep := map[int]bool{}
	for _, port := range ports {
		for _, single := range port.Expand() {
			keep[single.Port] = true
		}
	}
	var prune func(p *spec.Probe) *spec.Probe
	prune = func(p *spec.Probe) *spec.Probe {
		if port, ok := p.Port(); ok {
			if !keep[port] {
				return nil
			}
			return p
		}
		list := p.List()
		if list == nil {
			return p
		}
		var kept []*spec.Probe
		for _, c := range list {
			if c = prune(c); c != nil {
				kept = append(kept, c)
			}
		}
		if len(kept) == 0 {
			return nil
		}
		return p.WithList(kept)
	}
	return prune(p)
}

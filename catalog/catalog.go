// Package catalog is testbed's built-in server kinds: what each listens on,
// which options it takes, how a client tells it is ready, and how to run it on
// listeners that the caller has bound (in a container or on 127.0.0.1).
package catalog

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"sort"
	"strconv"
	"strings"

	"github.com/testbed-dev/testbed/spec"
)

// PortInfo is one port a kind listens on.
type PortInfo struct {
	Port  int    // container port
	Proto string // "tcp" or "udp"
	TLS   bool   // implicit TLS on this port
	Note  string // what it is, for `testbed servers`
}

// Key is "80/tcp".
func (p PortInfo) Key() string { return fmt.Sprintf("%d/%s", p.Port, p.Proto) }

// Option is a setting of a kind, given to `testbed serve` as --set name=value
// and in a spec under options:.
type Option struct {
	Name    string
	Default string
	Help    string
	Secret  bool // redacted in output
}

// Dialer connects to destinations on the testbed and refuses the rest; the
// proxy and socks kinds reach their targets through it.
type Dialer interface {
	DialContext(ctx context.Context, network, address string) (net.Conn, error)
}

// Env is what a kind runs with.
type Env struct {
	Listeners map[string]net.Listener   // by port key ("80/tcp"), already bound
	Packets   map[string]net.PacketConn // by port key ("7/udp"), already bound
	Options   map[string]string         // every option of the kind, defaults applied
	TLS       *tls.Config               // server certificate from the project CA; nil without one
	Dialer    Dialer                    // nil: a dialer that refuses everything
	Logger    *slog.Logger              // never nil
	// Scratch is a directory that outlives RunResettable's restarts, for
	// a kind with Kind.Scratch: each run finds it as the last one left it
	// (a server that knows its seed can reset it in place, faster than
	// making it anew). "" outside RunResettable.
	Scratch string
}

// Kind is one built-in server kind.
type Kind struct {
	Name        string
	Summary     string
	Ports       []PortInfo
	Credentials string   // for people: "httptest / httptest"
	Endpoints   []string // for people: what a client can do, one line each
	Options     []Option
	// DataPorts is how many extra ports the kind needs for data connections
	// (FTP passive mode). In containers they are published with host port ==
	// container port, and the kind is told them through its options.
	DataPorts int
	// DataPortsOption names the option that overrides DataPorts ("" for
	// none); see [Kind.DataPortCount].
	DataPortsOption string
	// Ready is the probe that tells a client would succeed.
	Ready func(opts map[string]string) *spec.Probe
	// Run serves on env's listeners until ctx is done or a listener fails.
	Run func(ctx context.Context, env Env) error
	// KeepAcrossReset, when set, fills options that must stay the same
	// when RunResettable restarts the kind (a generated host key that
	// clients pin); it is called once, before the first run.
	KeepAcrossReset func(opts map[string]string) error
	// Scratch asks RunResettable for Env.Scratch (removed when it returns).
	Scratch bool
}

// Catalog is the set of built-in kinds.
type Catalog struct {
	kinds map[string]*Kind
}

// New returns the catalogue of every built-in kind.
func New() *Catalog {
	c := &Catalog{kinds: map[string]*Kind{}}
	for _, k := range builtinKinds() {
		c.kinds[k.Name] = k
	}
	return c
}

// Kind returns the kind called name.
func (c *Catalog) Kind(name string) (*Kind, bool) {
	k, ok := c.kinds[name]
	return k, ok
}

// Names lists the kinds in the order of the default testbed.
func (c *Catalog) Names() []string {
	var out []string
	for _, n := range DefaultOrder {
		if _, ok := c.kinds[n]; ok {
			out = append(out, n)
		}
	}
	var rest []string
	for n := range c.kinds {
		if !contains(out, n) {
			rest = append(rest, n)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// DefaultOrder is the default testbed's servers, each of the kind of its
// name. Kinds not listed are opt-in: a spec names them, or DefaultWith adds
// them when they are asked for by name (`testbed up mqtt`,
// WithServers("mqtt")).
var DefaultOrder = []string{"http", "proxy", "socks", "ftp", "imap", "echo"}

// optInNote is the endpoints line of an opt-in kind, for `testbed servers`.
func optInNote(kind string) string {
	return fmt.Sprintf("opt-in: not in the default testbed; `testbed up %s`, WithServers(%q) or a spec adds it", kind, kind)
}

// Default returns the built-in default testbed: one server of each kind of
// DefaultOrder, named after it.
func (c *Catalog) Default() *spec.Testbed {
	return c.DefaultWith()
}

// DefaultWith returns the default testbed plus one server of each opt-in
// kind among names, named after it; names that are no kind are left for
// the caller's subset to refuse.
func (c *Catalog) DefaultWith(names ...string) *spec.Testbed {
	tb := &spec.Testbed{Name: "testbed", Domain: spec.DefaultDomain, Format: "builtin"}
	for _, n := range DefaultOrder {
		if _, ok := c.kinds[n]; ok {
			tb.Servers = append(tb.Servers, &spec.Server{Name: n, Builtin: n})
		}
	}
	for _, n := range names {
		if _, ok := c.kinds[n]; ok && !contains(DefaultOrder, n) && tb.Server(n) == nil {
			tb.Servers = append(tb.Servers, &spec.Server{Name: n, Builtin: n})
		}
	}
	return tb
}

// ResolveOptions applies defaults and refuses unknown options.
func (k *Kind) ResolveOptions(given map[string]string) (map[string]string, error) {
	out := map[string]string{}
	known := map[string]bool{}
	for _, o := range k.Options {
		out[o.Name] = o.Default
		known[o.Name] = true
	}
	var unknown []string
	for name, v := range given {
		if !known[name] {
			unknown = append(unknown, name)
			continue
		}
		out[name] = v
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("unknown option(s) %s for kind %s (known: %s)",
			strings.Join(unknown, ", "), k.Name, strings.Join(k.optionNames(), ", "))
	}
	return out, nil
}

// MaxDataPorts bounds a kind's data ports (spec.MaxServerPorts).
const MaxDataPorts = spec.MaxServerPorts

// DataPortCount is how many data ports the kind gets with opts: the value
// of its DataPortsOption when set, else DataPorts.
func (k *Kind) DataPortCount(opts map[string]string) (int, error) {
	v := strings.TrimSpace(opts[k.DataPortsOption])
	if k.DataPortsOption == "" || v == "" {
		return k.DataPorts, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > MaxDataPorts {
		return 0, fmt.Errorf("option %s=%q: want a number of ports 1-%d", k.DataPortsOption, v, MaxDataPorts)
	}
	return n, nil
}

// SecretOption reports whether the option's value must be redacted.
func (k *Kind) SecretOption(name string) bool {
	for _, o := range k.Options {
		if o.Name == name {
			return o.Secret
		}
	}
	return false
}

func (k *Kind) optionNames() []string {
	var out []string
	for _, o := range k.Options {
		out = append(out, o.Name)
	}
	if len(out) == 0 {
		return []string{"none"}
	}
	return out
}

// SpecPorts are the kind's ports as spec ports.
func (k *Kind) SpecPorts() []spec.Port {
	out := make([]spec.Port, 0, len(k.Ports))
	for _, p := range k.Ports {
		out = append(out, spec.Port{Port: p.Port, Proto: p.Proto})
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Package spec is testbed's model of a set of test servers: what to run, how to
// reach it and when it counts as ready. Loaders turn files into a [Testbed];
// [Testbed.Validate] checks it before anything touches an engine.
package spec

import (
	"fmt"
	"io/fs"
	"time"
)

// DefaultDomain is the DNS domain servers are named in when a spec gives none.
// RFC 2606 reserves .test for exactly this use.
const DefaultDomain = "testbed.test"

// DefaultTimeout is how long a server may take to become ready when its spec
// sets no timeout.
const DefaultTimeout = 60 * time.Second

// Testbed is a whole set of servers brought up and torn down together.
type Testbed struct {
	Name    string    // project name hint; the CLI may override it
	Domain  string    // DNS domain, DefaultDomain when empty
	Servers []*Server // in the order of the source, names unique
	Source  string    // file or directory it was loaded from; "" for the built-in default
	Format  string    // "native", "legacy", "compose" or "builtin"
	Lines   Lines     // source line of top-level fields ("name", "domain"), for messages; may be nil

	// AllowHostMounts lets bind mounts, file sources and build contexts
	// name the host places testbed refuses by default (the engine socket,
	// /, /proc, /sys, /dev, /run, /var/run, /var/lib/docker and their
	// parents). Spec key allow_host_mounts.
	AllowHostMounts bool
}

// Server returns the server called name, or nil.
func (t *Testbed) Server(name string) *Server {
	for _, s := range t.Servers {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Server is one test server: a built-in kind, an existing image, or an image
// built from a Dockerfile.
type Server struct {
	Name string // DNS label, unique in the testbed

	// Exactly one of Builtin, Image and Build says what runs.
	Builtin string            // a kind of the built-in catalogue ("http", "echo", ...)
	Options map[string]string // kind options, passed as --key=value to `testbed serve`
	Image   string            // an image that must exist on the engine (unless pulling is allowed)
	Build   *Build            // an image built from a Dockerfile

	Command    []string          // replaces the image's CMD; argv, never a shell line
	Entrypoint []string          // replaces the image's ENTRYPOINT
	Env        map[string]string // environment of the server's process
	Files      []File            // copied into the image through the build context
	Ports      []Port            // ports to publish; built-in kinds bring their own
	Aliases    []string          // extra DNS names on the project network
	DependsOn  []Dependency      // servers that must be ready (or done) before this one starts
	Ready      *Probe            // readiness; nil means the kind's own, or tcp on every tcp port
	Timeout    time.Duration     // readiness deadline; 0 means DefaultTimeout

	// Container details, mostly from compose files.
	Hostname   string            // host name inside the container; default <name>.<domain>
	User       string            // user[:group]
	WorkingDir string            // working directory
	ReadOnly   bool              // read-only root filesystem
	Tmpfs      []string          // tmpfs mount points (path[:options])
	CapAdd     []string          // capabilities to add
	CapDrop    []string          // capabilities to drop
	Volumes    []Volume          // bind mounts and named volumes
	Labels     map[string]string // extra labels (the testbed.* labels are testbed's own)
	Health     *Health           // an engine healthcheck to configure on the container
	Pull       bool              // the image may be pulled when missing
	// Reset is what a reused testbed does to this image or build server
	// to give the next user fresh state: ResetRecreate (the default, ""),
	// ResetRestart or ResetNone. Built-in servers always reset through
	// their control channel.
	Reset string

	// Container details added for compose files; see [Server.FQDN].
	Domainname string      // DNS domain of the container (compose domainname); Hostname stays short then
	ExtraHosts []HostEntry // extra lines for the container's /etc/hosts
	Platform   string      // os/arch[/variant] the image is built and run for; "" means the engine's
	Resources  *Resources  // limits on memory, CPU and processes; nil means none

	Pos   Pos   // where the server was defined, for messages
	Lines Lines // source line of each field by path ("ports[1]", "ready.http.port"); may be nil
}

// The values of Server.Reset.
const (
	// ResetRecreate makes the container anew from its image: fresh files
	// and a fresh process (new host ports, as at any start).
	ResetRecreate = "recreate"
	// ResetRestart restarts the same container: a fresh process, the
	// files it wrote kept; faster.
	ResetRestart = "restart"
	// ResetNone leaves the server as it is (a stateless server).
	ResetNone = "none"
)

// Build says how to build a server's image.
type Build struct {
	Context    string            // directory, absolute after loading
	Dockerfile string            // path inside Context; default "Dockerfile"
	Inline     string            // Dockerfile text made by a loader (legacy); wins over Dockerfile
	BaseImage  string            // the image Inline starts FROM, when a loader knows it (legacy); must exist locally unless pulling is allowed
	Args       map[string]string // build arguments
	Target     string            // the stage of a multi-stage Dockerfile to build; "" means the last
	// ExternalDockerfile is the absolute host path of a Dockerfile that lies
	// outside Context (compose allows it; Qt's setups share one). The image
	// builder builds with its text, streamed along with the context, as it
	// does an Inline one; Dockerfile and Inline are empty then.
	ExternalDockerfile string
}

// HostEntry is one line of a container's /etc/hosts (compose extra_hosts).
type HostEntry struct {
	Name string // a DNS name
	IP   string // an IP address, or "host-gateway" (the engine's host address)
}

// Resources limits what a server's container may use. Zero means no limit.
type Resources struct {
	Memory   int64 // bytes
	NanoCPUs int64 // CPU time in units of 1e-9 CPUs (1.5 CPUs = 1500000000)
	Pids     int64 // processes
}

// File is one file or directory copied into a server's image.
type File struct {
	Src  string      // host path, absolute after loading
	Dst  string      // absolute path in the image, no ".."
	Mode fs.FileMode // permission bits; 0 keeps the source's
}

// Port is a container port or a range of them.
type Port struct {
	Port     int    // first container port, 1-65535
	End      int    // last port of a range; 0 or Port for a single port
	Proto    string // "tcp" (default) or "udp"
	HostIP   string // host address to publish on; "" means 127.0.0.1
	HostPort int    // fixed host port; 0 lets the engine choose (or --bind-local)
	Expose   bool   // reachable on the project network only, never published (compose "expose")
}

// FQDN is the server's full host name: Hostname.Domainname when both are
// set, Name.Domainname with only a domain, Hostname alone, or else
// Name.domain (the testbed's domain).
func (s *Server) FQDN(domain string) string {
	switch {
	case s.Hostname != "" && s.Domainname != "":
		return s.Hostname + "." + s.Domainname
	case s.Hostname != "":
		return s.Hostname
	case s.Domainname != "":
		return s.Name + "." + s.Domainname
	}
	if domain == "" {
		domain = DefaultDomain
	}
	return s.Name + "." + domain
}

// Key is the port's name in endpoints, like "80/tcp". For a range it names the first port.
func (p Port) Key() string { return fmt.Sprintf("%d/%s", p.Port, p.protoOrTCP()) }

func (p Port) protoOrTCP() string {
	if p.Proto == "" {
		return "tcp"
	}
	return p.Proto
}

// Expand lists every single port of p (one for a plain port, each of a range).
func (p Port) Expand() []Port {
	end := p.End
	if end < p.Port {
		end = p.Port
	}
	out := make([]Port, 0, end-p.Port+1)
	for n := p.Port; n <= end; n++ {
		q := Port{Port: n, Proto: p.protoOrTCP(), HostIP: p.HostIP}
		if p.HostPort != 0 {
			q.HostPort = p.HostPort + (n - p.Port)
		}
		out = append(out, q)
	}
	return out
}

// Dependency is a server that must reach Condition before the dependent starts.
type Dependency struct {
	Name      string
	Condition string // "ready" (default), "started", "completed"
}

// Dependency conditions.
const (
	ConditionReady     = "ready"
	ConditionStarted   = "started"
	ConditionCompleted = "completed"
)

// Volume is a bind mount (Source is a host path) or a named volume.
type Volume struct {
	Type     string // "bind" or "volume"
	Source   string // absolute host path, or a volume name
	Target   string // absolute path in the container
	ReadOnly bool
	NoCopy   bool // a named volume is not seeded from the image's content at Target (compose volume.nocopy)
}

// Health is an engine healthcheck configured on the container.
type Health struct {
	Test     []string      // ["CMD", argv...] or ["CMD-SHELL", line] as the engine takes it
	Interval time.Duration // how often the engine runs it; testbed keeps it short
	Retries  int

	Timeout     time.Duration // how long one run may take; 0 means the engine's default (30s)
	StartPeriod time.Duration // failures in this time after start do not count; 0 means none
}

// Probe says when a server is ready. Exactly one field is set.
type Probe struct {
	TCP    *TCPProbe    `json:"tcp,omitempty"`
	HTTP   *HTTPProbe   `json:"http,omitempty"`
	TLS    *TCPProbe    `json:"tls,omitempty"`
	Banner *BannerProbe `json:"banner,omitempty"`
	Exec   *ExecProbe   `json:"exec,omitempty"`
	Log    *LogProbe    `json:"log,omitempty"`
	Health bool         `json:"health,omitempty"` // the engine's own healthcheck reports healthy
	All    []*Probe     `json:"all,omitempty"`
	Any    []*Probe     `json:"any,omitempty"`
	Echo   *TCPProbe    `json:"echo,omitempty"`   // a line written comes back (echo servers)
	Exited bool         `json:"exited,omitempty"` // the container ran to completion with status 0
}

// TCPProbe: a TCP connection (or TLS handshake) to the port succeeds.
type TCPProbe struct {
	Port int `json:"port"`
}

// HTTPProbe: a GET of Path answers Status (any 2xx/3xx when 0).
type HTTPProbe struct {
	Port   int    `json:"port"`
	Path   string `json:"path,omitempty"`
	Status int    `json:"status,omitempty"`
	TLS    bool   `json:"tls,omitempty"`
}

// BannerProbe: the first bytes the server sends match Expect (a regular
// expression), after Send when set.
type BannerProbe struct {
	Port   int    `json:"port"`
	Send   string `json:"send,omitempty"`
	Expect string `json:"expect"`
	TLS    bool   `json:"tls,omitempty"`
}

// ExecProbe: Command run in the server exits 0.
type ExecProbe struct {
	Command []string `json:"command"`
}

// LogProbe: the server's output has a line matching Pattern.
type LogProbe struct {
	Pattern string `json:"pattern"`
}

// Pos is a place in a source file.
type Pos struct {
	File string
	Line int
}

func (p Pos) String() string {
	switch {
	case p.File == "":
		return ""
	case p.Line > 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	default:
		return p.File
	}
}

package docker

import (
	"context"
	"fmt"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/testbed-dev/testbed/forward"
	"github.com/testbed-dev/testbed/plan"
)

// LabelForward is set on a container whose ports testbed forwards itself
// instead of publishing them: "80/tcp=127.0.0.1:49153,21000/tcp=127.0.0.1:21000",
// the host address of each port, from which endpoints are read back as
// from published ports.
const LabelForward = "testbed.forward"

// EnvPublish set to 1 makes the engine publish ports even where testbed
// could forward them (as --publish and testbed.WithPublish do).
const EnvPublish = "TESTBED_PUBLISH"

// forwarders are the port forwarders this process holds, by project and
// container name.
type forwarders struct {
	mu sync.Mutex
	m  map[string]map[string]*forward.Forwarder
}

func (fs *forwarders) add(project, container string, f *forward.Forwarder) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.m == nil {
		fs.m = map[string]map[string]*forward.Forwarder{}
	}
	if fs.m[project] == nil {
		fs.m[project] = map[string]*forward.Forwarder{}
	}
	if old := fs.m[project][container]; old != nil {
		old.Close()
	}
	fs.m[project][container] = f
}

// close stops the forwarders of a project's containers (all when names is nil).
func (fs *forwarders) close(project string, names []string) {
	fs.mu.Lock()
	var stop []*forward.Forwarder
	if names == nil {
		for _, f := range fs.m[project] {
			stop = append(stop, f)
		}
		delete(fs.m, project)
	} else {
		for _, n := range names {
			if f := fs.m[project][n]; f != nil {
				stop = append(stop, f)
				delete(fs.m[project], n)
			}
		}
	}
	fs.mu.Unlock()
	for _, f := range stop {
		f.Close()
	}
}

func (fs *forwarders) closeAll() {
	fs.mu.Lock()
	projects := make([]string, 0, len(fs.m))
	for p := range fs.m {
		projects = append(projects, p)
	}
	fs.mu.Unlock()
	for _, p := range projects {
		fs.close(p, nil)
	}
}

// any reports whether this process forwards any of project's ports.
func (fs *forwarders) any(project string) bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return len(fs.m[project]) > 0
}

// holds reports whether this process forwards the container's ports.
func (fs *forwarders) holds(project, container string) bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.m[project][container] != nil
}

// forwards reports whether this driver forwards p's ports instead of
// publishing them: the engine is local and its containers' addresses
// reachable, and publishing is not asked for. A kept project's forwarding
// is handed over to a background forwarder by Keep.
func (d *Driver) forwards(p *plan.Plan) bool {
	if d.opts.Publish || os.Getenv(EnvPublish) == "1" {
		return false
	}
	return d.isDirect()
}

// target is where a forwarded port's connections go: the container's
// address, known once it has started.
type target struct {
	mu   sync.Mutex
	addr string
}

func (t *target) set(a string) {
	t.mu.Lock()
	t.addr = a
	t.mu.Unlock()
}

func (t *target) dial(proto string, port int) forward.DialFunc {
	var d net.Dialer
	return func(ctx context.Context) (net.Conn, error) {
		t.mu.Lock()
		a := t.addr
		t.mu.Unlock()
		if a == "" {
			return nil, fmt.Errorf("container not started yet")
		}
		return d.DialContext(ctx, proto, net.JoinHostPort(a, strconv.Itoa(port)))
	}
}

// listen opens the host side of every port of st that would be published,
// on the binding's host address and port (or one the system chooses), and
// returns the forwarder and the LabelForward value.
func listen(st *plan.Step, t *target) (*forward.Forwarder, string, error) {
	f := forward.New(forward.Options{})
	var pairs []string
	for _, b := range st.Ports {
		if b.Expose {
			continue
		}
		a, err := f.Add(forward.Rule{Proto: b.Proto, Listen: net.JoinHostPort(b.HostIP, strconv.Itoa(b.HostPort)), Dial: t.dial(b.Proto, b.Port)})
		if err != nil {
			f.Close()
			// Worded as the engine words it, so that data ports taken
			// meanwhile are chosen again (Start).
			return nil, "", fmt.Errorf("server %s: port %s: %w (port is already allocated)", st.Server.Name, b.Key(), err)
		}
		_, port, _ := net.SplitHostPort(a.String())
		pairs = append(pairs, b.Key()+"="+hostAddr(b.HostIP)+":"+port)
	}
	sort.Strings(pairs)
	return f, strings.Join(pairs, ","), nil
}

// hostAddr is a host IP as endpoints write it (IPv6 in brackets).
func hostAddr(ip string) string {
	if strings.Contains(ip, ":") {
		return "[" + ip + "]"
	}
	return ip
}

// forwardedPorts reads LabelForward back: "80/tcp" -> "127.0.0.1:49153".
func forwardedPorts(labels map[string]string) map[string]string {
	raw := labels[LabelForward]
	if raw == "" {
		return nil
	}
	out := map[string]string{}
	for _, pair := range strings.Split(raw, ",") {
		if k, v, ok := strings.Cut(pair, "="); ok {
			out[k] = v
		}
	}
	return out
}

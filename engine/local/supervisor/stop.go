package supervisor

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/owner"
)

// Poll intervals of Stop: the first, and the cap it grows to.
const (
	pollFirst = time.Millisecond
	pollMax   = 20 * time.Millisecond
)

// Stop ends the supervisor recorded in dir: SIGTERM (it stops its servers),
// SIGKILL after StopGrace, then it waits until the process is gone and every
// tcp port of dir's endpoints.json refuses connections. A record whose
// process is already gone is not an error; no record at all is
// ErrNoSupervisor. Stop leaves the directory to the caller.
func Stop(ctx context.Context, dir string) error {
	rec, err := ReadRecord(dir)
	if err != nil {
		return err
	}
	var ports []string
	if m, err := endpoints.Read(dir); err == nil {
		ports = tcpPorts(m)
	}
	o, err := owner.Parse(rec.Owner)
	if err != nil {
		return fmt.Errorf("stop supervisor of %s: %w", rec.Project, err)
	}
	if _, local := o.Alive(); !local {
		host, _ := os.Hostname()
		if o.Host != host || rec.Lock == "" {
			return fmt.Errorf("stop supervisor of %s: it runs on host %s, not here", rec.Project, o.Host)
		}
		// Another pid namespace of this host: its pid is not ours to
		// signal. Taking its record away stops it (it watches the
		// record), and its lock says when it is gone.
		if err := os.Remove(filepath.Join(dir, RecordFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("stop supervisor of %s: %w", rec.Project, err)
		}
		if err := awaitGone(ctx, rec); err != nil {
			return fmt.Errorf("stop supervisor of %s: %w", rec.Project, err)
		}
		return awaitClosed(ctx, ports)
	}
	if rec.Alive() {
		if err := signal(o, syscall.SIGTERM); err != nil {
			return fmt.Errorf("stop supervisor of %s (pid %d): %w", rec.Project, o.PID, err)
		}
		gctx, cancel := context.WithTimeout(ctx, StopGrace)
		err := awaitGone(gctx, rec)
		cancel()
		if err != nil && ctx.Err() == nil {
			_ = signal(o, syscall.SIGKILL)
			err = awaitGone(ctx, rec)
		}
		if err != nil {
			return fmt.Errorf("stop supervisor of %s (pid %d): %w", rec.Project, o.PID, err)
		}
	}
	if err := awaitClosed(ctx, ports); err != nil {
		return fmt.Errorf("stop supervisor of %s: %w", rec.Project, err)
	}
	return nil
}

// signal sends sig to o's process if it is still that process.
func signal(o owner.Owner, sig syscall.Signal) error {
	if alive, _ := o.Alive(); !alive {
		return nil
	}
	return SendSignal(o.PID, sig)
}

// awaitGone polls until rec's process has exited.
func awaitGone(ctx context.Context, rec *Record) error {
	return poll(ctx, func() bool { return !rec.Alive() && !rec.processRuns() }, "the process did not exit")
}

// awaitClosed polls until no tcp address in addrs accepts connections.
func awaitClosed(ctx context.Context, addrs []string) error {
	open := ""
	err := poll(ctx, func() bool {
		for _, a := range addrs {
			if accepts(ctx, a) {
				open = a
				return false
			}
		}
		return true
	}, "a port stays open")
	if err != nil {
		return fmt.Errorf("%w (%s)", err, open)
	}
	return nil
}

// accepts reports whether something listens on addr.
func accepts(ctx context.Context, addr string) bool {
	d := net.Dialer{Timeout: 100 * time.Millisecond}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// poll calls done with a growing interval until it holds or ctx ends.
func poll(ctx context.Context, done func() bool, what string) error {
	interval := pollFirst
	for !done() {
		t := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%s: %w", what, context.Cause(ctx))
		case <-t.C:
		}
		if interval *= 2; interval > pollMax {
			interval = pollMax
		}
	}
	return nil
}

func tcpPorts(m *endpoints.Manifest) []string {
	var out []string
	for _, s := range m.Servers {
		for key, addr := range s.Ports {
			if strings.HasSuffix(key, "/tcp") {
				out = append(out, addr)
			}
		}
	}
	return out
}

package docker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/api/types/events"
	"github.com/moby/moby/client"

	"github.com/testbed-dev/testbed/forward"
	"github.com/testbed-dev/testbed/forward/background"
)

// The background forwarder of a kept project (`testbed up` exits; its
// ports must not): a detached `testbed forward PROJECT` (package
// background) that listens on the host ports recorded in the containers'
// LabelForward and forwards to the containers, until the project's
// containers are gone.

// ForwardReady is the line the background forwarder prints when it listens.
const ForwardReady = background.Ready

// forwardDir is where background forwarders keep their pid and log.
func (d *Driver) forwardDir() (string, error) { return background.Dir(d.opts.CacheDir) }

// ServeForwards is the background forwarder of project: it forwards every
// port its containers record in LabelForward, prints ForwardReady to ready,
// drops a container's ports when the container is removed and returns when
// none is left or ctx ends.
func (d *Driver) ServeForwards(ctx context.Context, project string, ready io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Subscribe before listing, so that no removal falls between.
	ev := d.cli.Events(ctx, client.EventsListOptions{Filters: projectFilter(project, "").Add("type", "container").Add("event", "destroy")})
	list, err := d.List(ctx, project)
	if err != nil {
		return err
	}
	held := map[string]*forward.Forwarder{} // container ID -> its ports
	defer func() {
		for _, f := range held {
			f.Close()
		}
	}()
	for _, c := range list {
		ports := forwardedPorts(c.Labels)
		if len(ports) == 0 || len(c.Addrs) == 0 {
			continue
		}
		f := forward.New(forward.Options{})
		held[c.ID] = f
		for key, hostAddr := range ports {
			port, proto, _ := strings.Cut(key, "/")
			n, _ := strconv.Atoi(port)
			if _, err := f.Add(forward.Rule{Proto: proto, Listen: strings.Trim(hostAddr, "[]"), Dial: forward.Addr(proto, net.JoinHostPort(c.Addrs[0], strconv.Itoa(n)))}); err != nil {
				return fmt.Errorf("server %s: port %s on %s: %w", c.Server, key, hostAddr, err)
			}
		}
	}
	if len(held) == 0 {
		return fmt.Errorf("project %s has no forwarded ports", project)
	}
	fmt.Fprintln(ready, ForwardReady)
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-ev.Err:
			if err == nil || errors.Is(err, context.Canceled) {
				return nil
			}
			return fmt.Errorf("engine events: %w", err)
		case m := <-ev.Messages:
			if m.Action != events.ActionDestroy {
				continue
			}
			if f := held[m.Actor.ID]; f != nil {
				f.Close()
				delete(held, m.Actor.ID)
			}
			if len(held) == 0 {
				return nil
			}
		}
	}
}

// handOver moves a kept project's forwarding out of this process into a
// background forwarder: the one before (if any) is stopped, this process's
// listeners are closed, and the new forwarder listens on the same host
// ports (read back from the labels) before handOver returns.
func (d *Driver) handOver(ctx context.Context, project string) error {
	dir, err := d.forwardDir()
	if err != nil {
		return err
	}
	if !d.fwd.any(project) && background.Alive(dir, project) {
		return nil // an up that started nothing: the forwarder stays, connections too
	}
	background.Stop(dir, project)
	d.fwd.close(project, nil)
	return background.Start(ctx, background.StartOptions{Dir: dir, Project: project, Logf: func(f string, a ...any) { d.log.Info(fmt.Sprintf(f, a...)) }})
}

// stopForwarder stops the project's background forwarder, if any.
func (d *Driver) stopForwarder(project string) {
	if dir, err := d.forwardDir(); err == nil {
		background.Stop(dir, project)
	}
}

// forwarderDown is why a server whose ports are forwarded is not reachable
// from the host: nothing forwards them ("" when something does).
func (d *Driver) forwarderDown(c Container) string {
	ports := forwardedPorts(c.Labels)
	if len(ports) == 0 || d.fwd.holds(c.Project, c.Name) {
		return ""
	}
	for key, addr := range ports {
		if !strings.HasSuffix(key, "/tcp") {
			continue
		}
		conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err != nil {
			return "not reachable from the host: its port forwarder is not running (`testbed up` restores it)"
		}
		conn.Close()
		return ""
	}
	return ""
}

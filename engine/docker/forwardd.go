package docker

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/moby/moby/api/types/events"
	"github.com/moby/moby/client"

	"github.com/testbed-dev/testbed/engine/local/supervisor"
	"github.com/testbed-dev/testbed/forward"
)

// The background forwarder of a kept project (`testbed up` exits; its
// ports must not): a detached `testbed forward PROJECT` that listens on the
// host ports recorded in the containers' LabelForward and forwards to the
// containers, until the project's containers are gone. Its pid is in
// forwardDir/<project>.pid, its output in <project>.log.

// ForwardReady is the line the background forwarder prints when it listens.
const ForwardReady = "forwarding"

// forwardDir is where background forwarders keep their pid and log.
func (d *Driver) forwardDir() (string, error) {
	base := d.opts.CacheDir
	if base == "" {
		c, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("forwarder directory: %w", err)
		}
		base = filepath.Join(c, "testbed")
	}
	dir := filepath.Join(base, "forward")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("forwarder directory: %w", err)
	}
	return dir, nil
}

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
	if !d.fwd.any(project) && forwarderAlive(dir, project) {
		return nil // an up that started nothing: the forwarder stays, connections too
	}
	stopForwarder(dir, project)
	d.fwd.close(project, nil)
	exe, err := supervisor.Executable(ctx, func(f string, a ...any) { d.log.Info(fmt.Sprintf(f, a...)) })
	if err != nil {
		return fmt.Errorf("background forwarder: %w", err)
	}
	logPath := filepath.Join(dir, project+".log")
	logf, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("background forwarder: %w", err)
	}
	defer logf.Close()
	cmd := exec.Command(exe, "forward", project)
	cmd.Stderr = logf
	cmd.SysProcAttr = supervisor.Detached()
	out, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("background forwarder: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("background forwarder: %w", err)
	}
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(out).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	var got string
	select {
	case got = <-line:
	case <-time.After(30 * time.Second):
	case <-ctx.Done():
	}
	if got != ForwardReady {
		cmd.Process.Kill()
		cmd.Wait()
		tail, _ := os.ReadFile(logPath)
		return fmt.Errorf("background forwarder of project %s did not start: %s", project, strings.TrimSpace(string(tail)))
	}
	if err := os.WriteFile(filepath.Join(dir, project+".pid"), []byte(strconv.Itoa(cmd.Process.Pid)), 0o600); err != nil {
		return fmt.Errorf("background forwarder: %w", err)
	}
	// Reap it when it exits while this process lives (a library run).
	go cmd.Wait()
	return nil
}

// forwarderAlive reports whether the project's background forwarder runs.
func forwarderAlive(dir, project string) bool {
	raw, err := os.ReadFile(filepath.Join(dir, project+".pid"))
	if err != nil {
		return false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	return err == nil && isForwarder(pid, project)
}

// stopForwarder stops a project's background forwarder, if one runs, and
// waits (bounded) until it is gone.
func stopForwarder(dir, project string) {
	pidFile := filepath.Join(dir, project+".pid")
	raw, err := os.ReadFile(pidFile)
	if err != nil {
		return
	}
	defer os.Remove(pidFile)
	defer os.Remove(filepath.Join(dir, project+".log"))
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil || !isForwarder(pid, project) {
		return
	}
	supervisor.SendSignal(pid, syscall.SIGTERM)
	for range 100 {
		if !isForwarder(pid, project) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	supervisor.SendSignal(pid, syscall.SIGKILL)
}

// stopForwarder stops the project's background forwarder, if any.
func (d *Driver) stopForwarder(project string) {
	if dir, err := d.forwardDir(); err == nil {
		stopForwarder(dir, project)
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

// isForwarder reports whether pid is a live `... forward PROJECT` process
// (not a pid reused by another program).
func isForwarder(pid int, project string) bool {
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err == nil {
		if i := strings.LastIndexByte(string(stat), ')'); i > 0 && strings.HasPrefix(string(stat[i+1:]), " Z") {
			return false // a zombie: exited
		}
	}
	args := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")
	return len(args) >= 3 && args[len(args)-2] == "forward" && args[len(args)-1] == project
}

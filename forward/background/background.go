// Package background runs a kept project's port forwarder as a detached
// process: `testbed up` exits, the 127.0.0.1 ports it handed out must not.
// The process is testbed itself, re-executed with the hidden command
// `forward PROJECT` (and whatever global flags select the driver); its pid
// is in Dir/<project>.pid and its output in Dir/<project>.log. Drivers
// that forward (docker without published ports, kubernetes outside the
// cluster) start, find and stop their forwarders through it.
package background

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/testbed-dev/testbed/engine/local/supervisor"
	"github.com/testbed-dev/testbed/internal/procstate"
)

// Ready is the line a forwarder prints on stdout once it listens.
const Ready = "forwarding"

// Command is the hidden command a forwarder runs: `testbed [FLAGS]
// forward PROJECT`.
const Command = "forward"

// startTimeout bounds how long Start waits for the ready line.
const startTimeout = 30 * time.Second

// Dir is where forwarders keep their pid and log files: forward/ under
// cacheDir, or under the user's cache directory's testbed/ when cacheDir
// is "".
func Dir(cacheDir string) (string, error) {
	base := cacheDir
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

// StartOptions say which forwarder to start.
type StartOptions struct {
	Dir     string // from [Dir]
	Project string
	// Flags go before the command: the global flags that select the
	// driver (e.g. --driver kubernetes); nil for the default.
	Flags []string
	Logf  func(format string, args ...any) // progress; nil = quiet
}

// Start starts o.Project's forwarder, detached from this process's session
// and terminal, and returns once it printed [Ready] (or with its log when it
// did not within 30 s). Stop the one before first.
func Start(ctx context.Context, o StartOptions) error {
	logf := o.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	exe, err := supervisor.Executable(ctx, logf)
	if err != nil {
		return fmt.Errorf("background forwarder: %w", err)
	}
	logPath := filepath.Join(o.Dir, o.Project+".log")
	logFile, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("background forwarder: %w", err)
	}
	defer logFile.Close()
	args := append(append([]string{}, o.Flags...), Command, o.Project)
	cmd := exec.Command(exe, args...)
	cmd.Stderr = logFile
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
	case <-time.After(startTimeout):
	case <-ctx.Done():
	}
	if got != Ready {
		cmd.Process.Kill()
		cmd.Wait()
		tail, _ := os.ReadFile(logPath)
		return fmt.Errorf("background forwarder of project %s did not start: %s", o.Project, strings.TrimSpace(string(tail)))
	}
	if err := os.WriteFile(filepath.Join(o.Dir, o.Project+".pid"), []byte(strconv.Itoa(cmd.Process.Pid)), 0o600); err != nil {
		return fmt.Errorf("background forwarder: %w", err)
	}
	// Reap it when it exits while this process lives (a library run).
	go cmd.Wait()
	return nil
}

// Alive reports whether the project's forwarder runs.
func Alive(dir, project string) bool {
	raw, err := os.ReadFile(filepath.Join(dir, project+".pid"))
	if err != nil {
		return false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	return err == nil && isForwarder(pid, project)
}

// Stop stops the project's forwarder, if one runs, and waits (2 s at most,
// then SIGKILL) until it is gone.
func Stop(dir, project string) {
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
	if awaitExit(pid, project) {
		return
	}
	supervisor.SendSignal(pid, syscall.SIGKILL)
	awaitExit(pid, project)
}

// awaitExit waits, 2 s at most, until the forwarder pid has exited with
// every thread of it (its listeners closed, so its ports can be taken
// again), and reports whether it did.
func awaitExit(pid int, project string) bool {
	for range 100 {
		if !isForwarder(pid, project) && !procstate.Exiting(pid) {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// isForwarder reports whether pid is a live `... forward PROJECT` process
// (not a pid reused by another program).
func isForwarder(pid int, project string) bool {
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	if procstate.Exited(pid) {
		return false
	}
	args := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")
	return len(args) >= 3 && args[len(args)-2] == Command && args[len(args)-1] == project
}

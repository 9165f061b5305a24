package main

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/testbed-dev/testbed/internal/peakrss"
)

// testbedCLI drives the real testbed binary as a subprocess, as users and CI
// scripts do: the figure includes the process start, the engine handshake,
// the project CA and the state directory, and the child's peak RSS is read
// from its own /proc status (peakrss; its rusage would start from this
// harness's size). (The packages in-process would hide all of that.)
type testbedCLI struct {
	e       *env
	timings string // the last `up --timings` waterfall
	// publish: `up --publish`, the engine's proxy per port instead of
	// testbed's forwarder.
	publish bool
}

func (t *testbedCLI) Name() string {
	if t.publish {
		return "testbed --publish (CLI: engine publishes the ports)"
	}
	return "testbed (CLI: up to all ready; down)"
}

func (t *testbedCLI) projectName() string {
	if t.publish {
		return t.e.project("testbed-publish")
	}
	return t.e.project("testbed")
}

func (t *testbedCLI) Up(ctx context.Context) (time.Duration, int64, error) {
	args := []string{"up", "--timings"}
	if t.publish {
		args = append(args, "--publish")
	}
	cmd := t.e.cli(ctx, t.projectName(), args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, fmt.Errorf("testbed up: %w", err)
	}
	w := peakrss.Start(cmd.Process.Pid)
	err := cmd.Wait()
	took := time.Since(start)
	rss := w.Stop()
	if err != nil {
		return 0, 0, fmt.Errorf("testbed up: %w\n%s", err, stderr.String())
	}
	t.timings = stderr.String()
	return took, rss, nil
}

func (t *testbedCLI) Down(ctx context.Context) (time.Duration, error) {
	cmd := t.e.cli(ctx, t.projectName(), "down")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("testbed down: %w\n%s", err, stderr.String())
	}
	return time.Since(start), nil
}

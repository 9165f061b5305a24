package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/moby/moby/client"

	"github.com/testbed-dev/testbed/catalog"
	"github.com/testbed-dev/testbed/engine"
	"github.com/testbed-dev/testbed/engine/docker"
	"github.com/testbed-dev/testbed/image"
	"github.com/testbed-dev/testbed/lifecycle"
	"github.com/testbed-dev/testbed/plan"
	"github.com/testbed-dev/testbed/servers/testca"
	"github.com/testbed-dev/testbed/spec"
)

// LabelRun marks every container and network the harness itself creates, so
// that cleanup removes exactly those.
const LabelRun = "testbed.bench.run"

// env is what every method shares: the engine, the testbed binary, the
// built-in image, the default testbed and a CA for the peers' servers.
type env struct {
	api     *client.Client
	runID   string // unique per run; part of every project name
	bin     string // the static testbed binary under test
	image   string // testbed/builtin:<hash>, made by `testbed build`
	tmp     string // scratch directory (work dir of the CLI, state dirs, compose files)
	cat     *catalog.Catalog
	tb      *spec.Testbed
	ca      *testca.CA
	verbose bool
}

// project is the project name a method uses.
func (e *env) project(method string) string { return "tbb" + e.runID + "-" + method }

// buildBinary builds testbed's command from the module the bench module
// replaces (../), static, with a version unique to this run so that the
// built-in image's tag is this run's own: no other user of the engine can
// remove it mid-run, and removing it for the cold measurement harms no one.
func buildBinary(ctx context.Context, dir, runID string) (string, error) {
	src, err := image.ModuleDir(ctx) // as the bench module sees it: its replace directive, ../
	if err != nil {
		return "", fmt.Errorf("find testbed's source: %w", err)
	}
	out := filepath.Join(dir, "testbed")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath",
		"-ldflags=-s -w -X github.com/testbed-dev/testbed/cli.Version=bench-"+runID,
		"-o", out, "./cmd/testbed")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/testbed in %s: %w\n%s", src, err, b)
	}
	return out, nil
}

// cli runs the testbed binary with a project and state directory of the
// harness, in an empty working directory (so the default testbed is used).
func (e *env) cli(ctx context.Context, project string, args ...string) *exec.Cmd {
	full := append([]string{"--driver", "docker", "-p", project, "--state-dir", filepath.Join(e.tmp, "state"), "--progress", "quiet"}, args...)
	cmd := exec.CommandContext(ctx, e.bin, full...)
	cmd.Dir = filepath.Join(e.tmp, "work")
	cmd.Env = append(os.Environ(), "TESTBED_DRIVER=docker")
	return cmd
}

// buildImage runs `testbed build` and returns the built-in image's tag and
// how long the build took.
func (e *env) buildImage(ctx context.Context) (string, time.Duration, error) {
	cmd := e.cli(ctx, e.project("build"), "build")
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return "", 0, fmt.Errorf("testbed build: %w\n%s", err, stderr.String())
	}
	took := time.Since(start)
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		_, img, ok := strings.Cut(sc.Text(), "\t")
		if ok && strings.HasPrefix(img, "testbed/builtin:") {
			return img, took, nil
		}
	}
	return "", 0, fmt.Errorf("testbed build printed no built-in image:\n%s", out.String())
}

// server is one planned server as the peers make it: testbed's own create
// options, with this run's label and the built-in image.
type server struct {
	step *plan.Step
	opts client.ContainerCreateOptions
}

// planned is the default testbed planned for one project.
type planned struct {
	plan    *plan.Plan
	servers []server
}

// plan plans the default testbed for project exactly as `testbed up` does
// (same commands, ports, hardening, certificates from a CA of the same
// kind), labelled with this run.
func (e *env) plan(project string) (*planned, error) {
	p, err := plan.New(e.tb, e.cat, plan.Options{
		Project:   project,
		Owner:     "bench",
		Version:   "bench-" + e.runID,
		Container: true,
	})
	if err != nil {
		return nil, err
	}
	p.Labels[LabelRun] = e.runID
	out := &planned{plan: p}
	for _, st := range p.Steps() {
		cert, key, err := e.ca.Issue(st.TLSNames...)
		if err != nil {
			return nil, err
		}
		opts, err := docker.CreateOptions(p, st, e.image, &lifecycle.TLSMaterial{CertPEM: cert, KeyPEM: key, ControlToken: engine.ControlToken(e.ca)})
		if err != nil {
			return nil, err
		}
		opts.Config.Labels[LabelRun] = e.runID
		out.servers = append(out.servers, server{step: st, opts: opts})
	}
	return out, nil
}

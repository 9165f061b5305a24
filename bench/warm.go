package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"

	testbed "github.com/testbed-dev/testbed"
	"github.com/testbed-dev/testbed/project"
)

// warmRow is one way of getting a warm default testbed again, per call.
type warmRow struct {
	name  string
	calls []time.Duration
	err   error
}

// warmCalls measures, per call, how fast each method hands a test the
// default testbed when it is up already: testbed's Start with WithReuse
// (lease, every server reset to its seed, endpoints), docker-compose
// `up -d` of a project that is up plus the same readiness wait, and
// testcontainers-go with its reuse option (containers found by name, then
// its wait strategies). Only testbed resets the servers' state; the others
// hand back whatever the previous test left.
func (e *env) warmCalls(ctx context.Context, calls int) []warmRow {
	return []warmRow{e.warmTestbed(ctx, calls), e.warmCompose(ctx, calls), e.warmTC(ctx, calls)}
}

func (e *env) warmTestbed(ctx context.Context, calls int) (row warmRow) {
	row.name = "testbed Start with WithReuse (state reset to the seed)"
	// A spec of this run's own (its domain), so that its reusable
	// project is this run's, not one of the machine's users'.
	file := filepath.Join(e.tmp, "reuse", "testbed.yaml")
	var b strings.Builder
	fmt.Fprintf(&b, "domain: tbb%s.test\nservers:\n", e.runID)
	for _, s := range e.tb.Servers {
		fmt.Fprintf(&b, "  %s: {builtin: %s}\n", s.Name, s.Builtin)
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		row.err = err
		return row
	}
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		row.err = err
		return row
	}
	os.Setenv("TESTBED_SERVER_BINARY", e.bin)
	opts := []testbed.Option{testbed.WithDriver("docker"), testbed.WithSpecFile(file), testbed.WithReuse()}
	first, err := testbed.New(ctx, opts...)
	if err != nil {
		row.err = err
		return row
	}
	name := first.Project()
	first.Close()
	defer func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
		defer cancel()
		c, err := project.Open(dctx, project.Options{Driver: "docker"})
		if err == nil {
			err = c.Down(dctx, name, project.DownOptions{})
			c.Close()
		}
		if err != nil && row.err == nil {
			row.err = fmt.Errorf("down %s: %w", name, err)
		}
	}()
	for range calls {
		start := time.Now()
		bed, err := testbed.New(ctx, opts...)
		if err != nil {
			row.err = err
			return row
		}
		row.calls = append(row.calls, time.Since(start))
		bed.Close()
	}
	return row
}

func (e *env) warmCompose(ctx context.Context, calls int) (row warmRow) {
	methods, _ := composeCommands(ctx, e)
	if len(methods) == 0 {
		row.name, row.err = "docker-compose", fmt.Errorf("not installed")
		return row
	}
	c := methods[0].(*compose)
	c.key = "composewarm"
	row.name = c.argv[0][strings.LastIndex(c.argv[0], "/")+1:] + " up -d of a project that is up, then ready (nothing reset)"
	if _, _, err := c.Up(ctx); err != nil {
		row.err = err
		return row
	}
	defer func() {
		if _, err := c.Down(context.WithoutCancel(ctx)); err != nil && row.err == nil {
			row.err = err
		}
	}()
	for range calls {
		took, err := c.again(ctx)
		if err != nil {
			row.err = err
			return row
		}
		row.calls = append(row.calls, took)
	}
	return row
}

// again runs `up -d` of the same file on the project that Up brought up,
// and waits until every server is ready, as Up does.
func (c *compose) again(ctx context.Context) (time.Duration, error) {
	start := time.Now()
	if err := c.run(ctx, "up", "-d"); err != nil {
		return 0, err
	}
	list, err := c.e.api.ContainerList(ctx, client.ContainerListOptions{All: true,
		Filters: client.Filters{}.Add("label", "com.docker.compose.project="+c.project())})
	if err != nil {
		return 0, err
	}
	ids := map[string]string{}
	for _, it := range list.Items {
		ids[it.Labels["com.docker.compose.service"]] = it.ID
	}
	if err := c.e.awaitAll(ctx, c.pl, ids); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

func (e *env) warmTC(ctx context.Context, calls int) (row warmRow) {
	row.name = "testcontainers-go " + tcVersion + " with Reuse (found by name, then waited for; nothing reset)"
	t := &tc{e: e}
	pl, err := e.plan(e.project("tcwarm"))
	if err != nil {
		row.err = err
		return row
	}
	// Reuse finds containers by name, so the network must keep its name
	// too: made here, labelled with this run for the clean-up.
	nw := e.project("tcwarm")
	if _, err := e.api.NetworkCreate(ctx, nw, client.NetworkCreateOptions{Labels: pl.plan.Labels}); err != nil {
		row.err = err
		return row
	}
	reqs, err := t.requests(pl, nw, true)
	if err != nil {
		row.err = err
		return row
	}
	for i := range calls + 1 { // the first call makes the containers
		start := time.Now()
		cs, err := testcontainers.ParallelContainers(ctx, reqs, testcontainers.ParallelContainersOptions{WorkersCount: len(reqs)})
		if err != nil {
			row.err = err
			return row
		}
		if i > 0 {
			row.calls = append(row.calls, time.Since(start))
		}
		_ = cs // kept for the next call; e.cleanup removes them by label
	}
	return row
}

// warmStats are the median and the worst of a row's calls.
func warmStats(calls []time.Duration) (median, worst time.Duration) {
	if len(calls) == 0 {
		return 0, 0
	}
	s := slices.Clone(calls)
	slices.Sort(s)
	return s[len(s)/2], s[len(s)-1]
}

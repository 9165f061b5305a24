// Command bench measures testbed against the engine's floor and its peers on
// the same engine, with the same image, containers and readiness criterion:
//
//	cd bench && go run . -rounds 5
//
// Each round brings the default testbed up and down with every method, in
// an order that rotates from round to round: the floor (containers created
// and started in parallel straight through the API), the testbed CLI,
// docker-compose, testcontainers-go, and the old sequential way. Then it
// measures testbed's readiness notice latency, its engine calls on an
// unchanged spec, and the cost of a cold first up. It prints a markdown
// report and writes it, with an SVG chart, to results/.
//
// Everything it creates is labelled with the run and removed at the end
// (also on Ctrl-C); it contacts only 127.0.0.1 and its own containers.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/moby/moby/client"
	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/testbed-dev/testbed/catalog"
	"github.com/testbed-dev/testbed/servers/testca"
)

func main() {
	rounds := flag.Int("rounds", 5, "measured rounds per method (1-50)")
	warmup := flag.Int("warmup", 1, "unmeasured rounds first (0-5)")
	cold := flag.Int("cold", 3, "cold first ups (built-in image removed first; 0-10)")
	warm := flag.Int("warm", 20, "calls per method of a warm testbed handed out again (reuse; 0-200, 0 = skip)")
	skip := flag.String("skip", "", "comma-separated methods to leave out: compose, tc, seq")
	out := flag.String("out", "results", "directory for the report and chart")
	verbose := flag.Bool("v", false, "print each measurement")
	flag.Parse()
	if *rounds < 1 || *rounds > 50 || *warmup < 0 || *warmup > 5 || *cold < 0 || *cold > 10 || *warm < 0 || *warm > 200 {
		fmt.Fprintln(os.Stderr, "bench: -rounds 1-50, -warmup 0-5, -cold 0-10, -warm 0-200")
		os.Exit(2)
	}
	os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true") // the reaper image needs a registry
	// testcontainers-go would reach published ports at the bridge gateway
	// when it runs in a container; they are bound on 127.0.0.1 only.
	os.Setenv("TESTCONTAINERS_HOST_OVERRIDE", "127.0.0.1")
	if !*verbose {
		tclog.SetDefault(tclog.NewNoopLogger())
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, config{rounds: *rounds, warmup: *warmup, cold: *cold, warm: *warm, skip: *skip, out: *out, verbose: *verbose}); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type config struct {
	rounds, warmup, cold, warm int
	skip, out                  string
	verbose                    bool
}

func run(ctx context.Context, cfg config) (err error) {
	api, err := client.New(client.FromEnv)
	if err != nil {
		return err
	}
	defer api.Close()
	ping, err := api.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true})
	if err != nil {
		return fmt.Errorf("no Docker engine answers: %w", err)
	}
	ver, err := api.ServerVersion(ctx, client.ServerVersionOptions{})
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "testbed-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	for _, d := range []string{"work", "state"} {
		if err := os.MkdirAll(filepath.Join(tmp, d), 0o755); err != nil {
			return err
		}
	}
	e := &env{api: api, runID: fmt.Sprintf("%x", time.Now().UnixNano()%0xffffff), tmp: tmp, cat: catalog.New(), verbose: cfg.verbose}
	e.tb = e.cat.Default()
	if e.ca, err = testca.New("testbed bench CA"); err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
		defer cancel()
		if cerr := e.cleanup(cctx); cerr != nil {
			fmt.Fprintln(os.Stderr, "bench: cleanup:", cerr)
		}
		if e.image != "" {
			api.ImageRemove(cctx, e.image, client.ImageRemoveOptions{PruneChildren: true})
		}
	}()

	logf := func(format string, a ...any) { fmt.Fprintf(os.Stderr, "bench: "+format+"\n", a...) }
	logf("building the testbed binary (run %s)", e.runID)
	if e.bin, err = buildBinary(ctx, tmp, e.runID); err != nil {
		return err
	}
	var coldBuild time.Duration
	if e.image, coldBuild, err = e.buildImage(ctx); err != nil {
		return err
	}
	logf("built-in image %s (testbed build, cold: %s)", e.image, secs(coldBuild))

	methods := []method{&floor{e: e}, &testbedCLI{e: e}, &testbedCLI{e: e, publish: true}}
	compose, notes := composeCommands(ctx, e)
	if !strings.Contains(cfg.skip, "compose") {
		methods = append(methods, compose...)
	}
	if !strings.Contains(cfg.skip, "tc") {
		methods = append(methods, &tc{e: e})
	}
	if !strings.Contains(cfg.skip, "seq") {
		methods = append(methods, &sequential{e: e})
	}
	all := make([]*series, len(methods))
	for i, m := range methods {
		all[i] = &series{name: m.Name()}
	}
	for r := -cfg.warmup; r < cfg.rounds; r++ {
		for k := range methods {
			i := (k + max(r, 0)) % len(methods) // rotate the order each round
			s, err := once(ctx, methods[i])
			if err != nil {
				return fmt.Errorf("round %d, %s: %w", r+1, methods[i].Name(), err)
			}
			if cfg.verbose || r < 0 {
				tag := fmt.Sprintf("round %d", r+1)
				if r < 0 {
					tag = "warm-up"
				}
				logf("%s: %-55s up %s down %s", tag, methods[i].Name(), secs(s.up), secs(s.down))
			}
			if r >= 0 {
				all[i].samples = append(all[i].samples, s)
			}
		}
		if r >= 0 {
			logf("round %d/%d done", r+1, cfg.rounds)
		}
	}

	logf("readiness notice latency")
	lat, latErr := readinessLatency(ctx, 2)
	logf("engine calls of a warm up and down")
	upCalls, downCalls, callErr := e.apiCalls(ctx)
	var colds []time.Duration
	var coldRSS []int64
	var coldErr error
	if cfg.cold > 0 {
		logf("cold first ups")
		colds, coldRSS, coldErr = e.coldUps(ctx, cfg.cold)
	}

	var warmRows []warmRow
	if cfg.warm > 0 {
		logf("a warm testbed again, %d calls per method", cfg.warm)
		warmRows = e.warmCalls(ctx, cfg.warm)
	}

	tcli := methods[1].(*testbedCLI)
	rep := report{
		cfg: cfg, all: all, notes: notes, engine: ver.Version, api: ping.APIVersion,
		cpus: runtime.NumCPU(), image: e.image, coldBuild: coldBuild, colds: colds, coldRSS: coldRSS, coldErr: coldErr,
		lat: lat, latErr: latErr, upCalls: upCalls, downCalls: downCalls, callErr: callErr, timings: tcli.timings, warm: warmRows,
	}
	text := rep.markdown()
	fmt.Println(text)
	if err := os.MkdirAll(cfg.out, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(cfg.out, "latest.md"), []byte(text), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(cfg.out, "latest.svg"), []byte(rep.svg()), 0o644); err != nil {
		return err
	}
	logf("wrote %s and %s", filepath.Join(cfg.out, "latest.md"), filepath.Join(cfg.out, "latest.svg"))
	return nil
}

// roundTimeout bounds one up and one down of one method.
const roundTimeout = 3 * time.Minute

// once brings one method up and down; a failed up is still taken down.
func once(ctx context.Context, m method) (sample, error) {
	ctx, cancel := context.WithTimeout(ctx, roundTimeout)
	defer cancel()
	up, rss, err := m.Up(ctx)
	dctx, dcancel := context.WithTimeout(context.WithoutCancel(ctx), roundTimeout)
	defer dcancel()
	down, derr := m.Down(dctx)
	if err != nil {
		return sample{}, err
	}
	if derr != nil {
		return sample{}, derr
	}
	return sample{up: up, down: down, rssKB: rss}, nil
}

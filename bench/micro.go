package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/client"

	"github.com/testbed-dev/testbed/engine/docker/dockertest"
	"github.com/testbed-dev/testbed/probe"
)

// latencyDelays are when the late servers open their port after the wait
// began (plus a random jitter of up to latencyJitter, so that the port opens
// at any point of the polling schedule): early, mid-start, beyond what a
// container start takes here, and past probe.DefaultFastWindow.
var latencyDelays = []time.Duration{50 * time.Millisecond, 300 * time.Millisecond, time.Second, 2500 * time.Millisecond, 6 * time.Second, 12 * time.Second}

const latencyJitter = 250 * time.Millisecond

// latencyParallel bounds how many late servers run at once, so the
// harness's own polling does not crowd the 2 CPUs it measures.
const latencyParallel = 6

// latencyKind is one probe under test.
type latencyKind struct {
	name   string
	probe  probe.Probe
	serve  func(net.Listener)
	direct bool // the target reaches the server itself (no port proxy)
}

// latencyResult is how long after a server began answering probe.Wait
// (with testbed's default schedule) noticed, for one probe kind: within the
// fast window, and after it.
type latencyResult struct {
	kind       string
	gaps       []time.Duration // port opened within probe.DefaultFastWindow
	late       []time.Duration // after it
	worst      time.Duration
	worstDelay time.Duration
}

// readinessLatency starts, for each probe kind and delay, a server on
// 127.0.0.1 that opens its port after the delay, and measures how long
// after the port opened probe.Wait returned.
func readinessLatency(ctx context.Context, reps int) ([]latencyResult, error) {
	kinds := []latencyKind{
		{"tcp (direct, as on a local engine)", &probe.TCP{Port: 80}, serveSilent, true},
		{"tcp (through a port proxy: + ProxyWindow)", &probe.TCP{Port: 80}, serveSilent, false},
		{"http", &probe.HTTP{Port: 80, Path: "/", Status: 200}, serveHTTP, true},
		{"banner", &probe.Banner{Port: 80, Expect: regexp.MustCompile(`^220 `)}, serveBanner, true},
	}
	type job struct {
		kind  int
		delay time.Duration
		gap   time.Duration
		err   error
	}
	var jobs []*job
	for k := range kinds {
		for _, d := range latencyDelays {
			for range reps {
				jobs = append(jobs, &job{kind: k, delay: d + time.Duration(rand.Int64N(int64(latencyJitter)))})
			}
		}
	}
	sem := make(chan struct{}, latencyParallel)
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			j.gap, j.err = lateServer(ctx, kinds[j.kind], j.delay)
		})
	}
	wg.Wait()
	out := make([]latencyResult, len(kinds))
	for k := range kinds {
		out[k].kind = kinds[k].name
	}
	var errs []error
	for _, j := range jobs {
		if j.err != nil {
			errs = append(errs, j.err)
			continue
		}
		r := &out[j.kind]
		if j.delay >= probe.DefaultFastWindow {
			r.late = append(r.late, j.gap)
			continue
		}
		r.gaps = append(r.gaps, j.gap)
		if j.gap > r.worst {
			r.worst, r.worstDelay = j.gap, j.delay
		}
	}
	return out, errors.Join(errs...)
}

// lateServer opens a port delay after the wait starts and returns how long
// after it opened Wait reported the server ready.
func lateServer(ctx context.Context, k latencyKind, delay time.Duration) (time.Duration, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	addr := l.Addr().String()
	l.Close() // refused until the server opens it again
	type opened struct {
		ln  net.Listener
		at  time.Time
		err error
	}
	ch := make(chan opened, 1)
	timer := time.AfterFunc(delay, func() {
		ln, err := net.Listen("tcp", addr)
		at := time.Now()
		if err == nil {
			go k.serve(ln)
		}
		ch <- opened{ln, at, err}
	})
	defer timer.Stop()
	_, werr := probe.Wait(ctx, k.probe, fixedTarget{addr, k.direct}, probe.WaitOptions{Timeout: delay + 10*time.Second})
	done := time.Now()
	o := <-ch
	if o.err != nil {
		return 0, fmt.Errorf("reopen %s: %w", addr, o.err)
	}
	o.ln.Close()
	if werr != nil {
		return 0, werr
	}
	return done.Sub(o.at), nil
}

// fixedTarget is a server at one address; direct says no port proxy stands
// in front of it (probe.DirectReporter).
type fixedTarget struct {
	addr   string
	direct bool
}

func (t fixedTarget) Addr(int, string) (string, error) { return t.addr, nil }

func (t fixedTarget) Direct() bool { return t.direct }

func serveSilent(l net.Listener) {
	for range 10000 {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			time.Sleep(time.Second)
			c.Close()
		}()
	}
}

func serveBanner(l net.Listener) {
	for range 10000 {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			fmt.Fprint(c, "220 ready\r\n")
			c.SetReadDeadline(time.Now().Add(time.Second))
			bufio.NewReader(c).ReadString('\n')
		}()
	}
}

func serveHTTP(l net.Listener) {
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}), ReadHeaderTimeout: time.Second}
	srv.Serve(l)
}

// coldUps removes this run's built-in image and times `testbed up` having
// to make it again, rounds times; each is followed by a down.
func (e *env) coldUps(ctx context.Context, rounds int) ([]time.Duration, []int64, error) {
	var out []time.Duration
	var rss []int64
	t := &testbedCLI{e: e}
	for range rounds {
		if _, err := e.api.ImageRemove(ctx, e.image, client.ImageRemoveOptions{PruneChildren: true}); err != nil {
			return out, rss, fmt.Errorf("remove %s for a cold up: %w", e.image, err)
		}
		took, kb, err := t.Up(ctx)
		if _, derr := t.Down(ctx); derr != nil {
			err = errors.Join(err, derr)
		}
		if err != nil {
			return out, rss, err
		}
		out = append(out, took)
		rss = append(rss, kb)
	}
	return out, rss, nil
}

// apiCalls runs a warm `testbed up` and `down` through a counting proxy and
// returns the engine calls each made, by route.
func (e *env) apiCalls(ctx context.Context) (up, down map[string]int, err error) {
	dir, err := os.MkdirTemp("", "tbb-proxy")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(dir)
	px, err := dockertest.NewProxy(dir, "")
	if err != nil {
		return nil, nil, err
	}
	defer px.Close()
	project := e.project("calls")
	run := func(args ...string) error {
		cmd := e.cli(ctx, project, args...)
		cmd.Env = append(cmd.Env, "DOCKER_HOST="+px.Host)
		if b, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("testbed %s: %w\n%s", strings.Join(args, " "), err, b)
		}
		return nil
	}
	if err := run("up"); err != nil {
		run("down")
		return nil, nil, err
	}
	up = px.Counts()
	px.Reset()
	err = run("down")
	return up, px.Counts(), err
}

// formatCalls prints route counts, most frequent first.
func formatCalls(c map[string]int) string {
	type kv struct {
		k string
		v int
	}
	var list []kv
	total := 0
	for k, v := range c {
		list = append(list, kv{k, v})
		total += v
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].v != list[j].v {
			return list[i].v > list[j].v
		}
		return list[i].k < list[j].k
	})
	var b strings.Builder
	fmt.Fprintf(&b, "%d calls:", total)
	for _, x := range list {
		fmt.Fprintf(&b, " %s ×%d;", x.k, x.v)
	}
	return strings.TrimSuffix(b.String(), ";")
}

func buildCalls(c map[string]int) int {
	return c["POST /build"] + c["POST /images/load"] + c["POST /images/create"]
}

// Package docker runs testbed servers as containers on a Docker Engine,
// through the Engine API (github.com/moby/moby/client) with the API version
// negotiated, so it works on old engines (API 1.41) and current ones alike.
// Nothing here runs a docker CLI or a shell.
package docker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/client"
)

// PingTimeout bounds the first contact with the engine.
const PingTimeout = 3 * time.Second

// CallTimeout bounds one engine call that should be quick (create, start,
// inspect, remove). Builds and waits have their own deadlines.
const CallTimeout = 60 * time.Second

// ErrUnavailable means no engine answered.
var ErrUnavailable = errors.New("no Docker engine answers")

// Options configure the driver.
type Options struct {
	Logger   *slog.Logger
	Pull     bool   // images named by a spec may be pulled when missing
	NoBuild  bool   // never build; missing images are an error
	NoCache  bool   // build without the engine's cache
	CacheDir string // where a server binary built from source is cached; "" = user cache dir
	// Publish: the engine publishes ports even where this process could
	// forward them (containers reachable from here); see EnvPublish.
	Publish bool
}

// Driver is the docker engine driver.
type Driver struct {
	cli  *client.Client
	opts Options
	log  *slog.Logger
	api  string
	// facts about the engine, found out in the background (one engine
	// call that nothing else waits for), valid once factsKnown is closed.
	// The call starts with the first operation that needs them (Up,
	// EnsureImages, or a wait on them): it costs the engine tens of
	// milliseconds, more than a reused testbed's whole reset.
	facts      engineFacts
	factsKnown chan struct{}
	factsOnce  sync.Once

	mu     sync.Mutex
	images map[string]map[string]string // project -> server -> image, chosen by Prepare

	fwd forwarders // ports this process forwards, in place of the engine
}

// engineFacts are what testbed needs to know of the engine beyond the
// API version.
type engineFacts struct {
	// direct: this host reaches containers at their network addresses (a
	// local, rootful engine on Linux). Probes then go straight to the
	// server instead of through the engine's port proxy, which accepts
	// connections even when nothing listens behind it.
	direct bool
	// arch is the GOARCH name of the engine's machine, "" when unknown
	// (taken to be this process's).
	arch string
}

// New connects to the engine named by the environment (DOCKER_HOST, ...)
// and negotiates the API version.
func New(ctx context.Context, o Options) (*Driver, error) {
	cli, err := client.New(client.FromEnv)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	pctx, cancel := context.WithTimeout(ctx, PingTimeout)
	defer cancel()
	ping, err := cli.Ping(pctx, client.PingOptions{NegotiateAPIVersion: true})
	if err != nil {
		cli.Close()
		return nil, fmt.Errorf("%w: engine unreachable at %s: %v (is dockerd running? `testbed doctor` checks; `--driver local` runs the built-in servers without an engine)",
			ErrUnavailable, cli.DaemonHost(), err)
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &Driver{cli: cli, opts: o, log: log, api: ping.APIVersion, factsKnown: make(chan struct{}), images: map[string]map[string]string{}}
	return d, nil
}

// prefetchFacts starts finding the facts about the engine in the
// background, once.
func (d *Driver) prefetchFacts() {
	d.factsOnce.Do(func() {
		go func() {
			defer close(d.factsKnown)
			d.facts = d.findFacts(context.Background())
		}()
	})
}

// engineFacts returns the facts about the engine, waiting for them if they
// are still coming.
func (d *Driver) engineFacts() engineFacts {
	d.prefetchFacts()
	<-d.factsKnown
	return d.facts
}

// Arch is the GOARCH name of the engine's machine, or "" when the engine
// did not say; the built-in image is built for it.
func (d *Driver) Arch() string { return d.engineFacts().arch }

// isDirect reports whether this host reaches containers at their network
// addresses.
func (d *Driver) isDirect() bool { return d.engineFacts().direct }

// findFacts asks the engine what it runs on. Container addresses are
// routable from here when the engine listens on a local socket, runs
// Linux, is not rootless, and so is this process's OS.
func (d *Driver) findFacts(ctx context.Context) engineFacts {
	cctx, cancel := context.WithTimeout(ctx, PingTimeout)
	defer cancel()
	info, err := d.cli.Info(cctx, client.InfoOptions{})
	if err != nil {
		d.log.Debug("engine info", "err", err)
		return engineFacts{}
	}
	f := engineFacts{arch: goArch(info.Info.Architecture)}
	f.direct = runtime.GOOS == "linux" && strings.HasPrefix(d.cli.DaemonHost(), "unix://") && info.Info.OSType == "linux"
	for _, o := range info.Info.SecurityOptions {
		if strings.Contains(o, "rootless") {
			f.direct = false
		}
	}
	return f
}

// goArch is the GOARCH name of a machine as the engine reports it (uname's
// names, like x86_64 or aarch64), or "" for one testbed does not know.
func goArch(machine string) string {
	switch machine {
	case "x86_64", "amd64":
		return "amd64"
	case "aarch64", "arm64":
		return "arm64"
	case "i386", "i686", "386":
		return "386"
	case "armv6l", "armv7l", "armhf", "arm":
		return "arm"
	case "ppc64le", "s390x", "riscv64":
		return machine
	}
	return ""
}

// Name implements lifecycle.Engine.
func (d *Driver) Name() string { return "docker" }

// Close releases the connection, once the background check (if one was
// started) is done.
func (d *Driver) Close() error {
	d.factsOnce.Do(func() { close(d.factsKnown) }) // none started: none to wait for
	<-d.factsKnown
	d.fwd.closeAll()
	return d.cli.Close()
}

// Client exposes the API client (for doctor and tests).
func (d *Driver) Client() *client.Client { return d.cli }

// APIVersion is the negotiated API version.
func (d *Driver) APIVersion() string { return d.api }

func callCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, CallTimeout)
}

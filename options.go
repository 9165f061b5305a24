package testbed

import (
	"os"
	"strings"
	"time"
)

// Option configures Start and New.
type Option func(*config)

type config struct {
	servers   []string
	specFile  string
	driver    string
	timeout   time.Duration
	bindLocal bool
	publish   bool
	keep      bool
	reuse     bool
	logf      func(string, ...any)

	allowHostMounts bool
}

// Environment variables the library reads.
const (
	// EnvDriver chooses the driver when no WithDriver is given.
	EnvDriver = "TESTBED_DRIVER"
	// EnvKeep set to 1 (or true) keeps every testbed up after its test.
	EnvKeep = "TESTBED_KEEP"
	// EnvReuse set to 1 (or true) makes every Start and New reuse a
	// testbed, as WithReuse does.
	EnvReuse = "TESTBED_REUSE"
)

func newConfig(opts []Option) *config {
	c := &config{driver: os.Getenv(EnvDriver), keep: truthy(os.Getenv(EnvKeep)), reuse: truthy(os.Getenv(EnvReuse))}
	for _, o := range opts {
		o(c)
	}
	if c.driver == "" {
		c.driver = "auto"
	}
	return c
}

func truthy(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "0", "false", "no", "off":
		return false
	}
	return true
}

// WithServers brings up only these servers (and what they depend on)
// instead of every server of the spec or of the default testbed.
func WithServers(names ...string) Option {
	return func(c *config) { c.servers = append(c.servers, names...) }
}

// WithSpecFile reads the servers from a spec file instead of the built-in
// default testbed, recognised as the testbed command does: a testbed.yaml
// or .json (or a directory holding one), a compose file, or a directory of
// legacy per-server JSON files. A relative path is relative to the test's
// package directory.
func WithSpecFile(path string) Option {
	return func(c *config) { c.specFile = path }
}

// WithDriver chooses "auto" (the default: docker when an engine answers,
// else local), "docker", "local" or "kubernetes" (the cluster of the
// kubeconfig or the pod's service account; only in a build with the
// kubernetes tag: go test -tags kubernetes).
func WithDriver(name string) Option {
	return func(c *config) { c.driver = name }
}

// WithTimeout bounds the whole start; without it, each server's own
// readiness timeout applies (60s unless the spec says otherwise).
func WithTimeout(d time.Duration) Option {
	return func(c *config) { c.timeout = d }
}

// WithBindLocal listens on (or publishes) each server's own port numbers
// (80, 443, 21, ...) instead of random ones. Tests that use it cannot run
// in parallel with each other.
func WithBindLocal() Option {
	return func(c *config) { c.bindLocal = true }
}

// WithPublish has the Docker engine publish the servers' ports (one
// engine proxy per port), as it does for a remote engine, instead of this
// process forwarding them to the containers' addresses where it can reach
// them (a local engine on Linux). TESTBED_PUBLISH=1 does the same.
func WithPublish() Option {
	return func(c *config) { c.publish = true }
}

// WithKeep leaves the testbed up after the test, for debugging (so does
// TESTBED_KEEP=1). The test log names the project; `testbed -p NAME down`
// takes it down. With the local driver the servers then run in a
// supervisor process (as after `testbed up`), so they outlive the test
// binary.
func WithKeep() Option {
	return func(c *config) { c.keep = true }
}

// WithReuse takes a running testbed of the same spec instead of making a
// new one, and resets every server to its seeded state first (uploads,
// FTP writes, mailboxes, retained messages are gone; image and build
// servers are restarted unless their spec says reset: none): on a warm
// testbed a Start costs milliseconds instead of seconds. The testbed is
// leased to this Start (or New) until the test ends, so parallel tests
// and parallel test binaries never share one; a Start that finds every
// reusable testbed of the spec in use makes another. Reusable testbeds
// are kept projects named reuse-<spec hash>-<n>: they stay up between
// test runs, for the next one, until `testbed down --reused` (or
// `testbed -p NAME down`). TESTBED_REUSE=1 does the same for every Start.
func WithReuse() Option {
	return func(c *config) { c.reuse = true }
}

// WithLogf sends the library's messages (what was started, where, how long
// it took, server logs of a failed test) to logf instead of t.Logf; with
// New the default is silence.
func WithLogf(logf func(format string, args ...any)) Option {
	return func(c *config) { c.logf = logf }
}

// WithAllowHostMounts allows the spec's bind mounts, file sources and
// build contexts to name the engine socket and the host's system trees
// (/, /proc, /sys, /dev, /run, /var/run, /var/lib/docker and their
// parents), which validation refuses by default: what the spec's
// allow_host_mounts: true and the CLI's --allow-host-mounts allow.
func WithAllowHostMounts() Option {
	return func(c *config) { c.allowHostMounts = true }
}

package testbed

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/project"
)

// Timeouts of the library, in one place.
const (
	removeTimeout = 2 * time.Minute  // taking a testbed down
	httpTimeout   = 60 * time.Second // HTTPClient's requests
)

// Version is the testbed.version label of what the library starts.
const Version = "library"

var starts atomic.Int64

// projectName is unique to this process and call: a slug of the test's
// name (for people), the pid and a counter (unique here), and a random
// suffix (unique across machines sharing an engine).
func projectName(testName string) string {
	var slug strings.Builder
	for _, r := range strings.ToLower(testName) {
		if slug.Len() >= 20 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			slug.WriteRune(r)
		case slug.Len() > 0 && !strings.HasSuffix(slug.String(), "-"):
			slug.WriteByte('-')
		}
	}
	s := strings.Trim(slug.String(), "-")
	if s == "" {
		s = "test"
	}
	var rnd [2]byte
	_, _ = rand.Read(rnd[:])
	return fmt.Sprintf("tb-%s-%d-%d-%s", s, os.Getpid(), starts.Add(1), hex.EncodeToString(rnd[:]))
}

// start brings the configured testbed up through the project core, as the
// testbed command does: a kept testbed is left to `testbed down`; any other
// is this process's until Close (which holds the project's lock meanwhile).
func start(ctx context.Context, c *config, name string) (_ *Bed, err error) {
	began := time.Now()
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	s, err := project.Load(ctx, project.LoadOptions{File: c.specFile, NoFind: true, Servers: c.servers, Project: name, AllowHostMounts: c.allowHostMounts})
	if err != nil {
		return nil, fmt.Errorf("spec: %w", err)
	}
	c.logf = redactLogf(c.logf, s)
	core, err := project.Open(ctx, project.Options{
		Driver: c.driver, Version: Version, Publish: c.publish, Drivers: extraDrivers(),
		Notef: func(format string, args ...any) { c.logf("testbed: "+format, args...) },
	})
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil || c.keep {
			core.Close()
		}
	}()
	if c.reuse {
		return startReused(ctx, c, core, s, began)
	}
	dir := ""
	if !c.keep {
		// The CA of a testbed that goes with the test goes with it too.
		if dir, err = os.MkdirTemp("", "testbed-"+name+"-"); err != nil {
			return nil, fmt.Errorf("state directory: %w", err)
		}
		defer func() {
			if err != nil {
				os.RemoveAll(dir)
			}
		}()
	}
	r, err := core.Up(ctx, s, project.UpOptions{
		Keep: c.keep, BindLocal: c.bindLocal, Dir: dir,
		Timeout: c.timeout, TimeoutName: fmt.Sprintf("WithTimeout(%s)", c.timeout),
		Sink: &logSink{logf: c.logf},
	})
	if err != nil {
		return nil, fmt.Errorf("project %s (%s driver): %w", name, core.Driver(), err)
	}
	m := r.Manifest
	b := &Bed{logf: c.logf, project: name, m: m, pool: r.CA.Pool(), keep: c.keep}
	c.logf("testbed: project %s up with the %s driver in %s: %s", name, m.Driver, time.Since(began).Round(time.Millisecond), summary(m))
	if c.keep {
		return b, nil
	}
	b.stop = func(ctx context.Context) error {
		defer core.Close()
		return r.Close(ctx)
	}
	b.tails = func(ctx context.Context) string { return logTails(r.Tails(ctx, tailLines)) }
	return b, nil
}

// startReused leases a reusable testbed of s (project.Core.UpReused),
// reset to its seed; Close hands it back.
func startReused(ctx context.Context, c *config, core *project.Core, s *project.Spec, began time.Time) (*Bed, error) {
	r, err := core.UpReused(ctx, s, project.UpOptions{
		BindLocal: c.bindLocal, Timeout: c.timeout, TimeoutName: fmt.Sprintf("WithTimeout(%s)", c.timeout),
		Sink: &logSink{logf: c.logf},
	})
	if err != nil {
		return nil, fmt.Errorf("reuse (%s driver): %w", core.Driver(), err)
	}
	name := r.Plan.Project
	how := "brought up"
	if len(r.Started) == 0 {
		how = "reset"
	}
	m := r.Manifest
	b := &Bed{logf: c.logf, project: name, m: m, pool: r.CA.Pool()}
	c.logf("testbed: reused project %s %s with the %s driver in %s: %s", name, how, m.Driver, time.Since(began).Round(time.Millisecond), summary(m))
	b.stop = func(ctx context.Context) error {
		defer core.Close()
		return r.Close(ctx)
	}
	b.tails = func(ctx context.Context) string { return logTails(r.Tails(ctx, tailLines)) }
	return b, nil
}

// summary is "http=127.0.0.1:1234,127.0.0.1:1235 socks=..." for the log.
func summary(m *endpoints.Manifest) string {
	var parts []string
	for _, name := range m.Names() {
		s := m.Servers[name]
		var addrs []string
		for _, key := range endpoints.PortKeys(s.Ports) {
			addrs = append(addrs, key+"="+s.Ports[key])
		}
		parts = append(parts, name+"["+strings.Join(addrs, " ")+"]")
	}
	return strings.Join(parts, " ")
}

// redactLogf masks the spec's secrets (project.Spec.Redactor) in every
// line the library logs: progress, failures, the log tails of a failed
// test.
func redactLogf(logf func(string, ...any), s *project.Spec) func(string, ...any) {
	red := s.Redactor()
	return func(format string, args ...any) {
		logf("%s", red.String(fmt.Sprintf(format, args...)))
	}
}

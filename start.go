package testbed

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/testbed-dev/testbed/catalog"
	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/engine/docker"
	"github.com/testbed-dev/testbed/engine/local"
	"github.com/testbed-dev/testbed/hostnet"
	"github.com/testbed-dev/testbed/internal/bringup"
	"github.com/testbed-dev/testbed/lifecycle"
	"github.com/testbed-dev/testbed/owner"
	"github.com/testbed-dev/testbed/plan"
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

// start brings the configured testbed up.
func start(ctx context.Context, c *config, project string) (_ *Bed, err error) {
	began := time.Now()
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	cat := catalog.New()
	tb, err := loadSpec(ctx, c, cat)
	if err != nil {
		return nil, err
	}
	eng, driver, err := chooseEngine(ctx, c)
	if err != nil {
		return nil, err
	}
	if c.keep && driver == local.Name {
		return startSupervised(ctx, c, project)
	}
	p, err := plan.New(tb, cat, plan.Options{
		Project:   project,
		BindLocal: c.bindLocal,
		Owner:     owner.Self().String(),
		Version:   Version,
		Container: driver != local.Name,
		FreePorts: hostnet.FreePorts,
	})
	if err != nil {
		closeEngine(eng)
		return nil, fmt.Errorf("plan: %w", err)
	}
	if driver == local.Name {
		if err := local.Check(p); err != nil {
			return nil, err
		}
	}
	dir, err := stateDir(c.keep, project)
	if err != nil {
		closeEngine(eng)
		return nil, err
	}
	defer func() {
		if err != nil {
			closeEngine(eng)
			os.RemoveAll(dir)
		}
	}()
	m, ca, err := bringup.Up(ctx, eng, p, dir, bringup.Options{
		Timeout:     c.timeout,
		TimeoutName: fmt.Sprintf("WithTimeout(%s)", c.timeout),
		Sink:        &logSink{logf: c.logf},
	})
	if err != nil {
		return nil, fmt.Errorf("project %s (%s driver): %w", project, driver, err)
	}
	b := &Bed{logf: c.logf, project: project, dir: dir, m: m, pool: ca.Pool(), keep: c.keep}
	c.logf("testbed: project %s up with the %s driver in %s: %s", project, driver, time.Since(began).Round(time.Millisecond), summary(m))
	if c.keep {
		// The containers stay; the testbed command finds them by label and
		// by this record.
		if err := bringup.Record(ctx, eng, p, dir, m); err != nil {
			return nil, err
		}
		closeEngine(eng)
		return b, nil
	}
	b.stop = func(ctx context.Context) error {
		err := eng.Remove(ctx, lifecycle.RemoveOptions{Project: project})
		closeEngine(eng)
		return errors.Join(err, os.RemoveAll(dir))
	}
	b.tails = func(ctx context.Context) string { return logTails(ctx, eng, project, m) }
	return b, nil
}

// chooseEngine connects to the configured driver.
func chooseEngine(ctx context.Context, c *config) (lifecycle.Engine, string, error) {
	switch c.driver {
	case local.Name:
		return local.New(local.Options{}), local.Name, nil
	case "docker", "auto":
	default:
		return nil, "", fmt.Errorf("driver %q: want auto, docker or local", c.driver)
	}
	drv, err := docker.New(ctx, docker.Options{})
	if err == nil {
		return drv, "docker", nil
	}
	if c.driver == "auto" && errors.Is(err, docker.ErrUnavailable) {
		c.logf("testbed: no Docker engine answers; using the local driver")
		return local.New(local.Options{}), local.Name, nil
	}
	return nil, "", err
}

func closeEngine(eng lifecycle.Engine) {
	if d, ok := eng.(*docker.Driver); ok {
		d.Close()
	}
}

// stateDir is where the CA (and, when kept, endpoints.json) lives: the
// project's directory under testbed's state directory when the testbed is
// kept, so the testbed command finds it; a temporary directory otherwise.
func stateDir(keep bool, project string) (string, error) {
	if keep {
		dir, err := endpoints.StateDir("", project)
		if err != nil {
			return "", err
		}
		return dir, os.MkdirAll(dir, 0o700)
	}
	dir, err := os.MkdirTemp("", "testbed-"+project+"-")
	if err != nil {
		return "", fmt.Errorf("state directory: %w", err)
	}
	return dir, nil
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

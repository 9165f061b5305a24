package supervisor_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/testbed-dev/testbed/catalog"
	"github.com/testbed-dev/testbed/engine/local/supervisor"
	"github.com/testbed-dev/testbed/owner"
	"github.com/testbed-dev/testbed/plan"
	"github.com/testbed-dev/testbed/spec"
)

// childEnv makes the test binary act as a supervisor (see TestMain); its
// value says how.
const childEnv = "SUPERVISOR_TEST_CHILD"

// TestMain lets Spawn start this test binary as a supervisor.
func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		os.Exit(child(mode, os.Args[len(os.Args)-2], os.Args[len(os.Args)-1]))
	}
	os.Exit(m.Run())
}

// child is a supervisor for project in dir: "serve" runs the echo server,
// "image" a server that needs an image (it fails), "crash" exits without a
// report.
func child(mode, dir, project string) int {
	notify, err := supervisor.NotifyFromEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	if mode == "crash" {
		fmt.Fprintln(os.Stderr, "crashing on purpose")
		return 7
	}
	tb := &spec.Testbed{Name: project, Domain: spec.DefaultDomain, Servers: []*spec.Server{{Name: "echo", Builtin: "echo"}}}
	if mode == "image" {
		tb.Servers = append(tb.Servers, &spec.Server{Name: "app", Image: "example/app:1", Ports: []spec.Port{{Port: 80, Proto: "tcp"}}})
	}
	p, err := plan.New(tb, catalog.New(), plan.Options{Project: project, Owner: owner.Self().String()})
	if err != nil {
		supervisor.ReportError(notify, err)
		return 1
	}
	ctx, stop := signalContext()
	defer stop()
	err = supervisor.Serve(ctx, supervisor.Options{Plan: p, Dir: dir, Notify: notify, Watch: 50 * time.Millisecond, Timeout: 20 * time.Second})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// spawn starts this test binary as a supervisor in mode.
func spawn(t *testing.T, mode, dir, project string) error {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = supervisor.Spawn(ctx, supervisor.SpawnOptions{
		Binary:  self,
		Args:    []string{"-test.run=^$", dir, project},
		Dir:     dir,
		Env:     append(os.Environ(), childEnv+"="+mode),
		Timeout: 20 * time.Second,
	})
	return err
}

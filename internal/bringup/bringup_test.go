package bringup_test

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/testbed-dev/testbed/catalog"
	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/engine/local"
	"github.com/testbed-dev/testbed/internal/bringup"
	"github.com/testbed-dev/testbed/lifecycle"
	"github.com/testbed-dev/testbed/plan"
	"github.com/testbed-dev/testbed/spec"
)

// upEcho brings one echo server up on a local engine with its state in dir.
func upEcho(t *testing.T, project, dir string) (*local.Engine, *plan.Plan, *endpoints.Manifest) {
	t.Helper()
	cat := catalog.New()
	tb := &spec.Testbed{Servers: []*spec.Server{{Name: "echo", Builtin: "echo"}}}
	if err := tb.Validate(catalog.SpecKinds(cat)); err != nil {
		t.Fatalf("Validate() = %v", err)
	}
	p, err := plan.New(tb, cat, plan.Options{Project: project, Owner: "bringup-test"})
	if err != nil {
		t.Fatalf("plan.New() = %v", err)
	}
	eng := local.New(local.Options{})
	m, _, err := bringup.Up(t.Context(), eng, p, dir, bringup.Options{Timeout: 20 * time.Second, TimeoutName: "the test's 20s"})
	if err != nil {
		t.Fatalf("Up() = %v", err)
	}
	return eng, p, m
}

func TestRecordWritesTheState(t *testing.T) {
	dir := t.TempDir()
	eng, p, m := upEcho(t, "bringup-record", dir)
	t.Cleanup(func() { eng.Remove(context.Background(), lifecycle.RemoveOptions{Project: p.Project}) })
	if err := bringup.Record(t.Context(), eng, p, dir, m); err != nil {
		t.Fatalf("Record() = %v", err)
	}
	got, err := endpoints.Read(dir)
	if err != nil {
		t.Fatalf("endpoints.Read() = %v", err)
	}
	if a, b := mustAddr(t, got), mustAddr(t, m); a != b {
		t.Errorf("recorded echo 7/tcp = %s, want %s", a, b)
	}
	if h := endpoints.ReadSpecHash(dir); h != p.SpecHash {
		t.Errorf("ReadSpecHash() = %q, want %q", h, p.SpecHash)
	}
}

// A project whose state cannot be written would be running with nothing
// that finds it again: Record must take it down.
func TestRecordFailureRemovesTheProject(t *testing.T) {
	base := t.TempDir()
	blocker := filepath.Join(base, "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	eng, p, m := upEcho(t, "bringup-unrecorded", filepath.Join(base, "ca"))
	addr := mustAddr(t, m)
	if c, err := net.Dial("tcp", addr); err != nil {
		t.Fatalf("echo before Record: %v", err)
	} else {
		c.Close()
	}

	err := bringup.Record(t.Context(), eng, p, filepath.Join(blocker, "state"), m)
	if err == nil {
		t.Fatal("Record() into a path under a file = nil, want an error")
	}
	t.Logf("Record() = %v", err)
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Errorf("echo %s still answers after a failed Record, want the project removed", addr)
	}
}

func mustAddr(t *testing.T, m *endpoints.Manifest) string {
	t.Helper()
	a, err := m.Addr("echo", "7/tcp")
	if err != nil {
		t.Fatalf("Addr(echo, 7/tcp) = %v", err)
	}
	return a
}

// keepingEngine is a local engine that can mark a project kept, as the
// docker driver does, and fails to when err is set.
type keepingEngine struct {
	*local.Engine
	err    error
	marked []string
}

func (e *keepingEngine) MarkKept(_ context.Context, p *plan.Plan) error {
	e.marked = append(e.marked, p.Project)
	return e.err
}

// An engine that can mark a project kept is asked to; when it cannot,
// nothing is recorded and the project is removed.
func TestRecordMarksKept(t *testing.T) {
	dir := t.TempDir()
	eng, p, m := upEcho(t, "bringup-kept", dir)
	t.Cleanup(func() { eng.Remove(context.Background(), lifecycle.RemoveOptions{Project: p.Project}) })
	k := &keepingEngine{Engine: eng}
	if err := bringup.Record(t.Context(), k, p, dir, m); err != nil || len(k.marked) != 1 {
		t.Fatalf("Record() = %v with marks %v, want nil and one mark", err, k.marked)
	}

	dir2 := t.TempDir()
	eng2, p2, m2 := upEcho(t, "bringup-unmarked", filepath.Join(dir2, "ca"))
	k2 := &keepingEngine{Engine: eng2, err: errors.New("volume create refused")}
	state := filepath.Join(dir2, "state")
	err := bringup.Record(t.Context(), k2, p2, state, m2)
	if err == nil || !strings.Contains(err.Error(), "volume create refused") {
		t.Fatalf("Record() with a failing mark = %v, want that error", err)
	}
	if _, err := os.Stat(state); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("state directory after a failed mark: %v, want none", err)
	}
	if c, err := net.Dial("tcp", mustAddr(t, m2)); err == nil {
		c.Close()
		t.Errorf("echo still answers after a failed mark, want the project removed")
	}
}

package local_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/testbed-dev/testbed/catalog"
	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/engine/local"
	"github.com/testbed-dev/testbed/lifecycle"
	"github.com/testbed-dev/testbed/plan"
	"github.com/testbed-dev/testbed/progress"
	"github.com/testbed-dev/testbed/servers/testca"
	"github.com/testbed-dev/testbed/spec"
)

var seq atomic.Int64

// running is a project up on a local engine.
type running struct {
	eng     *local.Engine
	m       *endpoints.Manifest
	pool    *x509.CertPool
	project string
	events  *events
}

// events records progress events.
type events struct {
	mu   sync.Mutex
	list []progress.Event
}

func (e *events) Event(ev progress.Event) {
	e.mu.Lock()
	e.list = append(e.list, ev)
	e.mu.Unlock()
}

func (e *events) phases(phase string) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, ev := range e.list {
		if ev.Phase == phase {
			out = append(out, ev.Server)
		}
	}
	return out
}

// up brings tb up on a new local engine; Remove runs at cleanup.
func up(t testing.TB, tb *spec.Testbed) (*running, error) {
	t.Helper()
	r, err := upNoCleanup(t, tb)
	t.Cleanup(func() { r.down(t) })
	return r, err
}

// upNoCleanup is up without the cleanup, for benchmarks.
func upNoCleanup(t testing.TB, tb *spec.Testbed) (*running, error) {
	t.Helper()
	cat := catalog.New()
	if err := tb.Validate(catalog.SpecKinds(cat)); err != nil {
		t.Fatalf("Validate() = %v", err)
	}
	project := fmt.Sprintf("localtest-%d", seq.Add(1))
	p, err := plan.New(tb, cat, plan.Options{Project: project, Container: false})
	if err != nil {
		t.Fatalf("plan.New() = %v", err)
	}
	ca, err := testca.New("test CA")
	if err != nil {
		t.Fatal(err)
	}
	caFile, err := ca.WriteCert(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r := &running{eng: local.New(local.Options{}), pool: ca.Pool(), project: project, events: &events{}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r.m, err = lifecycle.Up(ctx, r.eng, p, lifecycle.UpOptions{
		CA: ca, CAFile: caFile, ProbeTLS: &tls.Config{RootCAs: ca.Pool()}, Sink: r.events,
	})
	return r, err
}

func (r *running) down(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.eng.Remove(ctx, lifecycle.RemoveOptions{Project: r.project}); err != nil {
		t.Errorf("Remove() = %v", err)
	}
}

func (r *running) addr(t testing.TB, server, port string) string {
	t.Helper()
	a, err := r.m.Addr(server, port)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (r *running) tlsConfig() *tls.Config { return &tls.Config{RootCAs: r.pool} }

// defaultTestbed is the built-in default testbed, ready or failing the test.
func defaultTestbed(t testing.TB) *running {
	t.Helper()
	r, err := up(t, catalog.New().Default())
	if err != nil {
		t.Fatalf("Up(default testbed) = %v", err)
	}
	return r
}

func abs(t testing.TB, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

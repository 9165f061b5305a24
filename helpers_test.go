package testbed_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"
)

// fakeTB records what Start does to a test: Fatalf ends its goroutine like
// the real one does.
type fakeTB struct {
	testing.TB
	mu       sync.Mutex
	fatal    string
	errors   []string
	logs     []string
	cleanups []func()
}

func (f *fakeTB) Helper()                  {}
func (f *fakeTB) Name() string             { return "TestFake" }
func (f *fakeTB) Context() context.Context { return context.Background() }
func (f *fakeTB) Cleanup(fn func())        { f.mu.Lock(); f.cleanups = append(f.cleanups, fn); f.mu.Unlock() }
func (f *fakeTB) Failed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fatal != "" || len(f.errors) > 0
}

func (f *fakeTB) Logf(format string, args ...any) {
	f.mu.Lock()
	f.logs = append(f.logs, fmt.Sprintf(format, args...))
	f.mu.Unlock()
}

func (f *fakeTB) Errorf(format string, args ...any) {
	f.mu.Lock()
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
	f.mu.Unlock()
}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.mu.Lock()
	f.fatal = fmt.Sprintf(format, args...)
	f.mu.Unlock()
	runtime.Goexit()
}

// runFake runs fn with a fake test in a goroutine of its own (Fatalf ends
// it), then the fake's cleanups, and returns the fake. It fails t when fn
// takes longer than limit.
func runFake(t *testing.T, limit time.Duration, fn func(tb testing.TB)) *fakeTB {
	t.Helper()
	f := &fakeTB{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(f)
	}()
	select {
	case <-done:
	case <-time.After(limit):
		t.Fatalf("still running after %s", limit)
	}
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
	return f
}

package control

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"testing"
)

func TestResetNeedsTheToken(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var resets atomic.Int32
	var fail atomic.Bool
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, l, "sesame", func(context.Context) error {
			if fail.Load() {
				return errors.New("kind did not come back")
			}
			resets.Add(1)
			return nil
		}, nil)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve = %v", err)
		}
	}()
	addr := l.Addr().String()
	if err := Reset(context.Background(), nil, addr, "wrong"); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("Reset with a wrong token = %v, want 401", err)
	}
	if err := Reset(context.Background(), nil, addr, ""); err == nil {
		t.Fatal("Reset with no token succeeded")
	}
	if resets.Load() != 0 {
		t.Fatal("a refused request reset the server")
	}
	if err := Reset(context.Background(), nil, addr, "sesame"); err != nil {
		t.Fatalf("Reset = %v", err)
	}
	if resets.Load() != 1 {
		t.Fatalf("resets = %d, want 1", resets.Load())
	}
	fail.Store(true)
	if err := Reset(context.Background(), nil, addr, "sesame"); err == nil || !strings.Contains(err.Error(), "kind did not come back") {
		t.Fatalf("a failed reset = %v, want its reason", err)
	}
}

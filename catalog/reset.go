package catalog

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
)

// RunResettable runs k on env as Run does, until ctx ends or the kind
// fails, and restarts it each time a reply channel arrives on resets: the
// running kind is stopped, its sockets are bound again on the very same
// addresses, the kind runs anew on them (so everything it holds, uploads,
// mailboxes, retained messages, is back to its seed), and the reply gets
// nil, or why the restart failed (then RunResettable returns that error
// too). Connections open at the reset are closed; clients that connect
// after the reply reach the new run, which serves the connections queued
// on the new sockets as soon as it starts. Every socket is closed when it
// returns.
func (k *Kind) RunResettable(ctx context.Context, env Env, resets <-chan chan<- error) error {
	if k.KeepAcrossReset != nil {
		env.Options = maps.Clone(env.Options)
		if env.Options == nil {
			env.Options = map[string]string{}
		}
		if err := k.KeepAcrossReset(env.Options); err != nil {
			closeSockets(env)
			return fmt.Errorf("%s: %w", k.Name, err)
		}
	}
	if k.Scratch && env.Scratch == "" {
		dir, err := os.MkdirTemp("", "testbed-"+k.Name+"-")
		if err != nil {
			closeSockets(env)
			return fmt.Errorf("%s: scratch directory: %w", k.Name, err)
		}
		defer os.RemoveAll(dir)
		env.Scratch = dir
	}
	for {
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- k.Run(runCtx, env) }()
		select {
		case err := <-done:
			cancel()
			closeSockets(env)
			return err
		case reply := <-resets:
			cancel()
			err := <-done
			closeSockets(env)
			if err != nil && !errors.Is(err, context.Canceled) {
				err = fmt.Errorf("%s: before the reset: %w", k.Name, err)
				reply <- err
				return err
			}
			if ctx.Err() != nil {
				reply <- ctx.Err()
				return nil
			}
			fresh, err := rebind(env)
			if err != nil {
				err = fmt.Errorf("%s: reset: %w", k.Name, err)
				reply <- err
				return err
			}
			env = fresh
			reply <- nil
		}
	}
}

// closeSockets closes env's sockets; a kind closes those it served, but
// not always those it left unused.
func closeSockets(env Env) {
	s := Sockets{Listeners: env.Listeners, Packets: env.Packets}
	_ = s.Close()
}

// rebind is env with every socket bound again on the address it had.
func rebind(env Env) (Env, error) {
	var s Sockets
	for key, l := range env.Listeners {
		if _, err := s.Bind(key, "tcp", l.Addr().String()); err != nil {
			_ = s.Close()
			return env, fmt.Errorf("bind %s again: %w", key, err)
		}
	}
	for key, pc := range env.Packets {
		if _, err := s.Bind(key, "udp", pc.LocalAddr().String()); err != nil {
			_ = s.Close()
			return env, fmt.Errorf("bind %s again: %w", key, err)
		}
	}
	fresh := env
	fresh.Listeners, fresh.Packets = s.Listeners, s.Packets
	if fresh.Listeners == nil {
		fresh.Listeners = map[string]net.Listener{}
	}
	return fresh, nil
}

// Reset asks a RunResettable through resets to restart, and waits for it
// to have done so.
func Reset(ctx context.Context, resets chan<- chan<- error) error {
	reply := make(chan error, 1)
	select {
	case resets <- reply:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

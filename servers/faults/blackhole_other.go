//go:build !linux

package faults

import (
	"errors"
	"net"
)

// blackhole needs Linux's accept queue behaviour.
func blackhole(l net.Listener) (net.Listener, net.Conn, error) {
	l.Close()
	return nil, nil, errors.New("blackhole: needs Linux")
}

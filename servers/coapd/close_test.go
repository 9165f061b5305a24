package coapd

import (
	"net"
	"testing"

	"github.com/testbed-dev/testbed/servers/internal/servertest"
)

// Close ends every Serve, even one that had not yet handed its socket to
// go-coap when Close came (go-coap's own Stop then has nothing to close).
func TestCloseBeforeGoCoAPHasTheSocket(t *testing.T) {
	gate := servertest.NewGate("coap: serving", 3)
	srv, err := New(Options{PSKIdentity: DefaultPSKIdentity, PSK: []byte(DefaultPSK), Logger: gate.Logger()})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dpc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 3)
	go func() { done <- srv.ServeTCP(l) }()
	go func() { done <- srv.Serve(pc) }()
	go func() { done <- srv.ServeDTLS(dpc) }()
	gate.Held(3)
	srv.Close()
	gate.Open()
	servertest.AllReturn(t, done, 3)
}

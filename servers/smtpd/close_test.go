package smtpd

import (
	"net"
	"testing"

	"github.com/testbed-dev/testbed/servers/internal/servertest"
	"github.com/testbed-dev/testbed/servers/mailstore"
)

// Close ends every Serve, even one that had not yet handed its listener
// to go-smtp when Close came (go-smtp's Close closes only those it has).
func TestCloseBeforeGoSMTPHasTheListener(t *testing.T) {
	gate := servertest.NewGate("smtp: serving", 2)
	srv, err := New(Options{Store: mailstore.NewMemory("ann"), Logger: gate.Logger()})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 2)
	for _, serve := range []func(net.Listener) error{srv.Serve, srv.ServeSubmission} {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go func() { done <- serve(l) }()
	}
	gate.Held(2)
	srv.Close()
	gate.Open()
	servertest.AllReturn(t, done, 2)
}

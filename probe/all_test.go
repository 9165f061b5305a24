package probe

import (
	"context"
	"errors"
	"io"
	"net"
	"regexp"
	"testing"
	"time"
)

func TestAllAny(t *testing.T) {
	open := serve(t, nil, func(net.Conn) {})
	srv := &fakeServer{addrs: addrs{80: open, 81: refused(t), 82: refused(t)}}
	up, down, down2 := &TCP{Port: 80}, &TCP{Port: 81}, &TCP{Port: 82}
	unsupportedProbe := &Exec{Command: []string{"true"}}
	plain := srv.addrs // no Execer

	tests := []struct {
		name        string
		probe       Probe
		target      Target
		want        string
		permanent   bool
		unsupported bool
	}{
		{"all pass", All(up, up), srv, "", false, false},
		{"all, one fails", All(up, down), srv, "all: 1 of 2 not ready: tcp 81: dial tcp", false, false},
		{"all, two fail", All(down, up, down2), srv, "all: 2 of 3 not ready: tcp 81: ", false, false},
		{"all, one permanent", All(up, unsupportedProbe), plain, `all: 1 of 2 not ready: exec ["true"]: target`, true, true},
		{"all of none", All(), srv, "", false, false},
		{"any, one passes", Any(down, up), srv, "", false, false},
		{"any, none pass", Any(down, down2), srv, "any: none of 2 ready: tcp 81: ", false, false},
		{"any, one permanent, one retryable", Any(unsupportedProbe, down), plain, `any: none of 2 ready: exec ["true"]: `, false, true},
		{"any, all permanent", Any(unsupportedProbe, Health{}), plain, "any: none of 2 ready", true, true},
		{"any of none", Any(), srv, "any: no probes", true, false},
		{"nested", All(Any(down, up), up), srv, "", false, false},
		{"nil child", All(up, nil), srv, "all: 1 of 2 not ready: <nil>: nil probe", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.probe.Check(context.Background(), tt.target)
			checkErr(t, "Check()", err, tt.want)
			if got := isPermanent(err); got != tt.permanent {
				t.Errorf("permanent = %v, want %v (err %v)", got, tt.permanent, err)
			}
			if got := errors.Is(err, ErrUnsupported); got != tt.unsupported {
				t.Errorf("errors.Is(err, ErrUnsupported) = %v, want %v", got, tt.unsupported)
			}
		})
	}
	if err := All(up, down2).Check(context.Background(), srv); err != nil && regexp.MustCompile(`tcp 80`).MatchString(err.Error()) {
		t.Errorf("All().Check() = %q, want only failing children listed", err)
	}
}

func TestAnyCancelsTheRest(t *testing.T) {
	open := serve(t, nil, func(net.Conn) {})
	silent := serve(t, nil, func(c net.Conn) { _, _ = io.Copy(io.Discard, c) })
	slow := &Banner{Port: 21, Expect: regexp.MustCompile("^220")}
	p := Any(slow, &TCP{Port: 80})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	if err := p.Check(ctx, addrs{21: silent, 80: open}); err != nil {
		t.Fatalf("Check() = %v, want nil", err)
	}
	// Without cancellation the banner child would hold Check for a minute.
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("Check() took %v, want the silent child cancelled", d)
	}
}

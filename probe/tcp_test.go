package probe

import (
	"context"
	"net"
	"testing"
)

func TestTCP(t *testing.T) {
	open := serve(t, nil, func(net.Conn) {})
	tests := []struct {
		name      string
		target    Target
		port      int
		want      string // "" = ready, else part of the error
		permanent bool
	}{
		{"listening", addrs{80: open}, 80, "", false},
		{"refused", addrs{80: refused(t)}, 80, "connection refused", false},
		{"not published", addrs{}, 80, "address of 80/tcp: port 80/tcp is not published", false},
		{"port 0", addrs{0: open}, 0, "port 0 is out of range", true},
		{"port too big", addrs{}, 65536, "port 65536 is out of range", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := (&TCP{Port: tt.port}).Check(context.Background(), tt.target)
			checkErr(t, "Check()", err, tt.want)
			if got := isPermanent(err); got != tt.permanent {
				t.Errorf("permanent = %v, want %v (err %v)", got, tt.permanent, err)
			}
		})
	}
}

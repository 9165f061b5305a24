package probe

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"testing"
)

func TestTLS(t *testing.T) {
	srvCfg, trusting := testCA(t)
	secure := serve(t, srvCfg, func(c net.Conn) { _ = c.(*tls.Conn).Handshake() })
	plain := serve(t, nil, func(c net.Conn) { _, _ = io.WriteString(c, "220 not tls\r\n") })
	named := trusting.Clone()
	named.ServerName = "localhost"
	wrongName := trusting.Clone()
	wrongName.ServerName = "elsewhere.test"

	tests := []struct {
		name string
		addr string
		cfg  *tls.Config
		want string
	}{
		{"trusted, ServerName from address", secure, trusting, ""},
		{"trusted, ServerName set", secure, named, ""},
		{"nil config skips verification", secure, nil, ""},
		{"unknown CA", secure, untrusting(), "certificate signed by unknown authority"},
		{"wrong name", secure, wrongName, "elsewhere.test"},
		{"not TLS", plain, trusting, "tls handshake with " + plain},
		{"refused", refused(t), trusting, "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := (&TLS{Port: 443, Config: tt.cfg}).Check(context.Background(), addrs{443: tt.addr})
			checkErr(t, "Check()", err, tt.want)
		})
	}
}

func TestClientTLSDoesNotChangeConfig(t *testing.T) {
	_, cfg := testCA(t)
	got := clientTLS(cfg, "[::1]:443")
	if got.ServerName != "::1" {
		t.Errorf("clientTLS().ServerName = %q, want %q", got.ServerName, "::1")
	}
	if cfg.ServerName != "" {
		t.Errorf("config ServerName changed to %q, want it untouched", cfg.ServerName)
	}
	if insecure := clientTLS(nil, "127.0.0.1:443"); !insecure.InsecureSkipVerify {
		t.Errorf("clientTLS(nil).InsecureSkipVerify = false, want true")
	}
}

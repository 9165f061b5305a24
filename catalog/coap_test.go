package catalog

import (
	"context"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	piondtls "github.com/pion/dtls/v3"
	"github.com/plgd-dev/go-coap/v3/dtls"
	"github.com/plgd-dev/go-coap/v3/udp"
)

func TestCoAPKindRun(t *testing.T) {
	r := runKindOnLoopback(t, "coap", nil, true, nil)
	k, _ := New().Kind("coap")
	for _, p := range k.Ready(nil).All {
		c := dialRunningKind(t, r, "5683/tcp", nil)
		if p.Banner.TLS {
			c = dialRunningKind(t, r, "5684/tcp", r.clientTLS())
		}
		io.WriteString(c, p.Banner.Send)
		var got []byte
		buf := make([]byte, 256)
		re := regexp.MustCompile(p.Banner.Expect)
		for !re.Match(got) {
			n, err := c.Read(buf)
			if err != nil {
				t.Fatalf("probe on %d (tls %v): read %v after %q", p.Banner.Port, p.Banner.TLS, err, got)
			}
			got = append(got, buf[:n]...)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cc, err := udp.Dial(r.addrs["5683/udp"])
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	resp, err := cc.Get(ctx, "/hello")
	if b, _ := resp.ReadBody(); err != nil || string(b) != "Hello, testbed!" {
		t.Errorf("GET /hello over UDP = %q, %v", b, err)
	}
	sc, err := dtls.Dial(r.addrs["5684/udp"], &piondtls.Config{RootCAs: r.pool, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatalf("DTLS with the CA: %v", err)
	}
	defer sc.Close()
	resp, err = sc.Get(ctx, "/store")
	if b, _ := resp.ReadBody(); err != nil || string(b) != "initial value" {
		t.Errorf("GET /store over DTLS = %q, %v", b, err)
	}
	if err := r.stop(); err != nil {
		t.Errorf("Run() after cancel = %v, want nil", err)
	}
}

// Without a certificate, DTLS still serves the PSK and 5684/tcp is closed.
func TestCoAPKindWithoutTLS(t *testing.T) {
	r := runKindOnLoopback(t, "coap", map[string]string{"psk-identity": "id", "psk": "k"}, false, nil)
	cc, err := dtls.Dial(r.addrs["5684/udp"], &piondtls.Config{
		PSK: func([]byte) ([]byte, error) { return []byte("k"), nil }, PSKIdentityHint: []byte("id"),
		CipherSuites: []piondtls.CipherSuiteID{piondtls.TLS_PSK_WITH_AES_128_CCM_8},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := cc.Get(ctx, "/hello")
	if b, _ := resp.ReadBody(); err != nil || string(b) != "Hello, testbed!" {
		t.Errorf("GET /hello over DTLS PSK = %q, %v", b, err)
	}
	if !strings.Contains(r.log.String(), "5684/tcp is not served") {
		t.Errorf("log = %q, want a warning about 5684/tcp", r.log.String())
	}
	if !New().kinds["coap"].SecretOption("psk") {
		t.Error("psk is not a secret option")
	}
}

package e2e

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	piondtls "github.com/pion/dtls/v3"
	"github.com/plgd-dev/go-coap/v3/dtls"
	"github.com/plgd-dev/go-coap/v3/message"
	"github.com/plgd-dev/go-coap/v3/message/pool"
	"github.com/plgd-dev/go-coap/v3/udp"
)

// The coap kind on both bothDrivers: coap-client (Debian's libcoap3-bin) over
// UDP, DTLS with the PSK and DTLS trusting the project CA; go-coap's
// client over UDP and DTLS.
func TestCoAPKind(t *testing.T) {
	requireClient(t, "coap-client-openssl", "libcoap3-bin")
	for _, driver := range bothDrivers {
		t.Run(driver, func(t *testing.T) {
			bed := startKinds(t, driver, "coap")
			plain := "coap://" + bed.Addr("coap", "5683/udp")
			secure := "coaps://" + bed.Addr("coap", "5684/udp")
			for _, c := range []struct {
				args []string
				want string
			}{
				{[]string{"-m", "get", plain + "/hello"}, "Hello, testbed!"},
				{[]string{"-m", "put", "-e", "from " + driver, plain + "/store"}, ""},
				{[]string{"-m", "get", "-u", "coaptest", "-k", "secretPSK", secure + "/store"}, "from " + driver},
				{[]string{"-m", "get", "-R", bed.CAFile(), secure + "/hello"}, "Hello, testbed!"},
				{[]string{"-m", "get", plain + "/.well-known/core"}, `</hello>;rt="testbed.hello";ct=0`},
			} {
				out, err := runClient(t, "coap-client-openssl", c.args...)
				if err != nil || !strings.HasPrefix(out, c.want) {
					t.Errorf("coap-client-openssl %s = %q, %v; want %q", strings.Join(c.args, " "), out, err, c.want)
				}
			}
			if out, err := runClient(t, "coap-client-openssl", "-m", "get", "-b", "64", plain+"/large"); err != nil || len(out) != 8192 {
				t.Errorf("coap-client block-wise GET /large = %d bytes, %v; want 8192", len(out), err)
			}

			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			cc, err := udp.Dial(bed.Addr("coap", "5683/udp"))
			if err != nil {
				t.Fatal(err)
			}
			defer cc.Close()
			// Observe /store over UDP; a PUT over DTLS (certificate) is notified.
			got := make(chan string, 4)
			obs, err := cc.Observe(ctx, "/store", func(n *pool.Message) {
				b, _ := n.ReadBody()
				got <- string(b)
			})
			if err != nil {
				t.Fatalf("go-coap Observe /store: %v", err)
			}
			defer obs.Cancel(ctx)
			next := func() string {
				select {
				case v := <-got:
					return v
				case <-ctx.Done():
					t.Fatal("no notification")
					return ""
				}
			}
			if v := next(); v != "from "+driver {
				t.Errorf("first notification = %q, want the stored value", v)
			}
			sc, err := dtls.Dial(bed.Addr("coap", "5684/udp"), &piondtls.Config{RootCAs: bed.CertPool(), ServerName: bed.Host("coap")})
			if err != nil {
				t.Fatalf("go-coap DTLS with the project CA: %v", err)
			}
			defer sc.Close()
			if _, err := sc.Put(ctx, "/store", message.TextPlain, bytes.NewReader([]byte("via dtls"))); err != nil {
				t.Fatal(err)
			}
			if v := next(); v != "via dtls" {
				t.Errorf("notification after the DTLS PUT = %q, want via dtls", v)
			}
		})
	}
}

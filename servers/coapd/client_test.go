package coapd

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"
	"time"

	piondtls "github.com/pion/dtls/v3"
	"github.com/plgd-dev/go-coap/v3/dtls"
	"github.com/plgd-dev/go-coap/v3/message"
	"github.com/plgd-dev/go-coap/v3/message/codes"
	"github.com/plgd-dev/go-coap/v3/message/pool"
	"github.com/plgd-dev/go-coap/v3/udp"
	udpclient "github.com/plgd-dev/go-coap/v3/udp/client"
)

func ctx10(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func body(t *testing.T, m *pool.Message) string {
	t.Helper()
	b, err := m.ReadBody()
	if err != nil {
		return ""
	}
	return string(b)
}

// exercise runs the resource tour with go-coap's client on cc.
func exercise(t *testing.T, cc *udpclient.Conn) {
	ctx := ctx10(t)
	resp, err := cc.Get(ctx, "/hello")
	if err != nil || resp.Code() != codes.Content || body(t, resp) != "Hello, testbed!" {
		t.Fatalf("GET /hello = %v %q, %v", resp, body(t, resp), err)
	}
	resp, err = cc.Post(ctx, "/echo", message.AppJSON, bytes.NewReader([]byte(`{"a":1}`)))
	if cf, _ := resp.ContentFormat(); err != nil || resp.Code() != codes.Changed || body(t, resp) != `{"a":1}` || cf != message.AppJSON {
		t.Errorf("POST /echo = %v %q, %v", resp.Code(), body(t, resp), err)
	}
	resp, err = cc.Get(ctx, "/.well-known/core")
	if err != nil || !strings.Contains(body(t, resp), "</store>;rt=\"testbed.store\";ct=0;obs") {
		t.Errorf("GET /.well-known/core = %q, %v", body(t, resp), err)
	}
	// Block2: /large is 8 KiB, more than one 1024-byte block.
	resp, err = cc.Get(ctx, "/large")
	if b := body(t, resp); err != nil || len(b) != LargeSize || !strings.HasPrefix(b, "line 0000 of /large\n") {
		t.Errorf("GET /large = %d bytes, %v; want %d", len(b), err, LargeSize)
	}
	// Block1: a PUT larger than a block, then read back.
	big := bytes.Repeat([]byte("0123456789abcdef"), 300)
	resp, err = cc.Put(ctx, "/store", message.TextPlain, bytes.NewReader(big))
	if err != nil || resp.Code() != codes.Changed {
		t.Fatalf("PUT /store (4800 bytes) = %v, %v", resp, err)
	}
	resp, err = cc.Get(ctx, "/store")
	if err != nil || body(t, resp) != string(big) {
		t.Errorf("GET /store after a block-wise PUT = %d bytes, %v", len(body(t, resp)), err)
	}
	cc.Put(ctx, "/store", message.TextPlain, bytes.NewReader([]byte("a")))
	cc.Post(ctx, "/store", message.TextPlain, bytes.NewReader([]byte("b")))
	if resp, _ := cc.Get(ctx, "/store"); body(t, resp) != "ab" {
		t.Errorf("after PUT a, POST b: GET /store = %q, want ab", body(t, resp))
	}
	if resp, err := cc.Delete(ctx, "/store"); err != nil || resp.Code() != codes.Deleted {
		t.Errorf("DELETE /store = %v, %v", resp, err)
	}
	if resp, _ := cc.Get(ctx, "/store"); resp.Code() != codes.NotFound {
		t.Errorf("GET /store after DELETE = %v, want 4.04", resp.Code())
	}
	if resp, _ := cc.Delete(ctx, "/hello"); resp.Code() != codes.MethodNotAllowed {
		t.Errorf("DELETE /hello = %v, want 4.05", resp.Code())
	}
	if resp, _ := cc.Get(ctx, "/nothing"); resp.Code() != codes.NotFound {
		t.Errorf("GET /nothing = %v, want 4.04", resp.Code())
	}

	// Observe /store: the registration answers the current value, then a
	// PUT from this client is notified.
	cc.Put(ctx, "/store", message.TextPlain, bytes.NewReader([]byte("first")))
	got := make(chan string, 8)
	obs, err := cc.Observe(ctx, "/store", func(n *pool.Message) {
		b, _ := n.ReadBody()
		got <- string(b)
	})
	if err != nil {
		t.Fatalf("Observe /store: %v", err)
	}
	next := func() string {
		select {
		case v := <-got:
			return v
		case <-time.After(10 * time.Second):
			t.Fatal("no notification in 10s")
			return ""
		}
	}
	if v := next(); v != "first" {
		t.Errorf("first notification = %q, want the current value", v)
	}
	cc.Put(ctx, "/store", message.TextPlain, bytes.NewReader([]byte("second")))
	if v := next(); v != "second" {
		t.Errorf("notification after PUT = %q, want second", v)
	}
	obs.Cancel(ctx)
	// /clock notifies on its own.
	clock, err := cc.Observe(ctx, "/clock", func(n *pool.Message) {
		b, _ := n.ReadBody()
		got <- string(b)
	})
	if err != nil {
		t.Fatal(err)
	}
	first, second := next(), next()
	if first == second {
		t.Errorf("/clock notifications %q then %q, want a change", first, second)
	}
	clock.Cancel(ctx)
}

func TestGoCoAPUDP(t *testing.T) {
	ts := startServer(t)
	cc, err := udp.Dial(ts.udp)
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	exercise(t, cc)
}

func TestGoCoAPDTLSPSK(t *testing.T) {
	ts := startServer(t)
	cc, err := dtls.Dial(ts.dtls, &piondtls.Config{
		PSK:             func([]byte) ([]byte, error) { return []byte(DefaultPSK), nil },
		PSKIdentityHint: []byte(DefaultPSKIdentity),
		CipherSuites:    []piondtls.CipherSuiteID{piondtls.TLS_PSK_WITH_AES_128_CCM_8},
	})
	if err != nil {
		t.Fatalf("DTLS PSK dial: %v", err)
	}
	defer cc.Close()
	exercise(t, cc)

	// A wrong key fails the handshake (bounded by its context).
	raddr, _ := net.ResolveUDPAddr("udp", ts.dtls)
	bad, err := piondtls.Dial("udp", raddr, &piondtls.Config{
		PSK:             func([]byte) ([]byte, error) { return []byte("wrong"), nil },
		PSKIdentityHint: []byte(DefaultPSKIdentity),
		CipherSuites:    []piondtls.CipherSuiteID{piondtls.TLS_PSK_WITH_AES_128_CCM_8},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	hctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := bad.HandshakeContext(hctx); err == nil {
		t.Error("DTLS handshake with a wrong PSK passed")
	}
}

func TestGoCoAPDTLSCertificate(t *testing.T) {
	ts := startServer(t)
	cc, err := dtls.Dial(ts.dtls, &piondtls.Config{RootCAs: ts.pool, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatalf("DTLS certificate dial: %v", err)
	}
	defer cc.Close()
	exercise(t, cc)
	if !strings.Contains(ts.log.String(), "coap: observe") {
		t.Errorf("log lacks observe lines:\n%s", ts.log.String())
	}
}

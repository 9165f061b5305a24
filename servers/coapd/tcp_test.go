package coapd

import (
	"bytes"
	"net"
	"strings"
	"testing"

	"github.com/plgd-dev/go-coap/v3/message"
	"github.com/plgd-dev/go-coap/v3/message/codes"
	"github.com/plgd-dev/go-coap/v3/options"
	"github.com/plgd-dev/go-coap/v3/tcp"
	tcpclient "github.com/plgd-dev/go-coap/v3/tcp/client"
)

func tcpTour(t *testing.T, cc *tcpclient.Conn) {
	ctx := ctx10(t)
	resp, err := cc.Get(ctx, "/hello")
	if err != nil || resp.Code() != codes.Content || body(t, resp) != "Hello, testbed!" {
		t.Fatalf("GET /hello = %v, %v", resp, err)
	}
	resp, err = cc.Get(ctx, "/large")
	if err != nil || len(body(t, resp)) != LargeSize {
		t.Errorf("GET /large = %d bytes, %v", len(body(t, resp)), err)
	}
	if resp, err := cc.Put(ctx, "/store", message.TextPlain, bytes.NewReader([]byte("over tcp"))); err != nil || resp.Code() != codes.Changed {
		t.Errorf("PUT /store = %v, %v", resp, err)
	}
	if resp, _ := cc.Get(ctx, "/store"); body(t, resp) != "over tcp" {
		t.Errorf("GET /store = %q", body(t, resp))
	}
}

func TestGoCoAPTCP(t *testing.T) {
	ts := startServer(t)
	cc, err := tcp.Dial(ts.tcp)
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	tcpTour(t, cc)
}

func TestGoCoAPTLS(t *testing.T) {
	ts := startServer(t)
	cc, err := tcp.Dial(ts.tls, options.WithTLS(ts.clientTLS()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	tcpTour(t, cc)
}

// The kind's readiness probe: a CSM and a token-less GET /hello over TCP,
// answered with the greeting.
func TestProbeBytes(t *testing.T) {
	ts := startServer(t)
	c, err := net.Dial("tcp", ts.tcp)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte(ProbeRequest))
	var got []byte
	buf := make([]byte, 512)
	for !strings.Contains(string(got), "Hello, testbed!") {
		n, err := c.Read(buf)
		if err != nil {
			t.Fatalf("read: %v after % x", err, got)
		}
		got = append(got, buf[:n]...)
	}
}

package coapd

import (
	"net"
	"strings"
	"testing"
)

// coap-client from Debian's libcoap3-bin: plain UDP with the notls build,
// DTLS with a PSK and with the project CA with the OpenSSL build.
func TestLibcoapClient(t *testing.T) {
	needTool(t, "coap-client-openssl", "libcoap3-bin")
	ts := startServer(t)
	_, udpPort, _ := net.SplitHostPort(ts.udp)
	_, dtlsPort, _ := net.SplitHostPort(ts.dtls)
	plain := "coap://127.0.0.1:" + udpPort
	secure := "coaps://127.0.0.1:" + dtlsPort
	for _, c := range []struct {
		name string
		args []string
		want func(string) bool
	}{
		{"GET /hello", []string{"-m", "get", plain + "/hello"}, eq("Hello, testbed!")},
		{"discovery", []string{"-m", "get", plain + "/.well-known/core"}, contains(`</clock>;rt="testbed.clock";ct=0;obs`)},
		{"block2", []string{"-m", "get", "-b", "64", plain + "/large"}, func(s string) bool {
			return len(s) == LargeSize && strings.HasPrefix(s, "line 0000 of /large\n") && strings.HasSuffix(s, "line 0409 of")
		}},
		{"PUT", []string{"-m", "put", "-e", "from libcoap", plain + "/store"}, eq("")},
		{"GET after PUT", []string{"-m", "get", plain + "/store"}, eq("from libcoap")},
		{"POST /echo", []string{"-m", "post", "-e", "ping", plain + "/echo"}, eq("ping")},
		{"observe /clock", []string{"-m", "get", "-s", "3", "-B", "4", plain + "/clock"}, func(s string) bool { return len(s) >= 2 }}, // "0123": one value per notification, no separator
		{"DELETE", []string{"-m", "delete", plain + "/store"}, eq("")},
		{"DTLS PSK", []string{"-m", "get", "-u", DefaultPSKIdentity, "-k", DefaultPSK, secure + "/hello"}, eq("Hello, testbed!")},
		{"DTLS certificate", []string{"-m", "get", "-R", ts.caFile, secure + "/hello"}, eq("Hello, testbed!")},
		{"DTLS block1", []string{"-m", "put", "-b", "64", "-u", DefaultPSKIdentity, "-k", DefaultPSK, "-e", strings.Repeat("x", 300), secure + "/store"}, eq("")},
		{"DTLS GET after block1", []string{"-m", "get", "-u", DefaultPSKIdentity, "-k", DefaultPSK, secure + "/store"}, eq(strings.Repeat("x", 300))},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, err := run(t, "coap-client-openssl", c.args...)
			if err != nil || !c.want(out) {
				t.Errorf("coap-client-openssl %s = %q, %v", strings.Join(c.args, " "), out, err)
			}
		})
	}
	if out, err := run(t, "coap-client-openssl", "-m", "get", "-u", DefaultPSKIdentity, "-k", "wrong", "-B", "3", secure+"/hello"); err == nil && out == "Hello, testbed!" {
		t.Errorf("coap-client with a wrong PSK = %q", out)
	}
}

func eq(want string) func(string) bool { return func(s string) bool { return s == want } }

func contains(want string) func(string) bool {
	return func(s string) bool { return strings.Contains(s, want) }
}

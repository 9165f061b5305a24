package catalog

import (
	"io"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestMQTTKindRun(t *testing.T) {
	r := runKindOnLoopback(t, "mqtt", nil, true, nil)
	k, _ := New().Kind("mqtt")
	probes := k.Ready(nil).All
	for i, p := range probes {
		c := dialRunningKind(t, r, "1883/tcp", nil)
		if p.Banner.TLS {
			c = dialRunningKind(t, r, "8883/tcp", r.clientTLS())
		}
		io.WriteString(c, p.Banner.Send)
		buf := make([]byte, 4)
		if _, err := io.ReadFull(c, buf); err != nil {
			t.Fatalf("probe %d: read CONNACK: %v", i, err)
		}
		if !regexp.MustCompile(p.Banner.Expect).Match(buf) || buf[3] != 0 {
			t.Errorf("probe %d (%s): answer % x, want an accepting CONNACK matching %s", i, p.Banner.Send, buf, p.Banner.Expect)
		}
	}
	if err := r.stop(); err != nil {
		t.Errorf("Run() after cancel = %v, want nil", err)
	}
}

// With anonymous=false the probe's CONNACK refuses (return code 5) yet
// still matches: the probe tells the broker is up, not who may log in.
func TestMQTTKindNoAnonymous(t *testing.T) {
	r := runKindOnLoopback(t, "mqtt", map[string]string{"anonymous": "false"}, false, nil)
	k, _ := New().Kind("mqtt")
	p := k.Ready(nil).All[0].Banner
	c := dialRunningKind(t, r, "1883/tcp", nil)
	io.WriteString(c, p.Send)
	buf := make([]byte, 4)
	if _, err := io.ReadFull(c, buf); err != nil || !regexp.MustCompile(p.Expect).Match(buf) || buf[3] != 5 {
		t.Errorf("CONNACK = % x, %v; want 20 02 00 05", buf, err)
	}
	if c, err := net.DialTimeout("tcp", r.addrs["8883/tcp"], time.Second); err == nil {
		c.Close()
		t.Error("8883 accepts without a certificate, want it closed")
	}
	if !strings.Contains(r.log.String(), "8883 is not served") {
		t.Errorf("log = %q, want a warning about 8883", r.log.String())
	}
}

func TestMQTTKindOptions(t *testing.T) {
	k, _ := New().Kind("mqtt")
	for _, bad := range []map[string]string{
		{"anonymous": "maybe"},
		{"restricted-user": "mqtttest"},
	} {
		opts, err := k.ResolveOptions(bad)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := mqttUsers(opts); err == nil {
			t.Errorf("mqttUsers(%v) = nil error", bad)
		}
	}
	if !k.SecretOption("password") || !k.SecretOption("restricted-password") || k.SecretOption("user") {
		t.Error("SecretOption: want both passwords secret and user not")
	}
	var keys []string
	for _, p := range k.Ports {
		keys = append(keys, p.Key())
	}
	if got := strings.Join(keys, " "); got != "1883/tcp 8883/tcp" || !k.Ports[1].TLS {
		t.Errorf("ports = %s, want 1883/tcp and 8883/tcp (TLS)", got)
	}
}

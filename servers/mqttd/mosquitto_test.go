package mqttd

import (
	"fmt"
	"strings"
	"testing"
)

// mosquitto_pub and mosquitto_sub (Debian's mosquitto-clients) against the
// broker, in MQTT 3.1.1 and 5, plain and over TLS with --cafile.
func TestMosquittoClients(t *testing.T) {
	needTool(t, "mosquitto_pub", "mosquitto-clients")
	b := startBroker(t)
	for _, v := range []string{"mqttv311", "mqttv5"} {
		for _, secure := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s tls=%v", v, secure), func(t *testing.T) {
				addr := b.plain
				var extra []string
				if secure {
					addr = b.secure
					extra = []string{"--cafile", b.caFile}
				}
				host, port := hostPort(t, addr)
				conn := append([]string{"-h", host, "-p", port, "-V", v, "-u", DefaultUser, "-P", DefaultPassword}, extra...)
				topic := "t/" + strings.ReplaceAll(t.Name(), "/", "-")
				// A retained QoS 2 message is there for a later subscriber.
				if out, err := mosquitto(t, "mosquitto_pub", append(conn, "-t", topic, "-m", "retained hello", "-q", "2", "-r")...); err != nil {
					t.Fatalf("mosquitto_pub: %v\n%s", err, out)
				}
				out, err := mosquitto(t, "mosquitto_sub", append(conn, "-t", topic, "-q", "1", "-C", "1", "-W", "10", "-v")...)
				if err != nil || out != topic+" retained hello" {
					t.Errorf("mosquitto_sub = %q, %v; want the retained message", out, err)
				}
				// A wrong password is refused.
				bad := append([]string{"-h", host, "-p", port, "-V", v, "-u", DefaultUser, "-P", "wrong"}, extra...)
				if out, err := mosquitto(t, "mosquitto_pub", append(bad, "-t", topic, "-m", "x")...); err == nil {
					t.Errorf("mosquitto_pub with a wrong password passed: %s", out)
				}
			})
		}
	}
}

// The restricted user may use public/# only: mosquitto_sub reports the
// refused subscription, and its publish outside never reaches a subscriber.
func TestMosquittoACL(t *testing.T) {
	needTool(t, "mosquitto_sub", "mosquitto-clients")
	b := startBroker(t)
	host, port := hostPort(t, b.plain)
	limited := []string{"-h", host, "-p", port, "-V", "mqttv5", "-u", DefaultRestrictedUser, "-P", DefaultRestrictedPassword}
	out, err := mosquitto(t, "mosquitto_sub", append(limited, "-t", "private/x", "-C", "1", "-W", "3")...)
	if !strings.Contains(out, "denied") {
		t.Errorf("restricted subscribe outside its topics = %q, %v; want a refusal", out, err)
	}
	if _, err := mosquitto(t, "mosquitto_pub", append(limited, "-t", "public/ok", "-m", "allowed", "-r")...); err != nil {
		t.Errorf("restricted publish on public/ok: %v", err)
	}
	full := []string{"-h", host, "-p", port, "-u", DefaultUser, "-P", DefaultPassword}
	if out, err := mosquitto(t, "mosquitto_sub", append(full, "-t", "public/ok", "-C", "1", "-W", "10")...); err != nil || out != "allowed" {
		t.Errorf("retained public/ok = %q, %v", out, err)
	}
	if !strings.Contains(b.log.String(), "topic refused") {
		t.Errorf("log has no refusal line:\n%s", b.log.String())
	}
	wrong := []string{"-h", host, "-p", port, "-u", DefaultUser, "-P", "s3cret-wrong"}
	if _, err := mosquitto(t, "mosquitto_pub", append(wrong, "-t", "public/x", "-m", "x")...); err == nil {
		t.Error("mosquitto_pub with a wrong password passed")
	}
	if log := b.log.String(); !strings.Contains(log, "login refused") || strings.Contains(log, "s3cret-wrong") {
		t.Errorf("log: want a refused login without its password:\n%s", log)
	}
}

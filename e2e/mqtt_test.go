package e2e

import (
	"net"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// The mqtt kind on both bothDrivers: mosquitto_pub/sub in MQTT 3.1.1 and 5,
// plain and on 8883 with the project CA, and a Go client (Paho) through
// the CA pool.
func TestMQTTKind(t *testing.T) {
	requireClient(t, "mosquitto_pub", "mosquitto-clients")
	for _, driver := range bothDrivers {
		t.Run(driver, func(t *testing.T) {
			bed := startKinds(t, driver, "mqtt")
			for _, c := range []struct{ v, port string }{{"mqttv311", "1883"}, {"mqttv5", "8883"}, {"mqttv5", "1883"}, {"mqttv311", "8883"}} {
				host, port, _ := net.SplitHostPort(bed.Addr("mqtt", c.port))
				args := []string{"-h", host, "-p", port, "-V", c.v, "-u", "mqtttest", "-P", "password"}
				if c.port == "8883" {
					args = append(args, "--cafile", bed.CAFile())
				}
				topic := "e2e/" + c.v + "/" + c.port
				if out, err := runClient(t, "mosquitto_pub", append(args, "-t", topic, "-m", "hello "+topic, "-q", "1", "-r")...); err != nil {
					t.Fatalf("mosquitto_pub %v: %v\n%s", c, err, out)
				}
				if out, err := runClient(t, "mosquitto_sub", append(args, "-t", topic, "-C", "1", "-W", "15")...); err != nil || out != "hello "+topic {
					t.Errorf("mosquitto_sub %v = %q, %v; want the retained message", c, out, err)
				}
			}
			limited := []string{"-h", "127.0.0.1", "-p", portOfAddr(t, bed.Addr("mqtt", "1883")), "-u", "mqttlimited", "-P", "password"}
			if out, _ := runClient(t, "mosquitto_sub", append(limited, "-t", "private/#", "-C", "1", "-W", "5")...); out != "All subscription requests were denied." {
				t.Errorf("restricted user's mosquitto_sub private/# = %q, want a denial", out)
			}

			o := paho.NewClientOptions().AddBroker("ssl://" + bed.Addr("mqtt", "8883")).SetTLSConfig(bed.TLSConfig()).
				SetUsername("mqtttest").SetPassword("password").SetAutoReconnect(false)
			c := paho.NewClient(o)
			if tok := c.Connect(); !tok.WaitTimeout(15*time.Second) || tok.Error() != nil {
				t.Fatalf("paho Connect over TLS = %v", tok.Error())
			}
			defer c.Disconnect(100)
			got := make(chan paho.Message, 1)
			if tok := c.Subscribe("e2e/mqttv311/1883", 2, func(_ paho.Client, m paho.Message) { got <- m }); !tok.WaitTimeout(15*time.Second) || tok.Error() != nil {
				t.Fatalf("paho Subscribe = %v", tok.Error())
			}
			select {
			case m := <-got:
				if string(m.Payload()) != "hello e2e/mqttv311/1883" || !m.Retained() {
					t.Errorf("paho got %q (retained %v), want the retained message", m.Payload(), m.Retained())
				}
			case <-time.After(15 * time.Second):
				t.Error("paho received nothing in 15s")
			}
		})
	}
}

func portOfAddr(t *testing.T, addr string) string {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

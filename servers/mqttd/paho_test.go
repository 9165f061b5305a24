package mqttd

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// pahoClient connects a Go client (Eclipse Paho, MQTT 3.1.1) to addr.
func pahoClient(t *testing.T, addr string, configure func(*paho.ClientOptions)) paho.Client {
	t.Helper()
	o := paho.NewClientOptions().AddBroker("tcp://" + addr).SetUsername(DefaultUser).SetPassword(DefaultPassword).
		SetAutoReconnect(false).SetConnectTimeout(10 * time.Second).SetProtocolVersion(4)
	if configure != nil {
		configure(o)
	}
	c := paho.NewClient(o)
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("Connect() = %v", tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(100) })
	return c
}

func wait(t *testing.T, tok paho.Token, what string) {
	t.Helper()
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("%s: %v (or timed out)", what, tok.Error())
	}
}

func receive(t *testing.T, ch <-chan paho.Message, what string) paho.Message {
	t.Helper()
	select {
	case m := <-ch:
		return m
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: nothing received in 10s", what)
		return nil
	}
}

func TestPahoQoS(t *testing.T) {
	b := startBroker(t)
	sub := pahoClient(t, b.plain, nil)
	got := make(chan paho.Message, 8)
	wait(t, sub.Subscribe("qos/#", 2, func(_ paho.Client, m paho.Message) { got <- m }), "Subscribe")
	pub := pahoClient(t, b.plain, nil)
	for qos := byte(0); qos <= 2; qos++ {
		payload := fmt.Sprintf("at qos %d", qos)
		wait(t, pub.Publish(fmt.Sprintf("qos/%d", qos), qos, false, payload), "Publish")
		m := receive(t, got, payload)
		if string(m.Payload()) != payload || m.Qos() != qos || m.Topic() != fmt.Sprintf("qos/%d", qos) {
			t.Errorf("received %s %q at qos %d, want qos/%d %q", m.Topic(), m.Payload(), m.Qos(), qos, payload)
		}
	}
}

func TestPahoTLS(t *testing.T) {
	b := startBroker(t)
	c := pahoClient(t, b.secure, func(o *paho.ClientOptions) {
		o.Servers = nil
		o.AddBroker("ssl://" + b.secure).SetTLSConfig(b.clientTLS())
	})
	got := make(chan paho.Message, 1)
	wait(t, c.Subscribe("tls/echo", 1, func(_ paho.Client, m paho.Message) { got <- m }), "Subscribe")
	wait(t, c.Publish("tls/echo", 1, false, "over tls"), "Publish")
	if m := receive(t, got, "tls/echo"); string(m.Payload()) != "over tls" {
		t.Errorf("received %q over TLS", m.Payload())
	}
}

// A client with a persistent session (clean session off) gets the QoS 1
// messages published while it was away when it comes back.
func TestPahoPersistentSession(t *testing.T) {
	b := startBroker(t)
	got := make(chan paho.Message, 4)
	persistent := func(o *paho.ClientOptions) {
		o.SetClientID("persist-1").SetCleanSession(false).
			SetDefaultPublishHandler(func(_ paho.Client, m paho.Message) { got <- m })
	}
	c := pahoClient(t, b.plain, persistent)
	wait(t, c.Subscribe("away/t", 1, nil), "Subscribe")
	c.Disconnect(100)

	pub := pahoClient(t, b.plain, nil)
	wait(t, pub.Publish("away/t", 1, false, "while away"), "Publish")

	pahoClient(t, b.plain, persistent)
	if m := receive(t, got, "queued message"); string(m.Payload()) != "while away" {
		t.Errorf("after reconnect received %q, want the message queued while away", m.Payload())
	}
}

// A client that vanishes without DISCONNECT has its will published:
// mosquitto_sub with --will-topic is killed, a Go subscriber gets the will.
func TestWill(t *testing.T) {
	needTool(t, "mosquitto_sub", "mosquitto-clients")
	b := startBroker(t)
	sub := pahoClient(t, b.plain, nil)
	got := make(chan paho.Message, 1)
	wait(t, sub.Subscribe("wills/#", 1, func(_ paho.Client, m paho.Message) { got <- m }), "Subscribe")

	host, port := hostPort(t, b.plain)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "mosquitto_sub", "-h", host, "-p", port, "-u", DefaultUser, "-P", DefaultPassword,
		"-i", "will-client", "-t", "nothing", "--will-topic", "wills/gone", "--will-payload", "bye", "--will-qos", "1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(b.log.String(), "client=will-client") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if m := receive(t, got, "will"); m.Topic() != "wills/gone" || string(m.Payload()) != "bye" {
		t.Errorf("will = %s %q, want wills/gone bye", m.Topic(), m.Payload())
	}
}

// The restricted user's subscription outside its topics is refused
// (SUBACK 0x80) and its publishes there reach nobody: at QoS 0 they are
// dropped, at QoS 1 and 2 an MQTT 3.1.1 client is disconnected (3.1.1 has
// no negative PUBACK).
func TestPahoACL(t *testing.T) {
	b := startBroker(t)
	limited := pahoClient(t, b.plain, func(o *paho.ClientOptions) {
		o.SetUsername(DefaultRestrictedUser).SetPassword(DefaultRestrictedPassword)
	})
	tok := limited.Subscribe("private/#", 1, nil)
	tok.WaitTimeout(10 * time.Second)
	if st, ok := tok.(*paho.SubscribeToken); !ok || st.Result()["private/#"] != 0x80 {
		t.Errorf("restricted SUBSCRIBE private/# = %v, want 0x80", tok.(*paho.SubscribeToken).Result())
	}
	full := pahoClient(t, b.plain, nil)
	got := make(chan paho.Message, 2)
	wait(t, full.Subscribe("#", 1, func(_ paho.Client, m paho.Message) { got <- m }), "Subscribe")
	wait(t, limited.Publish("private/x", 0, false, "must not arrive"), "Publish private")
	wait(t, limited.Publish("public/x", 1, false, "arrives"), "Publish public")
	if m := receive(t, got, "public/x"); m.Topic() != "public/x" {
		t.Errorf("first message seen = %s %q, want only public/x", m.Topic(), m.Payload())
	}
	if tok := limited.Publish("private/x", 1, false, "must not arrive"); tok.WaitTimeout(10*time.Second) && tok.Error() == nil {
		t.Error("restricted QoS 1 publish on private/x completed, want the connection closed")
	}
}

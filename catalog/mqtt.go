package catalog

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/testbed-dev/testbed/servers/mqttd"
	"github.com/testbed-dev/testbed/spec"
)

// mqttKind is the built-in MQTT broker (servers/mqttd): 1883 plain, 8883
// TLS, a full-access user and one restricted to a few topics.
func mqttKind() *Kind {
	return &Kind{
		Name:    "mqtt",
		Summary: "MQTT broker (3.1.1 and 5): QoS 0/1/2, retained messages, wills, persistent sessions, a topic ACL",
		Ports: []PortInfo{
			{Port: 1883, Proto: "tcp", Note: "MQTT"},
			{Port: 8883, Proto: "tcp", TLS: true, Note: "MQTT over TLS, certificate from the project CA"},
		},
		Credentials: mqttd.DefaultUser + " / " + mqttd.DefaultPassword + " (every topic); " +
			mqttd.DefaultRestrictedUser + " / " + mqttd.DefaultRestrictedPassword + " (" + mqttd.DefaultRestrictedTopics + " only); anonymous allowed",
		Endpoints: []string{
			optInNote("mqtt"),
			"MQTT 3.1, 3.1.1 and 5; QoS 0, 1 and 2; retained messages; wills (MQTT 5 will delay too)",
			"persistent sessions (clean session 0 / session expiry) kept in memory while the broker runs",
			"wildcards, shared subscriptions ($share/group/filter), subscription identifiers, topic aliases",
			"the restricted user may use only its topics: SUBACK 0x80 (0x87 in v5) elsewhere; a publish elsewhere is dropped (QoS 0), PUBACK 0x87 (v5) or a disconnect (3.1.1)",
			"a wrong password is refused (CONNACK 4, or 0x86 in v5); clients without a username are allowed unless anonymous=false",
		},
		Options: []Option{
			{Name: "user", Default: mqttd.DefaultUser, Help: "user with access to every topic"},
			{Name: "password", Default: mqttd.DefaultPassword, Help: "that user's password", Secret: true},
			{Name: "restricted-user", Default: mqttd.DefaultRestrictedUser, Help: "user limited to restricted-topics; empty = none"},
			{Name: "restricted-password", Default: mqttd.DefaultRestrictedPassword, Help: "that user's password", Secret: true},
			{Name: "restricted-topics", Default: mqttd.DefaultRestrictedTopics, Help: "comma-separated topic filters the restricted user may use"},
			{Name: "anonymous", Default: "true", Help: "allow clients that send no username (every topic)"},
		},
		Ready: func(map[string]string) *spec.Probe {
			return &spec.Probe{All: []*spec.Probe{
				{Banner: &spec.BannerProbe{Port: 1883, Send: mqttProbeConnect, Expect: mqttConnack}},
				{Banner: &spec.BannerProbe{Port: 8883, TLS: true, Send: mqttProbeConnect, Expect: mqttConnack}},
			}}
		},
		Run: runMQTT,
	}
}

// mqttProbeConnect is an MQTT 3.1.1 CONNECT without credentials: clean
// session, keep-alive 60 s, empty client id. Any CONNACK (accepted or
// not: anonymous may be off) says the broker speaks MQTT.
const mqttProbeConnect = "\x10\x0c\x00\x04MQTT\x04\x02\x00\x3c\x00\x00"

// mqttConnack matches the CONNACK header: type 2, remaining length 2.
const mqttConnack = `^\x20\x02`

// mqttUsers turns the kind's options into the broker's logins.
func mqttUsers(o map[string]string) (*mqttd.Users, error) {
	anon, err := strconv.ParseBool(strings.TrimSpace(o["anonymous"]))
	if err != nil {
		return nil, fmt.Errorf("option anonymous=%q: want true or false", o["anonymous"])
	}
	var users []mqttd.User
	if o["user"] != "" {
		users = append(users, mqttd.User{Name: o["user"], Password: o["password"]})
	}
	if o["restricted-user"] != "" {
		if o["restricted-user"] == o["user"] {
			return nil, fmt.Errorf("option restricted-user=%q: the same as user", o["restricted-user"])
		}
		topics := []string{}
		for _, f := range strings.Split(o["restricted-topics"], ",") {
			if f = strings.TrimSpace(f); f != "" {
				topics = append(topics, f)
			}
		}
		users = append(users, mqttd.User{Name: o["restricted-user"], Password: o["restricted-password"], Topics: topics})
	}
	return mqttd.NewUsers(users, anon), nil
}

func runMQTT(ctx context.Context, env Env) error {
	users, err := mqttUsers(env.Options)
	if err != nil {
		closeAll(env)
		return fmt.Errorf("mqtt: %w", err)
	}
	srv, err := mqttd.New(mqttd.Options{Users: users, TLS: env.TLS, Logger: env.Logger})
	if err != nil {
		closeAll(env)
		return err
	}
	serves := servesOn(env.Listeners, map[string]func(net.Listener) error{"1883/tcp": srv.Serve})
	if l := env.Listeners["8883/tcp"]; l != nil {
		if env.TLS == nil {
			env.Logger.Warn("mqtt: no TLS certificate, port 8883 is not served")
			_ = l.Close()
		} else {
			serves = append(serves, func() error { return srv.ServeTLS(l) })
		}
	}
	return runServersUntilDone(ctx, "mqtt", serves, srv.Close)
}

// closeAll closes every socket of env, for a kind that fails before it
// serves them.
func closeAll(env Env) {
	s := Sockets{Listeners: env.Listeners, Packets: env.Packets}
	_ = s.Close()
}

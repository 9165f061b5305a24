// Package mqttd is testbed's built-in MQTT broker: MQTT 3.1, 3.1.1 and 5,
// QoS 0, 1 and 2, retained messages, wills (with MQTT 5's will delay),
// persistent sessions kept in memory while the broker runs, shared
// subscriptions, and username/password logins with a topic ACL per user.
//
// The protocol engine is github.com/mochi-mqtt/server/v2; this package
// gives it testbed's server shape ([Options], [New], [Server.Serve],
// [Server.ServeTLS], [Server.Close]) on listeners the caller has bound, and
// decides who may connect and which topics each user may use ([Users]).
package mqttd

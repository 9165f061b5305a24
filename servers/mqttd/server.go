package mqttd

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/testbed-dev/testbed/servers/internal/conns"
)

// Default logins of the built-in mqtt kind.
const (
	DefaultUser               = "mqtttest"
	DefaultPassword           = "password"
	DefaultRestrictedUser     = "mqttlimited"
	DefaultRestrictedPassword = "password"
	DefaultRestrictedTopics   = "public/#"
)

// Options configure a [Server].
type Options struct {
	Users  *Users      // nil: anonymous clients only, every topic
	TLS    *tls.Config // for ServeTLS; nil refuses it
	Logger *slog.Logger
}

// Server is an MQTT broker. Its Serve methods return nil once Close has
// been called.
type Server struct {
	broker *mqtt.Server
	users  *Users
	tls    *tls.Config
	log    *slog.Logger
	track  conns.Tracker
}

// New makes a broker and starts its housekeeping (session and message
// expiry, $SYS topics); Close stops it.
func New(opts Options) (*Server, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	users := opts.Users
	if users == nil {
		users = NewUsers(nil, true)
	}
	s := &Server{users: users, tls: opts.TLS, log: log}
	s.broker = mqtt.New(&mqtt.Options{Logger: log.With("engine", "mochi"), InlineClient: false})
	if err := s.broker.AddHook(&accessHook{users: users, log: log}, nil); err != nil {
		return nil, fmt.Errorf("mqtt: add access hook: %w", err)
	}
	if err := s.broker.Serve(); err != nil { // starts the event loop; no listeners of its own
		return nil, fmt.Errorf("mqtt: start broker: %w", err)
	}
	return s, nil
}

// Serve accepts MQTT clients on l until Close.
func (s *Server) Serve(l net.Listener) error {
	return s.serve(l, "tcp")
}

// ServeTLS accepts MQTT clients over TLS (implicit, as on 8883) on l.
func (s *Server) ServeTLS(l net.Listener) error {
	if s.tls == nil {
		l.Close()
		return errors.New("mqtt: ServeTLS without a TLS configuration")
	}
	return s.serve(tls.NewListener(l, s.tls), "tls")
}

func (s *Server) serve(l net.Listener, id string) error {
	s.log.Info("mqtt: serving", "listener", id, "addr", l.Addr().String())
	err := s.track.Serve(l, s.log, func(c net.Conn) {
		if err := s.broker.EstablishConnection(id, c); err != nil {
			s.log.Debug("mqtt: connection ended", "remote", c.RemoteAddr().String(), "listener", id, "err", err)
		}
	})
	if err != nil {
		return fmt.Errorf("mqtt %s on %s: %w", id, l.Addr(), err)
	}
	return nil
}

// Close stops every Serve, disconnects every client and stops the broker.
func (s *Server) Close() error {
	err := s.track.Shutdown()
	if cerr := s.broker.Close(); cerr != nil {
		err = errors.Join(err, cerr)
	}
	if err != nil {
		return fmt.Errorf("close mqtt broker: %w", err)
	}
	return nil
}

// accessHook applies Users to logins, subscriptions and publishes, and
// logs sessions (never passwords).
type accessHook struct {
	mqtt.HookBase
	users *Users
	log   *slog.Logger
}

func (h *accessHook) ID() string { return "testbed-access" }

func (h *accessHook) Provides(b byte) bool {
	switch b {
	case mqtt.OnConnectAuthenticate, mqtt.OnACLCheck, mqtt.OnSessionEstablished, mqtt.OnDisconnect, mqtt.OnSubscribed:
		return true
	}
	return false
}

func (h *accessHook) OnConnectAuthenticate(cl *mqtt.Client, pk packets.Packet) bool {
	ok := h.users.Login(string(pk.Connect.Username), string(pk.Connect.Password), pk.Connect.PasswordFlag)
	if !ok {
		h.log.Info("mqtt: login refused", "client", cl.ID, "user", string(pk.Connect.Username), "remote", cl.Net.Remote)
	}
	return ok
}

func (h *accessHook) OnACLCheck(cl *mqtt.Client, topic string, write bool) bool {
	ok := h.users.Allowed(string(cl.Properties.Username), topic)
	if !ok {
		op := "subscribe"
		if write {
			op = "publish"
		}
		h.log.Info("mqtt: topic refused", "client", cl.ID, "user", string(cl.Properties.Username), "op", op, "topic", topic)
	}
	return ok
}

func (h *accessHook) OnSessionEstablished(cl *mqtt.Client, pk packets.Packet) {
	h.log.Info("mqtt: connected", "client", cl.ID, "user", string(cl.Properties.Username),
		"version", cl.Properties.ProtocolVersion, "clean", pk.Connect.Clean, "listener", cl.Net.Listener, "remote", cl.Net.Remote)
}

func (h *accessHook) OnSubscribed(cl *mqtt.Client, pk packets.Packet, reasonCodes []byte) {
	for i, f := range pk.Filters {
		if i < len(reasonCodes) {
			h.log.Debug("mqtt: subscribe", "client", cl.ID, "filter", f.Filter, "code", reasonCodes[i])
		}
	}
}

func (h *accessHook) OnDisconnect(cl *mqtt.Client, err error, expire bool) {
	h.log.Info("mqtt: disconnected", "client", cl.ID, "user", string(cl.Properties.Username), "session_kept", !expire, "err", err)
}

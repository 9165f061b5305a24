package coapd

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	piondtls "github.com/pion/dtls/v3"
	coapdtls "github.com/plgd-dev/go-coap/v3/dtls"
	dtlsserver "github.com/plgd-dev/go-coap/v3/dtls/server"
	coapnet "github.com/plgd-dev/go-coap/v3/net"
	"github.com/plgd-dev/go-coap/v3/options"
	"github.com/plgd-dev/go-coap/v3/tcp"
	tcpclient "github.com/plgd-dev/go-coap/v3/tcp/client"
	"github.com/plgd-dev/go-coap/v3/udp"
	udpclient "github.com/plgd-dev/go-coap/v3/udp/client"
)

// Defaults of the built-in kind.
const (
	DefaultPSKIdentity = "coaptest"
	DefaultPSK         = "secretPSK"
	// InitialStore is what /store holds when the server starts.
	InitialStore = "initial value"
)

// idleTimeout closes a client's session after this long without a message
// (an observer keeps its session: notifications count).
const idleTimeout = 5 * time.Minute

// Options configure a [Server].
type Options struct {
	// TLS gives the certificate for DTLS (its first certificate, ECDSA
	// from the project CA); nil: DTLS with PSK only.
	TLS *tls.Config
	// PSKIdentity and PSK are the pre-shared key DTLS clients may use;
	// an empty PSK: certificates only.
	PSKIdentity string
	PSK         []byte
	Logger      *slog.Logger
}

// Server is a CoAP server. Its Serve methods return nil once Close has
// been called.
type Server struct {
	opts    Options
	log     *slog.Logger
	large   []byte
	st      store
	obs     *observers
	started time.Time
	now     func() time.Time

	mu     sync.Mutex
	closed bool
	stops  []func()
	done   chan struct{}
}

// New makes a server.
func New(opts Options) (*Server, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.TLS == nil && len(opts.PSK) == 0 {
		log.Debug("coap: neither a certificate nor a PSK: DTLS is not available")
	}
	s := &Server{opts: opts, log: log, large: largeBody(), obs: &observers{log: log}, started: time.Now(), now: time.Now, done: make(chan struct{})}
	s.st.value, s.st.set = []byte(InitialStore), true
	go s.tick()
	return s, nil
}

// tick notifies /clock's observers every second until Close.
func (s *Server) tick() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
			if s.obs.any("/clock") {
				s.obs.notify("/clock", 0x45, s.clock()) // 2.05 Content
			}
		}
	}
}

func (s *Server) onInactive(cc *udpclient.Conn) { _ = cc.Close() }

// Serve answers CoAP over UDP on pc (port 5683).
func (s *Server) Serve(pc net.PacketConn) error {
	uc, ok := pc.(*net.UDPConn)
	if !ok {
		pc.Close()
		return fmt.Errorf("coap: Serve needs a *net.UDPConn, got %T", pc)
	}
	srv := udp.NewServer(options.WithMux(s.router()),
		options.WithInactivityMonitor(idleTimeout, s.onInactive),
		options.WithErrors(func(err error) { s.log.Debug("coap: udp", "err", err) }))
	// Stop closes the socket too: go-coap's Stop finds no socket to close
	// when it comes before its Serve has taken it.
	if !s.register(func() { srv.Stop(); uc.Close() }) {
		pc.Close()
		return nil
	}
	s.log.Info("coap: serving", "transport", "udp", "addr", pc.LocalAddr().String())
	err := srv.Serve(coapnet.NewUDPConn("udp", uc))
	pc.Close()
	if err != nil && !s.isClosed() {
		return fmt.Errorf("coap udp on %s: %w", pc.LocalAddr(), err)
	}
	return nil
}

// ServeDTLS answers CoAP over DTLS 1.2 on pc (port 5684), with the PSK and
// the certificate of Options.
func (s *Server) ServeDTLS(pc net.PacketConn) error {
	cfg, err := s.dtlsConfig()
	if err != nil {
		pc.Close()
		return err
	}
	dm := newDemux(pc)
	l, err := piondtls.NewListener(dm, cfg)
	if err != nil {
		dm.Close()
		return fmt.Errorf("coap dtls: %w", err)
	}
	srv := coapdtls.NewServer(options.WithMux(s.router()),
		options.WithInactivityMonitor(idleTimeout, s.onInactive),
		options.WithErrors(func(err error) { s.log.Debug("coap: dtls", "err", err) }))
	if !s.register(func() { srv.Stop(); l.Close() }) {
		l.Close()
		return nil
	}
	s.log.Info("coap: serving", "transport", "dtls", "addr", pc.LocalAddr().String(), "psk", len(s.opts.PSK) > 0, "certificate", s.opts.TLS != nil)
	err = srv.Serve(listener{l})
	l.Close()
	if err != nil && !s.isClosed() {
		return fmt.Errorf("coap dtls on %s: %w", pc.LocalAddr(), err)
	}
	return nil
}

// ServeTCP answers CoAP over TCP (RFC 8323) on l (port 5683/tcp).
func (s *Server) ServeTCP(l net.Listener) error {
	return s.serveStream(l, "tcp")
}

// ServeTLS answers CoAP over TLS (RFC 8323, coaps+tcp) on l (port
// 5684/tcp), with the certificate of Options.
func (s *Server) ServeTLS(l net.Listener) error {
	if s.opts.TLS == nil {
		l.Close()
		return errors.New("coap: ServeTLS without a TLS configuration")
	}
	cfg := s.opts.TLS.Clone()
	cfg.NextProtos = []string{"coap"} // RFC 8323's ALPN id
	return s.serveStream(tls.NewListener(l, cfg), "tls")
}

func (s *Server) serveStream(l net.Listener, transport string) error {
	srv := tcp.NewServer(options.WithMux(s.router()),
		options.WithInactivityMonitor(idleTimeout, func(cc *tcpclient.Conn) { _ = cc.Close() }),
		options.WithErrors(func(err error) { s.log.Debug("coap: "+transport, "err", err) }))
	if !s.register(func() { srv.Stop(); l.Close() }) {
		l.Close()
		return nil
	}
	s.log.Info("coap: serving", "transport", transport, "addr", l.Addr().String())
	err := srv.Serve(listener{l})
	l.Close()
	if err != nil && !s.isClosed() {
		return fmt.Errorf("coap %s on %s: %w", transport, l.Addr(), err)
	}
	return nil
}

var _ dtlsserver.Listener = listener{}

// listener adapts a net.Listener to go-coap's DTLS server.
type listener struct{ net.Listener }

// AcceptWithContext accepts; a closed listener reports
// coapnet.ErrListenerIsClosed, the one error that ends go-coap's loop.
func (l listener) AcceptWithContext(context.Context) (net.Conn, error) {
	c, err := l.Accept()
	if errors.Is(err, net.ErrClosed) {
		return nil, coapnet.ErrListenerIsClosed
	}
	return c, err
}

func (s *Server) dtlsConfig() (*piondtls.Config, error) {
	cfg := &piondtls.Config{
		ExtendedMasterSecret: piondtls.RequestExtendedMasterSecret,
		CipherSuites: []piondtls.CipherSuiteID{
			piondtls.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8, // RFC 7252's mandatory suite for certificates
			piondtls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
			piondtls.TLS_ECDHE_ECDSA_WITH_AES_128_CCM,
			piondtls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
			piondtls.TLS_PSK_WITH_AES_128_CCM_8, // and for PSK
			piondtls.TLS_PSK_WITH_AES_128_CCM,
			piondtls.TLS_PSK_WITH_AES_128_GCM_SHA256,
			piondtls.TLS_PSK_WITH_AES_128_CBC_SHA256,
		},
	}
	if s.opts.TLS != nil && len(s.opts.TLS.Certificates) > 0 {
		cfg.Certificates = s.opts.TLS.Certificates[:1]
	}
	if len(s.opts.PSK) > 0 {
		cfg.PSKIdentityHint = []byte(s.opts.PSKIdentity)
		cfg.PSK = func(identity []byte) ([]byte, error) {
			if subtle.ConstantTimeCompare(identity, []byte(s.opts.PSKIdentity)) != 1 {
				s.log.Info("coap: unknown PSK identity", "identity", string(identity))
				return nil, errors.New("unknown PSK identity")
			}
			return s.opts.PSK, nil
		}
	}
	if cfg.Certificates == nil && cfg.PSK == nil {
		return nil, errors.New("coap dtls: neither a certificate nor a PSK")
	}
	var suites []piondtls.CipherSuiteID
	for _, id := range cfg.CipherSuites {
		psk := id == piondtls.TLS_PSK_WITH_AES_128_CCM_8 || id == piondtls.TLS_PSK_WITH_AES_128_CCM ||
			id == piondtls.TLS_PSK_WITH_AES_128_GCM_SHA256 || id == piondtls.TLS_PSK_WITH_AES_128_CBC_SHA256
		if (psk && cfg.PSK != nil) || (!psk && cfg.Certificates != nil) {
			suites = append(suites, id)
		}
	}
	cfg.CipherSuites = suites
	return cfg, nil
}

// register remembers a server's stop function; false after Close.
func (s *Server) register(stop func()) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.stops = append(s.stops, stop)
	return true
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// Close stops every Serve and the /clock ticker.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	stops := s.stops
	s.mu.Unlock()
	close(s.done)
	for _, stop := range stops {
		stop()
	}
	return nil
}

// ProbeRequest is what a readiness probe sends on the TCP ports (RFC 8323
// framing): an empty CSM (7.01), then a GET of /hello without a token,
// which the server answers with "Hello, testbed!".
const ProbeRequest = "\x00\xe1" + "\x60\x01\xb5hello"

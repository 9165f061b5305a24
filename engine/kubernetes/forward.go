//go:build kubernetes

package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/transport/spdy"

	"github.com/testbed-dev/testbed/forward"
	"github.com/testbed-dev/testbed/plan"
)

// PodDialer opens a TCP stream to a port of a pod, from outside the
// cluster.
type PodDialer interface {
	DialPod(ctx context.Context, namespace, pod string, port int) (net.Conn, error)
}

// spdyDialer is the API server's port-forward (the SPDY protocol kubectl
// port-forward speaks): one connection per pod and port, opened at the
// first dial and again when it breaks or the port refused a stream, and
// two streams (data and error) per TCP connection, as client-go's
// PortForwarder makes them; unlike it, the
// listeners are testbed's own (package forward), so a forwarded port is an
// ordinary forward.Rule.
type spdyDialer struct {
	cfg *rest.Config
	cs  kubernetes.Interface

	mu    sync.Mutex
	conns map[string]httpstream.Connection
	ids   atomic.Int64
}

func (s *spdyDialer) connection(ctx context.Context, namespace, pod string, port int) (httpstream.Connection, error) {
	if s.cfg == nil {
		return nil, errors.New("port-forward: no cluster configuration")
	}
	key := connKey(namespace, pod, port)
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.conns[key]; c != nil {
		select {
		case <-c.CloseChan():
		default:
			return c, nil
		}
	}
	rt, upgrader, err := spdy.RoundTripperFor(s.cfg)
	if err != nil {
		return nil, fmt.Errorf("port-forward: %w", err)
	}
	u := s.cs.CoreV1().RESTClient().Post().Resource("pods").Namespace(namespace).Name(pod).SubResource("portforward").URL()
	dialer := spdy.NewDialer(upgrader, &http.Client{Transport: rt}, http.MethodPost, u)
	type result struct {
		c   httpstream.Connection
		err error
	}
	done := make(chan result, 1)
	go func() {
		c, _, err := dialer.Dial(portforward.PortForwardProtocolV1Name)
		done <- result{c, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return nil, fmt.Errorf("port-forward to pod %s: %w", key, r.err)
		}
		if s.conns == nil {
			s.conns = map[string]httpstream.Connection{}
		}
		s.conns[key] = r.c
		return r.c, nil
	case <-ctx.Done():
		go func() {
			if r := <-done; r.c != nil {
				r.c.Close()
			}
		}()
		return nil, ctx.Err()
	}
}

// connKey names the cached connection to a pod's port.
func connKey(namespace, pod string, port int) string {
	return namespace + "/" + pod + "/" + strconv.Itoa(port)
}

// StreamAnswerTimeout is how long a port-forward's streams may go
// unanswered before DialPod gives up on that connection and tries a new
// one (the runtime answers in milliseconds unless the connection is stuck).
const StreamAnswerTimeout = 3 * time.Second

// errNoAnswer is a dial whose streams the runtime did not answer in time.
var errNoAnswer = errors.New("no answer from the runtime")

// DialPod implements PodDialer: a stuck connection (see dialPodOnce) is
// dropped and the dial tried again on a new one, until ctx ends.
func (s *spdyDialer) DialPod(ctx context.Context, namespace, pod string, port int) (net.Conn, error) {
	for {
		c, err := s.dialPodOnce(ctx, namespace, pod, port)
		if err == nil || ctx.Err() != nil || !errors.Is(err, errNoAnswer) {
			return c, err
		}
	}
}

// dialPodOnce makes a forwarded connection's streams on the pod's (cached)
// connection for port, waiting StreamAnswerTimeout at most for the runtime
// to answer them.
func (s *spdyDialer) dialPodOnce(ctx context.Context, namespace, pod string, port int) (net.Conn, error) {
	c, err := s.connection(ctx, namespace, pod, port)
	if err != nil {
		return nil, err
	}
	key := connKey(namespace, pod, port)
	type result struct {
		sc  *streamConn
		err error
	}
	done := make(chan result, 1)
	go func() {
		sc, err := s.streams(c, port)
		done <- result{sc, err}
	}()
	answer := time.NewTimer(StreamAnswerTimeout)
	defer answer.Stop()
	select {
	case r := <-done:
		if r.err != nil {
			s.forget(key, c)
			return nil, fmt.Errorf("port-forward to %s/%s:%d: %w", namespace, pod, port, r.err)
		}
		// The runtime writes on the error stream why it could not reach
		// the port (connection refused while the server is still
		// starting). After that, what this side sent on the data stream
		// is never read there, and spdystream's frame worker for it
		// blocks, with it every later stream of its partition: that
		// connection is done, and the next dial opens another. Hence a
		// connection per port, so that a refusal ends no connection to
		// another port. The error stream is read to its end here too:
		// unread, it would block this side's worker the same way.
		r.sc.forget = func() { s.forget(key, c) }
		go r.sc.drainErrors(namespace + "/" + pod)
		return r.sc, nil
	case <-answer.C:
	case <-ctx.Done():
	}
	// Streams not answered in time: the connection is stuck (see above);
	// the next dial opens another.
	s.forget(key, c)
	go func() {
		if r := <-done; r.sc != nil {
			r.sc.Close()
		}
	}()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("port-forward to %s/%s:%d: %w: %w", namespace, pod, port, errNoAnswer, err)
	}
	return nil, fmt.Errorf("port-forward to %s/%s:%d: %w in %s", namespace, pod, port, errNoAnswer, StreamAnswerTimeout)
}

// streams makes a forwarded connection's error and data streams on c.
func (s *spdyDialer) streams(c httpstream.Connection, port int) (*streamConn, error) {
	id := strconv.FormatInt(s.ids.Add(1), 10)
	h := http.Header{}
	h.Set(corev1.StreamType, corev1.StreamTypeError)
	h.Set(corev1.PortHeader, strconv.Itoa(port))
	h.Set(corev1.PortForwardRequestIDHeader, id)
	errStream, err := c.CreateStream(h)
	if err != nil {
		return nil, err
	}
	errStream.Close() // nothing is written to it
	h.Set(corev1.StreamType, corev1.StreamTypeData)
	data, err := c.CreateStream(h)
	if err != nil {
		c.RemoveStreams(errStream)
		return nil, err
	}
	return &streamConn{c: c, data: data, errs: errStream, port: port}, nil
}

// forget drops the connection key names, when it is still c, and closes
// it (in the background: a stuck connection's close can wait for its
// streams): the next dial opens a new one.
func (s *spdyDialer) forget(key string, c httpstream.Connection) {
	s.mu.Lock()
	if s.conns[key] == c {
		delete(s.conns, key)
	}
	s.mu.Unlock()
	go c.Close()
}

// closeAll closes the connections to a project's pods.
func (s *spdyDialer) closeNamespace(namespace string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, c := range s.conns {
		if len(k) > len(namespace) && k[:len(namespace)+1] == namespace+"/" {
			c.Close()
			delete(s.conns, k)
		}
	}
}

// streamConn is a port-forward data stream as a net.Conn; Close resets
// it (both directions), CloseWrite half-closes it.
type streamConn struct {
	c          httpstream.Connection
	data, errs httpstream.Stream
	port       int
	once       sync.Once

	mu     sync.Mutex
	remote error  // what the runtime wrote on the error stream
	forget func() // drops the connection, so that the next dial opens another
}

// drainErrors reads the error stream to its end; a message there ends
// the connection with it as the error.
func (s *streamConn) drainErrors(pod string) {
	msg, _ := io.ReadAll(s.errs)
	if len(msg) == 0 {
		return
	}
	s.mu.Lock()
	s.remote = fmt.Errorf("port-forward to pod %s port %d: %s", pod, s.port, msg)
	s.mu.Unlock()
	s.Close()
	if s.forget != nil {
		s.forget()
	}
}

func (s *streamConn) Read(b []byte) (int, error) {
	n, err := s.data.Read(b)
	if err != nil {
		s.mu.Lock()
		if s.remote != nil {
			err = s.remote
		}
		s.mu.Unlock()
	}
	return n, err
}
func (s *streamConn) Write(b []byte) (int, error) { return s.data.Write(b) }
func (s *streamConn) CloseWrite() error           { return s.data.Close() }
func (s *streamConn) Close() error {
	s.once.Do(func() {
		s.data.Reset()
		s.errs.Reset()
		s.c.RemoveStreams(s.data, s.errs)
	})
	return nil
}
func (s *streamConn) LocalAddr() net.Addr              { return streamAddr("port-forward") }
func (s *streamConn) RemoteAddr() net.Addr             { return streamAddr("pod:" + strconv.Itoa(s.port)) }
func (s *streamConn) SetDeadline(time.Time) error      { return nil }
func (s *streamConn) SetReadDeadline(time.Time) error  { return nil }
func (s *streamConn) SetWriteDeadline(time.Time) error { return nil }

type streamAddr string

func (a streamAddr) Network() string { return "port-forward" }
func (a streamAddr) String() string  { return string(a) }

var _ io.ReadWriteCloser = (*streamConn)(nil)

// podForward is this process's listeners for one pod's TCP ports (or, with
// f nil, the ports a background forwarder holds).
type podForward struct {
	f     *forward.Forwarder
	ports map[string]string // "80/tcp" -> "127.0.0.1:41234"
}

func (pf *podForward) close() {
	if pf.f != nil {
		pf.f.Close()
	}
}

// forwardPod makes (or returns) this process's forwards to a pod: a
// listener on the binding's host address for every TCP port (a free
// port, or the fixed one a spec or --bind-local asks for; data ports on
// the same number as in the pod, since FTP names it in PASV replies). UDP
// cannot cross the API server's port-forward: those ports are left out.
func (d *Driver) forwardPod(namespace, pod string, bindings []plan.Binding) (*podForward, error) {
	key := namespace + "/" + pod
	d.mu.Lock()
	defer d.mu.Unlock()
	if pf := d.fwd[key]; pf != nil {
		return pf, nil
	}
	f := forward.New(forward.Options{Errorf: func(format string, args ...any) { d.log.Debug(fmt.Sprintf(format, args...)) }})
	pf := &podForward{f: f, ports: map[string]string{}}
	for _, b := range bindings {
		if b.Proto != "tcp" || b.Expose {
			continue
		}
		host := b.HostIP
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = plan.LocalHost
		}
		port := b.HostPort
		if b.Data {
			port = b.Port
		}
		remote := b.Port
		dial := func(ctx context.Context) (net.Conn, error) { return d.dialer.DialPod(ctx, namespace, pod, remote) }
		a, err := f.Add(forward.Rule{Proto: "tcp", Listen: net.JoinHostPort(host, strconv.Itoa(port)), Dial: dial})
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("forward %s of pod %s: %w", b.Key(), key, err)
		}
		pf.ports[b.Key()] = a.String()
	}
	d.fwd[key] = pf
	return pf, nil
}

// closeForwards stops this process's forwards to a namespace's pods (all
// when pods is nil).
func (d *Driver) closeForwards(namespace string, pods []string) {
	d.mu.Lock()
	var stop []*podForward
	for k, pf := range d.fwd {
		ns, pod, _ := cutLast(k, "/")
		if ns != namespace {
			continue
		}
		if pods != nil && !contains(pods, pod) {
			continue
		}
		stop = append(stop, pf)
		delete(d.fwd, k)
	}
	d.mu.Unlock()
	for _, pf := range stop {
		pf.close()
	}
	if s, ok := d.dialer.(*spdyDialer); ok && pods == nil {
		s.closeNamespace(namespace)
	}
}

func cutLast(s, sep string) (before, after string, found bool) {
	for i := len(s) - len(sep); i >= 0; i-- {
		if s[i:i+len(sep)] == sep {
			return s[:i], s[i+len(sep):], true
		}
	}
	return s, "", false
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

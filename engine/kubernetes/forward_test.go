//go:build kubernetes

package kubernetes

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/apimachinery/pkg/util/httpstream/spdy"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/portforward"

	"github.com/testbed-dev/testbed/plan"
)

// portForwardServer is the API server's side of a pod port-forward, as the
// kubelet speaks it: an SPDY connection on which every data stream is
// one TCP connection to the port its header names, here an echo server.
// It records the paths it was asked for.
type portForwardServer struct {
	srv   *httptest.Server
	echo  *echoDialer
	mu    sync.Mutex
	paths []string
	ports []string
	// stuck makes the first SPDY connection answer no stream (until the
	// test ends), as a stuck runtime connection does.
	stuck bool
}

func newPortForwardServer(t *testing.T, stuckFirst bool) *portForwardServer {
	s := &portForwardServer{echo: newEchoDialer(t), stuck: stuckFirst}
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.paths = append(s.paths, r.Method+" "+r.URL.Path)
		stuck := s.stuck
		s.stuck = false
		s.mu.Unlock()
		if _, err := httpstream.Handshake(r, w, []string{portforward.PortForwardProtocolV1Name}); err != nil {
			return
		}
		streams := make(chan httpstream.Stream, 16)
		conn := spdy.NewResponseUpgrader().UpgradeResponse(w, r, func(st httpstream.Stream, _ <-chan struct{}) error {
			if stuck {
				<-release // no reply to the stream
			}
			streams <- st
			return nil
		})
		if conn == nil {
			return
		}
		defer conn.Close()
		for {
			select {
			case <-conn.CloseChan():
				return
			case st := <-streams:
				if st.Headers().Get(corev1.StreamType) != corev1.StreamTypeData {
					continue
				}
				s.mu.Lock()
				s.ports = append(s.ports, st.Headers().Get(corev1.PortHeader))
				s.mu.Unlock()
				go func() {
					c, err := net.Dial("tcp", s.echo.ln.Addr().String())
					if err != nil {
						st.Reset()
						return
					}
					defer c.Close()
					done := make(chan struct{})
					go func() {
						io.Copy(st, c)
						st.Close()
						close(done)
					}()
					io.Copy(c, st)
					c.(*net.TCPConn).CloseWrite()
					<-done
				}()
			}
		}
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// TestSPDYPortForward runs the driver's port-forward dialer and its
// listeners against a server that speaks the port-forward protocol: bytes
// go both ways, a half-close reaches the far end, and the request names
// the pod.
func TestSPDYPortForward(t *testing.T) {
	pf := newPortForwardServer(t, false)
	cfg := &rest.Config{Host: pf.srv.URL}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	d, err := New(context.Background(), Options{Client: cs, Config: cfg, InCluster: ptr(false)})
	if err != nil {
		t.Fatal(err)
	}
	d.dialer = &spdyDialer{cfg: cfg, cs: cs}
	defer d.Close()
	fwd, err := d.forwardPod("ns1", "web", []plan.Binding{{Port: 8080, Proto: "tcp", HostIP: plan.LocalHost}, {Port: 53, Proto: "udp"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := fwd.ports["53/udp"]; ok {
		t.Errorf("a UDP port was forwarded: %v", fwd.ports)
	}
	addr := fwd.ports["8080/tcp"]
	for i := 0; i < 3; i++ { // several connections on one SPDY connection
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		msg := "round trip " + strconv.Itoa(i)
		if _, err := c.Write([]byte(msg)); err != nil {
			t.Fatal(err)
		}
		c.(*net.TCPConn).CloseWrite() // the half-close must reach the echo server...
		got, err := io.ReadAll(c)     // ...whose close ends this read
		c.Close()
		if err != nil || string(got) != msg {
			t.Fatalf("echo through the port-forward = %q, %v; want %q", got, err, msg)
		}
	}
	pf.mu.Lock()
	defer pf.mu.Unlock()
	if len(pf.paths) != 1 || pf.paths[0] != "POST /api/v1/namespaces/ns1/pods/web/portforward" {
		t.Errorf("requests %v, want one POST to web's portforward", pf.paths)
	}
	if len(pf.ports) != 3 || pf.ports[0] != "8080" {
		t.Errorf("streams for ports %v, want 3 for 8080", pf.ports)
	}
}

// A connection whose streams the runtime does not answer is given up
// after StreamAnswerTimeout and the dial goes through on a new one.
func TestSPDYPortForwardStuckConnection(t *testing.T) {
	pf := newPortForwardServer(t, true)
	cfg := &rest.Config{Host: pf.srv.URL}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	d := &spdyDialer{cfg: cfg, cs: cs}
	ctx, cancel := context.WithTimeout(context.Background(), 4*StreamAnswerTimeout)
	defer cancel()
	c, err := d.DialPod(ctx, "ns1", "web", 8080)
	if err != nil {
		t.Fatalf("DialPod with a stuck first connection = %v, want a connection on a second one", err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	c.(interface{ CloseWrite() error }).CloseWrite()
	if got, err := io.ReadAll(c); err != nil || string(got) != "ping" {
		t.Errorf("echo on the second connection = %q, %v", got, err)
	}
	pf.mu.Lock()
	defer pf.mu.Unlock()
	if len(pf.paths) != 2 {
		t.Errorf("port-forward requests %v, want two (the stuck one, then another)", pf.paths)
	}
}

package testbed_test

import (
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	testbed "github.com/testbed-dev/testbed"
	"github.com/testbed-dev/testbed/internal/testenv"
	"github.com/testbed-dev/testbed/servers/faults/faultapi"
)

func TestFaultsLocal(t *testing.T) {
	bed := testbed.Start(t, testbed.WithDriver("local"), testbed.WithServers("http", "faults"))
	checkFaults(t, bed)
	// With the local driver every port is on this machine: the blackhole
	// port never completes a handshake, while the relay port connects.
	c, err := net.DialTimeout("tcp", bed.Addr("faults", "8007"), 500*time.Millisecond)
	var ne net.Error
	if err == nil {
		c.Close()
		t.Error("connect to the blackhole port succeeded, want a timeout")
	} else if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("connect to the blackhole port = %v, want a timeout", err)
	}
}

func TestFaultsDocker(t *testing.T) {
	testenv.Engine(t)
	bed := testbed.Start(t, testbed.WithDriver("docker"), testbed.WithServers("http", "faults"))
	checkFaults(t, bed)
	// Inside the testbed network the blackhole holds: the relay, told to
	// connect to it, gives up on its connect timeout and closes the client
	// without an answer; pointed at the http server it answers.
	f := bed.Faults("faults")
	f.Set(faultapi.Fault{Target: "faults:8007"})
	c, err := net.DialTimeout("tcp", bed.Addr("faults", "8000"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	io.WriteString(c, "GET /files/hello.txt HTTP/1.0\r\n\r\n")
	if got, err := io.ReadAll(c); len(got) != 0 || err != nil {
		t.Errorf("through the relay to the blackhole: %q, %v; want a close without an answer", got, err)
	}
	f.Clear()
	if got := testenv.Get(t, noKeepAlive(), "http://"+bed.Addr("faults", "8000")+"/files/hello.txt"); got == "" {
		t.Error("after Clear, the relay gives an empty answer")
	}
}

func noKeepAlive() *http.Client {
	return &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 30 * time.Second}
}

// checkFaults: a fault injected on the relay at run time slows requests
// down, and clearing it ends that; the stand-alone ports misbehave.
func checkFaults(t *testing.T, bed *testbed.Bed) {
	t.Helper()
	c := noKeepAlive()
	url := "http://" + bed.Addr("faults", "8000") + "/files/hello.txt"
	want := testenv.Get(t, c, "http://"+bed.Addr("http", "80")+"/files/hello.txt")
	timed := func() time.Duration {
		start := time.Now()
		if got := testenv.Get(t, c, url); got != want {
			t.Fatalf("GET through the relay = %q, want %q", got, want)
		}
		return time.Since(start)
	}
	timed() // the first one connects to the target
	const latency = 300 * time.Millisecond
	bed.Faults("faults").Latency(latency)
	slow := timed()
	if slow < 2*latency {
		t.Errorf("GET with latency %s each way took %s, want at least %s", latency, slow, 2*latency)
	}
	bed.Faults("faults").Clear()
	if fast := timed(); fast >= slow {
		t.Errorf("GET after Clear took %s, not less than with latency (%s)", fast, slow)
	}
	ports, err := bed.Faults("faults").List()
	if err != nil || len(ports) != 8 {
		t.Fatalf("List() = %v, %v; want 8 ports", ports, err)
	}

	// reset: an RST, at connect or at the first read.
	conn, err := net.DialTimeout("tcp", bed.Addr("faults", "8002"), 5*time.Second)
	if err == nil {
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		_, err = conn.Read(make([]byte, 1))
		conn.Close()
	}
	if err == nil {
		t.Error("reset port: read succeeded, want an error")
	}
	// silent: connected, nothing comes back within a client deadline.
	conn, err = net.DialTimeout("tcp", bed.Addr("faults", "8001"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(conn, "GET / HTTP/1.0\r\n\r\n")
	conn.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	_, err = conn.Read(make([]byte, 1))
	conn.Close()
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("silent port: Read() = %v, want a timeout", err)
	}
	// close-after: 64 bytes of the answer, then the end.
	conn, err = net.DialTimeout("tcp", bed.Addr("faults", "8003"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	io.WriteString(conn, "GET /files/hello.txt HTTP/1.0\r\n\r\n")
	got, _ := io.ReadAll(conn)
	conn.Close()
	if len(got) != 64 {
		t.Errorf("close-after port: %d bytes, want 64", len(got))
	}
}

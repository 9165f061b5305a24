package testbed_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"strings"
	"testing"

	"golang.org/x/net/proxy"

	testbed "github.com/testbed-dev/testbed"
)

// A test brings the servers it needs up with Start; they are taken down
// when the test ends.
func ExampleStart() {
	var t *testing.T // in a test: func TestDownload(t *testing.T) { ... }

	bed := testbed.Start(t, testbed.WithServers("http"))
	resp, err := bed.HTTPClient().Get("https://" + bed.Addr("http", "443") + "/files/hello.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	// ...
}

// New brings a testbed up outside a test; here the HTTPS server, on the
// local driver, trusted through the project CA.
func ExampleNew() {
	bed, err := testbed.New(context.Background(), testbed.WithDriver("local"), testbed.WithServers("http"))
	if err != nil {
		log.Fatal(err)
	}
	defer bed.Close()

	resp, err := bed.HTTPClient().Get("https://" + bed.Addr("http", "443") + "/files/hello.txt")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.Proto, resp.Status)
	fmt.Printf("%q\n", body)
	// Output:
	// HTTP/2.0 200 OK
	// "Hello, testbed!\n"
}

// The socks server reaches the other servers by their testbed names, with
// the local driver too.
func ExampleBed_Host() {
	bed, err := testbed.New(context.Background(), testbed.WithDriver("local"), testbed.WithServers("socks", "echo"))
	if err != nil {
		log.Fatal(err)
	}
	defer bed.Close()

	socks, err := proxy.SOCKS5("tcp", bed.Addr("socks", "1080"), nil, proxy.Direct)
	if err != nil {
		log.Fatal(err)
	}
	conn, err := socks.Dial("tcp", bed.Host("echo")+":7")
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintln(conn, "hello through socks")
	line := make([]byte, 20)
	n, _ := io.ReadFull(conn, line)
	fmt.Printf("%s %q\n", bed.Host("echo"), line[:n])
	// Output:
	// echo.testbed.test "hello through socks\n"
}

// Env is the TESTBED_* environment that `testbed env` prints, to hand to a
// program under test.
func ExampleBed_Env() {
	bed, err := testbed.New(context.Background(), testbed.WithDriver("local"), testbed.WithServers("echo"))
	if err != nil {
		log.Fatal(err)
	}
	defer bed.Close()

	for _, kv := range bed.Env() {
		name, _, _ := strings.Cut(kv, "=")
		fmt.Println(name)
	}
	// Output:
	// TESTBED_CA_FILE
	// TESTBED_DOMAIN
	// TESTBED_DRIVER
	// TESTBED_ECHO_13
	// TESTBED_ECHO_13_UDP
	// TESTBED_ECHO_19
	// TESTBED_ECHO_7
	// TESTBED_ECHO_7_UDP
	// TESTBED_ECHO_9
	// TESTBED_ECHO_9_UDP
	// TESTBED_ECHO_HOST
	// TESTBED_PROJECT
}

// Main shares one testbed among every test of a package.
func ExampleMain() {
	var m *testing.M // func TestMain(m *testing.M) { ... }
	var bed *testbed.Bed

	os.Exit(testbed.Main(m, &bed, testbed.WithServers("http", "proxy")))
}

package echo_test

import (
	"bufio"
	"fmt"
	"net"

	"github.com/testbed-dev/testbed/servers/echo"
)

func ExampleServer_ServeEcho() {
	srv := echo.New(echo.Options{})
	defer srv.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go srv.ServeEcho(l)

	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		panic(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "hello\n")
	line, err := bufio.NewReader(c).ReadString('\n')
	fmt.Printf("%q %v\n", line, err)
	// Output: "hello\n" <nil>
}

package httpd_test

import (
	"fmt"
	"io"
	"net"
	"net/http"

	"github.com/testbed-dev/testbed/servers/httpd"
)

func Example() {
	srv, err := httpd.New(httpd.Options{})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go srv.Serve(l)

	resp, err := http.Get("http://" + l.Addr().String() + "/bytes/300")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.ContentLength, body[:4], body[250:253])
	// Output: 300 [0 1 2 3] [250 0 1]
}

package probe

import (
	"bufio"
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

func TestEcho(t *testing.T) {
	echo := serve(t, nil, func(c net.Conn) { _, _ = io.Copy(c, c) })
	lineEcho := serve(t, nil, func(c net.Conn) {
		// Echoes the line back with \n only, a byte at a time.
		line, _ := bufio.NewReader(c).ReadString('\n')
		for _, b := range []byte(strings.TrimRight(line, "\r\n") + "\n") {
			if _, err := c.Write([]byte{b}); err != nil {
				return
			}
		}
	})
	other := serve(t, nil, func(c net.Conn) { _, _ = io.WriteString(c, "hello\r\n") })
	closing := serve(t, nil, func(c net.Conn) {})
	tests := []struct {
		name string
		addr string
		want string
	}{
		{"echo", echo, ""},
		{"line echo, byte by byte", lineEcho, ""},
		{"other answer", other, `received "hello\r\n"`},
		{"closed at once", closing, "received nothing: "},
		{"refused", refused(t), "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			err := (&Echo{Port: 7}).Check(ctx, addrs{7: tt.addr})
			checkErr(t, "Check()", err, tt.want)
			if err != nil && tt.want != "connection refused" && !strings.Contains(err.Error(), `sent "testbed-probe-`) {
				t.Errorf("Check() = %q, want it to quote the line sent", err)
			}
		})
	}
}

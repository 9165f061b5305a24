package proxy

import (
	"io"
	"net"
	"sync"
)

// relay copies bytes both ways between a and b until both directions have
// ended, then closes both. When one side stops sending, the other side's
// write half is closed so that half-closed connections keep working; on an
// error both connections are closed at once.
func relay(a, b net.Conn) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		pipe(b, a)
	}()
	pipe(a, b)
	wg.Wait()
	a.Close()
	b.Close()
}

// pipe copies src to dst, then half-closes dst (or closes both on an error).
func pipe(dst, src net.Conn) {
	_, err := io.Copy(dst, src)
	if err == nil {
		if cw, ok := dst.(interface{ CloseWrite() error }); ok && cw.CloseWrite() == nil {
			return
		}
	}
	dst.Close()
	src.Close()
}

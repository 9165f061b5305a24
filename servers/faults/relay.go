package faults

import (
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"time"

	"github.com/testbed-dev/testbed/servers/faults/faultapi"
)

// chunkSize is the most bytes read and forwarded at once.
const chunkSize = 32 << 10

var (
	errCloseAfter = errors.New("close-after limit reached")
	errStopped    = errors.New("server closed")
	errNoPort     = errors.New("no such port")
)

// relay copies client<->server under port's fault, read afresh for every
// chunk, until both directions end; closeAfter > 0 ends everything after
// that many bytes reached the client. It closes both connections.
func (s *Server) relay(client, server net.Conn, port int, closeAfter int64) (toServer, toClient int64, err error) {
	var wg sync.WaitGroup
	var upErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		toServer, upErr = s.pipe(server, client, port, 0)
	}()
	toClient, err = s.pipe(client, server, port, closeAfter)
	wg.Wait()
	client.Close()
	server.Close()
	if err == nil {
		err = upErr
	}
	return toServer, toClient, err
}

// pipe copies src to dst chunk by chunk, shaped by the port's current
// fault. At EOF it half-closes dst; on an error (or the limit) it closes
// both, which also ends the other direction.
func (s *Server) pipe(dst, src net.Conn, port int, limit int64) (int64, error) {
	buf := make([]byte, chunkSize)
	var total int64
	for {
		n, rerr := src.Read(buf)
		if n > 0 {
			chunk := buf[:n]
			if limit > 0 && total+int64(n) >= limit {
				chunk = chunk[:limit-total]
			}
			w, werr := s.shapedWrite(dst, chunk, port)
			total += int64(w)
			if werr == nil && limit > 0 && total >= limit {
				werr = errCloseAfter
			}
			if werr != nil {
				dst.Close()
				src.Close()
				return total, werr
			}
		}
		if rerr != nil {
			if errors.Is(rerr, io.EOF) {
				if cw, ok := dst.(interface{ CloseWrite() error }); ok && cw.CloseWrite() == nil {
					return total, nil
				}
			}
			dst.Close()
			src.Close()
			if errors.Is(rerr, io.EOF) || errors.Is(rerr, net.ErrClosed) {
				return total, nil
			}
			return total, rerr
		}
	}
}

// shapedWrite writes p to dst after the fault's latency, in slices, at the
// fault's bandwidth.
func (s *Server) shapedWrite(dst net.Conn, p []byte, port int) (int, error) {
	f, _ := s.table.fault(port)
	if err := s.sleep(delay(f)); err != nil {
		return 0, err
	}
	written := 0
	for len(p) > 0 {
		f, _ = s.table.fault(port) // a change applies from the next slice on
		n := len(p)
		if f.Slice > 0 && n > f.Slice {
			n = f.Slice
		}
		if f.Bandwidth > 0 && int64(n) > f.Bandwidth {
			n = int(f.Bandwidth) // at most a second's worth at once
		}
		if f.Bandwidth > 0 { // the time these bytes take on a link that fast
			if err := s.sleep(time.Duration(int64(n) * int64(time.Second) / f.Bandwidth)); err != nil {
				return written, err
			}
		}
		w, err := dst.Write(p[:n])
		written += w
		if err != nil {
			return written, err
		}
		p = p[n:]
		if f.Slice > 0 && len(p) > 0 {
			if err := s.sleep(time.Duration(f.SliceDelay)); err != nil {
				return written, err
			}
		}
	}
	return written, nil
}

// delay is the latency of one chunk: Latency plus or minus up to Jitter.
func delay(f faultapi.Fault) time.Duration {
	d := time.Duration(f.Latency)
	if j := time.Duration(f.Jitter); j > 0 {
		d += time.Duration(rand.Int64N(int64(2*j)+1)) - j
	}
	return max(d, 0)
}

// sleep waits d, or less when the server closes.
func (s *Server) sleep(d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-s.done:
		return errStopped
	}
}

package ftpd

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"

	"github.com/jlaffaye/ftp"
)

// TestConcurrentClients: 50 clients at once, each listing and downloading
// over passive mode with a pool of 32 ports (the ftp kind's default),
// all succeed: no 425.
func TestConcurrentClients(t *testing.T) {
	ports := freePorts(t, 32)
	_, addr := startServer(t, Options{Anonymous: true, PassivePorts: ports})
	if err := concurrentSessions(addr, 50); err != nil {
		t.Error(err)
	}
}

// concurrentSessions runs n clients at once, each listing /pub and
// downloading 1MiB.bin twice, and joins their errors.
func concurrentSessions(addr string, n int) error {
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = oneSession(addr)
			if errs[i] != nil {
				errs[i] = fmt.Errorf("client %d: %w", i, errs[i])
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func oneSession(addr string) error {
	c, err := ftp.Dial(addr, ftp.DialWithTimeout(testTimeout))
	if err != nil {
		return err
	}
	defer c.Quit()
	if err := c.Login("anonymous", "x"); err != nil {
		return err
	}
	for range 2 {
		entries, err := c.List("/pub")
		if err != nil {
			return fmt.Errorf("LIST: %w", err)
		}
		if len(entries) == 0 {
			return errors.New("LIST /pub: empty")
		}
		r, err := c.Retr("/pub/1MiB.bin")
		if err != nil {
			return fmt.Errorf("RETR: %w", err)
		}
		n, err := io.Copy(io.Discard, r)
		r.Close()
		if err != nil || n != 1<<20 {
			return fmt.Errorf("RETR: %d bytes, %v", n, err)
		}
	}
	return nil
}

package e2e

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/jlaffaye/ftp"

	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/internal/testenv"
)

// 50 FTP clients at once, each listing and downloading in passive mode,
// see no 425: through the local driver and through the docker driver's
// published passive ports (32 by default).
func TestFTPConcurrentClients(t *testing.T) {
	t.Parallel()
	for _, driver := range []string{"local", "docker"} {
		t.Run(driver, func(t *testing.T) {
			var b *bed
			if driver == "docker" {
				b = newBed(t)
			} else {
				b = &bed{t: t, project: project(t), state: t.TempDir(), dir: t.TempDir()}
				t.Cleanup(func() { b.run("--driver", "local", "down") })
			}
			spec := b.write("testbed.yaml", "servers:\n  ftp: {builtin: ftp}\n", 0o644)
			r := b.run("--driver", driver, "-f", spec, "up", "--json").must(t, "up")
			var m endpoints.Manifest
			testenv.JSON(t, []byte(r.out), &m)
			addr, err := m.Addr("ftp", "21")
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			errs := make([]error, 50)
			for i := range errs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := ftpSession(addr); err != nil {
						errs[i] = fmt.Errorf("client %d: %w", i, err)
					}
				}()
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				t.Error(err)
			}
		})
	}
}

func ftpSession(addr string) error {
	c, err := ftp.Dial(addr, ftp.DialWithTimeout(30*time.Second))
	if err != nil {
		return err
	}
	defer c.Quit()
	if err := c.Login("anonymous", "x"); err != nil {
		return err
	}
	for range 2 {
		if _, err := c.List("/pub"); err != nil {
			return fmt.Errorf("LIST: %w", err)
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

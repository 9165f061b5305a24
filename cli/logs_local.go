package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/engine/local/supervisor"
)

// followInterval is how often `logs -f` looks for new output of a local server.
const followInterval = 100 * time.Millisecond

// localLogs prints a local server's log file; follow keeps printing until
// ctx ends or the supervisor is gone.
func (a *app) localLogs(ctx context.Context, project, server string, follow bool, out io.Writer) error {
	dir, err := a.stateDir(project)
	if err != nil {
		return err
	}
	f, err := os.Open(supervisor.ServerLog(dir, server))
	if errors.Is(err, fs.ErrNotExist) {
		if m, merr := endpoints.Read(dir); merr == nil {
			return fmt.Errorf("project %s has no server %q (have %s)", project, server, strings.Join(m.Names(), ", "))
		}
		return fmt.Errorf("project %s is not up with the local driver (no log of %s in %s)", project, server, dir)
	}
	if err != nil {
		return err
	}
	defer f.Close()
	for {
		if _, err := io.Copy(out, f); err != nil {
			return fmt.Errorf("logs of %s: %w", server, err)
		}
		if !follow {
			return nil
		}
		if rec, err := supervisor.ReadRecord(dir); err != nil || !rec.Alive() {
			_, err := io.Copy(out, f)
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(followInterval):
		}
	}
}

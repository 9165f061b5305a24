package cli

import (
	"fmt"
	"os"

	"github.com/testbed-dev/testbed/engine/local/supervisor"
)

// reapLocal removes the state directories of local projects whose
// supervisor is gone, printing each.
func (a *app) reapLocal(dryRun bool) error {
	base, err := a.stateBase()
	if err != nil {
		return err
	}
	entries, err := supervisor.Scan(base)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Alive {
			continue
		}
		fmt.Fprintf(a.io.Out, "%s: local supervisor pid %d (%s) is gone\n", e.Record.Project, e.Record.PID, e.Record.Owner)
		if dryRun {
			continue
		}
		if err := os.RemoveAll(e.Dir); err != nil {
			return fmt.Errorf("reap %s: %w", e.Record.Project, err)
		}
	}
	return nil
}

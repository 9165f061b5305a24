package supervisor

import (
	"context"
	"errors"
	"fmt"

	"github.com/testbed-dev/testbed/engine"
	"github.com/testbed-dev/testbed/servers/control"
)

var _ engine.Resetter = (*Driver)(nil)

// Reset implements engine.Resetter: the servers of a project running in
// this process restart in their seed at once; a supervisor's are reset
// through its control channel (its record names the address).
func (d *Driver) Reset(ctx context.Context, project string, o engine.ResetOptions) error {
	if d.isHere(project) {
		return d.eng.Reset(ctx, project)
	}
	dir, err := d.o.StateDir(project)
	if err != nil {
		return err
	}
	rec, err := ReadRecord(dir)
	if err != nil {
		return err
	}
	if !rec.Alive() {
		return fmt.Errorf("project %s: its supervisor (pid %d) is gone", project, rec.PID)
	}
	if rec.Control == "" {
		return errors.New("its supervisor has no control channel (started by an older testbed); take the project down and up again")
	}
	return control.Reset(ctx, nil, rec.Control, o.Token)
}

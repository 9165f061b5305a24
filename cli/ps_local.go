package cli

import (
	"errors"
	"fmt"
	"time"

	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/engine/local/supervisor"
)

// localRows lists the servers of local-driver projects from their state
// directories: one project, or every one ("").
func (a *app) localRows(project string) ([]psRow, error) {
	var dirs []string
	if project != "" {
		dir, err := a.stateDir(project)
		if err != nil {
			return nil, err
		}
		dirs = append(dirs, dir)
	} else {
		base, err := a.stateBase()
		if err != nil {
			return nil, err
		}
		entries, err := supervisor.Scan(base)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			dirs = append(dirs, e.Dir)
		}
	}
	rows := []psRow{}
	for _, dir := range dirs {
		rec, err := supervisor.ReadRecord(dir)
		if errors.Is(err, supervisor.ErrNoSupervisor) {
			continue
		}
		if err != nil {
			return nil, err
		}
		state, status := "running", fmt.Sprintf("supervisor pid %d, up %s", rec.PID, time.Since(rec.Started).Round(time.Second))
		switch {
		case !rec.Alive():
			state, status = "exited", fmt.Sprintf("supervisor pid %d is gone (testbed reap clears it)", rec.PID)
		case rec.State != supervisor.StateReady:
			state = rec.State
		}
		m, err := endpoints.Read(dir)
		if err != nil {
			rows = append(rows, psRow{Project: rec.Project, Driver: "local", State: state, Status: status, Ports: map[string]string{}})
			continue
		}
		// The supervisor records itself ready once every server answered
		// its probe, and stops them all if it dies.
		ready, detail := state == "running", "held by the supervisor, which found it ready"
		if !ready {
			detail = "supervisor " + state
		}
		for _, name := range m.Names() {
			rows = append(rows, psRow{Project: rec.Project, Server: name, Driver: "local", State: state, Status: status,
				Ready: ready, ReadyDetail: detail, Ports: m.Servers[name].Ports})
		}
	}
	return rows, nil
}

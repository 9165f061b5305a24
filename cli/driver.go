package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/engine/docker"
	"github.com/testbed-dev/testbed/engine/local/supervisor"
)

// engineFor connects to the engine --driver names. It returns a nil driver
// (and no error) for the local driver: with --driver local, and with auto
// when no Docker engine answers.
func (a *app) engineFor(ctx context.Context, o docker.Options) (*docker.Driver, error) {
	if a.g.driver == "local" {
		return nil, nil
	}
	drv, err := a.dockerDriver(ctx, o)
	if err == nil {
		return drv, nil
	}
	if a.g.driver == "auto" && errors.Is(err, docker.ErrUnavailable) {
		a.note("no Docker engine answers; using the local driver (built-in servers on 127.0.0.1)")
		a.log.Debug("docker unavailable", "err", err)
		return nil, nil
	}
	return nil, err
}

// engineOf is engineFor for a command on a project that is up: with auto,
// a project brought up by the local driver (its state directory says so)
// stays local without asking Docker.
func (a *app) engineOf(ctx context.Context, project string) (*docker.Driver, error) {
	if a.g.driver != "auto" {
		return a.engineFor(ctx, docker.Options{})
	}
	if a.isLocal(project) {
		return nil, nil
	}
	if dir, err := a.stateDir(project); err == nil {
		if m, err := endpoints.Read(dir); err == nil && m.Driver == "docker" {
			// Up on an engine: no falling back to local, which would
			// find nothing and say so.
			return a.dockerDriver(ctx, docker.Options{})
		}
	}
	return a.engineFor(ctx, docker.Options{})
}

// isLocal reports whether the project's state directory was made by the
// local driver: a supervisor record, or endpoints with driver local.
func (a *app) isLocal(project string) bool {
	dir, err := a.stateDir(project)
	if err != nil {
		return false
	}
	if _, err := supervisor.ReadRecord(dir); err == nil {
		return true
	}
	m, err := endpoints.Read(dir)
	return err == nil && m.Driver == "local"
}

// note prints a remark on stderr unless --progress quiet.
func (a *app) note(format string, args ...any) {
	if a.g.progress != "quiet" {
		fmt.Fprintf(a.io.Err, "testbed: "+format+"\n", args...)
	}
}

// stateBase is the directory holding every project's state directory.
func (a *app) stateBase() (string, error) {
	dir, err := endpoints.StateDir(a.g.stateDir, "x")
	if err != nil {
		return "", err
	}
	return filepath.Dir(dir), nil
}

package supervisor

import (
	"path/filepath"
	"time"
)

// Command is the testbed command line that runs a project's supervisor:
// the global flags, then the hidden `supervise` subcommand with its flags
// and server names. Zero fields are left out.
type Command struct {
	Project    string
	File       string        // --file, made absolute
	StateDir   string        // --state-dir, made absolute
	LogLevel   string        // --log-level
	Profiles   []string      // --profile, one each
	PublishAll bool          // --publish-all-interfaces
	Timeout    time.Duration // supervise --timeout
	BindLocal  bool          // supervise --bind-local
	Servers    []string      // only these servers (and what they depend on)
}

// Args returns the arguments for SpawnOptions.Args.
func (c Command) Args() ([]string, error) {
	args := []string{"--driver", "local", "-p", c.Project}
	if c.LogLevel != "" {
		args = append(args, "--log-level", c.LogLevel)
	}
	args = append(args, "--progress", "plain")
	for _, f := range []struct{ flag, path string }{{"--file", c.File}, {"--state-dir", c.StateDir}} {
		if f.path == "" {
			continue
		}
		abs, err := filepath.Abs(f.path)
		if err != nil {
			return nil, err
		}
		args = append(args, f.flag, abs)
	}
	for _, profile := range c.Profiles {
		args = append(args, "--profile", profile)
	}
	if c.PublishAll {
		args = append(args, "--publish-all-interfaces")
	}
	args = append(args, "supervise")
	if c.Timeout > 0 {
		args = append(args, "--timeout", c.Timeout.String())
	}
	if c.BindLocal {
		args = append(args, "--bind-local")
	}
	return append(args, c.Servers...), nil
}

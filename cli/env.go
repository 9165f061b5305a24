package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/engine/local/supervisor"
)

func (a *app) envCommand() *cobra.Command {
	var asJSON, dotenv bool
	cmd := &cobra.Command{
		Use:   "env",
		Short: "Print the endpoints of a running project as shell exports, JSON or .env",
		Long: `env prints the endpoints recorded by the last successful up of the project:
TESTBED_PROJECT, TESTBED_DOMAIN, TESTBED_CA_FILE, TESTBED_<SERVER>_HOST and
TESTBED_<SERVER>_<PORT> (TESTBED_<SERVER>_<PORT>_UDP for UDP ports), with
SERVER upper-cased and every other character as '_'.`,
		Example: `  eval "$(testbed env)"
  testbed env --json | jq -r '.servers.http.ports["80/tcp"]'
  testbed env --dotenv > .env`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if asJSON && dotenv {
				return usagef("--json and --dotenv exclude each other")
			}
			m, err := a.readManifest(cmd.Context())
			if err != nil {
				return err
			}
			switch {
			case asJSON:
				return a.printJSON(m)
			case dotenv:
				for _, kv := range m.Env() {
					k, v, _ := strings.Cut(kv, "=")
					fmt.Fprintf(a.io.Out, "%s=%s\n", k, v)
				}
			default:
				for _, kv := range m.Env() {
					k, v, _ := strings.Cut(kv, "=")
					fmt.Fprintf(a.io.Out, "export %s=%s\n", k, endpoints.ShellQuote(v))
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the endpoints JSON")
	cmd.Flags().BoolVar(&dotenv, "dotenv", false, "print KEY=value lines for .env files")
	return cmd
}

// readManifest reads the project's endpoints.json.
func (a *app) readManifest(ctx context.Context) (*endpoints.Manifest, error) {
	project, err := a.currentProject(ctx)
	if err != nil {
		return nil, err
	}
	dir, err := a.stateDir(project)
	if err != nil {
		return nil, err
	}
	m, err := endpoints.Read(dir)
	if errors.Is(err, endpoints.ErrNotUp) {
		return nil, fmt.Errorf("project %s is not up (no %s in %s); run `testbed up` first", project, endpoints.FileName, dir)
	}
	if err != nil {
		return nil, err
	}
	if m.Driver == "local" {
		rec, rerr := supervisor.ReadRecord(dir)
		if rerr != nil || !rec.Alive() {
			return nil, fmt.Errorf("project %s was up with the local driver, but its supervisor is gone; run `testbed -p %s down` (or `testbed reap`) and up again", project, project)
		}
	}
	return m, nil
}

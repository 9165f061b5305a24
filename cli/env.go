package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/testbed-dev/testbed/endpoints"
)

func (a *app) envCommand() *cobra.Command {
	var asJSON, dotenv bool
	cmd := &cobra.Command{
		Use:   "env",
		Short: "Print the endpoints of a running project as shell exports, JSON or .env",
		Long: `env prints the endpoints of the project's running servers, as its driver
reports them (a server taken down with 'down SERVER' is not listed):
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

// readManifest reads the project's endpoints from its driver.
func (a *app) readManifest(ctx context.Context) (*endpoints.Manifest, error) {
	c, name, err := a.openProject(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.Endpoints(ctx, name)
}

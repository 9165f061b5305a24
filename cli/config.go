package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/testbed-dev/testbed/plan"
	"github.com/testbed-dev/testbed/probe"
)

func (a *app) configCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "config [SERVER...]",
		Short: "Validate the spec and print it normalised, with the plan",
		Long: `config loads and validates the spec (native, legacy directory or compose file)
and prints the plan: start order, containers, images, ports, aliases, probes.
It touches no engine. Secrets (passwords, secret-looking env values) are
redacted. Exit status 2 when the spec is invalid.`,
		Example: `  testbed config
  testbed -f ./legacy-servers config
  testbed -f docker-compose.yml config --json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := a.load(cmd.Context(), args)
			if err != nil {
				return err
			}
			p, err := a.newPlan(l, true, bindLocal(false))
			if err != nil {
				return err
			}
			if asJSON {
				return a.printJSON(planJSON(l, p))
			}
			src := l.tb.Source
			if src == "" {
				src = "(built-in default testbed)"
			}
			fmt.Fprintf(a.io.Out, "spec: %s (%s)\n", src, l.tb.Format)
			fmt.Fprint(a.io.Out, p.String())
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

type serverJSON struct {
	Name      string            `json:"name"`
	Level     int               `json:"level"`
	Container string            `json:"container"`
	Image     string            `json:"image"`
	Kind      string            `json:"kind,omitempty"`
	Hostname  string            `json:"hostname"`
	Aliases   []string          `json:"aliases"`
	Command   []string          `json:"command,omitempty"`
	Env       map[string]string `json:"env,omitempty"`
	Ports     []string          `json:"ports"`
	DependsOn []string          `json:"depends_on,omitempty"`
	Ready     string            `json:"ready"`
	Timeout   string            `json:"timeout"`
	Hardened  bool              `json:"hardened"`
}

func planJSON(l *loaded, p *plan.Plan) any {
	var servers []serverJSON
	for i, level := range p.Levels {
		for _, st := range level {
			env := map[string]string{}
			for k, v := range st.Env {
				env[k] = plan.RedactEnv(k, v)
			}
			var ports, deps []string
			for _, b := range st.Ports {
				host := "auto"
				if b.HostPort != 0 {
					host = fmt.Sprint(b.HostPort)
				}
				ports = append(ports, fmt.Sprintf("%s->%s:%s", b.Key(), b.HostIP, host))
			}
			for _, d := range st.Server.DependsOn {
				deps = append(deps, d.Name)
			}
			servers = append(servers, serverJSON{
				Name: st.Server.Name, Level: i, Container: st.Container, Image: st.ImageDescription(),
				Kind: st.Server.Builtin, Hostname: st.Hostname, Aliases: st.Aliases, Command: st.RedactedCommand(),
				Env: env, Ports: ports, DependsOn: deps, Ready: probe.Describe(st.Probe), Timeout: st.Timeout.String(),
				Hardened: st.Hardened,
			})
		}
	}
	return map[string]any{
		"project": p.Project, "network": p.Network, "domain": p.Domain, "spec_hash": p.SpecHash,
		"source": l.tb.Source, "format": l.tb.Format, "servers": servers, "warnings": l.warnings,
	}
}

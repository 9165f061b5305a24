package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/testbed-dev/testbed/catalog"
)

func (a *app) serversCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "servers",
		Short:   "List the built-in server kinds with their ports, credentials and endpoints",
		Example: "  testbed servers\n  testbed servers --json",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cat := catalog.New()
			if asJSON {
				type port struct {
					Port string `json:"port"`
					TLS  bool   `json:"tls,omitempty"`
					Note string `json:"note,omitempty"`
				}
				type kind struct {
					Name        string           `json:"name"`
					Summary     string           `json:"summary"`
					Ports       []port           `json:"ports"`
					Credentials string           `json:"credentials,omitempty"`
					Endpoints   []string         `json:"endpoints,omitempty"`
					Options     []catalog.Option `json:"options,omitempty"`
					Default     bool             `json:"default"` // in the default testbed
				}
				var out []kind
				for _, n := range cat.Names() {
					k, _ := cat.Kind(n)
					kk := kind{Name: k.Name, Summary: k.Summary, Credentials: k.Credentials, Endpoints: k.Endpoints, Options: k.Options, Default: slices.Contains(catalog.DefaultOrder, n)}
					for _, p := range k.Ports {
						kk.Ports = append(kk.Ports, port{p.Key(), p.TLS, p.Note})
					}
					out = append(out, kk)
				}
				return a.printJSON(out)
			}
			for _, n := range cat.Names() {
				k, _ := cat.Kind(n)
				fmt.Fprintf(a.io.Out, "%s — %s\n", k.Name, k.Summary)
				if !slices.Contains(catalog.DefaultOrder, n) {
					fmt.Fprintf(a.io.Out, "  opt-in:      not in the default testbed; name it (spec, WithServers, up %s)\n", n)
				}
				var ports []string
				for _, p := range k.Ports {
					s := p.Key()
					if p.Note != "" {
						s += " (" + p.Note + ")"
					}
					ports = append(ports, s)
				}
				fmt.Fprintf(a.io.Out, "  ports:       %s\n", strings.Join(ports, ", "))
				if k.Credentials != "" {
					fmt.Fprintf(a.io.Out, "  credentials: %s\n", k.Credentials)
				}
				for _, e := range k.Endpoints {
					fmt.Fprintf(a.io.Out, "  - %s\n", e)
				}
				if len(k.Options) > 0 {
					var opts []string
					for _, o := range k.Options {
						def := o.Default
						if o.Secret && def != "" {
							def = "(secret)"
						}
						opts = append(opts, fmt.Sprintf("%s=%s", o.Name, def))
					}
					fmt.Fprintf(a.io.Out, "  options:     %s\n", strings.Join(opts, " "))
				}
				fmt.Fprintln(a.io.Out)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

package cli

import (
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/testbed-dev/testbed/engine/docker"
)

func (a *app) psCommand() *cobra.Command {
	var asJSON, all bool
	cmd := &cobra.Command{
		Use:   "ps",
		Short: "List the project's servers: state, readiness, endpoints",
		Example: `  testbed ps
  testbed ps --all      # every testbed project on the engine
  testbed ps --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			project := ""
			if !all {
				p, err := a.currentProject(cmd.Context())
				if err != nil {
					return err
				}
				project = p
			}
			drv, err := a.dockerDriver(cmd.Context(), docker.Options{})
			if err != nil {
				return err
			}
			defer drv.Close()
			list, err := drv.List(cmd.Context(), project)
			if err != nil {
				return err
			}
			if asJSON {
				type row struct {
					Project string            `json:"project"`
					Server  string            `json:"server"`
					Name    string            `json:"container"`
					Image   string            `json:"image"`
					State   string            `json:"state"`
					Status  string            `json:"status"`
					Ports   map[string]string `json:"ports"`
				}
				rows := []row{}
				for _, c := range list {
					rows = append(rows, row{c.Project, c.Server, c.Name, c.Image, c.State, c.Status, c.Ports})
				}
				return a.printJSON(rows)
			}
			tw := tabwriter.NewWriter(a.io.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "PROJECT\tSERVER\tSTATE\tSTATUS\tPORTS")
			for _, c := range list {
				var ports []string
				for k, v := range c.Ports {
					ports = append(ports, k+"="+v)
				}
				sort.Slice(ports, func(i, j int) bool { return portLess(ports[i], ports[j]) })
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.Project, c.Server, c.State, c.Status, strings.Join(ports, " "))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&all, "all", false, "every testbed project on the engine")
	return cmd
}

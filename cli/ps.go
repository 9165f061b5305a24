package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/engine/docker"
)

// psRow is one server in `ps`.
type psRow struct {
	Project string `json:"project"`
	Server  string `json:"server"`
	Driver  string `json:"driver"`
	Name    string `json:"container"` // the container; "" for the local driver
	Image   string `json:"image"`
	State   string `json:"state"`
	Status  string `json:"status"`
	// Ready: the server answers its readiness probe now (checked by ps);
	// ReadyDetail says what was checked, or why it is not ready.
	Ready       bool              `json:"ready"`
	ReadyDetail string            `json:"ready_detail"`
	Ports       map[string]string `json:"ports"`
}

func (a *app) psCommand() *cobra.Command {
	var asJSON, all bool
	cmd := &cobra.Command{
		Use:   "ps",
		Short: "List the project's servers: state, readiness, endpoints",
		Long: `ps lists the project's servers: their state, whether each answers its
readiness probe now, and their endpoints. For the docker driver it asks the
engine and checks each container's probe again (the one up waited on, kept
in the container's testbed.ready label); for the local driver it reads the
project's state directory and checks that its supervisor process still
runs and holds every server ready.`,
		Example: `  testbed ps
  testbed ps --all      # every testbed project (engine and local supervisors)
  testbed ps --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rows, err := a.psRows(cmd.Context(), all)
			if err != nil {
				return err
			}
			if asJSON {
				return a.printJSON(rows)
			}
			tw := tabwriter.NewWriter(a.io.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "PROJECT\tSERVER\tSTATE\tREADY\tSTATUS\tPORTS")
			for _, r := range rows {
				var ports []string
				for _, k := range endpoints.PortKeys(r.Ports) {
					ports = append(ports, k+"="+r.Ports[k])
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Project, r.Server, r.State, readyText(readiness{r.Ready, r.ReadyDetail}), r.Status, strings.Join(ports, " "))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&all, "all", false, "every testbed project: on the engine and local supervisors")
	return cmd
}

// psRows lists the servers of the current project, or of every project.
func (a *app) psRows(ctx context.Context, all bool) ([]psRow, error) {
	rows := []psRow{}
	project := "" // every project
	var drv *docker.Driver
	var err error
	if all {
		local, err := a.localRows("")
		if err != nil {
			return nil, err
		}
		rows = append(rows, local...)
		if drv, err = a.engineFor(ctx, docker.Options{}); err != nil {
			return nil, err
		}
	} else {
		if project, err = a.currentProject(ctx); err != nil {
			return nil, err
		}
		if drv, err = a.engineOf(ctx, project); err != nil {
			return nil, err
		}
		if drv == nil {
			return a.localRows(project)
		}
	}
	if drv == nil {
		return rows, nil
	}
	defer drv.Close()
	list, err := drv.List(ctx, project)
	if err != nil {
		return nil, err
	}
	ready := a.checkReady(ctx, drv, list)
	for i, c := range list {
		rows = append(rows, psRow{Project: c.Project, Server: c.Server, Driver: "docker", Name: c.Name, Image: c.Image,
			State: c.State, Status: c.Status, Ready: ready[i].ready, ReadyDetail: ready[i].detail, Ports: c.Ports})
	}
	return rows, nil
}

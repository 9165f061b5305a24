package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/internal/printable"
	"github.com/testbed-dev/testbed/project"
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
		Long: `ps lists the project's servers as its driver has them: their state, whether
each answers its readiness probe now, and their endpoints. For the docker
driver it asks the engine and checks each container's probe again (the one up
waited on, kept in the container's testbed.ready label); for the local driver
it checks that the project's supervisor process still runs and holds every
server ready.`,
		Example: `  testbed ps
  testbed ps --all      # every testbed project (engine and local supervisors)
  testbed ps --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rows, err := a.psRows(cmd.Context(), all)
			if err != nil {
				return err
			}
			if len(rows) == 0 && !all {
				name, _ := a.currentProject(cmd.Context())
				fmt.Fprintf(a.io.Err, "testbed: nothing by the name %s is up (no servers); `testbed ps --all` lists every project\n", name)
			}
			if asJSON {
				return a.printJSON(rows)
			}
			if len(rows) == 0 && !all {
				return nil
			}
			tw := tabwriter.NewWriter(a.io.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "PROJECT\tSERVER\tSTATE\tREADY\tSTATUS\tPORTS")
			for _, r := range rows {
				var ports []string
				for _, k := range endpoints.PortKeys(r.Ports) {
					ports = append(ports, k+"="+r.Ports[k])
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Project, r.Server, printable.Line(r.State), printable.Line(readyText(r.Ready, r.ReadyDetail)), printable.Line(r.Status), printable.Line(strings.Join(ports, " ")))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&all, "all", false, "every testbed project: on the engine and local supervisors")
	return cmd
}

// psRows lists the servers of the current project, or of every project
// (on the engine, and local supervisors).
func (a *app) psRows(ctx context.Context, all bool) ([]psRow, error) {
	var cores []*project.Core
	name := ""
	if all {
		var err error
		if cores, err = project.OpenAll(ctx, a.options()); err != nil {
			return nil, err
		}
	} else {
		c, n, err := a.openProject(ctx)
		if err != nil {
			return nil, err
		}
		cores, name = append(cores, c), n
	}
	rows := []psRow{}
	for _, c := range cores {
		defer c.Close()
		list, err := c.Status(ctx, name)
		if err != nil {
			return nil, err
		}
		for _, r := range list {
			ports := map[string]string{}
			if r.Endpoint != nil {
				ports = r.Endpoint.Ports
			}
			rows = append(rows, psRow{Project: r.Project, Server: r.Server.Server, Driver: r.Driver, Name: r.Name, Image: r.Image,
				State: r.State, Status: r.Status, Ready: r.Ready, ReadyDetail: r.ReadyDetail, Ports: ports})
		}
	}
	a.redactRows(ctx, rows)
	return rows, nil
}

// redactRows masks secrets in what ps prints of each server (the probe it
// checked, the driver's status words): by the values of the spec when one
// is loaded or can be (the project's own), and by shape (URL passwords,
// --password= arguments) always.
func (a *app) redactRows(ctx context.Context, rows []psRow) {
	if a.red == nil && len(rows) > 0 {
		if s, err := project.Load(ctx, project.LoadOptions{File: a.g.file, Profiles: a.g.profiles, Project: a.g.project}); err == nil {
			a.red = s.Redactor()
		}
	}
	for i := range rows {
		r := &rows[i]
		r.Status, r.ReadyDetail, r.Image = a.red.String(r.Status), a.red.String(r.ReadyDetail), a.red.String(r.Image)
	}
}

// readyText is the READY column: "yes", or "no: why" cut to one short line.
func readyText(ready bool, detail string) string {
	if ready {
		return "yes"
	}
	why, _, _ := strings.Cut(detail, "\n")
	if len(why) > 80 {
		why = why[:77] + "..."
	}
	return "no: " + why
}

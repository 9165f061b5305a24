package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/testbed-dev/testbed/internal/printable"
	"github.com/testbed-dev/testbed/project"
)

func (a *app) reapCommand() *cobra.Command {
	var dryRun, images bool
	var olderThan time.Duration
	cmd := &cobra.Command{
		Use:   "reap [PROJECT...]",
		Short: "Remove the resources of runs whose owner is gone, in every project or the ones named",
		Long: `reap finds every testbed resource on the engine by label and removes the
projects whose run is gone and that were not left up on purpose by a finished
'testbed up' (which marks it on the engine with a testbed.kept volume; 'testbed
down' removes that first). A run is alive while it holds its project's lock
(a file lock the kernel releases when the run dies, seen across pid
namespaces); otherwise its testbed.owner label decides (pid and start time,
when it ran in this pid namespace). A live run's project is never touched.
With --older-than, projects whose owner cannot be judged from here (another
host, another container) older than that are taken too.

With PROJECT arguments, reap looks at those projects only (the same rules
apply to each): a CI job that shares its engine with others can clear what
its own killed runs left and nothing of theirs.

reap also clears the state directories of local-driver projects whose
supervisor process is gone (killed, crashed, or the machine rebooted). A
supervisor whose state directory is removed stops by itself.

With --images, reap also removes the images testbed built for the projects
it reaps in this same run (by their testbed.project label), when no container
of any project uses them; never another project's image, and none at all
while any run on this host holds a project's lock. The
built-in server image, shared by every project, is left; 'down --rmi' of the
last project that uses it removes it.`,
		Example: `  testbed reap --dry-run
  testbed reap ci-1234 ci-1235  # only these projects
  testbed reap --older-than 2h
  testbed reap --images        # also the images of the projects reaped`,
		Args: projectArgs,
		RunE: func(cmd *cobra.Command, projects []string) error {
			ctx := cmd.Context()
			cores, err := project.OpenAll(ctx, a.options())
			if err != nil {
				return err
			}
			for _, c := range cores {
				defer c.Close()
				reaped, err := c.Reap(ctx, project.ReapOptions{DryRun: dryRun, OlderThan: olderThan, Projects: projects})
				a.printReaped(reaped, dryRun)
				if err != nil {
					return err
				}
				if images {
					removed, err := c.ReapImages(ctx, reaped, dryRun)
					for _, r := range removed {
						fmt.Fprintf(a.io.Out, "image %s: of a reaped project, unused\n", r)
					}
					if err != nil {
						return err
					}
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "list what would be removed")
	cmd.Flags().BoolVar(&images, "images", false, "also remove the images testbed built for the projects this run reaps, and the built-in server image, when no container uses them and no up is in flight")
	cmd.Flags().DurationVar(&olderThan, "older-than", 0, "also remove projects of other hosts older than this")
	return cmd
}

// printReaped lists each reaped project, why, and what of it went (or,
// with --dry-run, would go): its resources and state directories.
func (a *app) printReaped(reaped []project.Reaped, dryRun bool) {
	verb := "removed"
	if dryRun {
		verb = "would remove"
	}
	for _, r := range reaped {
		fmt.Fprintf(a.io.Out, "%s: %s\n", r.Project, printable.Line(r.Why))
		for _, res := range r.Resources {
			fmt.Fprintf(a.io.Out, "  %s %s %s\n", verb, res.Kind, printable.Line(res.Name))
		}
		for _, d := range r.Dirs {
			fmt.Fprintf(a.io.Out, "  %s state directory %s (the project CA and its key)\n", verb, printable.Line(d))
		}
	}
}

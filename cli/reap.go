package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/engine/docker"
	"github.com/testbed-dev/testbed/lifecycle"
	"github.com/testbed-dev/testbed/owner"
)

func (a *app) reapCommand() *cobra.Command {
	var dryRun, images bool
	var olderThan time.Duration
	cmd := &cobra.Command{
		Use:   "reap",
		Short: "Remove the resources of runs whose owner is gone, in every project",
		Long: `reap finds every testbed container on the engine by label and removes the
projects whose run is dead: the process that made them (host, pid and start
time in the testbed.owner label) is gone from this host and the project was
not left up on purpose by a finished 'testbed up' (which marks it on the
engine with a testbed.kept volume; 'testbed down' removes it). A live run's
project is never touched. With --older-than, projects made
on other hosts (a remote engine) older than that are taken too.

reap also clears the state directories of local-driver projects whose
supervisor process is gone (killed, crashed, or the machine rebooted). A
supervisor whose state directory is removed stops by itself.`,
		Example: `  testbed reap --dry-run
  testbed reap --older-than 2h
  testbed reap --images        # also old built-in and spec images no container uses`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if err := a.reapLocal(dryRun); err != nil {
				return err
			}
			drv, err := a.engineFor(ctx, docker.Options{})
			if err != nil || drv == nil {
				return err
			}
			defer drv.Close()
			list, err := drv.Resources(ctx, "")
			if err != nil {
				return err
			}
			// A project is reaped only when it was not left up on
			// purpose and every one of its resources belongs to a dead
			// run.
			dead := map[string]string{}
			live := map[string]bool{}
			checked := map[string]bool{} // projects whose state directory was read
			for _, r := range list {
				if r.Kept {
					live[r.Project] = true
				}
				if !live[r.Project] && !checked[r.Project] {
					checked[r.Project] = true
					live[r.Project] = a.recordedHere(r)
				}
			}
			for _, r := range list {
				why, isDead := deadRun(r, olderThan)
				if isDead && !live[r.Project] {
					dead[r.Project] = why
				} else {
					live[r.Project] = true
					delete(dead, r.Project)
				}
			}
			for project, why := range dead {
				fmt.Fprintf(a.io.Out, "%s: %s\n", project, why)
				if dryRun {
					continue
				}
				if err := drv.Remove(ctx, lifecycle.RemoveOptions{Project: project}); err != nil {
					return fmt.Errorf("reap %s: %w", project, err)
				}
			}
			if images {
				removed, err := drv.RemoveUnusedImages(ctx, dryRun)
				for _, r := range removed {
					fmt.Fprintf(a.io.Out, "image %s: unused\n", r)
				}
				if err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "list what would be removed")
	cmd.Flags().BoolVar(&images, "images", false, "also remove the images testbed built that no container uses (old content hashes pile up)")
	cmd.Flags().DurationVar(&olderThan, "older-than", 0, "also remove projects of other hosts older than this")
	return cmd
}

// recordedHere reports whether this state directory records r's project as
// left up with r's spec: how a project left up before the engine marker
// existed is known.
func (a *app) recordedHere(r docker.Resource) bool {
	dir, err := a.stateDir(r.Project)
	if err != nil {
		return false
	}
	_, err = endpoints.Read(dir)
	return err == nil && r.SpecHash != "" && endpoints.ReadSpecHash(dir) == r.SpecHash
}

// deadRun decides whether a resource belongs to a dead run, and says why.
func deadRun(r docker.Resource, olderThan time.Duration) (string, bool) {
	o, err := owner.Parse(r.Owner)
	if err != nil {
		return "", false
	}
	alive, local := o.Alive()
	if !local {
		if age := time.Since(r.Created); olderThan > 0 && !r.Created.IsZero() && age > olderThan {
			return fmt.Sprintf("made on host %s %s ago (older than %s)", o.Host, age.Round(time.Second), olderThan), true
		}
		return "", false
	}
	if alive {
		return "", false
	}
	return fmt.Sprintf("owner pid %d on %s is gone", o.PID, o.Host), true
}

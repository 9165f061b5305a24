package cli

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/testbed-dev/testbed/image"
	"github.com/testbed-dev/testbed/image/push"
	"github.com/testbed-dev/testbed/progress"
	"github.com/testbed-dev/testbed/project"
)

// pushFlags are build's flags for --push.
type pushFlags struct {
	repository string
	arch       string
	insecure   bool
}

func (a *app) buildCommand() *cobra.Command {
	var noCache, pull bool
	var pf pushFlags
	cmd := &cobra.Command{
		Use:   "build [SERVER...]",
		Short: "Build the images of the spec's servers (nothing that is already built), or push the built-in image to a registry",
		Long: `build makes every image the servers need: the built-in server image (from
testbed's own static binary, no base image, no registry) and each Dockerfile
build, tagged with a hash of everything that goes into it, so an unchanged
spec builds nothing.

build --push REPOSITORY makes the built-in server image and pushes it to a
registry, for clusters that pull it (the kubernetes driver's
TESTBED_K8S_IMAGE), as REPOSITORY/builtin:<hash>, with the same hash as the
Docker engine's copy. It needs no Docker engine and no docker command, and
pushes that image only: not the spec's build: servers, nor any other. It
prints the pushed reference with its digest; credentials are the ones
'docker login' keeps (~/.docker/config.json, or $DOCKER_CONFIG). A registry
on localhost, a loopback or private address, or a .local name is spoken to
in plain HTTP; --insecure does so for any other.`,
		Example: `  testbed build
  testbed -f testbed.yaml build app --no-cache
  testbed build --push 127.0.0.1:5000/testbed
  testbed build --push registry.example:5000/ci/testbed --arch arm64`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if pf.repository != "" {
				if len(args) > 0 || noCache || pull {
					return usagef("build --push pushes the built-in image only: it takes no SERVER, --no-cache or --pull")
				}
				return a.pushBuiltin(cmd.Context(), pf)
			}
			if cmd.Flags().Changed("arch") || pf.insecure {
				return usagef("--arch and --insecure go with --push")
			}
			s, err := a.load(cmd.Context(), args)
			if err != nil {
				return err
			}
			o := a.options()
			o.Driver, o.NoCache, o.Pull = "docker", noCache, pull
			c, err := a.open(cmd.Context(), o)
			if err != nil {
				return err
			}
			defer c.Close()
			images, err := c.Build(cmd.Context(), s, a.sink())
			if err != nil {
				return err
			}
			for _, im := range images {
				fmt.Fprintf(a.io.Out, "%s\t%s\n", im.Server, im.Image)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&noCache, "no-cache", false, "rebuild even when an image with the same content hash exists")
	cmd.Flags().BoolVar(&pull, "pull", false, "allow pulling base images that are not on the engine")
	cmd.Flags().StringVar(&pf.repository, "push", "", "make the built-in server image and push it to the registry `REPOSITORY` (e.g. 127.0.0.1:5000/testbed) as REPOSITORY/builtin:<hash>, with no Docker engine; the spec's build: servers are not pushed")
	cmd.Flags().StringVar(&pf.arch, "arch", runtime.GOARCH, "with --push: the `ARCH` of the cluster's nodes ("+strings.Join(image.Arches(), ", ")+"); the server binary is cross-compiled when it differs from this machine's")
	cmd.Flags().BoolVar(&pf.insecure, "insecure", false, "with --push: plain HTTP to the registry, whatever its name (localhost, loopback and private addresses and .local names get it anyway)")
	a.allowHostMountsFlag(cmd)
	return cmd
}

// pushBuiltin makes the built-in server image for pf.arch and pushes it to
// pf.repository: the result on stdout, progress and a hint on stderr.
func (a *app) pushBuiltin(ctx context.Context, pf pushFlags) error {
	// Both checked before a binary is built or the registry called.
	if err := push.CheckRepository(pf.repository); err != nil {
		return usagef("--push: %v", err)
	}
	if !slices.Contains(image.Arches(), pf.arch) {
		return usagef("--arch %q: want one of %s", pf.arch, strings.Join(image.Arches(), ", "))
	}
	sink, start := a.sink(), time.Now()
	event := func(phase string) func(string, ...any) {
		return func(format string, args ...any) {
			sink.Event(progress.Event{Time: time.Now(), Server: image.BuiltinName, Phase: phase, Detail: fmt.Sprintf(format, args...), Elapsed: time.Since(start)})
		}
	}
	img, err := project.BuiltinImage(ctx, project.BuiltinImageOptions{Arch: pf.arch, Version: Version, Logf: event(progress.PhaseBuild)})
	if err != nil {
		return err
	}
	event(progress.PhasePush)("%s", img.TagIn(pf.repository))
	res, err := push.Builtin(ctx, img, push.Options{Repository: pf.repository, Insecure: pf.insecure})
	if err != nil {
		return err
	}
	event(progress.PhaseReady)("pushed %s", res)
	fmt.Fprintf(a.io.Out, "%s\t%s\n", image.BuiltinName, res)
	a.note("use it with: export TESTBED_K8S_IMAGE=%s", res)
	return nil
}

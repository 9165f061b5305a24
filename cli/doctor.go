package cli

import (
	"context"
	"fmt"
	"net"
	"os"
	"runtime"
	"strings"

	"github.com/moby/moby/client"
	"github.com/spf13/cobra"

	"github.com/testbed-dev/testbed/engine/docker"
	"github.com/testbed-dev/testbed/image"
)

func (a *app) doctorCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "doctor",
		Short: "Check the engine and this machine: reachable, API version, images, ports, rootless",
		Long: `doctor checks what testbed needs and says how to fix what is missing: an engine
that answers (DOCKER_HOST or the default socket), its API version, whether it
runs rootless, the images testbed built, that 127.0.0.1 can be listened on, and
whether a static server binary for the built-in image can be found or built.
It exits 1 when something testbed needs is missing.`,
		Example: "  testbed doctor",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.doctor(cmd.Context())
		},
	}
}

func (a *app) doctor(ctx context.Context) error {
	ok := true
	say := func(good bool, format string, args ...any) {
		mark := "ok  "
		if !good {
			mark = "FAIL"
			ok = false
		}
		fmt.Fprintf(a.io.Out, "[%s] %s\n", mark, fmt.Sprintf(format, args...))
	}
	host := os.Getenv("DOCKER_HOST")
	if host == "" {
		host = "unix:///var/run/docker.sock (default)"
	}
	drv, err := docker.New(ctx, docker.Options{})
	if err != nil {
		say(false, "engine at %s: %v", host, err)
		fmt.Fprintln(a.io.Out, "       fix: start dockerd (e.g. `sudo systemctl start docker`), or set DOCKER_HOST; without an engine use --driver local")
	} else {
		defer drv.Close()
		cli := drv.Client()
		say(true, "engine at %s answers, API %s (negotiated)", host, drv.APIVersion())
		if info, err := cli.Info(ctx, client.InfoOptions{}); err == nil {
			rootless := false
			for _, o := range info.Info.SecurityOptions {
				if strings.Contains(o, "rootless") {
					rootless = true
				}
			}
			say(true, "engine %s on %s/%s, %d CPUs, rootless=%v", info.Info.ServerVersion, info.Info.OSType, info.Info.Architecture, info.Info.NCPU, rootless)
		}
		if br, err := cli.NetworkInspect(ctx, "bridge", client.NetworkInspectOptions{}); err == nil {
			say(true, "IPv6 on the engine's default bridge: %v (testbed publishes on 127.0.0.1)", br.Network.EnableIPv6)
		}
		if imgs, err := cli.ImageList(ctx, client.ImageListOptions{Filters: client.Filters{}.Add("label", docker.LabelImage)}); err == nil {
			var tags []string
			for _, im := range imgs.Items {
				for _, t := range im.RepoTags {
					if t != "<none>:<none>" {
						tags = append(tags, t)
					}
				}
			}
			shown := tags
			if len(shown) > 5 {
				shown = append(shown[:5:5], "...")
			}
			say(true, "testbed images on the engine: %d %s (`testbed reap --images` removes the unused ones)", len(tags), strings.Join(shown, " "))
		}
	}
	if l, err := net.Listen("tcp", "127.0.0.1:0"); err != nil {
		say(false, "listen on 127.0.0.1: %v", err)
	} else {
		l.Close()
		say(true, "127.0.0.1 can be listened on")
	}
	arch := runtime.GOARCH
	if drv != nil && drv.Arch() != "" {
		arch = drv.Arch()
	}
	if bin, err := image.ServerBinary(ctx, image.BinaryOptions{Arch: arch}); err != nil {
		say(false, "static linux/%s server binary for the built-in image: %v", arch, err)
	} else {
		say(true, "static linux/%s server binary for the built-in image: %s", arch, bin)
	}
	if !ok {
		return &exitError{code: ExitFailure}
	}
	return nil
}

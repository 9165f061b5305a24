package docker

import (
	"context"
	"os"
	"strings"

	"github.com/moby/moby/client"
)

// Doctor checks the engine for `testbed doctor`, saying each finding; it
// returns the engine's architecture ("" when no engine answers).
func Doctor(ctx context.Context, say func(ok bool, format string, args ...any)) string {
	host := os.Getenv("DOCKER_HOST")
	if host == "" {
		host = "unix:///var/run/docker.sock (default)"
	}
	drv, err := New(ctx, Options{})
	if err != nil {
		say(false, "engine at %s: %v\n       fix: start dockerd (e.g. `sudo systemctl start docker`), or set DOCKER_HOST; without an engine use --driver local", host, err)
		return ""
	}
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
	if imgs, err := cli.ImageList(ctx, client.ImageListOptions{Filters: client.Filters{}.Add("label", LabelImage)}); err == nil {
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
	return drv.Arch()
}

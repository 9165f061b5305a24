package cli

import (
	"context"
	"fmt"
	"net"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/testbed-dev/testbed/image"
	"github.com/testbed-dev/testbed/project"
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
	engineArch := project.Doctor(ctx, say)
	if l, err := net.Listen("tcp", "127.0.0.1:0"); err != nil {
		say(false, "listen on 127.0.0.1: %v", err)
	} else {
		l.Close()
		say(true, "127.0.0.1 can be listened on")
	}
	arch := runtime.GOARCH
	if engineArch != "" {
		arch = engineArch
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

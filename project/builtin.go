package project

import (
	"context"

	"github.com/testbed-dev/testbed/engine/docker"
	"github.com/testbed-dev/testbed/image"
)

// BuiltinImageOptions say which built-in server image to describe.
type BuiltinImageOptions struct {
	// Arch is the architecture (a GOARCH name) of the machines that will
	// run the image; "" is this process's.
	Arch string
	// Version is the testbed.version label, as [Options.Version].
	Version string
	// CacheDir is where a server binary built from source is kept; "" is
	// the user cache directory.
	CacheDir string
	// Logf reports a build of the server binary; nil is quiet.
	Logf func(format string, args ...any)
}

// BuiltinImage describes the built-in server image for o.Arch with no
// driver and no engine: the server binary ([image.ServerBinary], built from
// source when needed) with the labels the docker driver gives the image, so
// that its config, ID and tag are those of the image `up` loads into a
// Docker engine of that architecture. `testbed build --push` pushes it.
func BuiltinImage(ctx context.Context, o BuiltinImageOptions) (*image.BuiltinImage, error) {
	bin, err := image.ServerBinary(ctx, image.BinaryOptions{Arch: o.Arch, CacheDir: o.CacheDir, Logf: o.Logf})
	if err != nil {
		return nil, err
	}
	return image.NewBuiltinImage(bin, docker.BuiltinLabels(o.Version))
}

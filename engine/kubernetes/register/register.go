//go:build kubernetes

// Package register adds the kubernetes driver to a front end's registry
// ([project.Options.Drivers]): cmd/testbed and the testbed library import
// it in files with the build constraint kubernetes, so that a default
// build (and the built-in server binary) carries no client-go, and the
// project core never imports it.
package register

import (
	"context"

	"github.com/testbed-dev/testbed/engine"
	"github.com/testbed-dev/testbed/engine/kubernetes"
	"github.com/testbed-dev/testbed/project"
)

// Opener is the kubernetes driver as --driver kubernetes and
// WithDriver("kubernetes") open it.
func Opener() project.Opener {
	return project.Opener{
		Name:      kubernetes.Name,
		Container: true,
		Open: func(ctx context.Context, o project.Options) (engine.Driver, error) {
			return kubernetes.New(ctx, kubernetes.Options{Logger: o.Logger})
		},
	}
}

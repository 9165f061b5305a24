//go:build kubernetes

package main

import (
	"github.com/testbed-dev/testbed/engine/kubernetes/register"
	"github.com/testbed-dev/testbed/project"
)

// drivers are the drivers --driver may name beyond docker and local: the
// kubernetes driver, in a build with the kubernetes tag only (it brings
// client-go; the built-in server binary is built without it).
func drivers() []project.Opener {
	return []project.Opener{register.Opener()}
}

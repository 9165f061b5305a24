//go:build !testbed_server

package main

import (
	"github.com/testbed-dev/testbed/engine/kubernetes/register"
	"github.com/testbed-dev/testbed/project"
)

// drivers are the drivers --driver may name beyond docker and local: the
// kubernetes driver. The built-in server binary is built with the
// testbed_server tag (image/builtin.go), which leaves it and client-go out.
func drivers() []project.Opener {
	return []project.Opener{register.Opener()}
}

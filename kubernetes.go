//go:build !testbed_server

package testbed

import (
	"github.com/testbed-dev/testbed/engine/kubernetes/register"
	"github.com/testbed-dev/testbed/project"
)

// extraDrivers are the drivers WithDriver may name beyond docker and
// local: the kubernetes driver (a build with the testbed_server tag leaves
// it, and client-go, out).
func extraDrivers() []project.Opener {
	return []project.Opener{register.Opener()}
}

//go:build kubernetes

package testbed

import (
	"github.com/testbed-dev/testbed/engine/kubernetes/register"
	"github.com/testbed-dev/testbed/project"
)

// extraDrivers are the drivers WithDriver may name beyond docker and
// local: the kubernetes driver (in a build with the kubernetes tag only).
func extraDrivers() []project.Opener {
	return []project.Opener{register.Opener()}
}

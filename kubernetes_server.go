//go:build testbed_server

package testbed

import "github.com/testbed-dev/testbed/project"

// extraDrivers: none in a build with the testbed_server tag.
func extraDrivers() []project.Opener { return nil }

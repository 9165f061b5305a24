//go:build !kubernetes

package testbed

import "github.com/testbed-dev/testbed/project"

// extraDrivers: none without the kubernetes tag.
func extraDrivers() []project.Opener { return nil }

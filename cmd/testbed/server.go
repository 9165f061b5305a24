//go:build !kubernetes

package main

import "github.com/testbed-dev/testbed/project"

// drivers: none beyond docker and local in the server binary.
func drivers() []project.Opener { return nil }

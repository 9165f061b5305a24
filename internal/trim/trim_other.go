//go:build !linux

package trim

// ExecutablePages does nothing outside Linux.
func ExecutablePages() {}

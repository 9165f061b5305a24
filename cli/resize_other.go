//go:build !unix

package cli

// onResize does nothing where there is no SIGWINCH; the next event redraws
// at the new size.
func onResize(func()) {}

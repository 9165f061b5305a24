//go:build unix

package cli

import (
	"os"
	"os/signal"
	"syscall"
)

// onResize calls redraw after each SIGWINCH, for the life of the process
// (the display lives as long as the command).
func onResize(redraw func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGWINCH)
	go func() {
		for range ch {
			redraw()
		}
	}()
}

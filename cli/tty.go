package cli

import (
	"io"
	"os"

	"golang.org/x/term"

	"github.com/testbed-dev/testbed/progress"
)

// newTTY is the live display on w, sized from the terminal w is, and
// redrawn whenever that terminal is resized.
func newTTY(w io.Writer) *progress.TTY {
	t := &progress.TTY{W: w}
	f, ok := w.(*os.File)
	if !ok {
		return t
	}
	fd := int(f.Fd())
	t.Size = func() (int, int) {
		cols, lines, err := term.GetSize(fd)
		if err != nil {
			return 0, 0
		}
		return cols, lines
	}
	onResize(t.Redraw)
	return t
}

// Command screencap runs a testbed command on a pseudo-terminal, reads its
// output through a terminal emulator (the one the pty tests use), and
// prints the final screen as text: how the README's captured screens are
// made.
//
//	go build -o /tmp/testbed ./cmd/testbed
//	go run ./internal/screencap -bin /tmp/testbed -cols 80 -rows 24 -- up
//
// The command's stdout (the endpoints table) goes to this program's stderr,
// so the screen holds what a person sees of `testbed up > endpoints`.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/creack/pty"
	"github.com/hinshun/vt10x"
)

func main() {
	bin := flag.String("bin", "testbed", "the testbed binary")
	cols := flag.Int("cols", 80, "terminal columns")
	rows := flag.Int("rows", 24, "terminal lines")
	flag.Parse()
	if err := capture(*bin, *cols, *rows, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "screencap:", err)
		os.Exit(1)
	}
}

func capture(bin string, cols, rows int, args []string) error {
	vt := vt10x.New(vt10x.WithSize(cols, rows))
	cmd := exec.Command(bin, args...)
	cmd.Stdout = os.Stderr
	cmd.Env = append(os.Environ(), "TERM=xterm")
	ptm, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: uint16(cols), Rows: uint16(rows)})
	if err != nil {
		return err
	}
	defer ptm.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 4096)
		for {
			n, err := ptm.Read(buf)
			vt.Write(buf[:n])
			if err != nil {
				return
			}
		}
	}()
	runErr := cmd.Wait()
	<-done
	var lines []string
	for _, l := range strings.Split(vt.String(), "\n") {
		lines = append(lines, strings.TrimRight(l, " "))
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	fmt.Println(strings.Join(lines, "\n"))
	return runErr
}

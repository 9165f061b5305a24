package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/spf13/cobra"

	"github.com/testbed-dev/testbed/internal/printable"
	"github.com/testbed-dev/testbed/project"
)

func (a *app) logsCommand() *cobra.Command {
	var follow bool
	cmd := &cobra.Command{
		Use:   "logs [SERVER...]",
		Short: "Print the servers' output (stdout to stdout, stderr to stderr)",
		Long: `logs prints servers' output: the containers', or with the local driver each
server's log file in the project's state directory (logs/SERVER.log).

With one server its output is printed as it is. With none (every server of the
project) or several, each line starts with the server's name, like
"http  | ...", and each server's output comes in one piece; with --follow the
servers' new lines are printed as they come.

logs prints what the servers wrote, unmasked: a password a server echoes is
shown as it is. Everything else testbed prints (progress, errors and the log
tails in them, ps, config) masks the spec's secrets.`,
		Example: `  testbed logs http
  testbed logs                  # every server, lines prefixed with its name
  testbed logs --follow ftp imap`,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if err := fileNotFollow(cmd, a.g.file); err != nil {
				return err
			}
			c, name, err := a.openProject(ctx)
			if err != nil {
				return err
			}
			defer c.Close()
			logs := func(ctx context.Context, server string, out, errw io.Writer) error {
				return c.Logs(ctx, name, server, project.LogOptions{Follow: follow, Stdout: out, Stderr: errw})
			}
			if len(args) == 0 {
				if args, err = c.Servers(ctx, name); err != nil {
					return err
				}
			}
			if len(args) == 1 {
				return logs(ctx, args[0], a.io.Out, a.io.Err)
			}
			return a.prefixedLogs(ctx, args, follow, logs)
		},
	}
	cmd.Flags().BoolVar(&follow, "follow", false, "keep printing new output (-f is the global --file, not follow)")
	return cmd
}

// fileNotFollow refuses `logs -f SERVER`: -f is the global --file, and
// cobra cannot give one subcommand its own -f; a -f that names no file
// most likely meant --follow.
func fileNotFollow(cmd *cobra.Command, file string) error {
	if !cmd.Flags().Changed("file") {
		return nil
	}
	if _, err := os.Stat(file); err == nil {
		return nil
	}
	return usagef("-f is the global --file (a spec file), and %q is no file; to follow a server's output use `testbed logs --follow %s`", printable.Line(file), printable.Line(file))
}

// prefixedLogs prints several servers' logs with each line prefixed by its
// server: one server after the other, or all at once when following.
func (a *app) prefixedLogs(ctx context.Context, servers []string, follow bool, logs func(context.Context, string, io.Writer, io.Writer) error) error {
	width := 0
	for _, s := range servers {
		width = max(width, len(s))
	}
	var mu sync.Mutex // one line at a time on the terminal
	one := func(server string) error {
		prefix := fmt.Sprintf("%-*s | ", width, server)
		out, errw := &linePrefixer{mu: &mu, w: a.io.Out, prefix: prefix}, &linePrefixer{mu: &mu, w: a.io.Err, prefix: prefix}
		err := logs(ctx, server, out, errw)
		out.flush()
		errw.flush()
		if err != nil {
			return fmt.Errorf("logs of %s: %w", server, err)
		}
		return nil
	}
	if !follow {
		for _, s := range servers {
			if err := one(s); err != nil {
				return err
			}
		}
		return nil
	}
	errs := make([]error, len(servers))
	var wg sync.WaitGroup
	for i, s := range servers {
		wg.Go(func() { errs[i] = one(s) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// linePrefixer writes whole lines to w, each after prefix, holding mu for
// each line so that lines of several writers never mix.
type linePrefixer struct {
	mu     *sync.Mutex
	w      io.Writer
	prefix string
	part   []byte // the unfinished last line
}

func (l *linePrefixer) Write(p []byte) (int, error) {
	l.part = append(l.part, p...)
	for {
		i := bytes.IndexByte(l.part, '\n')
		if i < 0 {
			return len(p), nil
		}
		if err := l.line(l.part[:i+1]); err != nil {
			return len(p), err
		}
		l.part = l.part[i+1:]
	}
}

// flush writes an unfinished last line, ended.
func (l *linePrefixer) flush() {
	if len(l.part) > 0 {
		l.line(append(l.part, '\n'))
		l.part = nil
	}
}

func (l *linePrefixer) line(b []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, err := io.WriteString(l.w, l.prefix+string(b))
	return err
}

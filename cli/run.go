package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/testbed-dev/testbed/internal/printable"
)

// RunDownTimeout bounds the teardown after `run`'s command, whatever ended it.
const RunDownTimeout = 2 * time.Minute

func (a *app) runCommand() *cobra.Command {
	var f upFlags
	var show bool
	cmd := &cobra.Command{
		Use:   "run [SERVER...] -- ARGV...",
		Short: "Bring the testbed up, run ARGV with the endpoint environment, take it down",
		Long: `run brings the testbed up, runs ARGV (no shell: the words as given) with the
TESTBED_* variables added to its environment, and takes the testbed down
whatever happens. It exits with ARGV's status, or 125 when testbed itself
failed. SIGINT and SIGTERM are passed on to ARGV.

With the local driver the servers run inside this testbed process while
ARGV runs: no supervisor, nothing left behind.

With --reuse, run leases a reusable testbed of the spec instead (a kept
project named reuse-<spec hash>-<n>, the first one no other run holds),
resets its servers to their seeded state, and leaves it up for the next run:
on a warm testbed the start costs milliseconds. 'testbed down --reused' takes
every reusable testbed down.`,
		Example: `  testbed run -- go test ./...
  testbed run http socks -- curl -sS --socks5-hostname 127.0.0.1:1080 http://http.testbed.test/
  testbed run -- sh -c 'curl -s http://$TESTBED_HTTP_80/status/204 -w "%{http_code}\n"'
  testbed run --reuse -- go test ./...   # a warm testbed, fresh state`,
		RunE: func(cmd *cobra.Command, args []string) error {
			at := cmd.ArgsLenAtDash()
			if at < 0 || at == len(args) {
				return &exitError{code: a.fail(usagef("run needs a command after --, like: testbed run -- go test ./..."), ExitRun)}
			}
			return a.run(cmd.Context(), args[:at], args[at:], f, show)
		},
	}
	f.register(cmd)
	a.allowHostMountsFlag(cmd)
	cmd.Flags().BoolVar(&show, "print", true, "print the endpoints table (stderr) before running ARGV (not with --progress quiet)")
	return cmd
}

// fail prints err and returns code, for commands whose own failures have a
// special status.
func (a *app) fail(err error, code int) int {
	fmt.Fprintf(a.io.Err, "testbed: %s\n", printable.Text(err.Error()))
	return code
}

func (a *app) run(ctx context.Context, servers, argv []string, f upFlags, show bool) error {
	// Like a shell: 127 for a command not found, 126 for one that is not
	// executable, before anything is brought up for it.
	if _, err := exec.LookPath(argv[0]); err != nil {
		code := ExitNoCmd
		if errors.Is(err, fs.ErrPermission) {
			code = ExitNoExec
		}
		return &exitError{code: a.fail(fmt.Errorf("run: %s: %w", printable.Line(argv[0]), lookErr(err)), code)}
	}
	s, err := a.load(ctx, servers)
	if err != nil {
		return &exitError{code: a.fail(err, ExitRun)}
	}
	if a.g.project == "" {
		// Each run gets its own project, so runs in parallel never collide.
		s.Project = fmt.Sprintf("%s-run%d", s.Project, os.Getpid())
	}
	r, c, err := a.up(ctx, s, f, false)
	if err != nil {
		return &exitError{code: a.fail(err, ExitRun)}
	}
	defer c.Close()
	if show && a.g.progress != "quiet" {
		saved := a.io.Out
		a.io.Out = a.io.Err
		a.printEndpoints(r.Manifest, false)
		a.io.Out = saved
	}
	code, runErr := runChild(ctx, argv, append(os.Environ(), r.Manifest.Env()...), a.io)
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), RunDownTimeout)
	derr := r.Close(dctx)
	cancel()
	if derr != nil {
		fmt.Fprintf(a.io.Err, "testbed: down: %v\n", derr)
		if runErr == nil && code == 0 {
			return &exitError{code: ExitRun}
		}
	}
	if runErr != nil {
		return &exitError{code: a.fail(runErr, ExitRun)}
	}
	return &exitError{code: code}
}

// lookErr is exec.LookPath's error without the name it repeats.
func lookErr(err error) error {
	var ee *exec.Error
	if errors.As(err, &ee) {
		err = ee.Err
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	if errors.Is(err, exec.ErrNotFound) {
		return errors.New("command not found in $PATH")
	}
	return err
}

// runChild runs argv, passing SIGINT and SIGTERM on to it, and returns its
// exit status (128+signal when a signal ended it).
func runChild(ctx context.Context, argv, env []string, stdio IO) (int, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdio.In, stdio.Out, stdio.Err
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("run %s: %w", argv[0], err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for {
		select {
		case s := <-sigs:
			cmd.Process.Signal(s)
		case err := <-done:
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
					return 128 + int(ws.Signal()), nil
				}
				return ee.ExitCode(), nil
			}
			if err != nil {
				return 0, fmt.Errorf("run %s: %w", argv[0], err)
			}
			return 0, nil
		}
	}
}

// Package cli is the testbed command line: cobra commands that parse flags,
// call the packages that do the work, and map errors to exit codes.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	"github.com/testbed-dev/testbed/internal/printable"
	"github.com/testbed-dev/testbed/internal/redact"
	"github.com/testbed-dev/testbed/project"
)

// Version is testbed's version, set at build time with -ldflags "-X".
var Version = "0.1.0-dev"

// IO is where a command reads and writes.
type IO struct {
	In  io.Reader
	Out io.Writer // results: tables, JSON, env
	Err io.Writer // diagnostics and progress
}

// globals are the flags every command takes.
type globals struct {
	file     string
	project  string
	driver   string
	progress string
	logLevel string
	stateDir string
	verbose  bool // after a failure, the engine's detail for each server

	profiles   []string // compose profiles
	publishAll bool     // compose: keep 0.0.0.0 host IPs

	allowHostMounts bool // --allow-host-mounts (up, run, config, build)
}

// app is one invocation of the CLI.
type app struct {
	io  IO
	g   globals
	log *slog.Logger
	// drivers are the drivers beyond docker and local (Main's).
	drivers []project.Opener
	// started: cobra found a command and parsed its flags and arguments
	// (the persistent pre-run ran); an error before that is a usage error.
	started bool
	// red masks secrets in the error Main prints and in ps: the loaded
	// spec's (set by load), else by shape only (nil).
	red *redact.Redactor
}

// Main runs the CLI with args and returns the exit status.
// Drivers are drivers added to --driver beyond docker and local (the
// kubernetes driver, which cmd/testbed adds when built with the
// kubernetes tag).
func Main(ctx context.Context, args []string, stdio IO, drivers ...project.Opener) int {
	a := &app{io: stdio, drivers: drivers}
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetIn(stdio.In)
	root.SetOut(stdio.Out)
	root.SetErr(stdio.Err)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	if !a.started {
		// An unknown command, or flags and arguments cobra refused.
		err = &usageError{err}
	}
	var ee *exitError
	if !errors.As(err, &ee) {
		// Masked and escaped: an error may quote a spec's bytes or a
		// server's log.
		fmt.Fprintf(stdio.Err, "testbed: %s\n", printable.Text(a.readable(a.red.String(err.Error()))))
	}
	code := exitCode(err)
	var se *SignalError
	if _, isExit := err.(*exitError); !isExit && errors.As(context.Cause(ctx), &se) {
		code = 128 + int(se.Signal)
	} else if code == ExitSIGINT && ctx.Err() == nil {
		code = ExitFailure
	}
	return code
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "testbed",
		Short: "Throwaway network servers for integration tests",
		Long: `testbed brings up a set of throwaway network servers for integration tests
(HTTP/HTTPS, HTTP proxy, SOCKS5, FTP, IMAP, echo/daytime/discard/chargen, and
any server you describe), waits until every one really answers, prints their
addresses and a CA, and removes everything afterwards.

With no spec file it runs the built-in default testbed: one server of every
built-in kind (see 'testbed servers').`,
		Example: `  testbed run -- go test ./...        # up, run the tests with TESTBED_* set, down
  testbed up && testbed env --json     # bring up, then read the endpoints
  testbed -f testbed.yaml up web       # one server (and what it depends on)
  testbed down                         # remove every container and network`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			a.started = true
			return a.setup()
		},
	}
	f := root.PersistentFlags()
	f.StringVarP(&a.g.file, "file", "f", "", "spec file or directory (default ./testbed.yaml, then ./testbed.yml, then ./testbed.json, else the built-in default testbed)")
	f.StringVarP(&a.g.project, "project", "p", "", "project name (env TESTBED_PROJECT; default from the spec's name or the directory)")
	f.StringVar(&a.g.driver, "driver", "", a.driverUsage())
	f.StringVar(&a.g.progress, "progress", "auto", "progress output: auto|tty|plain|json|quiet")
	f.StringVar(&a.g.logLevel, "log-level", "warn", "log level: debug|info|warn|error")
	f.BoolVarP(&a.g.verbose, "verbose", "v", false, "after a failed up, also print each server's error in full, in the engine's words")
	f.StringVar(&a.g.stateDir, "state-dir", "", "where endpoints.json and the CA are kept (default $XDG_STATE_HOME/testbed)")
	f.StringArrayVar(&a.g.profiles, "profile", nil, "compose files: enable this profile (repeatable)")
	f.BoolVar(&a.g.publishAll, "publish-all-interfaces", false, "compose files: publish on the host IPs the file gives, even 0.0.0.0 (default: 127.0.0.1)")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	root.AddCommand(
		a.upCommand(), a.downCommand(), a.buildCommand(), a.cleanCommand(), a.psCommand(),
		a.logsCommand(), a.execCommand(), a.envCommand(), a.runCommand(), a.reapCommand(),
		a.configCommand(), a.doctorCommand(), a.serversCommand(), a.serveCommand(), a.versionCommand(),
		a.superviseCommand(),
		a.forwardCommand(), a.controlCommand(),
	)
	return root
}

func (a *app) setup() error {
	if a.g.project == "" {
		a.g.project = os.Getenv("TESTBED_PROJECT")
	}
	if a.g.driver == "" {
		a.g.driver = os.Getenv("TESTBED_DRIVER")
	}
	if a.g.driver == "" {
		a.g.driver = "auto"
	}
	if !a.knownDriver(a.g.driver) {
		return usagef("--driver %q: want %s", a.g.driver, project.DriverNames(a.drivers))
	}
	switch a.g.progress {
	case "auto", "tty", "plain", "json", "quiet":
	default:
		return usagef("--progress %q: want auto, tty, plain, json or quiet", a.g.progress)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(a.g.logLevel)); err != nil {
		return usagef("--log-level %q: want debug, info, warn or error", a.g.logLevel)
	}
	a.log = slog.New(slog.NewTextHandler(a.io.Err, &slog.HandlerOptions{Level: level}))
	return nil
}

// engineCall is the Engine API request an engine client's error quotes
// (`error during connect: Post "http://%2Fvar%2Frun%2Fdocker.sock/v1.41/..."`).
var engineCall = regexp.MustCompile(`(error during connect: )?[A-Za-z]+ "(http|https|unix|npipe)://[^"]*": `)

// readable is an error message in testbed's words: the Engine API
// requests it quotes are left out unless --verbose.
func (a *app) readable(msg string) string {
	if a.g.verbose {
		return msg
	}
	return engineCall.ReplaceAllString(msg, "")
}

// bindLocal reports whether ports are published host = container, from the
// flag or the environment (TESTSERVER_BIND_LOCAL for compatibility).
func bindLocal(flag bool) bool {
	if flag {
		return true
	}
	for _, v := range []string{"TESTBED_BIND_LOCAL", "TESTSERVER_BIND_LOCAL"} {
		if _, ok := os.LookupEnv(v); ok {
			return true
		}
	}
	return false
}

// noArgs refuses positional arguments with exit 2.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("%s takes no arguments (got %s)", cmd.CommandPath(), strings.Join(args, " "))
	}
	return nil
}

// exactArgs wants n positional arguments.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usagef("%s takes %d argument(s), got %d (see --help)", cmd.CommandPath(), n, len(args))
		}
		return nil
	}
}

// knownDriver reports whether --driver may name d.
func (a *app) knownDriver(d string) bool {
	switch d {
	case "auto", "docker", "local":
		return true
	}
	for _, o := range a.drivers {
		if o.Name == d {
			return true
		}
	}
	return false
}

// driverUsage is the --driver flag's help.
func (a *app) driverUsage() string {
	names := "auto|docker|local"
	for _, o := range a.drivers {
		names += "|" + o.Name
	}
	return names + " (env TESTBED_DRIVER; auto = docker when an engine answers, else local)"
}

// projectArgs wants project names, each a valid one.
func projectArgs(cmd *cobra.Command, args []string) error {
	for _, p := range args {
		if err := project.CheckName(p); err != nil {
			return usagef("%s: %v", cmd.CommandPath(), err)
		}
	}
	return nil
}

// Package local runs testbed's built-in server kinds inside this process, on
// 127.0.0.1, without any container engine. It is the driver behind
// `--driver local` (and `--driver auto` when no engine answers), `testbed run`
// and the Go library's default when Docker is absent.
//
// An [Engine] implements lifecycle.Engine. [Engine.Prepare] refuses a plan
// with a server that needs an image (an image, a Dockerfile, files to copy,
// legacy or compose servers) before anything starts, then binds every port of
// every server at once: random ports on 127.0.0.1, or the container port with
// bind-local. Binding everything up front gives each project one complete,
// read-only destination map for the proxy and socks kinds
// ("web:80" and "web.testbed.test:80" -> "127.0.0.1:49153"), so they reach
// the other servers by their testbed names even when started before them,
// and a port clash fails the plan before any server runs.
//
// [Engine.Start] runs the kind (Kind.Run) in a goroutine with its TLS
// certificate from the project CA and a logger that writes to a per-server
// ring buffer ([Engine.Logs]) and, optionally, to a writer of the caller's
// ([Options.ServerLog]). [Engine.Remove] cancels every server of the project
// and waits for them, so every port is closed when it returns.
package local

import (
	"errors"
	"io"
	"log/slog"
	"sync"
)

// Name is the driver's name in endpoints.
const Name = "local"

// Host is the address servers listen on unless a spec binds another.
const Host = "127.0.0.1"

// DefaultLogLines is how many lines of each server's log are kept in memory.
const DefaultLogLines = 1000

// ErrNeedsEngine is wrapped by the error for a server the local driver cannot
// run: one that needs a container image.
var ErrNeedsEngine = errors.New("needs a container engine (--driver docker)")

// Options configure an Engine. The zero value is usable.
type Options struct {
	// Logger receives the engine's own diagnostics; nil is quiet.
	Logger *slog.Logger
	// LogLevel is the level of the servers' loggers (default Info).
	LogLevel slog.Level
	// LogLines is how many lines of each server's log are kept for LogTail
	// and log probes; 0 means DefaultLogLines.
	LogLines int
	// ServerLog, when set, returns a writer that also receives a server's
	// log (the supervisor writes each to a file). It is called once per
	// server, in Start; a nil writer is allowed.
	ServerLog func(server string) io.Writer
}

// Engine runs built-in kinds in this process. It may hold several projects;
// it is safe for concurrent use.
type Engine struct {
	opts Options
	log  *slog.Logger

	mu       sync.Mutex
	projects map[string]*project
}

// New returns an engine.
func New(o Options) *Engine {
	if o.LogLines <= 0 {
		o.LogLines = DefaultLogLines
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Engine{opts: o, log: log, projects: map[string]*project{}}
}

// Name implements lifecycle.Engine.
func (e *Engine) Name() string { return Name }

// project is one project's servers, all bound in Prepare.
type project struct {
	servers map[string]*server // by server name
}

func (e *Engine) project(name string) *project {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.projects[name]
}

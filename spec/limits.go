package spec

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// Limits every spec is held to at validation, whatever format it came in.
// No real spec comes near them (the largest compose files in public
// repositories have tens of services, environments of a few KiB and port
// ranges of about a hundred), and each keeps the engine call it feeds far
// from where that call stalls or fails: a value past them is refused with
// exit 2 before anything is created. The README's "Limits" section lists
// them with their reasons.
const (
	// MaxServers is the most servers one testbed has. Every server is a
	// container on one project network (a /20 pool holds about 4000
	// addresses) and a few engine calls at up.
	MaxServers = 1000

	// MaxArg is the longest argv element (command, entrypoint, healthcheck
	// and exec probe arguments): a quarter of Linux's MAX_ARG_STRLEN
	// (128 KiB), above which execve fails and the runtime can hang.
	MaxArg = 32 << 10

	// MaxEnvValue is the longest environment value (and build argument).
	MaxEnvValue = 32 << 10

	// MaxExec is the most bytes of a server's argv (command and entrypoint)
	// and environment together, each string counted with its NUL (and an
	// environment entry as NAME=value): half of the 128 KiB every Linux
	// kernel guarantees execve, whatever the stack limit.
	MaxExec = 64 << 10

	// MaxOption is the longest value of a built-in kind's option (also of a
	// label): options become `testbed serve --set` arguments.
	MaxOption = 4 << 10

	// MaxDockerfileLine is the longest line of a Dockerfile, generated ones
	// included (legacy install lists): the builder's parser fails at 64 KiB.
	MaxDockerfileLine = 16 << 10

	// MaxDockerfile is the largest Dockerfile validation reads.
	MaxDockerfile = 1 << 20

	// MaxServerPorts is the most ports one server lists, a range counting
	// as its size: each published port is one engine port binding (and,
	// with the userland proxy, one host process).
	MaxServerPorts = 256

	// MaxPorts is the most ports all servers of a testbed list together.
	MaxPorts = 4096

	// MaxInstallPackages is the most packages a legacy install list names.
	MaxInstallPackages = 256
)

// TooLong is the message for a value longer than limit bytes; every
// loader that refuses a value for its size says it in these words.
func TooLong(what string, n, limit int) string {
	return fmt.Sprintf("%s is %d bytes, longer than the limit of %d (see Limits in the README)", what, n, limit)
}

// TooMany is the message for more than limit items.
func TooMany(what string, n, limit int) string {
	return fmt.Sprintf("%d %s, more than the limit of %d (see Limits in the README)", n, what, limit)
}

// limits checks one server's sizes and counts.
func (v *validator) limits(s *Server) {
	exec := 0
	for i, a := range s.Command {
		v.maxLen(s, fmt.Sprintf("command[%d]", i), "argument", a, MaxArg)
		exec += len(a) + 1
	}
	for i, a := range s.Entrypoint {
		v.maxLen(s, fmt.Sprintf("entrypoint[%d]", i), "argument", a, MaxArg)
		exec += len(a) + 1
	}
	for _, k := range slices.Sorted(maps.Keys(s.Env)) {
		v.maxLen(s, "env."+k, "value", s.Env[k], MaxEnvValue)
		exec += len(k) + 1 + len(s.Env[k]) + 1
	}
	if exec > MaxExec {
		v.errorf(s, "", "%s", TooLong("command, entrypoint and env together", exec, MaxExec))
	}
	for _, k := range slices.Sorted(maps.Keys(s.Options)) {
		v.maxLen(s, "options."+k, "option value", s.Options[k], MaxOption)
	}
	for _, k := range slices.Sorted(maps.Keys(s.Labels)) {
		v.maxLen(s, "labels."+k, "label value", s.Labels[k], MaxOption)
	}
	if h := s.Health; h != nil {
		for i, a := range h.Test {
			v.maxLen(s, fmt.Sprintf("healthcheck.test[%d]", i), "argument", a, MaxArg)
		}
	}
	if b := s.Build; b != nil {
		for _, k := range slices.Sorted(maps.Keys(b.Args)) {
			v.maxLen(s, "build.args."+k, "value", b.Args[k], MaxEnvValue)
		}
	}
	if n := countPorts(s.Ports); n > MaxServerPorts {
		v.errorf(s, "ports", "%s", TooMany("ports (a range counts as its size)", n, MaxServerPorts))
	}
}

func (v *validator) maxLen(s *Server, field, what, val string, limit int) {
	if len(val) > limit {
		v.errorf(s, field, "%s", TooLong(what, len(val), limit))
	}
}

// testbedLimits checks the counts over all servers.
func (v *validator) testbedLimits() bool {
	t := v.t
	if len(t.Servers) > MaxServers {
		v.topErr("servers", "%s", TooMany("servers", len(t.Servers), MaxServers))
		return false
	}
	total := 0
	for _, s := range t.Servers {
		if s != nil {
			total += countPorts(s.Ports)
		}
	}
	if total > MaxPorts {
		v.topErr("servers", "%s", TooMany("ports over all servers (a range counts as its size)", total, MaxPorts))
	}
	return true
}

// countPorts counts ports, a range as its size (an invalid range as 1).
func countPorts(ports []Port) int {
	n := 0
	for _, p := range ports {
		if p.End > p.Port && p.End <= 65535 && p.Port >= 1 {
			n += p.End - p.Port + 1
		} else {
			n++
		}
	}
	return n
}

// dockerfile checks a Dockerfile's text: no line longer than
// MaxDockerfileLine, and no LABEL in testbed's namespace. It never quotes
// the text: a Dockerfile that is a link to a secret must not leak it.
func (v *validator) dockerfile(s *Server, field string, r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), MaxDockerfileLine+1)
	line := 0
	for sc.Scan() {
		line++
		if msg := instructionProblem(sc.Text()); msg != "" {
			v.errorf(s, field, "Dockerfile line %d: %s", line, msg)
		}
	}
	if err := sc.Err(); err == bufio.ErrTooLong {
		v.errorf(s, field, "Dockerfile line %d is longer than the limit of %d bytes (see Limits in the README)", line+1, MaxDockerfileLine)
	} else if err != nil {
		v.errorf(s, field, "read Dockerfile: %s", pathErrText(err))
	}
}

// CheckDockerfileLine returns why validation refuses one Dockerfile line,
// or "": longer than MaxDockerfileLine, a LABEL in testbed's namespace, a
// COPY or ADD source that leaves the context. Loaders that take
// Dockerfile lines (legacy docker_build_command) refuse them with it, in
// the same words.
func CheckDockerfileLine(line string) string {
	if len(line) > MaxDockerfileLine {
		return TooLong("Dockerfile line", len(line), MaxDockerfileLine)
	}
	return instructionProblem(line)
}

// instructionProblem returns why validation refuses a Dockerfile line, or
// "": a LABEL in testbed's namespace, or a COPY or ADD source that leaves
// the build context (the builder would fail only after the engine was
// touched).
func instructionProblem(line string) string {
	f := strings.Fields(line)
	if len(f) < 2 {
		return ""
	}
	switch strings.ToUpper(f[0]) {
	case "LABEL":
		for _, w := range f[1:] {
			k := strings.Trim(strings.SplitN(w, "=", 2)[0], `"'`)
			if strings.HasPrefix(strings.ToLower(k), "testbed.") {
				return "LABEL keys starting with \"testbed.\" are testbed's own"
			}
		}
	case "COPY", "ADD":
		args := f[1:]
		rest := strings.TrimSpace(line[len(f[0]):])
		for len(args) > 0 && strings.HasPrefix(args[0], "--") {
			rest = strings.TrimSpace(strings.TrimPrefix(rest, args[0]))
			args = args[1:]
		}
		if strings.HasPrefix(rest, "[") {
			var list []string
			if json.Unmarshal([]byte(rest), &list) != nil {
				return ""
			}
			args = list
		}
		if len(args) < 2 {
			return ""
		}
		for _, a := range args[:len(args)-1] {
			if strings.Contains(a, "://") {
				continue // a URL (ADD): not a context path
			}
			if r := path.Clean(a); r == ".." || strings.HasPrefix(r, "../") {
				return fmt.Sprintf("%s source %s leaves the build context", strings.ToUpper(f[0]), Quote(a))
			}
		}
	}
	return ""
}

// dockerfileFile checks the build's Dockerfile on disk (at most
// MaxDockerfile bytes).
func (v *validator) dockerfileFile(s *Server, p string) {
	f, err := os.Open(p)
	if err != nil {
		v.errorf(s, "build.dockerfile", "open Dockerfile: %s", pathErrText(err))
		return
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > MaxDockerfile {
		v.errorf(s, "build.dockerfile", "%s", TooLong("Dockerfile "+Quote(filepath.Base(p)), int(fi.Size()), MaxDockerfile))
		return
	}
	v.dockerfile(s, "build.dockerfile", io.LimitReader(f, MaxDockerfile))
}

package legacy

import (
	"encoding/json"
	"strings"

	"github.com/testbed-dev/testbed/image"
	"github.com/testbed-dev/testbed/spec"
)

// recipe is what goes into a server's generated Dockerfile.
type recipe struct {
	from       string   // base image reference
	maintainer string   // "" for no label
	update     bool     // RUN apt-get update
	install    []string // checked Debian package names
	build      []string // checked docker_build_command lines
}

// dockerfile writes the recipe as Dockerfile text. Package installs use the
// exec form, so no shell ever parses a package name; the build lines follow
// verbatim. Files are not here: the image builder adds them through the
// build context where the FilesMarker line stands, so the copied files exist
// before the build lines run, as in the old scripts.
func (r recipe) dockerfile() string {
	var b strings.Builder
	b.WriteString("FROM " + r.from + "\n")
	if r.maintainer != "" {
		b.WriteString("LABEL maintainer=" + dockerQuote(r.maintainer) + "\n")
	}
	if r.update || len(r.install) > 0 {
		// A build argument, not ENV: no debconf prompt can stall the build,
		// and the running server's environment stays the image's own.
		b.WriteString("ARG DEBIAN_FRONTEND=noninteractive\n")
	}
	switch {
	case r.update && len(r.install) > 0:
		// One layer, so the package lists are never older than the
		// install that uses them. The shell runs testbed's constant script
		// only; the package names reach apt-get as arguments ("$@"), never
		// as script text.
		b.WriteString(execForm("RUN", append([]string{"/bin/sh", "-c", updateInstallScript, "sh"}, r.install...)...))
	case r.update:
		b.WriteString(execForm("RUN", "apt-get", "update"))
	case len(r.install) > 0:
		b.WriteString(execForm("RUN", append([]string{"apt-get", "install", "-y", "--"}, r.install...)...))
	}
	b.WriteString(image.FilesMarker + "\n")
	for _, l := range r.build {
		b.WriteString(l + "\n")
	}
	return b.String()
}

// updateInstallScript updates apt's lists and installs the packages given
// as its arguments, in one RUN.
const updateInstallScript = `apt-get update && exec apt-get install -y -- "$@"`

// execForm writes an instruction in JSON (exec) form.
func execForm(instr string, argv ...string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // "&&" stays readable; the builder reads JSON either way
	_ = enc.Encode(argv)     // strings always marshal; Encode ends with a newline
	return instr + " " + b.String()
}

// dockerQuote writes s as a double-quoted Dockerfile word: inside double
// quotes the builder takes every character literally except \, " and $,
// which are escaped here (so no variable is substituted). s has no control
// characters: the caller checked it.
func dockerQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		if r == '\\' || r == '"' || r == '$' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

// checkBuildLine returns why a docker_build_command entry is refused, or "".
// The lines are trusted Dockerfile text, but testbed builds offline from a
// local base image, so nothing may start another stage or fetch from the
// network, and each entry must be exactly one line.
func checkBuildLine(line string) string {
	if strings.ContainsAny(line, "\x00\r\n") {
		return "one Dockerfile line per entry: NUL, CR and newline are not allowed"
	}
	if err := checkLine(line); err != nil {
		return err.Error()
	}
	if msg := spec.CheckDockerfileLine(line); msg != "" {
		return msg
	}
	t := strings.TrimSpace(line)
	if t == "" || strings.HasPrefix(t, "#") {
		return ""
	}
	if strings.HasSuffix(t, `\`) {
		return "line continuations (a trailing \\) are not allowed: give each instruction as one entry"
	}
	return checkInstruction(t)
}

// checkInstruction checks one instruction line (also the one after ONBUILD).
func checkInstruction(t string) string {
	words := strings.Fields(t)
	if len(words) == 0 {
		return ""
	}
	instr := strings.ToUpper(words[0])
	rest := strings.ToLower(strings.TrimSpace(t[len(words[0]):]))
	switch instr {
	case "ONBUILD":
		return checkInstruction(strings.TrimSpace(t[len(words[0]):]))
	case "FROM":
		return "FROM is not allowed: the base image comes from \"version\" or \"image\""
	case "ADD":
		if strings.Contains(rest, "://") || strings.Contains(rest, "git@") {
			return "ADD of a URL is not allowed: testbed builds offline; use \"copy\" for files"
		}
		fallthrough
	case "COPY":
		for _, w := range words[1:] {
			if strings.HasPrefix(strings.ToLower(w), "--from") {
				return instr + " --from is not allowed: it can pull an image"
			}
		}
	case "RUN":
		if strings.Contains(rest, "--mount") && strings.Contains(rest, "from=") {
			return "RUN --mount with from= is not allowed: it can pull an image"
		}
	}
	return ""
}

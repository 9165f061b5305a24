package legacy

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/testbed-dev/testbed/spec"
)

// ConfigName is the file name of every legacy config, base or server.
const ConfigName = "config.json"

// maxConfigSize bounds one config.json.
const maxConfigSize = 1 << 20

// Ensure probe argv around the "ensure" words, as the old script ran it.
const (
	ensureCommand = "/post_startup.py"
	ensureCount   = "60"
)

// Load reads the legacy directory dir: an optional base dir/config.json and
// one folder per server with its own config.json. Every problem is a
// *spec.Error (errors.Is(err, spec.ErrInvalid)); several are joined.
func Load(dir string) (*spec.Testbed, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("legacy directory %s: %w", dir, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, &spec.Error{File: abs, Msg: fmt.Sprintf("legacy directory: %v", unwrapPath(err))}
	}
	if !st.IsDir() {
		return nil, &spec.Error{File: abs, Msg: "not a directory"}
	}

	var p problems
	base := &config{lines: map[string]int{}}
	if data, found, err := readConfig(filepath.Join(abs, ConfigName)); err != nil {
		p.Add(err)
	} else if found {
		if c, err := parseConfig(filepath.Join(abs, ConfigName), data, ""); err != nil {
			p.Add(err)
		} else {
			base = c
		}
	}

	folders, err := serverFolders(abs)
	if err != nil {
		return nil, err
	}
	type entry struct {
		name string
		dir  string
		cfg  *config
	}
	var servers []entry
	for _, folder := range folders {
		file := filepath.Join(abs, folder, ConfigName)
		data, _, err := readConfig(file)
		if err != nil {
			p.Add(err)
			continue
		}
		c, err := parseConfig(file, data, folder)
		if err != nil {
			p.Add(err)
			continue
		}
		name := folder
		if c.module != "" {
			name = c.module
		} else if !spec.IsDNSLabel(folder) {
			p.add(file, 0, folder, "", "folder name %s is not a DNS label (a-z, 0-9 and '-', at most 63): set \"module\" to name the server", quote(folder))
			continue
		}
		if i := slices.IndexFunc(servers, func(e entry) bool { return e.name == name }); i >= 0 {
			p.add(file, c.lines[keyModule], name, keyModule, "server name %s is also used by %s", quote(name), servers[i].cfg.file)
			continue
		}
		servers = append(servers, entry{name: name, dir: filepath.Join(abs, folder), cfg: c})
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	if len(servers) == 0 {
		return nil, &spec.Error{File: abs, Msg: "no server folders: want <dir>/<server>/" + ConfigName}
	}

	tb := &spec.Testbed{Domain: spec.DefaultDomain, Source: abs, Format: spec.FormatLegacy}
	if base.domain != "" {
		tb.Domain = base.domain
		if line, ok := base.lines[keyDomain]; ok {
			tb.Lines = spec.Lines{"domain": line}
		}
	}
	for _, e := range servers {
		s := server(e.name, e.dir, base, e.cfg)
		if s.Build.BaseImage == "" {
			p.add(e.cfg.file, 0, e.name, keyVersion, "no base image: set \"version\" (ubuntu:<version>) or \"image\" here or in the base %s", ConfigName)
		}
		tb.Servers = append(tb.Servers, s)
	}
	// Links and backends name other servers: check them now that all are known.
	for _, e := range servers {
		s := tb.Server(e.name)
		for _, ref := range []struct {
			key   string
			names []string
		}{{keyLink, e.cfg.links}, {keyBackend, e.cfg.backends}} {
			for _, n := range ref.names {
				target := tb.Server(n)
				switch {
				case n == e.name:
					p.add(e.cfg.file, e.cfg.lines[ref.key], e.name, ref.key, "a server cannot depend on itself")
				case target == nil:
					p.add(e.cfg.file, e.cfg.lines[ref.key], e.name, ref.key, "no server %s in %s", quote(n), abs)
				default:
					addDependency(s, n)
					if ref.key == keyBackend {
						addAlias(target, n+"."+tb.Domain)
					}
				}
			}
		}
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return tb, nil
}

// server makes one server from the base file and its own config.
func server(name, dir string, base, c *config) *spec.Server {
	var r recipe
	for _, cfg := range []*config{base, c} { // the server's own values win
		switch {
		case cfg.image != "":
			r.from = cfg.image
		case cfg.version != "":
			r.from = "ubuntu:" + cfg.version
		}
		if cfg.maintainer != nil {
			r.maintainer = *cfg.maintainer
		}
		if cfg.update != nil {
			r.update = *cfg.update
		}
		for _, pkg := range cfg.install {
			if !slices.Contains(r.install, pkg) {
				r.install = append(r.install, pkg)
			}
		}
		r.build = append(r.build, cfg.build...)
	}

	s := &spec.Server{
		Name: name,
		Build: &spec.Build{
			Context:   dir,
			Inline:    r.dockerfile(),
			BaseImage: r.from,
		},
		Pos:   spec.Pos{File: c.file, Line: 1},
		Lines: spec.Lines{},
	}
	// Files: the base file's first; a server's copy to the same dst replaces it.
	for _, cfg := range []*config{base, c} {
		for _, cf := range cfg.copies {
			s.Files = slices.DeleteFunc(s.Files, func(f spec.File) bool { return f.Dst == cf.Dst })
			s.Files = append(s.Files, cf)
		}
	}
	ports, ensure := base.ports, base.ensure
	if c.ports != nil {
		ports = c.ports
	}
	if c.ensure != nil {
		ensure = c.ensure
	}
	for _, n := range ports {
		s.Ports = append(s.Ports, spec.Port{Port: n, Proto: "tcp"})
	}
	if ensure != nil {
		argv := append([]string{ensureCommand}, ensure...)
		s.Ready = &spec.Probe{Exec: &spec.ExecProbe{Command: append(argv, "-c", ensureCount)}}
	}

	// Lines for later validation messages, from the server's own file only.
	for key, field := range map[string]string{
		keyVersion: "build", keyImage: "build", keyInstall: "build", keyBuild: "build",
		keyCopy: "files", keyPort: "ports", keyEnsure: "ready", keyLink: "depends_on", keyBackend: "depends_on",
		keyModule: "name",
	} {
		if line, ok := c.lines[key]; ok {
			s.Lines[field] = line
		}
	}
	return s
}

// addDependency makes s wait until name is ready, once.
func addDependency(s *spec.Server, name string) {
	if slices.ContainsFunc(s.DependsOn, func(d spec.Dependency) bool { return d.Name == name }) {
		return
	}
	s.DependsOn = append(s.DependsOn, spec.Dependency{Name: name, Condition: spec.ConditionReady})
}

// addAlias gives s one more DNS name, once.
func addAlias(s *spec.Server, alias string) {
	if !slices.Contains(s.Aliases, alias) {
		s.Aliases = append(s.Aliases, alias)
	}
}

// serverFolders lists the folders of dir that hold a config.json, in name
// order.
func serverFolders(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, &spec.Error{File: dir, Msg: fmt.Sprintf("read legacy directory: %v", unwrapPath(err))}
	}
	var out []string
	for _, e := range entries {
		st, err := os.Stat(filepath.Join(dir, e.Name())) // follows symlinked folders
		if err != nil || !st.IsDir() {
			continue
		}
		if st, err := os.Stat(filepath.Join(dir, e.Name(), ConfigName)); err == nil && !st.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out, nil
}

// readConfig reads one config.json; found is false when there is none.
func readConfig(file string) (data []byte, found bool, err error) {
	f, err := os.Open(file)
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, &spec.Error{File: file, Msg: fmt.Sprintf("read: %v", unwrapPath(err))}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, false, &spec.Error{File: file, Msg: fmt.Sprintf("read: %v", unwrapPath(err))}
	}
	if !st.Mode().IsRegular() {
		return nil, false, &spec.Error{File: file, Msg: "not a regular file"}
	}
	data, err = io.ReadAll(io.LimitReader(f, maxConfigSize+1))
	if err != nil {
		return nil, false, &spec.Error{File: file, Msg: fmt.Sprintf("read: %v", unwrapPath(err))}
	}
	if len(data) > maxConfigSize {
		return nil, false, &spec.Error{File: file, Msg: fmt.Sprintf("larger than %d bytes", maxConfigSize)}
	}
	return data, true, nil
}

// unwrapPath drops the path from an *fs.PathError: the message names the
// file already.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

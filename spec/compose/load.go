package compose

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/testbed-dev/testbed/spec"
)

// Options says how to load compose files. The zero value loads them like
// `docker compose` would with no flags and an empty environment.
type Options struct {
	// ProjectName overrides the project name; "" uses the file's name:,
	// COMPOSE_PROJECT_NAME from Env, or the working directory's name.
	ProjectName string
	// WorkingDir is the project directory relative paths resolve against;
	// "" means the first file's directory.
	WorkingDir string
	// Profiles to enable; none means COMPOSE_PROFILES from Env, if set.
	Profiles []string
	// EnvFiles are the files of variables for interpolation; none means
	// WorkingDir/.env when it exists.
	EnvFiles []string
	// Env holds variables for interpolation; they win over the env files.
	// The process environment is not read: pass it here to use it.
	Env map[string]string
	// PublishAllInterfaces keeps the host IPs of published ports as the
	// file says; by default an empty, 0.0.0.0 or :: host IP becomes
	// 127.0.0.1 (or ::1) with a warning.
	PublishAllInterfaces bool
}

// Load reads the compose files at paths (later files override earlier ones,
// as in compose) and maps every enabled service to a [spec.Server]. The
// warnings say what testbed does differently from compose. Problems with
// the files are *spec.Error values (errors.Is(err, spec.ErrInvalid)),
// several joined.
func Load(ctx context.Context, paths []string, opts Options) (tb *spec.Testbed, warnings []Warning, err error) {
	if len(paths) == 0 {
		return nil, nil, &spec.Error{Msg: "no compose file given"}
	}
	abs := make([]string, len(paths))
	for i, p := range paths {
		if abs[i], err = filepath.Abs(p); err != nil {
			return nil, nil, fmt.Errorf("compose file %s: %w", p, err)
		}
	}
	src, err := readSources(abs)
	if err != nil {
		return nil, nil, err
	}
	if err := src.checkV1(abs); err != nil {
		return nil, nil, err
	}
	var (
		project *types.Project
		found   []finding
	)
	logged := captureLogs(func() { project, found, err = loadProject(ctx, abs, opts, src) })
	warnings = src.logWarnings(logged, abs[0])
	if err != nil {
		return nil, warnings, err
	}
	if len(project.Services) == 0 {
		return nil, warnings, profileHint(project, abs[0])
	}
	m := &mapper{project: project, opts: opts, src: src, first: abs[0]}
	m.p.warnings = warnings
	tb = m.testbed(found)
	if err := m.p.Err(); err != nil {
		return nil, m.p.warnings, err
	}
	tb.Source = abs[0]
	return tb, m.p.warnings, nil
}

// loadProject runs compose-go: interpolation, env files, profiles, extends,
// local includes, path resolution, schema and consistency checks. It also
// returns every attribute outside [supportedPaths]. An error compose-go
// gives without saying where is placed with src where it can be; env and
// label files are read by [resolveFiles], which says where.
func loadProject(ctx context.Context, paths []string, opts Options, src *sourceMap) (project *types.Project, found []finding, err error) {
	defer func() {
		if r := recover(); r != nil { // a compose-go bug on odd input must not take testbed down
			project, found, err = nil, nil, &spec.Error{File: paths[0], Msg: foreignMsg(fmt.Sprintf("compose file not understood: %v", r))}
		}
	}()
	env := make([]string, 0, len(opts.Env))
	for k, v := range opts.Env {
		env = append(env, k+"="+v)
	}
	sort.Strings(env)
	var attrs []loader.UnsupportedAttribute
	popts := []cli.ProjectOptionsFn{
		cli.WithWorkingDirectory(opts.WorkingDir),
		cli.WithEnv(env),
		cli.WithEnvFiles(opts.EnvFiles...),
		cli.WithDotEnv,
		cli.WithDefaultProfiles(opts.Profiles...),
		cli.WithResolvedPaths(true),
		cli.WithLoadOptions(loader.WithSupportedAttributes(supportedPaths(), func(f []loader.UnsupportedAttribute) { attrs = f })),
		cli.WithoutEnvironmentResolution,
		cli.WithoutLabelsResolution,
	}
	if opts.ProjectName != "" {
		popts = append(popts, cli.WithName(opts.ProjectName))
	}
	po, err := cli.NewProjectOptions(paths, popts...)
	if err != nil {
		return nil, nil, &spec.Error{File: paths[0], Msg: foreignMsg(err.Error())}
	}
	project, err = po.LoadProject(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		if placed := src.placeForeign(err, po.Environment); placed != nil {
			return nil, nil, placed
		}
		if placed := src.placeRequired(err, po.Environment); placed != nil {
			return nil, nil, placed
		}
		if placed := src.placeSchema(err); placed != nil {
			return nil, nil, placed
		}
		e := &spec.Error{Msg: "compose: " + foreignMsg(err.Error())}
		if len(paths) == 1 && !strings.Contains(e.Msg, paths[0]) {
			e.File = paths[0]
		}
		return nil, nil, e
	}
	if project, err = resolveFiles(project, src, paths[0]); err != nil {
		return nil, nil, err
	}
	return project, classify(attrs), nil
}

// mapper turns a compose-go project into a testbed.
type mapper struct {
	project *types.Project
	opts    Options
	src     *sourceMap
	first   string // the first compose file
	p       problems
}

// where returns where a service's key is written; for service "", where
// the top-level key is.
func (m *mapper) where(service, key string) at {
	if t, ok := m.src.top[key]; ok && service == "" {
		return t
	}
	return m.src.key(service, key, m.first)
}

// errorf reports a problem with a service's key.
func (m *mapper) errorf(service, key, field, format string, args ...any) {
	a := m.where(service, key)
	m.p.Add(&spec.Error{File: a.file, Line: a.line, Server: service, Field: field, Msg: fmt.Sprintf(format, args...)})
}

// warnf records a warning about a service's key.
func (m *mapper) warnf(service, key, field, format string, args ...any) {
	a := m.where(service, key)
	m.p.warnings = append(m.p.warnings, Warning{File: a.file, Line: a.line, Server: service, Field: field, Msg: fmt.Sprintf(format, args...)})
}

// testbed maps the whole project.
func (m *mapper) testbed(found []finding) *spec.Testbed {
	tb := &spec.Testbed{Name: m.project.Name, Domain: spec.DefaultDomain, Format: spec.FormatCompose}
	if _, ok := m.src.top["version"]; ok {
		m.warnf("", "version", "version", "obsolete and ignored, as in compose")
	}
	m.unsupported(found)
	if x, ok := m.project.Extensions["x-testbed"].(map[string]any); ok {
		// x-testbed: {allow_host_mounts: true} is the native top-level key.
		tb.AllowHostMounts, _ = x["allow_host_mounts"].(bool)
	}
	for _, name := range m.serviceOrder() {
		tb.Servers = append(tb.Servers, m.server(name))
	}
	m.relations(tb)
	return tb
}

// serviceOrder lists the enabled services in the order the files write
// them; services only an include or extends brings come last, sorted.
func (m *mapper) serviceOrder() []string {
	var out []string
	for _, n := range m.src.order {
		if _, ok := m.project.Services[n]; ok {
			out = append(out, n)
		}
	}
	var rest []string
	for n := range m.project.Services {
		if !slices.Contains(out, n) {
			rest = append(rest, n)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// unsupported reports the attributes testbed does not take: harmless ones
// as warnings, the rest as one error per service listing them.
func (m *mapper) unsupported(found []finding) {
	bad := map[string][]string{} // service -> paths
	var services []string
	for _, f := range found {
		switch {
		case f.service == "" && f.key == "networks":
			if !slices.ContainsFunc(m.p.warnings, func(w Warning) bool { return w.Server == "" && w.Field == "networks" }) {
				m.warnf("", "networks", "networks", "network definitions are ignored: every server is on testbed's own project network")
			}
			continue
		case f.service != "":
			if _, enabled := m.project.Services[f.service]; !enabled {
				continue // disabled by profiles
			}
			if why, ok := harmlessKeys[f.key]; ok {
				if f.key != "container_name" { // container_name gets its own warning
					m.warnf(f.service, f.key, f.key, "%s", why)
				}
				continue
			}
		}
		if _, seen := bad[f.service]; !seen {
			services = append(services, f.service)
		}
		bad[f.service] = append(bad[f.service], f.path)
	}
	for _, s := range services {
		paths := slices.Compact(bad[s])
		key := strings.SplitN(paths[0], ".", 2)[0]
		if s == "" {
			m.errorf("", key, "", "unsupported top-level keys: %s", strings.Join(paths, ", "))
			continue
		}
		a := m.src.service(s, m.first)
		m.p.Add(&spec.Error{File: a.file, Line: a.line, Server: s,
			Msg: "unsupported keys: " + strings.Join(paths, ", ") + " (testbed cannot honour them; remove them or move them to an x- extension)"})
	}
}

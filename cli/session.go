package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/testbed-dev/testbed/catalog"
	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/engine/docker"
	"github.com/testbed-dev/testbed/hostnet"
	"github.com/testbed-dev/testbed/owner"
	"github.com/testbed-dev/testbed/plan"
	"github.com/testbed-dev/testbed/spec"
	"github.com/testbed-dev/testbed/specfile"
)

// loaded is a validated spec with its project name.
type loaded struct {
	tb       *spec.Testbed
	cat      *catalog.Catalog
	project  string
	warnings []string
}

// load reads the spec named by -f (or the default one), validates it and
// picks the project name. Every problem is a usage error (exit 2).
func (a *app) load(ctx context.Context, servers []string) (*loaded, error) {
	cat := catalog.New()
	tb, warnings, err := loadSpec(ctx, a.g.file, cat, specfile.Options{Profiles: a.g.profiles, PublishAllInterfaces: a.g.publishAll}, len(servers) > 0)
	if err != nil {
		return nil, err
	}
	if err := tb.Validate(catalog.SpecKinds(cat)); err != nil {
		return nil, &usageError{err}
	}
	if len(servers) > 0 {
		if tb, err = tb.Subset(servers); err != nil {
			return nil, &usageError{err}
		}
	}
	project, err := a.projectName(tb)
	if err != nil {
		return nil, err
	}
	for _, w := range warnings {
		fmt.Fprintf(a.io.Err, "testbed: warning: %s\n", w)
	}
	return &loaded{tb: tb, cat: cat, project: project, warnings: warnings}, nil
}

// loadSpec finds and reads the spec. Without one it is the default
// testbed, or when servers are named (named), one server of every kind,
// opt-in kinds included.
func loadSpec(ctx context.Context, file string, cat *catalog.Catalog, o specfile.Options, named bool) (*spec.Testbed, []string, error) {
	if file == "" {
		if file = specfile.Find("."); file == "" {
			if named {
				return cat.Every(), nil, nil
			}
			return cat.Default(), nil, nil
		}
	}
	tb, warnings, err := specfile.Load(ctx, file, o)
	if err != nil {
		if errors.Is(err, spec.ErrInvalid) {
			return nil, nil, &usageError{err}
		}
		return nil, nil, &usageError{fmt.Errorf("load %s: %w", file, err)}
	}
	return tb, warnings, nil
}

var projectRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// projectName: the flag or TESTBED_PROJECT, else the spec's name, else the
// spec's (or the working) directory's name, made a valid project name.
func (a *app) projectName(tb *spec.Testbed) (string, error) {
	if a.g.project != "" {
		if !projectRE.MatchString(a.g.project) {
			return "", usagef("project name %q: use lowercase letters, digits, '-' and '_' (at most 63, starting with a letter or digit)", a.g.project)
		}
		return a.g.project, nil
	}
	return deriveProject(tb), nil
}

// deriveProject makes a project name from the spec's name or directory.
func deriveProject(tb *spec.Testbed) string {
	name := tb.Name
	if name == "" || tb.Format == "builtin" {
		dir := "."
		if tb.Source != "" {
			if fi, err := os.Stat(tb.Source); err == nil && fi.IsDir() {
				dir = tb.Source
			} else {
				dir = filepath.Dir(tb.Source)
			}
		}
		if abs, err := filepath.Abs(dir); err == nil {
			name = filepath.Base(abs)
		}
	}
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteRune('-')
		}
	}
	s := strings.Trim(b.String(), "-_")
	if len(s) > 40 {
		s = s[:40]
	}
	if s == "" {
		s = "testbed"
	}
	return s
}

// stateDir is the project's state directory.
func (a *app) stateDir(project string) (string, error) {
	return endpoints.StateDir(a.g.stateDir, project)
}

// newPlan plans l for a container engine or the local driver.
func (a *app) newPlan(l *loaded, container, bindLocalPorts bool) (*plan.Plan, error) {
	p, err := plan.New(l.tb, l.cat, plan.Options{
		Project:   l.project,
		BindLocal: bindLocalPorts,
		Owner:     owner.Self().String(),
		Version:   Version,
		Container: container,
		FreePorts: hostnet.FreePorts,
	})
	if err != nil {
		return nil, &usageError{err}
	}
	return p, nil
}

// dockerDriver connects to the engine.
func (a *app) dockerDriver(ctx context.Context, o docker.Options) (*docker.Driver, error) {
	o.Logger = a.log
	return docker.New(ctx, o)
}

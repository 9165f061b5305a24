package project

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/testbed-dev/testbed/catalog"
	"github.com/testbed-dev/testbed/image"
	"github.com/testbed-dev/testbed/spec"
	"github.com/testbed-dev/testbed/specfile"
)

// UsageError is a mistake in what the caller asked (the spec, a name, a
// project in the way): the CLI exits 2 for it.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

func usagef(format string, a ...any) error { return &UsageError{fmt.Errorf(format, a...)} }

// LoadOptions say which spec to load.
type LoadOptions struct {
	// File is a spec file or directory; "" finds ./testbed.yaml or
	// ./testbed.json, else the built-in default testbed.
	File string
	// NoFind: with File "", take the built-in default without looking in
	// the working directory (the library).
	NoFind     bool
	Profiles   []string // compose profiles
	PublishAll bool     // compose: keep 0.0.0.0 host IPs
	// Servers keeps only these servers (and what they depend on).
	Servers []string
	// Project is the project name; "" derives one from the spec.
	Project string
	// AllowHostMounts allows what the spec's allow_host_mounts allows
	// (bind mounts, file sources and build contexts in the engine socket
	// and the host's system trees), whatever the spec says: the CLI's
	// --allow-host-mounts, the library's WithAllowHostMounts.
	AllowHostMounts bool
}

// Spec is a validated spec with its project name.
type Spec struct {
	Testbed  *spec.Testbed
	Catalog  *catalog.Catalog
	Project  string
	Warnings []string
	// Subset: only some of the spec's servers were asked for.
	Subset bool
}

// Load reads, validates and narrows the spec and names the project. Every
// problem is a *UsageError.
func Load(ctx context.Context, o LoadOptions) (*Spec, error) {
	cat := catalog.New()
	tb := cat.DefaultWith(o.Servers...) // opt-in kinds join when named
	var warnings []string
	file := o.File
	if file == "" && !o.NoFind {
		file = specfile.Find(".")
	}
	if file != "" {
		var err error
		tb, warnings, err = specfile.Load(ctx, file, specfile.Options{Profiles: o.Profiles, PublishAllInterfaces: o.PublishAll})
		if errors.Is(err, spec.ErrInvalid) {
			return nil, &UsageError{err}
		}
		if err != nil {
			return nil, &UsageError{fmt.Errorf("load %s: %w", file, err)}
		}
	}
	if o.AllowHostMounts {
		tb.AllowHostMounts = true
	}
	if err := tb.Validate(catalog.SpecKinds(cat)); err != nil {
		return nil, &UsageError{err}
	}
	if len(o.Servers) > 0 {
		sub, err := tb.Subset(o.Servers)
		if err != nil {
			return nil, &UsageError{err}
		}
		tb = sub
	}
	name := o.Project
	if name == "" {
		name = DeriveName(tb)
	} else if err := CheckName(name); err != nil {
		return nil, err
	}
	return &Spec{Testbed: tb, Catalog: cat, Project: name, Warnings: warnings, Subset: len(o.Servers) > 0}, nil
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// CheckName refuses a project name that is not [a-z0-9][a-z0-9_-]{0,62}:
// no '.', which separates the project from the server in resource names.
func CheckName(name string) error {
	if !nameRE.MatchString(name) {
		return usagef("project name %q: use lowercase letters, digits, '-' and '_' (at most 63, starting with a letter or digit)", name)
	}
	return nil
}

// DeriveName makes a project name from the spec's name or directory.
func DeriveName(tb *spec.Testbed) string {
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

// Contents reads the content hash of every server's image files (the
// bytes and modes of each copied file and build-context file: the image
// package's content hash), for plan.Options.Contents. It is the only I/O
// that a plan depends on, done before planning.
func (s *Spec) Contents() (map[string]string, error) {
	out := map[string]string{}
	for _, srv := range s.Testbed.Servers {
		if srv.Build == nil && len(srv.Files) == 0 {
			continue
		}
		c, err := image.NewContext(image.Source{Base: srv.Image, Build: srv.Build, Files: srv.Files, Platform: srv.Platform})
		if err != nil {
			return nil, &UsageError{fmt.Errorf("server %s: %w", srv.Name, err)}
		}
		out[srv.Name] = c.Hash
	}
	return out, nil
}

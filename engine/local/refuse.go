package local

import (
	"errors"
	"fmt"

	"github.com/testbed-dev/testbed/plan"
)

// Check refuses every server of p that needs an image (the local driver
// runs only built-in kinds), naming each and saying it needs a container
// engine. Prepare calls it; callers may call it first to fail earlier.
func Check(p *plan.Plan) error {
	var errs []error
	for _, st := range p.Steps() {
		if why := needsImage(st); why != "" {
			errs = append(errs, fmt.Errorf("server %s %s: it %w; the local driver runs only built-in kinds", st.Server.Name, why, ErrNeedsEngine))
		}
	}
	return errors.Join(errs...)
}

// needsImage says why a step cannot run without a container engine, or "".
func needsImage(st *plan.Step) string {
	s := st.Server
	switch {
	case s.Build != nil && s.Build.Inline != "":
		return "is built from a generated Dockerfile (legacy spec)"
	case s.Build != nil:
		return fmt.Sprintf("is built from %s", dockerfile(s.Build.Context, s.Build.Dockerfile))
	case s.Image != "":
		return fmt.Sprintf("runs the image %s", s.Image)
	case len(s.Files) > 0:
		return "copies files into an image"
	case s.Builtin == "" || st.Kind == nil:
		return "is not a built-in kind"
	case len(s.Volumes) > 0:
		return "mounts volumes"
	}
	return ""
}

func dockerfile(dir, name string) string {
	if name == "" {
		name = "Dockerfile"
	}
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

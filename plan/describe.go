package plan

import (
	"fmt"
	"strings"

	"github.com/testbed-dev/testbed/spec"
)

// DescribeProbe prints a readiness probe for people.
func DescribeProbe(p *spec.Probe) string {
	if p == nil {
		return "running"
	}
	switch {
	case p.TCP != nil:
		return fmt.Sprintf("tcp %d", p.TCP.Port)
	case p.TLS != nil:
		return fmt.Sprintf("tls %d", p.TLS.Port)
	case p.Echo != nil:
		return fmt.Sprintf("echo %d", p.Echo.Port)
	case p.HTTP != nil:
		scheme := "http"
		if p.HTTP.TLS {
			scheme = "https"
		}
		path := p.HTTP.Path
		if path == "" {
			path = "/"
		}
		status := "2xx/3xx"
		if p.HTTP.Status != 0 {
			status = fmt.Sprint(p.HTTP.Status)
		}
		return fmt.Sprintf("%s GET %s on %d = %s", scheme, path, p.HTTP.Port, status)
	case p.Banner != nil:
		return fmt.Sprintf("banner %q on %d", p.Banner.Expect, p.Banner.Port)
	case p.Exec != nil:
		return fmt.Sprintf("exec %q", p.Exec.Command)
	case p.Log != nil:
		return fmt.Sprintf("log %q", p.Log.Pattern)
	case p.Health:
		return "engine healthcheck"
	case p.Exited:
		return "exited 0"
	case len(p.All) > 0:
		return "all(" + describeList(p.All) + ")"
	case len(p.Any) > 0:
		return "any(" + describeList(p.Any) + ")"
	}
	return "running"
}

func describeList(ps []*spec.Probe) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = DescribeProbe(p)
	}
	return strings.Join(parts, ", ")
}

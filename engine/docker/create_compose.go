package docker

import (
	"strings"

	"github.com/moby/moby/api/types/container"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/testbed-dev/testbed/plan"
)

// applyComposeDetails sets the container details that compose files bring
// (spec fields beyond the native core): a short host name with its own
// domain, /etc/hosts lines and healthcheck timings (resource limits: limits.go). Kept
// apart from CreateOptions' own lines, which built-in servers share.
func applyComposeDetails(p *plan.Plan, st *plan.Step, cfg *container.Config, host *container.HostConfig) {
	srv := st.Server
	if srv.Domainname != "" {
		// compose keeps them apart: `hostname` prints the short name,
		// `hostname -f` and `dnsdomainname` the rest.
		cfg.Hostname = srv.Hostname
		if cfg.Hostname == "" {
			cfg.Hostname = srv.Name
		}
		cfg.Domainname = srv.Domainname
	}
	for _, h := range srv.ExtraHosts {
		host.ExtraHosts = append(host.ExtraHosts, h.Name+":"+h.IP)
	}
	if h := srv.Health; h != nil && cfg.Healthcheck != nil {
		cfg.Healthcheck.Timeout = h.Timeout
		cfg.Healthcheck.StartPeriod = h.StartPeriod
	}
}

// createPlatform is the platform a server's container is made for
// (compose platform, "os/arch[/variant]"); nil means the engine's own.
func createPlatform(platform string) *ocispec.Platform {
	if platform == "" {
		return nil
	}
	parts := strings.SplitN(platform, "/", 3)
	pl := &ocispec.Platform{OS: parts[0]}
	if len(parts) > 1 {
		pl.Architecture = parts[1]
	}
	if len(parts) > 2 {
		pl.Variant = parts[2]
	}
	return pl
}

// buildPlatforms is the platform list of a build for one platform ("" =
// the engine's own, no list).
func buildPlatforms(platform string) []ocispec.Platform {
	if pl := createPlatform(platform); pl != nil {
		return []ocispec.Platform{*pl}
	}
	return nil
}

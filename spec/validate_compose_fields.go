package spec

import (
	"fmt"
	"net/netip"
	"os"
	"regexp"
)

// Bounds of the container details compose files bring.
const (
	maxExtraHosts = 256
	// minMemory is the smallest memory limit the engine takes (6 MiB).
	minMemory = 6 << 20
	// maxNanoCPUs is 1024 CPUs, far above any test machine.
	maxNanoCPUs = 1024 * 1e9
	maxPids     = 1 << 22
	// maxExternalDockerfile bounds a Dockerfile read from outside the
	// build context.
	maxExternalDockerfile = 1 << 20
)

var (
	// platformRE is os/arch[/variant], as the engine takes it.
	platformRE = regexp.MustCompile(`^[a-z0-9_]{1,32}/[a-z0-9_]{1,32}(/[a-z0-9_.]{1,32})?$`)
	// stageRE is a Dockerfile stage name (FROM ... AS name).
	stageRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]{0,127}$`)
)

// composeFields checks the fields compose files brought to the model:
// domain name, extra hosts, platform, resource limits, the build
// target and an external Dockerfile, healthcheck timeouts and nocopy.
func (v *validator) composeFields(s *Server) {
	if s.Domainname != "" && (!IsDNSName(s.Domainname) || len(s.Domainname) > 253) {
		v.errorf(s, "domainname", "invalid domainname %s: want a lowercase DNS name", Quote(s.Domainname))
	}
	if len(s.ExtraHosts) > maxExtraHosts {
		v.errorf(s, "extra_hosts", "%d extra hosts, at most %d", len(s.ExtraHosts), maxExtraHosts)
	}
	for i, h := range s.ExtraHosts {
		f := fmt.Sprintf("extra_hosts[%d]", i)
		if !IsDNSName(h.Name) {
			v.errorf(s, f, "invalid host name %s: want a lowercase DNS name", Quote(h.Name))
		}
		if _, err := netip.ParseAddr(h.IP); err != nil && h.IP != "host-gateway" {
			v.errorf(s, f, "invalid address %s for %s: want an IP address or host-gateway", Quote(h.IP), Quote(h.Name))
		}
	}
	if s.Platform != "" && !platformRE.MatchString(s.Platform) {
		v.errorf(s, "platform", "invalid platform %s: want os/arch[/variant] like linux/amd64", Quote(s.Platform))
	}
	if r := s.Resources; r != nil {
		if r.Memory != 0 && (r.Memory < minMemory || r.Memory < 0) {
			v.errorf(s, "resources.memory", "memory limit %d bytes: want at least %d (6 MiB), the engine's minimum", r.Memory, minMemory)
		}
		if r.NanoCPUs < 0 || r.NanoCPUs > maxNanoCPUs {
			v.errorf(s, "resources.cpus", "cpus %.9g out of range: want above 0 and at most 1024", float64(r.NanoCPUs)/1e9)
		}
		if r.Pids < 0 || r.Pids > maxPids {
			v.errorf(s, "resources.pids", "pids limit %d out of range 1-%d", r.Pids, maxPids)
		}
	}
	if b := s.Build; b != nil {
		if b.Target != "" && !stageRE.MatchString(b.Target) {
			v.errorf(s, "build.target", "invalid build target %s: want a stage name like [A-Za-z][A-Za-z0-9_.-]*", Quote(b.Target))
		}
		if b.ExternalDockerfile != "" {
			switch {
			case b.Inline != "" || b.Dockerfile != "":
				v.errorf(s, "build.dockerfile", "an external Dockerfile goes with neither an inline one nor a Dockerfile in the context")
			default:
				if msg := checkHostPath(b.ExternalDockerfile, false); msg != "" {
					v.errorf(s, "build.dockerfile", "dockerfile %s", msg)
				} else if fi, err := os.Stat(b.ExternalDockerfile); err == nil && (!fi.Mode().IsRegular() || fi.Size() > maxExternalDockerfile) {
					v.errorf(s, "build.dockerfile", "dockerfile %s: want a regular file of at most %d bytes", Quote(b.ExternalDockerfile), maxExternalDockerfile)
				}
			}
		}
	}
	if h := s.Health; h != nil {
		if h.Timeout < 0 || h.Timeout > MaxTimeout {
			v.errorf(s, "healthcheck.timeout", "timeout %s out of range: want above 0 and at most %s", h.Timeout, MaxTimeout)
		}
		if h.StartPeriod < 0 || h.StartPeriod > MaxTimeout {
			v.errorf(s, "healthcheck.start_period", "start period %s out of range: want 0 to %s", h.StartPeriod, MaxTimeout)
		}
	}
	for i, vol := range s.Volumes {
		if vol.NoCopy && vol.Type != VolumeVolume {
			v.errorf(s, fmt.Sprintf("volumes[%d]", i), "nocopy applies to named and anonymous volumes only, not to %s mounts", vol.Type)
		}
	}
}

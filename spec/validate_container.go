package spec

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

var (
	userRE    = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,31})?$`)
	capRE     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)
	tmpfsOpts = regexp.MustCompile(`^[A-Za-z0-9=,._-]*$`)
	labelRE   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,254}$`)
)

// maxHostname is the longest host name Linux takes.
const maxHostname = 64

// maxRetries bounds a healthcheck's retries.
const maxRetries = 100

// AddableCaps are the capabilities cap_add may name (with or without the
// CAP_ prefix, in any case): Docker's default set (to add back what
// cap_drop removed) and four that act only inside the container's own
// namespaces. Anything else (ALL, SYS_ADMIN, SYS_MODULE, DAC_READ_SEARCH,
// ...) reaches the host and is refused.
var AddableCaps = []string{
	"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
	"NET_BIND_SERVICE", "NET_RAW", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
	"IPC_LOCK", "NET_ADMIN", "SYS_NICE", "SYS_PTRACE",
}

// normalCap is a capability name upper-cased without its CAP_ prefix.
func normalCap(c string) string {
	return strings.TrimPrefix(strings.ToUpper(c), "CAP_")
}

// builtinContainer refuses the container fields a built-in server does
// not honour: it runs as its own non-root user, with every capability
// dropped but NET_BIND_SERVICE, on a read-only root file system.
func (v *validator) builtinContainer(s *Server) {
	if s.User != "" {
		v.errorf(s, "user", "builtin servers run as their own non-root user; remove user")
	}
	if len(s.CapAdd) > 0 {
		v.errorf(s, "cap_add", "builtin servers run with every capability dropped but NET_BIND_SERVICE; remove cap_add")
	}
	if !s.ReadOnly && s.Lines["read_only"] > 0 {
		v.errorf(s, "read_only", "builtin servers always run on a read-only root file system; remove read_only: false")
	}
}

// container checks the container details (mostly from compose files).
func (v *validator) container(s *Server) {
	if s.Builtin != "" {
		v.builtinContainer(s)
	}
	if s.Hostname != "" && (!IsDNSName(s.Hostname) || len(s.Hostname) > maxHostname) {
		v.errorf(s, "hostname", "invalid hostname %s: want a lowercase DNS name of at most %d characters", Quote(s.Hostname), maxHostname)
	}
	if s.User != "" && !userRE.MatchString(s.User) {
		v.errorf(s, "user", "invalid user %s: want USER[:GROUP], names or numbers", Quote(s.User))
	}
	if s.WorkingDir != "" {
		if msg := checkContainerPath(s.WorkingDir, true); msg != "" {
			v.errorf(s, "working_dir", "working directory %s", msg)
		}
	}
	for i, t := range s.Tmpfs {
		p, opts, _ := strings.Cut(t, ":")
		f := fmt.Sprintf("tmpfs[%d]", i)
		if msg := checkContainerPath(p, false); msg != "" {
			v.errorf(s, f, "tmpfs mount point %s", msg)
		} else if !tmpfsOpts.MatchString(opts) {
			v.errorf(s, f, "invalid tmpfs options %s", Quote(opts))
		}
	}
	for i, c := range s.CapAdd {
		f := fmt.Sprintf("cap_add[%d]", i)
		switch {
		case !capRE.MatchString(c):
			v.errorf(s, f, "invalid capability %s", Quote(c))
		case !slices.Contains(AddableCaps, normalCap(c)):
			v.errorf(s, f, "capability %s may not be added (allowed: %s)", Quote(c), strings.Join(AddableCaps, ", "))
		}
	}
	for i, c := range s.CapDrop {
		if !capRE.MatchString(c) {
			v.errorf(s, fmt.Sprintf("cap_drop[%d]", i), "invalid capability %s", Quote(c))
		}
	}
	for i, vol := range s.Volumes {
		v.volume(s, fmt.Sprintf("volumes[%d]", i), vol)
	}
	for _, k := range slices.Sorted(maps.Keys(s.Labels)) {
		f := "labels." + k
		switch {
		case !labelRE.MatchString(k):
			v.errorf(s, f, "invalid label key %s: want [A-Za-z0-9][A-Za-z0-9._/-]*", Quote(k))
		case strings.HasPrefix(strings.ToLower(k), "testbed."):
			v.errorf(s, f, "label keys starting with \"testbed.\" are testbed's own")
		}
		v.text(s, f, s.Labels[k])
	}
	if s.Health != nil {
		v.health(s, s.Health)
	}
	v.composeFields(s)
}

func (v *validator) volume(s *Server, field string, vol Volume) {
	switch vol.Type {
	case VolumeBind:
		if vol.Source == "" {
			v.errorf(s, field+".source", "bind mount needs a source")
		} else if msg := hostPlace(vol.Source); msg != "" && !v.t.AllowHostMounts {
			v.errorf(s, field+".source", "bind mount of %s (set allow_host_mounts: true to allow it)", msg)
		} else if msg := checkHostPath(vol.Source, false); msg != "" {
			v.errorf(s, field+".source", "source %s", msg)
		}
	case VolumeVolume:
		if vol.Source != "" && !isVolumeName(vol.Source) {
			v.errorf(s, field+".source", "invalid volume name %s: want [A-Za-z0-9][A-Za-z0-9_.-]* (host paths start with ./ or /)", Quote(vol.Source))
		}
	default:
		v.errorf(s, field+".type", "volume type %s: want bind or volume", Quote(vol.Type))
	}
	if msg := checkContainerPath(vol.Target, false); msg != "" {
		v.errorf(s, field+".target", "target %s", msg)
	}
}

func (v *validator) health(s *Server, h *Health) {
	switch {
	case len(h.Test) == 1 && h.Test[0] == "NONE":
	case len(h.Test) >= 2 && (h.Test[0] == "CMD" || h.Test[0] == "CMD-SHELL"):
	default:
		v.errorf(s, "healthcheck.test", "want [\"CMD\", argv...], [\"CMD-SHELL\", line] or [\"NONE\"]")
	}
	for i, a := range h.Test {
		v.data(s, fmt.Sprintf("healthcheck.test[%d]", i), a)
	}
	if h.Interval < 0 || h.Interval > MaxTimeout {
		v.errorf(s, "healthcheck.interval", "interval %s out of range: want above 0 and at most %s", h.Interval, MaxTimeout)
	}
	if h.Retries < 0 || h.Retries > maxRetries {
		v.errorf(s, "healthcheck.retries", "retries %d out of range 0-%d", h.Retries, maxRetries)
	}
}

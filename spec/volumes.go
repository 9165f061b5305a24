package spec

import (
	"fmt"
	"strings"
)

// Volume types.
const (
	VolumeBind   = "bind"
	VolumeVolume = "volume"
)

// ParseVolume reads the short volume syntax "SOURCE:TARGET[:ro|rw]" or
// "TARGET" (an anonymous volume). A SOURCE that starts with "." or "/" or
// holds a "/" is a host path (a bind mount, returned as written, not yet
// resolved); any other SOURCE names a volume.
func ParseVolume(s string) (Volume, error) {
	parts := strings.Split(s, ":")
	var v Volume
	switch len(parts) {
	case 1:
		v = Volume{Type: VolumeVolume, Target: parts[0]}
	case 2, 3:
		v = Volume{Source: parts[0], Target: parts[1], Type: VolumeVolume}
		if IsHostPath(v.Source) {
			v.Type = VolumeBind
		}
		if len(parts) == 3 {
			switch parts[2] {
			case "ro":
				v.ReadOnly = true
			case "rw":
			default:
				return Volume{}, fmt.Errorf("volume %s: mode must be ro or rw", Quote(s))
			}
		}
	default:
		return Volume{}, fmt.Errorf("volume %s: want SOURCE:TARGET[:ro|rw]", Quote(s))
	}
	if v.Source == "" && len(parts) > 1 {
		return Volume{}, fmt.Errorf("volume %s: empty source", Quote(s))
	}
	if v.Target == "" {
		return Volume{}, fmt.Errorf("volume %s: empty target", Quote(s))
	}
	return v, nil
}

// IsHostPath reports whether a volume source names a host path rather than
// a named volume: it starts with "." or "/" or holds a "/".
func IsHostPath(source string) bool {
	return strings.HasPrefix(source, ".") || strings.Contains(source, "/")
}

// isVolumeName reports whether s can name an engine volume:
// [A-Za-z0-9][A-Za-z0-9_.-]*, at most 255 characters.
func isVolumeName(s string) bool {
	if s == "" || len(s) > 255 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case (c == '_' || c == '.' || c == '-') && i > 0:
		default:
			return false
		}
	}
	return true
}

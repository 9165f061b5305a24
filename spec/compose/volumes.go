package compose

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/testbed-dev/testbed/spec"
)

// volumes maps bind mounts, named and anonymous volumes, and tmpfs mounts.
// Bind sources must exist: testbed never creates host paths.
func (m *mapper) volumes(s *spec.Server, svc types.ServiceConfig) {
	for i, v := range svc.Volumes {
		field := fmt.Sprintf("volumes[%d]", i)
		switch v.Type {
		case types.VolumeTypeBind:
			if !filepath.IsAbs(v.Source) {
				m.errorf(s.Name, "volumes", field, "bind source %s: testbed loads compose files offline: want a local path", quote(v.Source))
				continue
			}
			if _, err := os.Stat(v.Source); err != nil {
				m.errorf(s.Name, "volumes", field, "bind source %s does not exist (testbed does not create host paths)", quote(v.Source))
				continue
			}
			s.Volumes = append(s.Volumes, spec.Volume{Type: spec.VolumeBind, Source: v.Source, Target: v.Target, ReadOnly: v.ReadOnly})
		case types.VolumeTypeVolume:
			if v.Source != "" {
				if cfg, ok := m.project.Volumes[v.Source]; ok && bool(cfg.External) {
					m.errorf(s.Name, "volumes", field, "external volume %s is not supported: testbed removes the volumes it uses", quote(v.Source))
					continue
				}
			}
			// Source "" is an anonymous volume.
			vol := spec.Volume{Type: spec.VolumeVolume, Source: v.Source, Target: v.Target, ReadOnly: v.ReadOnly}
			if v.Volume != nil {
				vol.NoCopy = v.Volume.NoCopy
			}
			s.Volumes = append(s.Volumes, vol)
		case types.VolumeTypeTmpfs:
			t := v.Target
			opts := ""
			if v.Tmpfs != nil && v.Tmpfs.Size > 0 {
				opts = fmt.Sprintf("size=%d", int64(v.Tmpfs.Size))
			}
			if v.Tmpfs != nil && v.Tmpfs.Mode != 0 {
				if opts != "" {
					opts += ","
				}
				opts += fmt.Sprintf("mode=%o", v.Tmpfs.Mode)
			}
			if opts != "" {
				t += ":" + opts
			}
			s.Tmpfs = append(s.Tmpfs, t)
		default:
			m.errorf(s.Name, "volumes", field, "volume type %s is not supported: want bind, volume or tmpfs", quote(v.Type))
		}
	}
}

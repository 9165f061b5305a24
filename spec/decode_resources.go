package spec

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// resources reads resources: {memory: 256m, cpus: 1.5, pids: 256}. On a
// built-in server it replaces the built-in defaults (plan.BuiltinResources)
// field by field; a field left out keeps its default.
func (d *decoder) resources(n *yaml.Node, at place) *Resources {
	r := &Resources{}
	d.object(n, at, []string{"memory", "cpus", "pids"}, func(key string, v *yaml.Node, at place) {
		switch key {
		case "memory":
			r.Memory, _ = parsed(d, v, at, ParseBytes)
		case "cpus":
			r.NanoCPUs, _ = parsed(d, v, at, func(s string) (int64, error) {
				f, err := strconv.ParseFloat(s, 64)
				if err != nil || f <= 0 || math.IsInf(f, 0) || f > 1024 {
					return 0, fmt.Errorf("cpus %s: want a number above 0 and at most 1024, like 1.5", Quote(s))
				}
				return int64(math.Round(f * 1e9)), nil
			})
		case "pids":
			if p, ok := d.integer(v, at); ok {
				r.Pids = int64(p)
			}
		}
	})
	return r
}

// ParseBytes reads a size: a number of bytes, or one with a unit k, m or
// g (KiB, MiB, GiB; case and a trailing "b"/"ib" ignored): "268435456",
// "256m", "256MiB", "1g".
func ParseBytes(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	t = strings.TrimSuffix(strings.TrimSuffix(t, "b"), "i")
	mult := int64(1)
	if t != "" {
		switch t[len(t)-1] {
		case 'k':
			mult = 1 << 10
		case 'm':
			mult = 1 << 20
		case 'g':
			mult = 1 << 30
		}
		if mult > 1 {
			t = t[:len(t)-1]
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(t), 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64/mult {
		return 0, fmt.Errorf("size %s: want bytes, or a whole number with k, m or g (like 256m)", Quote(s))
	}
	return n * mult, nil
}

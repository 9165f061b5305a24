package ftpd

import (
	"fmt"
	"strconv"
	"strings"
)

// maxPassivePorts bounds how many ports ParsePorts expands, so that a typo
// like "1-65535" is refused rather than published port by port.
const maxPassivePorts = 1024

// ParsePorts parses a passive port list such as "30000-30009",
// "30000,30001" or "30000-30002,30005" into the ports in the order given.
// An empty string gives no ports (any free port). Duplicates are refused.
func ParsePorts(s string) ([]int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	var out []int
	seen := map[int]bool{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		first, err := parsePort(lo)
		if err != nil {
			return nil, fmt.Errorf("port list %q: %w", s, err)
		}
		last := first
		if isRange {
			if last, err = parsePort(hi); err != nil {
				return nil, fmt.Errorf("port list %q: %w", s, err)
			}
			if last < first {
				return nil, fmt.Errorf("port list %q: range %s ends before it starts", s, part)
			}
		}
		for p := first; p <= last; p++ {
			if seen[p] {
				return nil, fmt.Errorf("port list %q: port %d given twice", s, p)
			}
			if len(out) == maxPassivePorts {
				return nil, fmt.Errorf("port list %q: more than %d ports", s, maxPassivePorts)
			}
			seen[p] = true
			out = append(out, p)
		}
	}
	return out, nil
}

func parsePort(s string) (int, error) {
	s = strings.TrimSpace(s)
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("%q is not a port number 1-65535", s)
	}
	return n, nil
}

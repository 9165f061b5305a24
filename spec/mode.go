package spec

import (
	"fmt"
	"io/fs"
	"strconv"
	"strings"
)

// ParseMode reads a file mode written as octal digits: "644", "0644" or
// "0o644". It refuses anything above 0777 (setuid, setgid and sticky bits).
// "0" means "keep the source's mode".
func ParseMode(s string) (fs.FileMode, error) {
	digits := s
	if len(digits) > 2 && (digits[:2] == "0o" || digits[:2] == "0O") {
		digits = digits[2:]
	}
	if digits == "" || len(digits) > 12 || strings.Trim(digits, "01234567") != "" {
		return 0, fmt.Errorf("mode %s: want octal digits like \"0644\"", Quote(s))
	}
	v, err := strconv.ParseUint(digits, 8, 32)
	if err != nil {
		return 0, fmt.Errorf("mode %s: %w", Quote(s), err)
	}
	if v > 0o777 {
		return 0, fmt.Errorf("mode %s above 0777 (setuid, setgid and sticky bits are not allowed)", Quote(s))
	}
	return fs.FileMode(v), nil
}

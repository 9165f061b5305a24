package endpoints

import (
	"os"
	"path/filepath"
	"strings"
)

// SpecHashFile, in a project's state directory, records the spec hash of
// the project that `up` left running (and the library kept), so a second
// up with this state directory can tell that it has the endpoints of the
// project running with this spec.
const SpecHashFile = "spec-hash"

// WriteSpecHash records hash in dir.
func WriteSpecHash(dir, hash string) error {
	return os.WriteFile(filepath.Join(dir, SpecHashFile), []byte(hash+"\n"), 0o600)
}

// ReadSpecHash returns the recorded hash, or "".
func ReadSpecHash(dir string) string {
	b, _ := os.ReadFile(filepath.Join(dir, SpecHashFile))
	return strings.TrimSpace(string(b))
}

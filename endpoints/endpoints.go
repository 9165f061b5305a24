// Package endpoints is what tests read: the manifest of a running testbed
// (servers, host names, published addresses, the CA), its JSON file in the
// state directory, and its environment-variable form.
package endpoints

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/testbed-dev/testbed/internal/atomicfile"
)

// Manifest describes a running testbed.
type Manifest struct {
	Project string             `json:"project"`
	Driver  string             `json:"driver"`
	Domain  string             `json:"domain"`
	CAFile  string             `json:"ca_file,omitempty"`
	Servers map[string]*Server `json:"servers"`
}

// Server is one server's endpoints.
type Server struct {
	Hostname  string            `json:"hostname"`
	Kind      string            `json:"kind,omitempty"`
	Addresses []string          `json:"addresses,omitempty"`
	Ports     map[string]string `json:"ports"` // "80/tcp" -> "127.0.0.1:49153"
}

// Names lists the servers sorted by name.
func (m *Manifest) Names() []string {
	out := make([]string, 0, len(m.Servers))
	for n := range m.Servers {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Addr returns the host address of a server's port ("80/tcp", or "80" for tcp).
func (m *Manifest) Addr(server, port string) (string, error) {
	s, ok := m.Servers[server]
	if !ok {
		return "", fmt.Errorf("no server %q in project %s (have %s)", server, m.Project, strings.Join(m.Names(), ", "))
	}
	if !strings.Contains(port, "/") {
		port += "/tcp"
	}
	a, ok := s.Ports[port]
	if !ok {
		return "", fmt.Errorf("server %q publishes no port %s", server, port)
	}
	return a, nil
}

// PortKeys returns the keys of ports ("80/tcp" -> address) in port order:
// by number, then protocol ("7/tcp", "7/udp", "13/tcp").
func PortKeys(ports map[string]string) []string {
	keys := make([]string, 0, len(ports))
	for k := range ports {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		na, pa, _ := strings.Cut(a, "/")
		nb, pb, _ := strings.Cut(b, "/")
		x, _ := strconv.Atoi(na)
		y, _ := strconv.Atoi(nb)
		return cmp.Or(cmp.Compare(x, y), strings.Compare(pa, pb))
	})
	return keys
}

// EnvName is a server's (or port's) name in environment variables: upper
// case, every character that is not a letter or digit as '_'.
func EnvName(s string) string {
	b := []byte(strings.ToUpper(s))
	for i, c := range b {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			b[i] = '_'
		}
	}
	return string(b)
}

// Env returns the TESTBED_* variables, sorted by name.
func (m *Manifest) Env() []string {
	vars := map[string]string{
		"TESTBED_PROJECT": m.Project,
		"TESTBED_DOMAIN":  m.Domain,
		"TESTBED_DRIVER":  m.Driver,
	}
	if m.CAFile != "" {
		vars["TESTBED_CA_FILE"] = m.CAFile
	}
	for name, s := range m.Servers {
		prefix := "TESTBED_" + EnvName(name) + "_"
		vars[prefix+"HOST"] = s.Hostname
		for key, addr := range s.Ports {
			num, proto, _ := strings.Cut(key, "/")
			// EnvName here too: a key is a number in any manifest testbed
			// writes, but `testbed env` output is eval'd, names unquoted.
			v := prefix + EnvName(num)
			if proto == "udp" {
				v += "_UDP"
			}
			vars[v] = addr
		}
	}
	out := make([]string, 0, len(vars))
	for k, v := range vars {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// ShellQuote quotes s for a POSIX shell: the exports `env` prints are meant
// to be eval'd by users, so every value is single-quoted.
func ShellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// StateDir is the directory holding a project's state: $XDG_STATE_HOME/testbed/<project>
// (~/.local/state when XDG_STATE_HOME is unset), or base/<project> when base is set.
func StateDir(base, project string) (string, error) {
	if base == "" {
		base = os.Getenv("XDG_STATE_HOME")
		if base == "" {
			home, err := os.UserHomeDir()
			if err != nil {
				return "", fmt.Errorf("state directory: %w", err)
			}
			base = filepath.Join(home, ".local", "state")
		}
		base = filepath.Join(base, "testbed")
	}
	return filepath.Abs(filepath.Join(base, project))
}

// FileName is the manifest's name in the state directory.
const FileName = "endpoints.json"

// Write stores m as dir/endpoints.json, atomically.
func Write(dir string, m *Manifest) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("write endpoints: %w", err)
	}
	if err := atomicfile.WriteJSON(filepath.Join(dir, FileName), m); err != nil {
		return fmt.Errorf("write endpoints: %w", err)
	}
	return nil
}

// ErrNotUp is returned by Read when the project has no manifest.
var ErrNotUp = errors.New("project is not up")

// Read loads dir/endpoints.json.
func Read(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, FileName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read endpoints in %s: %w", dir, ErrNotUp)
	}
	if err != nil {
		return nil, fmt.Errorf("read endpoints: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("read endpoints %s: %w", filepath.Join(dir, FileName), err)
	}
	for name, s := range m.Servers {
		if s == nil {
			return nil, fmt.Errorf("read endpoints %s: server %q is null", filepath.Join(dir, FileName), name)
		}
	}
	return &m, nil
}

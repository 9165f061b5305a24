package compose

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/testbed-dev/testbed/spec"
)

// compose-go quotes values from the file raw in its messages; foreignMsg
// escapes control characters and cuts long messages short.
func TestForeignMsg(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"invalid proto: tcp", "invalid proto: tcp"},
		{"env file x\ntouch y not found", `env file x\ntouch y not found`},
		{"open a\x00b: invalid argument", `open a\x00b: invalid argument`},
		{"bell \a esc \x1b[2J rtl \u202e", `bell \a esc \x1b[2J rtl \u202e`},
		{"wеb", "wеb"},
	} {
		if got := foreignMsg(tt.in); got != tt.want {
			t.Errorf("foreignMsg(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	long := "invalid containerPort: " + strings.Repeat("a", 10000)
	got := foreignMsg(long)
	if len(got) > maxForeignMsg+32 || !strings.HasSuffix(got, "...(10023 bytes)") {
		t.Errorf("foreignMsg(10023 bytes) = %d bytes ending %q, want it cut at %d", len(got), got[len(got)-20:], maxForeignMsg)
	}
}

// compose-go reports some problems without the service or the field: the
// short-syntax port and volume parsers name only the bad part of the
// value, and a file it cannot read (env_file, label_file, extends,
// include) only by its path. Load places each at the file, line, service
// and field.
func TestLoadPlacesComposeGoErrors(t *testing.T) {
	files := map[string]string{
		"ok.env":   "A=1\n",
		"bad.env":  "A B C\n",
		"dir/x":    "",
		"more.yml": "services:\n  more:\n    image: a/b\n",
	}
	tests := []struct {
		name string
		yaml string
		env  map[string]string
		want string // the whole error; F is the compose file
	}{
		{"port four parts", "services:\n  web:\n    image: a/b\n    ports: [\"x:y:z:w\"]\n", nil,
			`F:4: server "web": field "ports[0]": port "x:y:z:w": invalid IP address: x:y`},
		{"port container part", "services:\n  web:\n    image: a/b\n    ports:\n      - 80\n      - \"80:abc\"\n", nil,
			`F:6: server "web": field "ports[1]": port "80:abc": invalid containerPort: abc`},
		{"port backwards range", "services:\n  web:\n    image: a/b\n  db:\n    image: a/b\n    ports: [\"90-80\"]\n", nil,
			`F:6: server "db": field "ports[0]": port "90-80": invalid containerPort: 90-80`},
		{"port interpolated", "services:\n  web:\n    image: a/b\n    ports: [\"${HOST_PORT}:80\"]\n", map[string]string{"HOST_PORT": "x"},
			`F:4: server "web": field "ports[0]": port "${HOST_PORT}:80" (interpolated "x:80"): invalid hostPort: x`},
		{"port control characters escaped", "services:\n  web:\n    image: a/b\n    ports: [\"80/t\\ncp\\e[2J\"]\n", nil,
			`F:4: server "web": field "ports[0]": port "80/t\ncp\x1b[2J": invalid proto: t\ncp\x1b[2j`},
		{"every bad port", "services:\n  web:\n    image: a/b\n    ports: [\"1:2:3:4\", 80, \"x\"]\n", nil,
			"F:4: server \"web\": field \"ports[0]\": port \"1:2:3:4\": invalid IP address: 1:2\n" +
				`F:4: server "web": field "ports[2]": port "x": invalid containerPort: x`},
		{"empty volume", "services:\n  web:\n    image: a/b\n    volumes:\n      - \"\"\n", nil,
			`F:5: server "web": field "volumes[0]": volume "": invalid empty volume spec`},
		{"env file missing", "services:\n  web:\n    image: a/b\n    env_file: [ok.env, nope.env]\n", nil,
			`F:4: server "web": field "env_file[1]": env file "nope.env" does not exist`},
		{"env file missing, one string", "services:\n  web:\n    image: a/b\n    env_file: nope.env\n", nil,
			`F:4: server "web": field "env_file[0]": env file "nope.env" does not exist`},
		{"env file unparsable", "services:\n  web:\n    image: a/b\n    env_file:\n      - ok.env\n      - path: bad.env\n", nil,
			`F:6: server "web": field "env_file[1]": env file "bad.env": line 1: key cannot contain a space`},
		{"env file a directory", "services:\n  web:\n    image: a/b\n  db:\n    image: a/b\n    env_file: [dir]\n", nil,
			`F:6: server "db": field "env_file[0]": env file "dir": is a directory`},
		{"env file format", "services:\n  web:\n    image: a/b\n    env_file: [{path: ok.env, format: weird}]\n", nil,
			`F:4: server "web": field "env_file[0]": env file "ok.env": unsupported env_file format "weird"`},
		{"env file name with a newline", "services:\n  web:\n    image: a/b\n    env_file: [\"a\\nb\"]\n", nil,
			`F:4: server "web": field "env_file[0]": env file "a\nb" does not exist`},
		{"label file missing", "services:\n  web:\n    image: a/b\n    env_file: [ok.env]\n    label_file:\n      - ok.env\n      - nope\n", nil,
			`F:7: server "web": field "label_file[1]": label file "nope" does not exist`},
		{"env file missing, pre_start hook", "services:\n  web:\n    image: a/b\n    env_file: [ok.env, nope.env]\n    pre_start:\n      - command: [\"true\"]\n", nil,
			`F:4: server "web": field "env_file[1]": env file "nope.env" does not exist`},
		{"label file missing, pre_start hook", "services:\n  web:\n    image: a/b\n    label_file: [ok.env, nope]\n    pre_start:\n      - command: [\"true\"]\n", nil,
			`F:4: server "web": field "label_file[1]": label file "nope" does not exist`},
		{"extends file missing", "services:\n  web:\n    image: a/b\n    extends:\n      service: x\n      file: nope.yml\n", nil,
			`F:6: server "web": field "extends.file": cannot read "nope.yml": no such file or directory`},
		{"include missing", "include:\n  - more.yml\n  - nope.yml\nservices:\n  web:\n    image: a/b\n", nil,
			`F:3: field "include[1]": cannot read "nope.yml": no such file or directory`},
		{"include path list", "include:\n  - path: [more.yml, nope.yml]\nservices:\n  web:\n    image: a/b\n", nil,
			`F:2: field "include[0].path[1]": cannot read "nope.yml": no such file or directory`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			_, _, err := loadYAMLIn(t, dir, tt.yaml, files, Options{Env: tt.env})
			want := strings.ReplaceAll(tt.want, "F:", filepath.Join(dir, "docker-compose.yml")+":")
			if err == nil || err.Error() != want {
				t.Fatalf("Load() error =\n%v\nwant\n%s", err, want)
			}
			if !errors.Is(err, spec.ErrInvalid) {
				t.Errorf("Load() error = %v, want a spec error", err)
			}
		})
	}
}

// A pre_start hook carries its service's env and label files followed by
// its own. A bad file of the hook's own is no entry of the service's, so
// no entry is blamed: the error names the key and the file.
func TestLoadPreStartHookOwnFile(t *testing.T) {
	dir := t.TempDir()
	_, _, err := loadYAMLIn(t, dir, "services:\n  web:\n    image: a/b\n    env_file: [ok.env]\n    pre_start:\n      - command: [\"true\"]\n        env_file: [nope.env]\n",
		map[string]string{"ok.env": "A=1\n"}, Options{})
	prefix := filepath.Join(dir, "docker-compose.yml") + `:4: server "web": field "env_file": env files: `
	if err == nil || !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), "nope.env") {
		t.Errorf("Load() error = %v, want one starting %q and naming nope.env", err, prefix)
	}
}

// A required variable is placed where the file requires it, and files
// compose-go reads fine still fill the environment and the labels.
func TestLoadComposeGoErrorsUnplaced(t *testing.T) {
	dir := t.TempDir()
	_, _, err := loadYAMLIn(t, dir, "services:\n  web:\n    image: a/b\n    ports: [\"${P:?set P}:80\"]\n", nil, Options{})
	if want := filepath.Join(dir, "docker-compose.yml") + `:4:13: server "web": field "ports[0]": required variable "P" is not set: set P`; err == nil || err.Error() != want {
		t.Errorf("Load() error = %v, want %s", err, want)
	}
	tb, _, err := loadYAMLIn(t, t.TempDir(), "services:\n  web:\n    image: a/b\n    env_file: [ok.env]\n    label_file: [ok.env]\n    environment: {B: \"2\"}\n",
		map[string]string{"ok.env": "A=1\n"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := tb.Server("web")
	if s.Env["A"] != "1" || s.Env["B"] != "2" || s.Labels["A"] != "1" {
		t.Errorf("Env, Labels = %v, %v; want A=1 B=2 from the env file and environment, label A=1", s.Env, s.Labels)
	}
}

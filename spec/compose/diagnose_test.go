package compose

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"

	"github.com/testbed-dev/testbed/spec"
)

// Compose errors read like the native format's: file:line:column, server,
// field, and a hint where one helps.
func TestLoadDiagnostics(t *testing.T) {
	tests := []struct {
		name, yaml string
		profiles   []string
		want       string // the whole error; F is the compose file
	}{
		{"unknown key", "services:\n  web:\n    image: a/b\n    portz: [80]\n", nil,
			`F:4:5: server "web": field "portz": unknown key (did you mean "ports"?); compose ignores keys starting with x- (extensions)`},
		{"unknown nested key", "services:\n  web:\n    image: a/b\n    healthcheck:\n      test: [CMD, x]\n      tiemout: 1s\n", nil,
			`F:6:7: server "web": field "healthcheck.tiemout": unknown key (did you mean "timeout"?); compose ignores keys starting with x- (extensions)`},
		{"unknown key in a list item", "services:\n  web:\n    image: a/b\n    volumes:\n      - type: volume\n        target: /x\n        raed_only: true\n", nil,
			`F:7:9: server "web": field "volumes[0].raed_only": unknown key (did you mean "read_only"?); compose ignores keys starting with x- (extensions)`},
		{"unknown top-level key", "services:\n  web: {image: a/b}\nvolume:\n  data: {}\n", nil,
			`F:3:1: field "volume": unknown key (did you mean "volumes"?); compose ignores keys starting with x- (extensions)`},
		{"unknown key, nothing close", "services:\n  web:\n    image: a/b\n    frobnicate: 1\n", nil,
			`F:4:5: server "web": field "frobnicate": unknown key; compose ignores keys starting with x- (extensions)`},
		{"service name", "services:\n  \"web;id\":\n    image: a/b\n", nil,
			`F:2:3: field "services": service name "web;id" is invalid: compose allows A-Z a-z 0-9 . _ - only (and testbed resolves servers by name: use a DNS label)`},
		{"wrong type", "services:\n  web:\n    image: a/b\n    ports: 80\n", nil,
			`F:4:5: server "web": field "ports": must be a list`},
		{"version 1", "# old style\nweb:\n  image: a/b\n  links: [db]\ndb:\n  image: a/c\n", nil,
			`F:2: this is a version 1 compose file (services like "web" at the top level, no services: key): testbed reads the Compose Specification, which also covers the version 2 and 3 formats, but not version 1; move the services under a top-level services: key`},
		{"every service in a profile", "services:\n  web: {image: a/b, profiles: [lab]}\n  db: {image: a/b, profiles: [db, lab]}\n", nil,
			`F: no servers: every service is in a profile (db, lab) and none is enabled; enable one with --profile NAME (or COMPOSE_PROFILES=NAME)`},
		{"yaml syntax", "services:\n  web:\n    image: a/b\n    environment:\n      A: 1\n     B: 2\n", nil,
			`F:6:6: invalid YAML: did not find expected key (parsing a block mapping that starts on line 3)`},
		{"required variable, not its first use", "services:\n  web:\n    image: a/b\n    hostname: ${DOMAIN:-x}\n  db:\n    image: a/b\n    domainname: \"${DOMAIN:?set DOMAIN to the lab's domain}\"\n", nil,
			`F:7:17: server "db": field "domainname": required variable "DOMAIN" is not set: set DOMAIN to the lab's domain`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			_, _, err := loadYAMLIn(t, dir, tt.yaml, nil, Options{Profiles: tt.profiles})
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

// compose-go's own log lines are captured, not printed, and come back as
// warnings once each: an unset variable is placed at its first use.
func TestLoadCapturesComposeGoLogs(t *testing.T) {
	var printed bytes.Buffer
	l := logrus.StandardLogger()
	old := l.Out
	l.SetOutput(&printed)
	defer l.SetOutput(old)

	dir := t.TempDir()
	_, ws, err := loadYAMLIn(t, dir, "version: \"2.1\"\nservices:\n  web:\n    image: a/b\n    hostname: web${SUFFIX}\n    domainname: ${DOMAIN:-lab.test}\n    environment: [\"A=$SUFFIX\", \"B=$${SUFFIX}\"]\n", nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if printed.Len() != 0 {
		t.Errorf("compose-go printed %q, want nothing", printed.String())
	}
	if l.Out != &printed {
		t.Errorf("the logger's output was not restored")
	}
	var unset, version int
	for _, w := range ws {
		switch {
		case strings.Contains(w.Msg, `variable "SUFFIX" is not set`):
			unset++
			want := filepath.Join(dir, "docker-compose.yml") + `:5: server "web": hostname: variable "SUFFIX" is not set: an empty string is used, as in compose (used 2 times; set it in the environment or .env)`
			if w.String() != want {
				t.Errorf("warning = %q, want %q", w, want)
			}
		case strings.Contains(w.Msg, "version") || strings.Contains(w.Msg, "obsolete"):
			version++
		}
	}
	if unset != 1 || version != 1 {
		t.Errorf("warnings = %v, want one about SUFFIX and one about version", ws)
	}
}

// Loads that run at once each get only their own compose-go warnings.
func TestLoadCapturesLogsPerLoad(t *testing.T) {
	const n = 4
	dirs := make([]string, n)
	for i := range dirs {
		dirs[i] = t.TempDir()
		writeFiles(t, dirs[i], map[string]string{"docker-compose.yml": "services:\n  web:\n    image: a/b\n    hostname: w${VAR_" + string(rune('A'+i)) + "}\n"})
	}
	errs := make(chan error, n)
	for i := range dirs {
		go func() {
			_, ws, err := Load(t.Context(), []string{filepath.Join(dirs[i], "docker-compose.yml")}, Options{ProjectName: "t"})
			switch {
			case err != nil:
				errs <- err
			case len(ws) != 1 || !strings.Contains(ws[0].Msg, `"VAR_`+string(rune('A'+i))+`"`):
				errs <- fmt.Errorf("load %d: warnings = %v, want one about VAR_%c", i, ws, 'A'+i)
			default:
				errs <- nil
			}
		}()
	}
	for range dirs {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

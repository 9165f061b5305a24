package compose

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// corpusDir holds compose files written for testbed in the style of real
// test-server setups. Each states what testbed does with it in comment
// lines "# testbed: DIRECTIVE":
//
//	env K=V         a variable for interpolation ($DIR is the corpus directory)
//	profile P       a profile to enable
//	warn TEXT       accepted, with a warning containing TEXT; every warning must be listed
//	refuse TEXT     refused (by the loader or validation) with an error containing TEXT
//	servers A,B     accepted, with exactly these servers in this order
//	map S PATH=V    accepted, and server S's field PATH (Go field names, "." and "[i]")
//	                shows as V ($DIR is the corpus directory)
//
// A file with no warn line must load without warnings. The test runs what
// `testbed config` runs: the loader and validation, no engine.
const corpusDir = "testdata/corpus"

type corpusCase struct {
	env      map[string]string
	profiles []string
	warn     []string
	refuse   []string
	servers  []string
	maps     [][3]string // server, path, value
}

var directiveRE = regexp.MustCompile(`^# testbed: (\w+) ?(.*)$`)

func readCorpusCase(t *testing.T, file string) corpusCase {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	c := corpusCase{env: map[string]string{}}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		m := directiveRE.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		arg := m[2]
		switch m[1] {
		case "env":
			k, v, _ := strings.Cut(arg, "=")
			c.env[k] = v
		case "profile":
			c.profiles = append(c.profiles, arg)
		case "warn":
			c.warn = append(c.warn, arg)
		case "refuse":
			c.refuse = append(c.refuse, arg)
		case "servers":
			c.servers = strings.Split(arg, ",")
		case "map":
			server, rest, _ := strings.Cut(arg, " ")
			path, val, ok := strings.Cut(rest, "=")
			if !ok {
				t.Fatalf("%s: bad map directive %q", file, arg)
			}
			c.maps = append(c.maps, [3]string{server, path, val})
		default:
			t.Fatalf("%s: unknown directive %q", file, m[1])
		}
	}
	return c
}

func TestCorpus(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(corpusDir, "*.yml"))
	if err != nil || len(files) < 25 {
		t.Fatalf("corpus: %d files (%v), want at least 25", len(files), err)
	}
	dir, err := filepath.Abs(corpusDir)
	if err != nil {
		t.Fatal(err)
	}
	accepted := 0
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			c := readCorpusCase(t, file)
			for k, v := range c.env {
				c.env[k] = strings.ReplaceAll(v, "$DIR", dir)
			}
			if len(c.refuse) == 0 && len(c.warn) == 0 && len(c.servers) == 0 && len(c.maps) == 0 {
				t.Fatalf("the file states no behaviour")
			}
			tb, warnings, err := Load(t.Context(), []string{file}, Options{ProjectName: "corpus", Env: c.env, Profiles: c.profiles})
			if err == nil {
				err = tb.Validate(nil)
			}
			if len(c.refuse) > 0 {
				if err == nil {
					t.Fatalf("Load()+Validate() = nil, want an error containing %q", c.refuse)
				}
				for _, want := range c.refuse {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("Load()+Validate() error =\n%v\nwant it to contain %q", err, want)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Load()+Validate() error = %v", err)
			}
			accepted++
			for _, w := range warnings {
				if !slices.ContainsFunc(c.warn, func(want string) bool { return strings.Contains(w.String(), want) }) {
					t.Errorf("unexpected warning %q", w)
				}
			}
			for _, want := range c.warn {
				if !containsWarning(warnings, want) {
					t.Errorf("warnings = %v, want one containing %q", warnings, want)
				}
			}
			if c.servers != nil {
				var names []string
				for _, s := range tb.Servers {
					names = append(names, s.Name)
				}
				if !slices.Equal(names, c.servers) {
					t.Errorf("servers = %v, want %v", names, c.servers)
				}
			}
			for _, m := range c.maps {
				s := tb.Server(m[0])
				if s == nil {
					t.Errorf("no server %s", m[0])
					continue
				}
				got, err := fieldValue(s, m[1])
				want := strings.ReplaceAll(m[2], "$DIR", dir)
				if err != nil || got != want {
					t.Errorf("server %s: %s = %q (%v), want %q", m[0], m[1], got, err, want)
				}
			}
		})
	}
	t.Logf("testbed accepts %d of %d corpus files", accepted, len(files))
}

// fieldValue shows the field at path of v's JSON form: "Build.Args.x",
// "Ports[0].Expose".
func fieldValue(v any, path string) (string, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var cur any
	if err := dec.Decode(&cur); err != nil {
		return "", err
	}
	for _, part := range strings.Split(strings.ReplaceAll(path, "[", ".["), ".") {
		if part == "" {
			continue
		}
		if strings.HasPrefix(part, "[") {
			i, err := strconv.Atoi(strings.Trim(part, "[]"))
			list, ok := cur.([]any)
			if err != nil || !ok || i >= len(list) {
				return "", fmt.Errorf("no item %s", part)
			}
			cur = list[i]
			continue
		}
		m, ok := cur.(map[string]any)
		if !ok {
			return "", fmt.Errorf("no field %s", part)
		}
		cur = m[part]
	}
	if cur == nil {
		return "", nil
	}
	return fmt.Sprint(cur), nil
}

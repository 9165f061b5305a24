package spec

import (
	"fmt"
	"strings"
	"testing"
)

// graph builds a testbed from "name:dep,dep" entries.
func graph(entries ...string) *Testbed {
	tb := &Testbed{Source: "t.yaml"}
	for i, e := range entries {
		name, deps, _ := strings.Cut(e, ":")
		s := &Server{Name: name, Image: "a", Pos: Pos{"t.yaml", i + 1}}
		for _, d := range strings.Split(deps, ",") {
			if d != "" {
				s.DependsOn = append(s.DependsOn, Dependency{Name: d, Condition: ConditionReady})
			}
		}
		tb.Servers = append(tb.Servers, s)
	}
	return tb
}

func levelsString(levels [][]*Server) string {
	var parts []string
	for _, l := range levels {
		var names []string
		for _, s := range l {
			names = append(names, s.Name)
		}
		parts = append(parts, "["+strings.Join(names, " ")+"]")
	}
	return strings.Join(parts, " ")
}

func TestOrder(t *testing.T) {
	tests := []struct {
		name    string
		entries []string
		want    string
	}{
		{"independent", []string{"a", "b", "c"}, "[a b c]"},
		{"chain", []string{"c:b", "b:a", "a"}, "[a] [b] [c]"},
		{"diamond", []string{"d:b,c", "c:a", "b:a", "a", "e"}, "[a e] [c b] [d]"},
		{"levels by longest path", []string{"x:a,c", "a", "b:a", "c:b"}, "[a] [b] [c] [x]"},
		{"map form conditions", []string{"web", "app:web", "job:app,web"}, "[web] [app] [job]"},
		{"empty", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			levels, err := graph(tt.entries...).Order()
			if err != nil {
				t.Fatalf("Order() error = %v", err)
			}
			if got := levelsString(levels); got != tt.want {
				t.Errorf("Order() = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestOrderLongChain(t *testing.T) {
	const n = 5000
	entries := []string{"s0"}
	for i := 1; i < n; i++ {
		entries = append(entries, fmt.Sprintf("s%d:s%d", i, i-1))
	}
	levels, err := graph(entries...).Order()
	if err != nil {
		t.Fatal(err)
	}
	if len(levels) != n || levels[n-1][0].Name != fmt.Sprintf("s%d", n-1) {
		t.Errorf("Order() gave %d levels, want %d", len(levels), n)
	}
}

func TestDependencyErrors(t *testing.T) {
	tests := []struct {
		name    string
		entries []string
		want    []string // every error, in order
	}{
		{"two-cycle", []string{"a:b", "b:a"}, []string{
			`t.yaml:1: server "a": field "depends_on[0]": dependency cycle: a -> b -> a`}},
		{"three-cycle", []string{"a:b", "b:c", "c:a"}, []string{
			`t.yaml:1: server "a": field "depends_on[0]": dependency cycle: a -> b -> c -> a`}},
		{"cycle behind a prefix", []string{"x:a", "a:b", "b:a"}, []string{
			`t.yaml:2: server "a": field "depends_on[0]": dependency cycle: a -> b -> a`}},
		{"cycle via second dep", []string{"a:z,b", "b:a", "z"}, []string{
			`t.yaml:1: server "a": field "depends_on[1]": dependency cycle: a -> b -> a`}},
		{"two separate cycles", []string{"a:b", "b:a", "c:d", "d:c"}, []string{
			`server "a": field "depends_on[0]": dependency cycle: a -> b -> a`,
			`server "c": field "depends_on[0]": dependency cycle: c -> d -> c`}},
		{"self", []string{"a:a"}, []string{`t.yaml:1: server "a": field "depends_on[0]": a server cannot depend on itself`}},
		{"unknown", []string{"a:b"}, []string{`server "a": field "depends_on[0]": depends on "b", which is not a server here`}},
		{"twice", []string{"a:b,b", "b"}, []string{`server "a": field "depends_on[1]": "b" listed twice`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := graph(tt.entries...)
			_, err := tb.Order()
			if err == nil {
				t.Fatalf("Order() = nil error, want %q", tt.want)
			}
			verr := tb.Validate(nil)
			for _, got := range []error{err, verr} {
				errs := unjoin(got)
				if len(errs) != len(tt.want) {
					t.Fatalf("got %d errors, want %d:\n%v", len(errs), len(tt.want), got)
				}
				for i, w := range tt.want {
					if !strings.Contains(errs[i].Error(), w) {
						t.Errorf("error %d = %v, want %q", i, errs[i], w)
					}
				}
			}
		})
	}
}

func TestOrderFromFile(t *testing.T) {
	dir := project(t)
	tb, err := loadString(t, dir, "testbed.yaml", `servers:
  app:
    image: a
    depends_on: {db: {condition: ready}, init: {condition: completed}}
  db: {image: d}
  init: {image: i, depends_on: [db]}
  web: {builtin: http}
`)
	if err != nil {
		t.Fatal(err)
	}
	levels, err := tb.Order()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := levelsString(levels), "[db web] [init] [app]"; got != want {
		t.Errorf("Order() = %s, want %s", got, want)
	}
}

func TestSubset(t *testing.T) {
	tb := &Testbed{Servers: []*Server{
		{Name: "a"}, {Name: "b", DependsOn: []Dependency{{Name: "a"}}}, {Name: "c"},
	}}
	got, err := tb.Subset([]string{"b"})
	if err != nil || len(got.Servers) != 2 || got.Servers[0].Name != "a" || got.Servers[1].Name != "b" {
		t.Errorf("Subset(b) = %v, %v; want a, b", got, err)
	}
	if _, err := tb.Subset([]string{"zz"}); err == nil {
		t.Errorf("Subset(zz) = nil error")
	}
}

package plan

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/testbed-dev/testbed/catalog"
	"github.com/testbed-dev/testbed/probe"
	"github.com/testbed-dev/testbed/spec"
)

func testbed() *spec.Testbed {
	return &spec.Testbed{Domain: "lab.test", Servers: []*spec.Server{
		{Name: "app", Image: "example/app:1", Ports: []spec.Port{{Port: 8080}, {Port: 53, Proto: "udp"}},
			Env:       map[string]string{"DB_PASSWORD": "s3cret", "MODE": "test"},
			DependsOn: []spec.Dependency{{Name: "db"}}, Aliases: []string{"www"}, Timeout: 5 * time.Second},
		{Name: "db", Image: "example/db:2", Ports: []spec.Port{{Port: 5432}}},
		{Name: "cache", Image: "example/cache:3"},
	}}
}

func TestPlanString(t *testing.T) {
	p, err := New(testbed(), catalog.New(), Options{Project: "proj", Owner: "h/1/2", Version: "v", Container: true})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.ReplaceAll(p.String(), p.SpecHash, "HASH")
	want := `project proj (network proj, domain lab.test, spec HASH)
level 0:
  db
    container  proj.db
    image      example/db:2
    hostname   db.lab.test
    aliases    db db.lab.test
    ports      5432/tcp->127.0.0.1:auto
    ready      tcp 5432 within 1m0s
  cache
    container  proj.cache
    image      example/cache:3
    hostname   cache.lab.test
    aliases    cache cache.lab.test
    ready      running within 1m0s
level 1:
  app
    container  proj.app
    image      example/app:1
    hostname   app.lab.test
    aliases    app app.lab.test www
    ports      8080/tcp->127.0.0.1:auto 53/udp->127.0.0.1:auto
    env        DB_PASSWORD=******** MODE=test
    depends on db(ready)
    ready      tcp 8080 within 5s
`
	if got != want {
		t.Errorf("String() =\n%s\nwant\n%s", got, want)
	}
	app := p.Step("app")
	if app.Labels[LabelProject] != "proj" || app.Labels[LabelServer] != "app" || app.Labels[LabelOwner] != "h/1/2" ||
		app.Labels[LabelSpecHash] != app.Hash || app.Labels[LabelVersion] != "v" {
		t.Errorf("labels = %v", app.Labels)
	}
}

func TestBindLocalAndHash(t *testing.T) {
	p, err := New(testbed(), catalog.New(), Options{Project: "p", BindLocal: true})
	if err != nil {
		t.Fatal(err)
	}
	if b := p.Step("db").Ports[0]; b.HostPort != 5432 || b.HostIP != "127.0.0.1" {
		t.Errorf("bind-local binding = %+v, want 127.0.0.1:5432", b)
	}
	q, _ := New(testbed(), catalog.New(), Options{Project: "other", BindLocal: true})
	if p.SpecHash != q.SpecHash {
		t.Errorf("spec hash depends on the project: %s vs %s", p.SpecHash, q.SpecHash)
	}
	tb := testbed()
	tb.Servers[1].Image = "example/db:3"
	r, _ := New(tb, catalog.New(), Options{Project: "p"})
	if r.SpecHash == p.SpecHash {
		t.Errorf("spec hash did not change with the spec")
	}
}

func TestRedaction(t *testing.T) {
	for _, c := range []struct{ name, value, want string }{
		{"PASSWORD", "x", Redacted}, {"api_token", "x", Redacted}, {"MODE", "x", "x"},
	} {
		if got := RedactEnv(c.name, c.value); got != c.want {
			t.Errorf("RedactEnv(%s) = %s, want %s", c.name, got, c.want)
		}
	}
}

// The planner picks no data ports (that would need the host's sockets):
// the step says how many (pasv-count, 32 by default), and the driver's
// pick goes into a copy.
func TestWithDataPorts(t *testing.T) {
	tb := &spec.Testbed{Servers: []*spec.Server{{Name: "ftp", Builtin: "ftp", Options: map[string]string{"pasv-count": "4"}}}}
	p, err := New(tb, catalog.New(), Options{Project: "p", Container: true})
	if err != nil {
		t.Fatal(err)
	}
	st := p.Step("ftp")
	if st.DataPorts != 4 || st.DataPortList() != "" {
		t.Fatalf("DataPorts = %d, bound %q; want 4 to pick, none bound", st.DataPorts, st.DataPortList())
	}
	before := p.String()
	run := st.WithDataPorts([]int{22000, 22001, 22002, 22003})
	if p.String() != before {
		t.Errorf("WithDataPorts changed the plan:\n%s\nwas\n%s", p.String(), before)
	}
	cmd := strings.Join(run.Command, " ")
	if !strings.Contains(cmd, "--set pasv-ports=22000,22001,22002,22003") || !strings.HasPrefix(cmd, "serve ftp ") {
		t.Errorf("command with data ports = %s", cmd)
	}
	var data []string
	for _, b := range run.Ports {
		if b.Data {
			data = append(data, fmt.Sprintf("%d:%d", b.Port, b.HostPort))
		}
	}
	if got := strings.Join(data, " "); got != "22000:22000 22001:22001 22002:22002 22003:22003" {
		t.Errorf("data bindings = %s", got)
	}
	if run.Ports[0].Port != 21 || run.Ports[0].Data {
		t.Errorf("control port lost: %+v", run.Ports[0])
	}
}

func TestBuiltinPorts(t *testing.T) {
	tb := &spec.Testbed{Servers: []*spec.Server{{Name: "web", Builtin: "http", Ports: []spec.Port{{Port: 80, Proto: "tcp", HostPort: 18080}}}}}
	p, err := New(tb, catalog.New(), Options{Project: "p", Container: true})
	if err != nil {
		t.Fatal(err)
	}
	if b := p.Step("web").Ports; len(b) != 1 || b[0].HostPort != 18080 {
		t.Errorf("ports = %+v, want only 80 on host port 18080", b)
	}
	if got := probe.Describe(p.Step("web").Probe); got != "all(http GET / on 80 = 200)" {
		t.Errorf("probe = %s, want only the published port's check", got)
	}
	tb.Servers[0].Ports = []spec.Port{{Port: 8080, Proto: "tcp"}}
	if _, err := New(tb, catalog.New(), Options{Project: "p"}); err == nil || !strings.Contains(err.Error(), "listens on 80/tcp, 443/tcp, not 8080/tcp") {
		t.Errorf("New() with a port the kind lacks = %v", err)
	}
}

// The plan prints a step's probe in the words progress lines and errors
// use: the probe's own String (probe.Describe).
func TestPlanStringProbe(t *testing.T) {
	ready := &spec.Probe{Any: []*spec.Probe{
		{HTTP: &spec.HTTPProbe{Port: 8080, Path: "/healthz"}},
		{Exec: &spec.ExecProbe{Command: []string{"check", "--full"}}},
		{Health: true},
		{Exited: true},
	}}
	tb := &spec.Testbed{Servers: []*spec.Server{{Name: "app", Image: "x", Ports: []spec.Port{{Port: 8080, Proto: "tcp"}}, Ready: ready}}}
	p, err := New(tb, catalog.New(), Options{Project: "p"})
	if err != nil {
		t.Fatal(err)
	}
	want := "    ready      any(http GET /healthz on 8080 = 200-399, exec [\"check\" \"--full\"], health, exited) within 1m0s\n"
	if got := p.String(); !strings.Contains(got, want) {
		t.Errorf("String() =\n%s\nwant the line\n%s", got, want)
	}
}

// A kind's probe keeps only what checks a published port, at any depth,
// whatever the list kind; checks of no port (log) stay.
func TestOnPorts(t *testing.T) {
	tcp := func(n int) *spec.Probe { return &spec.Probe{TCP: &spec.TCPProbe{Port: n}} }
	logp := &spec.Probe{Log: &spec.LogProbe{Pattern: "up"}}
	in := &spec.Probe{All: []*spec.Probe{
		{HTTP: &spec.HTTPProbe{Port: 80}},
		{Any: []*spec.Probe{tcp(443), {Banner: &spec.BannerProbe{Port: 21, Expect: "x"}}, {Echo: &spec.TCPProbe{Port: 7}}}},
		{Any: []*spec.Probe{tcp(443), {TLS: &spec.TCPProbe{Port: 993}}}},
		logp,
	}}
	got := onPorts(in, []spec.Port{{Port: 80, Proto: "tcp"}, {Port: 7, Proto: "tcp"}})
	if s, want := probe.Describe(got), "all(http GET / on 80 = 200-399, any(echo 7), log up)"; s != want {
		t.Errorf("onPorts() = %s, want %s", s, want)
	}
	if s := probe.Describe(in); !strings.Contains(s, "tcp 443") {
		t.Errorf("onPorts changed its input: %s", s)
	}
	if got := onPorts(in.All[2], []spec.Port{{Port: 80, Proto: "tcp"}}); got != nil {
		t.Errorf("onPorts(nothing published) = %s, want nil", probe.Describe(got))
	}
}

// Every built-in kind's probe (opt-in kinds too), as planned for the kind's default server,
// is one probe.FromSpec builds.
func TestBuiltinProbesBuild(t *testing.T) {
	cat := catalog.New()
	p, err := New(cat.DefaultWith(cat.Names()...), cat, Options{Project: "p", Container: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range p.Steps() {
		if st.Probe == nil {
			t.Errorf("%s: no probe", st.Server.Name)
			continue
		}
		if _, err := probe.FromSpec(st.Probe, nil); err != nil {
			t.Errorf("%s: FromSpec() = %v", st.Server.Name, err)
		}
	}
	if len(p.Steps()) != len(cat.Names()) {
		t.Errorf("a testbed of every kind has %d servers, the catalogue %d kinds", len(p.Steps()), len(cat.Names()))
	}
}

func TestDefaultDataPorts(t *testing.T) {
	tb := &spec.Testbed{Servers: []*spec.Server{{Name: "ftp", Builtin: "ftp"}}}
	p, err := New(tb, catalog.New(), Options{Project: "p", Container: true, BindLocal: true})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, b := range p.Step("ftp").Ports {
		if b.Data {
			n++
		}
	}
	if n != 32 {
		t.Errorf("data ports with --bind-local = %d, want 32", n)
	}
	tb.Servers[0].Options = map[string]string{"pasv-count": "0"}
	if _, err := New(tb, catalog.New(), Options{Project: "p", Container: true, BindLocal: true}); err == nil {
		t.Errorf("New() with pasv-count=0 = nil error, want one")
	}
}

// Expose ports are declared on the network only: not published, not an
// endpoint, not probed.
func TestExposeNotPublished(t *testing.T) {
	tb := &spec.Testbed{Servers: []*spec.Server{{Name: "svc", Image: "x",
		Ports: []spec.Port{{Port: 80}, {Port: 8080, Expose: true}}}}}
	p, err := New(tb, catalog.New(), Options{Project: "ex", Container: true})
	if err != nil {
		t.Fatal(err)
	}
	st := p.Step("svc")
	if st.Probe == nil || st.Probe.TCP == nil || st.Probe.TCP.Port != 80 {
		t.Errorf("probe = %+v, want tcp 80 only", st.Probe)
	}
	if len(st.Ports) != 2 || st.Ports[1].Port != 8080 || !st.Ports[1].Expose || st.Ports[1].HostIP != "" {
		t.Errorf("ports = %+v, want 8080 expose-only with no host side", st.Ports)
	}
}

package endpoints

import (
	"errors"
	"reflect"
	"testing"
)

func TestEnv(t *testing.T) {
	m := &Manifest{Project: "p", Driver: "docker", Domain: "testbed.test", CAFile: "/s/ca.pem",
		Servers: map[string]*Server{
			"my-web": {Hostname: "my-web.testbed.test", Ports: map[string]string{"80/tcp": "127.0.0.1:1", "7/udp": "127.0.0.1:2"}},
		}}
	want := []string{
		"TESTBED_CA_FILE=/s/ca.pem",
		"TESTBED_DOMAIN=testbed.test",
		"TESTBED_DRIVER=docker",
		"TESTBED_MY_WEB_7_UDP=127.0.0.1:2",
		"TESTBED_MY_WEB_80=127.0.0.1:1",
		"TESTBED_MY_WEB_HOST=my-web.testbed.test",
		"TESTBED_PROJECT=p",
	}
	if got := m.Env(); !reflect.DeepEqual(got, want) {
		t.Errorf("Env() = %q, want %q", got, want)
	}
	if a, err := m.Addr("my-web", "80"); err != nil || a != "127.0.0.1:1" {
		t.Errorf("Addr(my-web, 80) = %q, %v", a, err)
	}
	if _, err := m.Addr("nope", "80"); err == nil {
		t.Errorf("Addr(nope) = nil error, want one")
	}
}

func TestWriteRead(t *testing.T) {
	dir := t.TempDir()
	if _, err := Read(dir); !errors.Is(err, ErrNotUp) {
		t.Fatalf("Read(empty) = %v, want ErrNotUp", err)
	}
	m := &Manifest{Project: "p", Servers: map[string]*Server{"a": {Hostname: "a.x", Ports: map[string]string{}}}}
	if err := Write(dir, m); err != nil {
		t.Fatal(err)
	}
	got, err := Read(dir)
	if err != nil || !reflect.DeepEqual(got, m) {
		t.Fatalf("Read() = %+v, %v, want %+v", got, err, m)
	}
}

func TestShellQuote(t *testing.T) {
	if got := ShellQuote(`a'b $(x)`); got != `'a'\''b $(x)'` {
		t.Errorf("ShellQuote = %s", got)
	}
}

func TestPortKeys(t *testing.T) {
	ports := map[string]string{"13/tcp": "c", "7/udp": "b", "443/tcp": "e", "7/tcp": "a", "19/tcp": "d"}
	want := []string{"7/tcp", "7/udp", "13/tcp", "19/tcp", "443/tcp"}
	if got := PortKeys(ports); !reflect.DeepEqual(got, want) {
		t.Errorf("PortKeys() = %q, want %q", got, want)
	}
}

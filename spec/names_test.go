package spec

import (
	"io/fs"
	"strings"
	"testing"
)

func TestIsDNSLabel(t *testing.T) {
	for s, want := range map[string]bool{
		"web": true, "a": true, "web-1": true, "1": true, strings.Repeat("a", 63): true,
		"": false, "-web": false, "web-": false, "Web": false, "web_1": false, "web.x": false,
		strings.Repeat("a", 64): false, "wеb": false, "web;id": false, "web\n": false,
	} {
		if got := IsDNSLabel(s); got != want {
			t.Errorf("IsDNSLabel(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestIsDNSName(t *testing.T) {
	for s, want := range map[string]bool{
		"testbed.test": true, "www": true, "a.b-c.d": true, "x.y2": true,
		"": false, "testbed.test.": false, ".test": false, "a..b": false, "Testbed.test": false,
		"10.0.0.1": false, "a.123": false, "a b.test": false, "$(id).test": false,
		strings.Repeat("a.", 127) + "ab": false,
	} {
		if got := IsDNSName(s); got != want {
			t.Errorf("IsDNSName(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestIsProjectName(t *testing.T) {
	for s, want := range map[string]bool{
		"mytests": true, "my_tests-2": true, "0x": true,
		"": false, "_x": false, "-x": false, "My": false, "a.b": false, strings.Repeat("a", 64): false,
	} {
		if got := IsProjectName(s); got != want {
			t.Errorf("IsProjectName(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestIsEnvName(t *testing.T) {
	for s, want := range map[string]bool{
		"HOME": true, "_x": true, "a1": true,
		"": false, "1a": false, "A-B": false, "A B": false, "A=B": false,
		strings.Repeat("A", MaxEnvNameLen): true, strings.Repeat("A", MaxEnvNameLen+1): false,
	} {
		if got := IsEnvName(s); got != want {
			t.Errorf("IsEnvName(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestCheckImageRef(t *testing.T) {
	digest := "sha256:" + strings.Repeat("0123456789abcdef", 4)
	good := []string{
		"nginx", "nginx:1.25", "library/nginx:latest", "example/app:1.2", "testbed/http:abc123",
		"localhost:5000/app", "registry.example.com/team/app:v1.0-rc_1", "app@" + digest,
		"app:1@" + digest, "Registry.Example.com/app", "a__b/c-d/e.f", "[::1]:5000/app",
	}
	bad := []string{
		"", "Example/App", "app:", "app:-x", ":tag", "app@sha256:abc", "app@md5:" + strings.Repeat("0", 32),
		"app;id", "app $(id)", "app\nx", "app`id`", "../app", "/app", "app/", "app//x", "a b",
		"app:" + strings.Repeat("t", 129), strings.Repeat("a", 256), "аpp", "app:1:2",
	}
	for _, s := range good {
		if err := CheckImageRef(s); err != nil {
			t.Errorf("CheckImageRef(%q) = %v, want nil", s, err)
		}
	}
	for _, s := range bad {
		if err := CheckImageRef(s); err == nil {
			t.Errorf("CheckImageRef(%q) = nil, want error", s)
		}
	}
}

func TestParsePort(t *testing.T) {
	tests := []struct {
		in   string
		want Port
		err  string
	}{
		{"80", Port{Port: 80, Proto: "tcp"}, ""},
		{"53/udp", Port{Port: 53, Proto: "udp"}, ""},
		{"30000-30009", Port{Port: 30000, End: 30009, Proto: "tcp"}, ""},
		{"8080:80", Port{Port: 80, Proto: "tcp", HostPort: 8080}, ""},
		{"127.0.0.1:8080:80/udp", Port{Port: 80, Proto: "udp", HostPort: 8080, HostIP: "127.0.0.1"}, ""},
		{"127.0.0.1::80", Port{Port: 80, Proto: "tcp", HostIP: "127.0.0.1"}, ""},
		{"[::1]:9000-9001:90-91", Port{Port: 90, End: 91, Proto: "tcp", HostPort: 9000, HostIP: "::1"}, ""},
		{"80-80", Port{Port: 80, Proto: "tcp"}, ""},
		{"", Port{}, `port "" is not a number`},
		{"0", Port{}, "port 0 out of range 1-65535"},
		{"65536", Port{}, "port 65536 out of range 1-65535"},
		{"99999999999999999999", Port{}, "is not a number"},
		{"-1", Port{}, `port "" is not a number`},
		{"+80", Port{}, `port "+80" is not a number`},
		{"80/sctp", Port{}, "protocol must be tcp or udp"},
		{"80/TCP", Port{}, "protocol must be tcp or udp"},
		{"20-10", Port{}, "port range 20-10 ends before it starts"},
		{"1-1001", Port{}, "holds 1001 ports, more than 1000"},
		{"8000-8001:80", Port{}, "differ in length"},
		{"x:80:80", Port{}, `host address "x" is not an IP address`},
		{"fe80::1%eth0:80:80", Port{}, "IPv6 addresses in brackets"},
		{"[fe80::1%eth0]:80:80", Port{}, "is not an IP address"},
		{":80:80", Port{}, "empty host address"},
		{"1:2:3:4", Port{}, "want [HOST_IP:][HOST_PORT:]PORT"},
		{"[::1]80", Port{}, "want [IPV6]:HOST_PORT:PORT"},
	}
	for _, tt := range tests {
		got, err := ParsePort(tt.in)
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("ParsePort(%q) error = %v", tt.in, err)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("ParsePort(%q) = %+v, %v, want error %q", tt.in, got, err, tt.err)
		case tt.err == "" && got != tt.want:
			t.Errorf("ParsePort(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestParseMode(t *testing.T) {
	tests := []struct {
		in   string
		want fs.FileMode
		ok   bool
	}{
		{"644", 0o644, true}, {"0644", 0o644, true}, {"0o644", 0o644, true}, {"0O600", 0o600, true},
		{"0", 0, true}, {"777", 0o777, true}, {"0000777", 0o777, true}, {"7", 0o7, true},
		{"", 0, false}, {"0o", 0, false}, {"1000", 0, false}, {"4755", 0, false}, {"0x1ff", 0, false},
		{"648", 0, false}, {"-644", 0, false}, {"rw-r--r--", 0, false}, {" 644", 0, false},
		{strings.Repeat("7", 40), 0, false},
	}
	for _, tt := range tests {
		got, err := ParseMode(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseMode(%q) = %#o, %v, want %#o, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestParseVolume(t *testing.T) {
	tests := []struct {
		in   string
		want Volume
		err  bool
	}{
		{"./x:/x", Volume{Type: VolumeBind, Source: "./x", Target: "/x"}, false},
		{"/abs:/x:ro", Volume{Type: VolumeBind, Source: "/abs", Target: "/x", ReadOnly: true}, false},
		{"data/sub:/x:rw", Volume{Type: VolumeBind, Source: "data/sub", Target: "/x"}, false},
		{"data:/data", Volume{Type: VolumeVolume, Source: "data", Target: "/data"}, false},
		{"/anon", Volume{Type: VolumeVolume, Target: "/anon"}, false},
		{"a:/b:z", Volume{}, true},
		{":/b", Volume{}, true},
		{"a:", Volume{}, true},
		{"a:b:c:d", Volume{}, true},
		{"", Volume{}, true},
	}
	for _, tt := range tests {
		got, err := ParseVolume(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseVolume(%q) = %+v, %v, want %+v, err=%v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

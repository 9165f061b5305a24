package spec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The fields compose files bring are validated like every other: each
// problem names the server and the field.
func TestValidateComposeFields(t *testing.T) {
	dir := project(t)
	shared := filepath.Join(t.TempDir(), "Dockerfile")
	if err := os.WriteFile(shared, []byte("FROM scratch\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(t.TempDir(), "Big.Dockerfile")
	if err := os.WriteFile(big, make([]byte, maxExternalDockerfile+1), 0o644); err != nil {
		t.Fatal(err)
	}
	ok := func() *Server { return &Server{Name: "web", Image: "example/web:1"} }
	tests := []struct {
		name  string
		edit  func(s *Server)
		field string // "" for valid
		msg   string
	}{
		{"valid", func(s *Server) {
			s.Hostname, s.Domainname = "www", "lab.test"
			s.ExtraHosts = []HostEntry{{Name: "db.lab.test", IP: "10.0.0.2"}, {Name: "gw", IP: "host-gateway"}, {Name: "v6", IP: "::1"}}
			s.Platform = "linux/arm64/v8"
			s.Resources = &Resources{Memory: 64 << 20, NanoCPUs: 1500000000, Pids: 100}
			s.Health = &Health{Test: []string{"CMD", "/ok"}, Timeout: time.Second, StartPeriod: time.Minute}
			s.Volumes = []Volume{{Type: VolumeVolume, Source: "data", Target: "/data", NoCopy: true}}
		}, "", ""},
		{"external dockerfile", func(s *Server) {
			s.Image = ""
			s.Build = &Build{Context: filepath.Join(dir, "site"), ExternalDockerfile: shared, Target: "dev"}
		}, "", ""},
		{"domainname", func(s *Server) { s.Domainname = "Lab Test" }, "domainname", "invalid domainname"},
		{"extra host name", func(s *Server) { s.ExtraHosts = []HostEntry{{Name: "a;b", IP: "10.0.0.1"}} }, "extra_hosts[0]", "invalid host name"},
		{"extra host ip", func(s *Server) { s.ExtraHosts = []HostEntry{{Name: "a", IP: "10.0.0"}} }, "extra_hosts[0]", "want an IP address or host-gateway"},
		{"platform", func(s *Server) { s.Platform = "linux" }, "platform", "os/arch"},
		{"memory", func(s *Server) { s.Resources = &Resources{Memory: 1024} }, "resources.memory", "at least"},
		{"cpus", func(s *Server) { s.Resources = &Resources{NanoCPUs: -1} }, "resources.cpus", "out of range"},
		{"pids", func(s *Server) { s.Resources = &Resources{Pids: -5} }, "resources.pids", "out of range"},
		{"target", func(s *Server) {
			s.Image = ""
			s.Build = &Build{Context: filepath.Join(dir, "ftp"), Target: "dev stage"}
		}, "build.target", "invalid build target"},
		{"external dockerfile missing", func(s *Server) {
			s.Image = ""
			s.Build = &Build{Context: filepath.Join(dir, "site"), ExternalDockerfile: filepath.Join(dir, "nope")}
		}, "build.dockerfile", "does not exist"},
		{"external dockerfile too big", func(s *Server) {
			s.Image = ""
			s.Build = &Build{Context: filepath.Join(dir, "site"), ExternalDockerfile: big}
		}, "build.dockerfile", "at most"},
		{"external and inline", func(s *Server) {
			s.Image = ""
			s.Build = &Build{Context: filepath.Join(dir, "site"), ExternalDockerfile: shared, Inline: "FROM scratch\n"}
		}, "build.dockerfile", "neither an inline"},
		{"health timeout", func(s *Server) { s.Health = &Health{Test: []string{"CMD", "/ok"}, Timeout: 2 * time.Hour} }, "healthcheck.timeout", "out of range"},
		{"start period", func(s *Server) { s.Health = &Health{Test: []string{"CMD", "/ok"}, StartPeriod: -time.Second} }, "healthcheck.start_period", "out of range"},
		{"nocopy on a bind", func(s *Server) {
			s.Volumes = []Volume{{Type: VolumeBind, Source: dir, Target: "/x", NoCopy: true}}
		}, "volumes[0]", "nocopy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := ok()
			tt.edit(s)
			err := (&Testbed{Source: "f.yml", Servers: []*Server{s}}).Validate(nil)
			if tt.field == "" {
				if err != nil {
					t.Errorf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), `server "web": field "`+tt.field+`"`) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("Validate() = %v, want field %s: ...%s", err, tt.field, tt.msg)
			}
		})
	}
}

func TestServerFQDN(t *testing.T) {
	for _, tt := range []struct {
		host, domain, want string
	}{
		{"", "", "web.testbed.test"},
		{"www", "", "www"},
		{"www", "lab.test", "www.lab.test"},
		{"", "lab.test", "web.lab.test"},
		{"www.example.test", "", "www.example.test"},
	} {
		s := &Server{Name: "web", Hostname: tt.host, Domainname: tt.domain}
		if got := s.FQDN(""); got != tt.want {
			t.Errorf("FQDN() of hostname %q, domainname %q = %q, want %q", tt.host, tt.domain, got, tt.want)
		}
	}
}

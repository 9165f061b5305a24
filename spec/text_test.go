package spec

import (
	"strings"
	"testing"
)

func TestCheckText(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"QA; $(id) `x` \"q\" ../wеb", ""},
		{"x\ny", `control or invisible character '\n' not allowed`},
		{"a\tb", `control or invisible character '\t' not allowed`},
		{"x\x00y", `control or invisible character '\x00' not allowed`},
		{"esc \x1b[2J", `control or invisible character '\x1b' not allowed`},
		{"rtl \u202e", `control or invisible character '\u202e' not allowed`},
		{"zero\u200bwidth", `control or invisible character '\u200b' not allowed`},
		{"c1 \u0085", `control or invisible character '\u0085' not allowed`},
		{"stand-in \ufffd", `control or invisible character '\ufffd' not allowed`},
		{"bad \xff", "not valid UTF-8"},
	} {
		got := ""
		if err := CheckText(tt.in); err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("CheckText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCheckData(t *testing.T) {
	if err := CheckData("x\ny\t$(id)\u202e"); err != nil {
		t.Errorf("CheckData(control characters) = %v, want nil", err)
	}
	if err := CheckData("x\x00y"); err == nil || err.Error() != "NUL character not allowed" {
		t.Errorf("CheckData(NUL) = %v, want NUL character not allowed", err)
	}
}

// EscapeText writes what CheckText refuses in the escape CheckText's
// message names it by, and keeps the rest.
func TestEscapeText(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"invalid proto: tcp", "invalid proto: tcp"},
		{"env file x\ntouch y not found", `env file x\ntouch y not found`},
		{"open a\x00b: invalid argument", `open a\x00b: invalid argument`},
		{"bell \a esc \x1b[2J rtl \u202e tab \t", `bell \a esc \x1b[2J rtl \u202e tab \t`},
		{"stand-in \ufffd, bad bytes \xff\xfe", `stand-in \ufffd, bad bytes \xff\xfe`},
		{"wеb 日本", "wеb 日本"},
	} {
		got := EscapeText(tt.in)
		if got != tt.want {
			t.Errorf("EscapeText(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if err := CheckText(got); err != nil {
			t.Errorf("CheckText(EscapeText(%q)) = %v, want nil", tt.in, err)
		}
	}
}

func TestCheckFile(t *testing.T) {
	dir := project(t)
	type problem struct{ field, msg string }
	for _, tt := range []struct {
		name string
		f    File
		want []problem
	}{
		{"fine", File{Src: dir + "/ca.pem", Dst: "/etc/ssl/a+b@c_d-e.pem", Mode: 0o644}, nil},
		{"all three", File{Dst: "etc/x", Mode: 0o4755}, []problem{
			{"src", "empty source"},
			{"dst", `destination "etc/x" must be an absolute path`},
			{"mode", "mode 04755 above 0777 (setuid, setgid and sticky bits are not allowed)"},
		}},
		{"space in dst", File{Src: dir + "/ca.pem", Dst: "/etc/a b"}, []problem{
			{"dst", `destination "/etc/a b" may only hold A-Z a-z 0-9 and / . _ - + @`},
		}},
		{"control in src", File{Src: dir + "/ca\n.pem", Dst: "/x"}, []problem{
			{"src", `source "` + dir + `/ca\n.pem": control or invisible character '\n' not allowed`},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got []problem
			CheckFile(tt.f, func(field, msg string) { got = append(got, problem{field, msg}) })
			if len(got) != len(tt.want) {
				t.Fatalf("CheckFile() = %q, want %q", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("CheckFile() problem %d = %q, want %q", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestParsePortNumber(t *testing.T) {
	for _, tt := range []struct {
		in   string
		n    int
		want string
	}{
		{"80", 80, ""},
		{"065535", 65535, ""},
		{"0", 0, "port 0 out of range 1-65535"},
		{"65536", 0, "port 65536 out of range 1-65535"},
		{"80.5", 0, `port "80.5" is not a number`},
		{"-1", 0, `port "-1" is not a number`},
		{"80; id", 0, `port "80; id" is not a number`},
		{strings.Repeat("9", 20), 0, `port "99999999999999999999" is not a number`},
	} {
		n, err := ParsePortNumber(tt.in)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if n != tt.n || got != tt.want {
			t.Errorf("ParsePortNumber(%q) = %d, %q; want %d, %q", tt.in, n, got, tt.n, tt.want)
		}
	}
}

package ftpd

import (
	"errors"
	"testing"
)

func TestParseCommand(t *testing.T) {
	for _, tc := range []struct {
		line    string
		want    command
		wantErr error
	}{
		{"USER anonymous\r\n", command{"USER", "anonymous"}, nil},
		{"user anonymous\n", command{"USER", "anonymous"}, nil},
		{"PASV\r\n", command{"PASV", ""}, nil},
		{"PASV", command{"PASV", ""}, nil},
		{"CWD  two  spaces \r\n", command{"CWD", " two  spaces "}, nil},
		{"STOR name with spaces.txt\r\n", command{"STOR", "name with spaces.txt"}, nil},
		{"RETR ünïcödé\r\n", command{"RETR", "ünïcödé"}, nil},
		{"\xff\xf4\xff\xf2ABOR\r\n", command{"ABOR", ""}, nil},
		{"\xff\xf4\xffABOR\r\n", command{"ABOR", ""}, nil}, // DM taken out of band
		{"\xff\xfb\x01NOOP\r\n", command{"NOOP", ""}, nil},
		{"RETR a\xff\xffb\r\n", command{"RETR", "a\xffb"}, nil},
		{"NOOP\xff", command{"NOOP", ""}, nil},
		{"XPWD\r\n", command{"XPWD", ""}, nil},
		{"\r\n", command{}, errEmptyCommand},
		{"   \r\n", command{}, errEmptyCommand},
		{"", command{}, errEmptyCommand},
		{" USER x\r\n", command{}, errBadVerb},
		{"US3R x\r\n", command{}, errBadVerb},
		{"ABCDEFGHI\r\n", command{}, errBadVerb},
		{"RETR a\x00b\r\n", command{}, errBadCharacter},
		{"RETR a\rb\r\n", command{}, errBadCharacter},
		{"RETR a\r\r\n", command{}, errBadCharacter},
	} {
		got, err := parseCommand([]byte(tc.line))
		if !errors.Is(err, tc.wantErr) || got != tc.want {
			t.Errorf("parseCommand(%q) = %+v, %v; want %+v, %v", tc.line, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestResolvePath(t *testing.T) {
	for _, tc := range []struct{ cwd, arg, want string }{
		{"/", "", "/"},
		{"/pub", "", "/pub"},
		{"/pub", "hello.txt", "/pub/hello.txt"},
		{"/pub", "/upload/x", "/upload/x"},
		{"/pub", "..", "/"},
		{"/", "../../..", "/"},
		{"/pub", "../../etc/passwd", "/etc/passwd"},
		{"/", "a//b/./c/", "/a/b/c"},
		{"/a", `..\..\x`, `/a/..\..\x`},
	} {
		if got := resolvePath(tc.cwd, tc.arg); got != tc.want {
			t.Errorf("resolvePath(%q, %q) = %q, want %q", tc.cwd, tc.arg, got, tc.want)
		}
	}
	for _, tc := range []struct{ vpath, want string }{{"/", "."}, {"/a/b", "a/b"}} {
		if got := rel(tc.vpath); got != tc.want {
			t.Errorf("rel(%q) = %q, want %q", tc.vpath, got, tc.want)
		}
	}
}

func TestViewAccess(t *testing.T) {
	anon := &view{anon: true}
	user := &view{}
	for _, tc := range []struct {
		v     *view
		vpath string
		want  access
	}{
		{anon, "/pub/hello.txt", accessRead},
		{anon, unreadablePath, 0},
		{anon, "/upload", accessRead | accessCreate | accessWrite},
		{anon, "/upload/a/b", accessRead | accessCreate | accessWrite},
		{anon, "/uploads", accessRead},
		{anon, "/", accessRead},
		{user, "/anything", accessAll},
		{user, unreadablePath, accessAll},
	} {
		if got := tc.v.access(tc.vpath); got != tc.want {
			t.Errorf("access(anon=%v, %q) = %b, want %b", tc.v.anon, tc.vpath, got, tc.want)
		}
	}
}

func TestLsFormat(t *testing.T) {
	now := treeTime.AddDate(0, 1, 0)
	for _, tc := range []struct {
		t    string
		got  string
		want string
	}{
		{"recent", lsTime(treeTime, now), "Jan  1 12:00"},
		{"old", lsTime(treeTime, treeTime.AddDate(2, 0, 0)), "Jan  1  2020"},
		{"file mode", lsMode(0o644), "-rw-r--r--"},
		{"dir mode", lsMode(0o755 | 1<<31), "drwxr-xr-x"},
		{"no bits", lsMode(0), "----------"},
		{"pwd quote", quotePath(`/a"b`), `"/a""b"`},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %q, want %q", tc.t, tc.got, tc.want)
		}
	}
}

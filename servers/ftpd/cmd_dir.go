package ftpd

import "strings"

// quotePath quotes a path for a 257 reply, doubling inner quotes (RFC 959).
func quotePath(p string) string { return `"` + strings.ReplaceAll(p, `"`, `""`) + `"` }

func (s *session) cmdPWD(string) {
	s.reply(257, "%s is the current directory", quotePath(s.cwd))
}

func (s *session) cmdCWD(arg string) {
	vpath := resolvePath(s.cwd, arg)
	if arg == "" {
		vpath = "/"
	}
	st, err := s.view.stat(vpath)
	if err != nil || !st.IsDir() {
		s.reply(550, "Failed to change directory.")
		return
	}
	s.cwd = vpath
	s.reply(250, "Directory successfully changed.")
}

func (s *session) cmdCDUP(string) { s.cmdCWD("..") }

func (s *session) cmdMKD(arg string) {
	vpath := resolvePath(s.cwd, arg)
	if vpath == "/" || !s.view.can(vpath, accessCreate) {
		s.reply(550, "Permission denied.")
		return
	}
	if err := s.view.mkdir(vpath); err != nil {
		s.reply(550, "Create directory operation failed.")
		return
	}
	s.reply(257, "%s created", quotePath(vpath))
}

func (s *session) cmdRMD(arg string) {
	vpath := resolvePath(s.cwd, arg)
	if vpath == "/" || !s.view.can(vpath, accessDelete) {
		s.reply(550, "Permission denied.")
		return
	}
	st, err := s.view.lstat(vpath)
	if err != nil || !st.IsDir() || s.view.remove(vpath) != nil {
		s.reply(550, "Remove directory operation failed.")
		return
	}
	if s.cwd == vpath || strings.HasPrefix(s.cwd, vpath+"/") {
		s.cwd = "/"
	}
	s.reply(250, "Remove directory operation successful.")
}

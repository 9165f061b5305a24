package ftpd

import (
	"strings"
	"time"
)

func (s *session) cmdDELE(arg string) {
	vpath := resolvePath(s.cwd, arg)
	if !s.view.can(vpath, accessDelete) {
		s.reply(550, "Permission denied.")
		return
	}
	st, err := s.view.lstat(vpath)
	if err != nil || st.IsDir() || s.view.remove(vpath) != nil {
		s.reply(550, "Delete operation failed.")
		return
	}
	s.reply(250, "Delete operation successful.")
}

func (s *session) cmdRNFR(arg string) {
	vpath := resolvePath(s.cwd, arg)
	if vpath == "/" || !s.view.can(vpath, accessDelete) {
		s.reply(550, "Permission denied.")
		return
	}
	if _, err := s.view.lstat(vpath); err != nil {
		s.reply(550, "RNFR command failed.")
		return
	}
	s.renameFrom = vpath
	s.reply(350, "Ready for RNTO.")
}

func (s *session) cmdRNTO(arg string) {
	from := s.renameFrom
	s.renameFrom = ""
	if from == "" {
		s.reply(503, "RNFR required first.")
		return
	}
	to := resolvePath(s.cwd, arg)
	if to == "/" || !s.view.can(to, accessDelete) {
		s.reply(550, "Permission denied.")
		return
	}
	if err := s.view.rename(from, to); err != nil {
		s.reply(550, "Rename failed.")
		return
	}
	s.reply(250, "Rename successful.")
}

func (s *session) cmdSIZE(arg string) {
	st, err := s.view.stat(resolvePath(s.cwd, arg))
	if err != nil || !st.Mode().IsRegular() {
		s.reply(550, "Could not get file size.")
		return
	}
	s.reply(213, "%d", st.Size())
}

// cmdMDTM answers a file's time (RFC 3659) or, in vsftpd's "MDTM time path"
// form, sets it.
func (s *session) cmdMDTM(arg string) {
	vpath := resolvePath(s.cwd, arg)
	st, err := s.view.stat(vpath)
	if err != nil {
		if t, target, ok := splitTimeArg(arg); ok {
			if s.setTime(t, target) {
				s.reply(213, "File modification time set.")
			}
			return
		}
		s.reply(550, "Could not get file modification time.")
		return
	}
	if !st.Mode().IsRegular() {
		s.reply(550, "Could not get file modification time.")
		return
	}
	s.reply(213, "%s", mlsxTime(st.ModTime()))
}

// cmdMFMT sets a file's time (draft-somers-ftp-mfxx).
func (s *session) cmdMFMT(arg string) {
	t, target, ok := splitTimeArg(arg)
	if !ok {
		s.reply(501, "Syntax error in parameters or arguments.")
		return
	}
	if s.setTime(t, target) {
		s.reply(213, "Modify=%s; %s", mlsxTime(t), target)
	}
}

// setTime sets target's time, or answers why not and returns false.
func (s *session) setTime(t time.Time, target string) bool {
	vpath := resolvePath(s.cwd, target)
	if !s.view.can(vpath, accessWrite) {
		s.reply(550, "Permission denied.")
		return false
	}
	if err := s.view.setTime(vpath, t); err != nil {
		s.reply(550, "Could not set file modification time.")
		return false
	}
	return true
}

// splitTimeArg splits "YYYYMMDDHHMMSS path".
func splitTimeArg(arg string) (time.Time, string, bool) {
	ts, target, ok := strings.Cut(arg, " ")
	if !ok || target == "" {
		return time.Time{}, "", false
	}
	t, err := time.ParseInLocation("20060102150405", ts, time.UTC)
	if err != nil {
		return time.Time{}, "", false
	}
	return t, target, true
}

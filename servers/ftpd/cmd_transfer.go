package ftpd

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path"
	"strconv"
	"strings"
	"sync/atomic"
)

func (s *session) cmdREST(arg string) {
	n, err := strconv.ParseInt(strings.TrimSpace(arg), 10, 64)
	if err != nil || n < 0 {
		s.reply(501, "REST needs a byte offset.")
		return
	}
	s.restOffset = n
	s.reply(350, "Restart position accepted (%d).", n)
}

// modeName is the transfer type as the 150 reply names it.
func (s *session) modeName() string {
	if s.binary {
		return "BINARY"
	}
	return "ASCII"
}

// cmdRETR sends a file, from the REST offset if one was given.
func (s *session) cmdRETR(arg string) {
	offset := s.restOffset
	s.restOffset = 0
	vpath := resolvePath(s.cwd, arg)
	if !s.view.can(vpath, accessRead) {
		s.refuseTransfer(550, "Failed to open file.")
		return
	}
	f, err := s.view.open(vpath)
	if err != nil {
		s.refuseTransfer(550, "Failed to open file.")
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		s.refuseTransfer(550, "Failed to open file.")
		return
	}
	if offset > 0 {
		if _, err := f.Seek(offset, io.SeekStart); err != nil {
			s.refuseTransfer(554, "Invalid REST parameter.")
			return
		}
	}
	binary, timeout := s.binary, s.srv.dataTimeout
	s.transfer(transferJob{
		opening: fmt.Sprintf("Opening %s mode data connection for %s (%d bytes).", s.modeName(), path.Base(vpath), st.Size()),
		work: func(dc net.Conn, progress *atomic.Int64) error {
			var dst io.Writer = dc
			if !binary {
				dst = &toCRLF{w: dc}
			}
			return copyData(dst, f, dc, timeout, progress)
		},
	})
}

func (s *session) cmdSTOR(arg string) { s.store(arg, false) }
func (s *session) cmdAPPE(arg string) { s.store(arg, true) }

// store receives a file: STOR replaces it (or, after REST, keeps its first
// offset bytes and writes from there), APPE appends to it.
func (s *session) store(arg string, appendMode bool) {
	offset := s.restOffset
	s.restOffset = 0
	vpath := resolvePath(s.cwd, arg)
	need := accessCreate
	st, err := s.view.lstat(vpath)
	if err == nil {
		need = accessWrite
	}
	if vpath == "/" || (err == nil && st.IsDir()) || !s.view.can(vpath, need) {
		s.refuseTransfer(553, "Could not create file.")
		return
	}
	flags := os.O_WRONLY | os.O_CREATE
	switch {
	case appendMode:
		flags |= os.O_APPEND
	case offset == 0:
		flags |= os.O_TRUNC
	}
	f, err := s.view.openFile(vpath, flags)
	if err != nil {
		s.refuseTransfer(553, "Could not create file.")
		return
	}
	if !appendMode && offset > 0 {
		err := f.Truncate(offset)
		if err == nil {
			_, err = f.Seek(offset, io.SeekStart)
		}
		if err != nil {
			f.Close()
			s.refuseTransfer(554, "Invalid REST parameter.")
			return
		}
	}
	s.receive(f, "Ok to send data.")
}

// maxUniqueTries bounds the names STOU tries.
const maxUniqueTries = 1000

// cmdSTOU receives a file under a name no entry has yet (RFC 959 STOU),
// chosen as vsftpd does: the argument itself when it is free, else the
// argument followed by ".1", ".2" and so on ("STOU.1", "STOU.2"... without
// an argument). The 150 reply names it, in the form RFC 1123 4.1.2.9
// defines: "150 FILE: name", the name as the client would write it.
func (s *session) cmdSTOU(arg string) {
	s.restOffset = 0 // a new file has nothing to resume
	if s.data == nil {
		// Answer before creating a file that no transfer would fill.
		s.reply(425, "Use PORT or PASV first.")
		return
	}
	f, name, ok := s.createUnique(arg)
	if !ok {
		s.refuseTransfer(553, "Could not create file.")
		return
	}
	s.receive(f, "FILE: "+name)
}

// createUnique creates the file STOU stores into and returns it with its
// name; false when the user may not create it or creating fails.
func (s *session) createUnique(arg string) (*os.File, string, bool) {
	base, first := arg, 0
	if base == "" {
		base, first = "STOU", 1
	}
	for n := first; n < first+maxUniqueTries; n++ {
		name := base
		if n > 0 {
			name += "." + strconv.Itoa(n)
		}
		vpath := resolvePath(s.cwd, name)
		if vpath == "/" || !s.view.can(vpath, accessCreate) {
			return nil, "", false
		}
		// O_EXCL: a name taken meanwhile, by another session, is skipped too.
		f, err := s.view.openFile(vpath, os.O_WRONLY|os.O_CREATE|os.O_EXCL)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, "", false
		}
		return f, name, true
	}
	return nil, "", false
}

// receive copies an upload into f, which it closes, answering 150 with
// opening once the data connection is up.
func (s *session) receive(f *os.File, opening string) {
	defer f.Close()
	binary, timeout := s.binary, s.srv.dataTimeout
	s.transfer(transferJob{
		opening: opening,
		upload:  true,
		work: func(dc net.Conn, progress *atomic.Int64) error {
			var dst io.Writer = f
			conv := &fromCRLF{w: f}
			if !binary {
				dst = conv
			}
			if err := copyData(dst, dc, dc, timeout, progress); err != nil {
				return err
			}
			if err := conv.Flush(); err != nil {
				return fmt.Errorf("write file: %w", err)
			}
			if err := f.Close(); err != nil {
				return fmt.Errorf("close file: %w", err)
			}
			return nil
		},
	})
}

package ftpd

import (
	"fmt"
	"io"
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
	defer f.Close()
	if !appendMode && offset > 0 {
		err := f.Truncate(offset)
		if err == nil {
			_, err = f.Seek(offset, io.SeekStart)
		}
		if err != nil {
			s.refuseTransfer(554, "Invalid REST parameter.")
			return
		}
	}
	binary, timeout := s.binary, s.srv.dataTimeout
	s.transfer(transferJob{
		opening: "Ok to send data.",
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

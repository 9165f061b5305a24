package ftpd

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"syscall"
	"time"
)

// copyChunk is how much a transfer moves between two deadline renewals: a
// peer slower than copyChunk per DataTimeout is dropped.
const copyChunk = 1 << 20

// maxPending is how many commands received during a transfer wait for it.
const maxPending = 16

// errDataTLS is a failed TLS handshake on a data connection.
var errDataTLS = errors.New("data connection TLS handshake failed")

// transferJob is one data transfer.
type transferJob struct {
	opening string // text of the 150 reply
	// work moves the data over dc, counting bytes in progress.
	work func(dc net.Conn, progress *atomic.Int64) error
	// upload selects the failure replies of a STOR/APPE.
	upload bool
	// opener and protected (PROT P: the data connection is TLS) are the
	// session's data connection settings. Set by transfer.
	opener    dataOpener
	protected bool
}

// transferEvent reports that the data connection is up (connected) or that
// the transfer ended (err nil on success).
type transferEvent struct {
	connected bool
	err       error
}

// transfer runs job over the data connection PASV, EPSV, PORT or EPRT set
// up (answering 425 when there is none): it opens the connection, answers
// 150 once it is up, moves the data in a goroutine and answers the final
// reply. Meanwhile it keeps reading the control connection: ABOR aborts,
// STAT reports progress, and other commands wait until the transfer is over.
func (s *session) transfer(job transferJob) {
	opener, ok := s.takeData()
	if !ok {
		return
	}
	job.opener = opener
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := make(chan transferEvent, 2)
	var progress atomic.Int64
	job.protected = s.protected
	go s.runJob(ctx, job, &progress, events)

	aborted, connected := false, false
	if len(s.pending) == 0 {
		s.startRead()
	}
	shutdown := s.srv.done
	for {
		var lines chan lineResult
		if s.reading {
			lines = s.lines
		}
		select {
		case <-shutdown:
			shutdown = nil
			cancel()
			aborted = true
			s.quit = true
		case ev := <-events:
			if ev.connected {
				connected = true
				s.reply(150, "%s", job.opening)
				continue
			}
			s.finishTransfer(job, ev.err, connected, aborted)
			return
		case r := <-lines:
			s.reading = false
			if r.err != nil && !errors.Is(r.err, errLineTooLong) {
				// The client left: stop the transfer and end the session.
				cancel()
				s.quit = true
				aborted = true
				continue
			}
			cmd, err := parseCommand(r.line)
			switch {
			case r.err == nil && err == nil && cmd.verb == "ABOR":
				cancel()
				aborted = true
			case r.err == nil && err == nil && cmd.verb == "STAT" && cmd.arg == "":
				s.reply(213, "Status: %d bytes transferred.", progress.Load())
			default:
				// Run it after the transfer. Keep reading (ABOR may follow)
				// unless the queue is full or the line was AUTH, whose TLS
				// handshake must find the connection unread.
				s.pending = append(s.pending, r)
				if len(s.pending) >= maxPending || (err == nil && cmd.verb == "AUTH") {
					continue
				}
			}
			s.startRead()
		}
	}
}

// runJob opens the data connection, runs the work and closes the connection.
func (s *session) runJob(ctx context.Context, job transferJob, progress *atomic.Int64, events chan<- transferEvent) {
	dc, err := job.opener.open(ctx, s.srv.dataTimeout)
	if err != nil {
		events <- transferEvent{err: err}
		return
	}
	events <- transferEvent{connected: true}
	raw := dc // closing the TCP connection unblocks any TLS read or write
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	defer stop()
	if job.protected {
		tc := tls.Server(dc, s.srv.tls)
		hctx, hcancel := context.WithTimeout(ctx, s.srv.dataTimeout)
		err := tc.HandshakeContext(hctx)
		hcancel()
		if err != nil {
			dc.Close()
			events <- transferEvent{err: fmt.Errorf("%w: %w", errDataTLS, err)}
			return
		}
		dc = tc
	}
	err = job.work(dc, progress)
	if cerr := dc.Close(); err == nil && cerr != nil && !errors.Is(cerr, net.ErrClosed) {
		err = fmt.Errorf("close data connection: %w", cerr)
	}
	events <- transferEvent{err: err}
}

// finishTransfer answers the transfer command (and ABOR, when aborted).
func (s *session) finishTransfer(job transferJob, err error, connected, aborted bool) {
	switch {
	case aborted:
		if err == nil {
			s.reply(226, "Transfer complete.")
		} else {
			s.reply(426, "Connection closed; transfer aborted.")
		}
		s.reply(226, "ABOR successful.")
	case err == nil:
		s.reply(226, "Transfer complete.")
	case !connected:
		s.log.Info("ftp data connection", "err", err)
		s.reply(425, "Failed to establish connection.")
	case errors.Is(err, errDataTLS):
		s.log.Info("ftp data connection", "err", err)
		s.reply(425, "TLS handshake on the data connection failed.")
	case job.upload && (errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)):
		s.reply(452, "Insufficient storage space.")
	case job.upload:
		s.log.Info("ftp upload", "err", err)
		s.reply(426, "Failure reading network stream.")
	default:
		s.log.Info("ftp download", "err", err)
		s.reply(426, "Failure writing network stream.")
	}
}

// cmdABOR outside a transfer: there is nothing to abort, but a passive
// listener waiting for one is dropped.
func (s *session) cmdABOR(string) {
	s.closeData()
	s.reply(225, "No transfer to ABOR.")
}

// copyData copies src to dst in chunks of copyChunk, renewing the deadline
// of dc before each, and counts the bytes in progress. Plain TCP downloads
// from files keep the sendfile path: io.CopyN hands the connection an
// io.LimitedReader over the file.
func copyData(dst io.Writer, src io.Reader, dc net.Conn, timeout time.Duration, progress *atomic.Int64) error {
	for {
		if err := dc.SetDeadline(time.Now().Add(timeout)); err != nil {
			return err
		}
		n, err := io.CopyN(dst, src, copyChunk)
		progress.Add(n)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

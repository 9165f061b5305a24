package conns

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"syscall"
	"time"
)

// Pauses between failed accepts: the first pause, doubled after each
// further failure up to the longest (net/http's schedule).
const (
	acceptBackoffFirst = 5 * time.Millisecond
	acceptBackoffMax   = time.Second
)

// Listener is a net.Listener whose Accept rides out temporary failures. An
// accept error that may go away by itself (a [syscall.Errno] in its chain
// that says it is temporary, such as EMFILE or ENFILE when out of file
// descriptors, or EINTR; ECONNABORTED, a connection aborted before it was
// accepted; a net.Error timeout) is logged and Accept is tried again after
// a pause of 5 ms, doubled after each further failure up to 1 s; a
// successful accept starts the next wait from 5 ms again. Close ends a
// pause at once. Any other error (net.ErrClosed; EINVAL, EBADF or ENOTSOCK
// from a listener that is gone; whatever else a wrapped listener makes up)
// is returned at once: retrying it would only fail again.
//
// Servers that run their own accept loop use [Tracker.Serve], which wraps
// its listener in one; servers built on net/http hand one to
// http.Server.Serve, whose own loop retries only errors that say they are
// temporary and pauses in an uninterruptible sleep.
type Listener struct {
	net.Listener
	log         *slog.Logger // nil: quiet
	first, most time.Duration
	done        chan struct{} // closed by Close
	closeOnce   sync.Once
}

// NewListener wraps l. Failed accepts are logged at Warn on log; nil is
// quiet.
func NewListener(l net.Listener, log *slog.Logger) *Listener {
	return newListener(l, log, acceptBackoffFirst, acceptBackoffMax)
}

func newListener(l net.Listener, log *slog.Logger, first, most time.Duration) *Listener {
	return &Listener{Listener: l, log: log, first: first, most: most, done: make(chan struct{})}
}

// Accept waits for the next connection. It fails once the listener is
// closed, with the wrapped listener's error, which wraps net.ErrClosed, or
// with net.ErrClosed itself when Close ended a pause; and at the first
// failure that is not temporary, with the wrapped listener's error.
func (l *Listener) Accept() (net.Conn, error) {
	var timer *time.Timer
	for wait := l.first; ; wait = min(2*wait, l.most) {
		c, err := l.Listener.Accept()
		if err == nil {
			if timer != nil {
				timer.Stop()
			}
			return c, nil
		}
		if errors.Is(err, net.ErrClosed) {
			return nil, err
		}
		select {
		case <-l.done: // closed meanwhile, by a listener that says so otherwise
			return nil, l.closedError(err)
		default:
		}
		if !temporary(err) {
			if timer != nil {
				timer.Stop()
			}
			return nil, err
		}
		if l.log != nil {
			l.log.Warn("accept failed", "addr", l.Addr().String(), "err", err, "retry_in", wait)
		}
		if timer == nil {
			timer = time.NewTimer(wait)
		} else {
			timer.Reset(wait)
		}
		select {
		case <-timer.C:
		case <-l.done:
			timer.Stop()
			return nil, l.closedError(err)
		}
	}
}

// temporary reports whether an accept failure may go away by itself: when
// the first [syscall.Errno] in err's chain says it is temporary (EINTR,
// EMFILE, ENFILE, EAGAIN, ETIMEDOUT) or is ECONNABORTED, which says so only
// of the one connection, or, without an Errno, when err is a net.Error
// timeout.
func temporary(err error) bool {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno.Temporary() || errno == syscall.ECONNABORTED
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// closedError is Accept's error once Close has been called, last being the
// failure Accept was retrying.
func (l *Listener) closedError(last error) error {
	return fmt.Errorf("accept on %s: %w (last failure: %v)", l.Addr(), net.ErrClosed, last)
}

// Close ends any pause of Accept and closes the wrapped listener.
func (l *Listener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// Serve accepts connections on l and runs handle for each, in a goroutine
// of its own and tracked as by [Tracker.Go], until Shutdown: then it returns
// nil, as it does at once when called after Shutdown. Temporary accept
// failures are ridden out as by a [Listener] (logged at Warn on log; nil is
// quiet), and Shutdown ends a pause at once. Serve returns an error, wrapping
// the listener's, when someone else closes l or when accept fails in a way
// that is not temporary. It closes l when it returns.
func (t *Tracker) Serve(l net.Listener, log *slog.Logger, handle func(net.Conn)) error {
	return t.serve(NewListener(l, log), handle)
}

func (t *Tracker) serve(bl *Listener, handle func(net.Conn)) error {
	if !t.AddListener(bl) {
		bl.Close()
		return nil
	}
	defer t.RemoveListener(bl)
	defer bl.Close()
	for {
		c, err := bl.Accept()
		if err != nil {
			if t.Closed() {
				return nil
			}
			return fmt.Errorf("accept: %w", err)
		}
		if !t.Go(c, func() { handle(c) }) {
			return nil
		}
	}
}

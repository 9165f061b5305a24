package forward

import (
	"context"
	"errors"
	"net"
	"sync"
	"syscall"
	"time"
)

// maxDatagram is the largest UDP payload.
const maxDatagram = 65535

// session is one client address's connected socket to the target.
type session struct {
	client net.Addr
	conn   net.Conn
	mu     sync.Mutex
	last   time.Time
}

func (s *session) touch(now time.Time) {
	s.mu.Lock()
	s.last = now
	s.mu.Unlock()
}

func (s *session) idleSince() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// udpPort is one forwarded UDP port: its session table, keyed by client address.
type udpPort struct {
	f    *Forwarder
	pc   net.PacketConn
	dial DialFunc

	mu       sync.Mutex
	sessions map[string]*session
}

func (f *Forwarder) serveUDP(pc net.PacketConn, dial DialFunc) {
	defer f.wg.Done()
	defer f.untrack(pc)
	u := &udpPort{f: f, pc: pc, dial: dial, sessions: map[string]*session{}}
	f.mu.Lock()
	f.udp = append(f.udp, u)
	f.mu.Unlock()
	defer u.closeAll()
	f.wg.Add(1)
	go u.sweep()
	buf := make([]byte, maxDatagram)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return // closed
		}
		s := u.session(from)
		if s == nil {
			continue
		}
		s.touch(time.Now())
		if _, err := s.conn.Write(buf[:n]); err != nil {
			f.errorf("forward udp %s from %s: %v", pc.LocalAddr(), from, err)
		}
	}
}

// session returns from's session, dialing the target for a new one and
// ending the least recently used when the table is full.
func (u *udpPort) session(from net.Addr) *session {
	key := from.String()
	u.mu.Lock()
	s := u.sessions[key]
	u.mu.Unlock()
	if s != nil {
		return s
	}
	ctx, cancel := context.WithTimeout(u.f.ctx, u.f.o.DialTimeout)
	c, err := u.dial(ctx)
	cancel()
	if err != nil {
		u.f.errorf("forward udp %s: %v", u.pc.LocalAddr(), err)
		return nil
	}
	s = &session{client: from, conn: c, last: time.Now()}
	u.mu.Lock()
	if len(u.sessions) >= u.f.o.UDPSessions {
		u.evictOldest()
	}
	u.sessions[key] = s
	u.mu.Unlock()
	u.f.wg.Add(1)
	go u.replies(key, s)
	return s
}

// evictOldest ends the least recently used session; u.mu is held.
func (u *udpPort) evictOldest() {
	var oldKey string
	var old *session
	for k, s := range u.sessions {
		if old == nil || s.idleSince().Before(old.idleSince()) {
			oldKey, old = k, s
		}
	}
	if old != nil {
		delete(u.sessions, oldKey)
		old.conn.Close()
	}
}

// replies sends the target's datagrams for s back to its client until the
// session ends.
func (u *udpPort) replies(key string, s *session) {
	defer u.f.wg.Done()
	defer func() {
		u.mu.Lock()
		if u.sessions[key] == s {
			delete(u.sessions, key)
		}
		u.mu.Unlock()
		s.conn.Close()
	}()
	buf := make([]byte, maxDatagram)
	for {
		n, err := s.conn.Read(buf)
		if err != nil {
			if isRefused(err) {
				continue // nothing listened yet behind the port: the client retries
			}
			return
		}
		s.touch(time.Now())
		if _, err := u.pc.WriteTo(buf[:n], s.client); err != nil {
			return
		}
	}
}

// sweep ends sessions idle longer than UDPIdle, until the port closes.
func (u *udpPort) sweep() {
	defer u.f.wg.Done()
	every := u.f.o.UDPIdle / 2
	if every < 10*time.Millisecond {
		every = 10 * time.Millisecond
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-u.f.ctx.Done():
			return
		case now := <-t.C:
			u.mu.Lock()
			for k, s := range u.sessions {
				if now.Sub(s.idleSince()) > u.f.o.UDPIdle {
					delete(u.sessions, k)
					s.conn.Close()
				}
			}
			u.mu.Unlock()
		}
	}
}

func (u *udpPort) closeAll() {
	u.mu.Lock()
	defer u.mu.Unlock()
	for k, s := range u.sessions {
		delete(u.sessions, k)
		s.conn.Close()
	}
}

// isRefused is an ICMP port unreachable reported on a connected UDP socket.
func isRefused(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED)
}

// udpSessions is how many UDP sessions f holds over all its ports.
func (f *Forwarder) udpSessions() int {
	f.mu.Lock()
	ports := append([]*udpPort(nil), f.udp...)
	f.mu.Unlock()
	n := 0
	for _, u := range ports {
		u.mu.Lock()
		n += len(u.sessions)
		u.mu.Unlock()
	}
	return n
}

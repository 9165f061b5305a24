package coapd

import (
	"errors"
	"net"
	"os"
	"sync"
	"time"
)

// Limits of the demultiplexer.
const (
	maxDatagram  = 1 << 16 // the largest UDP payload
	peerQueue    = 64      // datagrams waiting for one peer's reader; more are dropped, as UDP may
	acceptQueue  = 64      // new peers waiting for Accept; more are dropped
	maxPeers     = 1024    // peers at once; datagrams of further ones are dropped
	peerIdleTime = 5 * time.Minute
)

// demux splits one bound UDP socket into a connection per remote address,
// which is what a DTLS listener accepts (pion/dtls's own listener binds its
// socket itself; testbed hands kinds sockets it has already bound). It
// implements pion's dtlsnet.PacketListener.
type demux struct {
	pc     net.PacketConn
	accept chan *peer
	done   chan struct{}
	once   sync.Once

	mu    sync.Mutex
	peers map[string]*peer
}

func newDemux(pc net.PacketConn) *demux {
	d := &demux{pc: pc, accept: make(chan *peer, acceptQueue), done: make(chan struct{}), peers: map[string]*peer{}}
	go d.readLoop()
	return d
}

func (d *demux) readLoop() {
	defer d.Close()
	for {
		buf := make([]byte, maxDatagram)
		n, addr, err := d.pc.ReadFrom(buf)
		if err != nil {
			return
		}
		d.mu.Lock()
		p, ok := d.peers[addr.String()]
		if !ok {
			if len(d.peers) >= maxPeers {
				d.mu.Unlock()
				continue
			}
			p = newPeer(d, addr)
			select {
			case d.accept <- p:
				d.peers[addr.String()] = p
			default: // Accept is behind: drop the datagram, the client retransmits
				d.mu.Unlock()
				continue
			}
		}
		d.mu.Unlock()
		p.push(buf[:n])
	}
}

// Accept returns the connection of the next new remote address.
func (d *demux) Accept() (net.PacketConn, net.Addr, error) {
	select {
	case p := <-d.accept:
		return p, p.remote, nil
	case <-d.done:
		return nil, nil, net.ErrClosed
	}
}

// Close closes the socket and every peer connection.
func (d *demux) Close() error {
	var err error
	d.once.Do(func() {
		close(d.done)
		err = d.pc.Close()
		d.mu.Lock()
		for _, p := range d.peers {
			p.closeLocked()
		}
		d.mu.Unlock()
	})
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// Addr is the socket's address.
func (d *demux) Addr() net.Addr { return d.pc.LocalAddr() }

func (d *demux) forget(p *peer) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.peers[p.remote.String()] == p {
		delete(d.peers, p.remote.String())
	}
}

// peer is the datagrams of one remote address, as a net.PacketConn whose
// writes go to that address.
type peer struct {
	d      *demux
	remote net.Addr
	in     chan []byte
	closed chan struct{}
	once   sync.Once
	idle   *time.Timer

	mu       sync.Mutex
	deadline time.Time     // of reads; zero: none
	changed  chan struct{} // closed and replaced when deadline changes
}

func newPeer(d *demux, remote net.Addr) *peer {
	p := &peer{d: d, remote: remote, in: make(chan []byte, peerQueue), closed: make(chan struct{}), changed: make(chan struct{})}
	p.idle = time.AfterFunc(peerIdleTime, func() { p.Close() })
	return p
}

func (p *peer) push(b []byte) {
	p.idle.Reset(peerIdleTime)
	select {
	case p.in <- b:
	default: // the reader is behind: drop, as UDP may
	}
}

// ReadFrom returns the next datagram from the remote address. A deadline
// set while it waits applies at once.
func (p *peer) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		p.mu.Lock()
		dl, changed := p.deadline, p.changed
		p.mu.Unlock()
		var expired <-chan time.Time
		var timer *time.Timer
		if !dl.IsZero() {
			d := time.Until(dl)
			if d <= 0 {
				return 0, nil, os.ErrDeadlineExceeded
			}
			timer = time.NewTimer(d)
			expired = timer.C
		}
		select {
		case data := <-p.in:
			stop(timer)
			return copy(b, data), p.remote, nil
		case <-expired:
			return 0, nil, os.ErrDeadlineExceeded
		case <-changed:
			stop(timer)
		case <-p.closed:
			stop(timer)
			return 0, nil, net.ErrClosed
		}
	}
}

func stop(t *time.Timer) {
	if t != nil {
		t.Stop()
	}
}

// WriteTo sends b to the remote address, whatever addr says.
func (p *peer) WriteTo(b []byte, _ net.Addr) (int, error) {
	select {
	case <-p.closed:
		return 0, net.ErrClosed
	default:
	}
	return p.d.pc.WriteTo(b, p.remote)
}

// Close forgets the peer; the socket stays open for the others.
func (p *peer) Close() error {
	p.d.forget(p)
	p.closeLocked()
	return nil
}

func (p *peer) closeLocked() {
	p.once.Do(func() {
		close(p.closed)
		p.idle.Stop()
	})
}

func (p *peer) LocalAddr() net.Addr { return p.d.pc.LocalAddr() }

func (p *peer) SetDeadline(t time.Time) error { return p.SetReadDeadline(t) }

// SetReadDeadline makes ReadFrom fail with os.ErrDeadlineExceeded once t
// has passed, a blocked one too; the zero time removes the deadline.
func (p *peer) SetReadDeadline(t time.Time) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.deadline = t
	close(p.changed)
	p.changed = make(chan struct{})
	return nil
}

func (p *peer) SetWriteDeadline(time.Time) error { return nil }

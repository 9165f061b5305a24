package coapd

import (
	"bytes"
	"log/slog"
	"sync"

	"github.com/plgd-dev/go-coap/v3/message"
	"github.com/plgd-dev/go-coap/v3/message/codes"
	"github.com/plgd-dev/go-coap/v3/mux"
)

// maxObservers bounds the observations of the whole server.
const maxObservers = 256

// observer is one registration: a client's token on a connection.
type observer struct {
	conn  mux.Conn
	token []byte
	seq   uint32
}

// observers is the Observe registrations (RFC 7641) by resource path.
type observers struct {
	log *slog.Logger
	mu  sync.Mutex
	by  map[string][]*observer
}

func (o *observers) count() int {
	n := 0
	for _, l := range o.by {
		n += len(l)
	}
	return n
}

// add registers conn's token on path; false when the server has too many.
func (o *observers) add(path string, conn mux.Conn, token []byte) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.by == nil {
		o.by = map[string][]*observer{}
	}
	o.removeLocked(path, conn, token)
	if o.count() >= maxObservers {
		return false
	}
	ob := &observer{conn: conn, token: bytes.Clone(token), seq: 1}
	o.by[path] = append(o.by[path], ob)
	conn.AddOnClose(func() { o.remove(path, conn, token) })
	o.log.Info("coap: observe", "path", path, "remote", conn.RemoteAddr().String())
	return true
}

func (o *observers) remove(path string, conn mux.Conn, token []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.removeLocked(path, conn, token)
}

func (o *observers) removeLocked(path string, conn mux.Conn, token []byte) {
	list := o.by[path]
	for i, ob := range list {
		if ob.conn == conn && bytes.Equal(ob.token, token) {
			o.by[path] = append(list[:i:i], list[i+1:]...)
			return
		}
	}
}

// any reports whether path has observers.
func (o *observers) any(path string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.by[path]) > 0
}

// notify sends every observer of path a notification; a non-2.xx code
// ends the observation (RFC 7641 section 3.2).
func (o *observers) notify(path string, code codes.Code, body []byte) {
	o.mu.Lock()
	list := append([]*observer(nil), o.by[path]...)
	for _, ob := range list {
		ob.seq++
	}
	if code >= codes.BadRequest {
		delete(o.by, path)
	}
	o.mu.Unlock()
	for _, ob := range list {
		m := ob.conn.AcquireMessage(ob.conn.Context())
		m.SetCode(code)
		m.SetToken(ob.token)
		m.SetContentFormat(message.TextPlain)
		if code < codes.BadRequest {
			m.SetObserve(ob.seq & 0xffffff)
		}
		if body != nil {
			m.SetBody(bytes.NewReader(body))
		}
		if err := ob.conn.WriteMessage(m); err != nil {
			o.log.Debug("coap: notify", "path", path, "err", err)
			o.remove(path, ob.conn, ob.token)
		}
		ob.conn.ReleaseMessage(m)
	}
}

// observe handles a GET with an Observe option: 0 registers (and answers
// with the current state and Observe 1), 1 deregisters. It reports whether
// it answered.
func (s *Server) observe(w mux.ResponseWriter, req *mux.Message, path string) bool {
	v, err := req.Observe()
	if err != nil {
		return false
	}
	conn := w.Conn()
	switch v {
	case 0:
		if !s.obs.add(path, conn, req.Token()) {
			return false // answered without Observe: the client sees it is not registered
		}
		var code codes.Code = codes.Content
		var body []byte
		switch path {
		case "/store":
			value, ok := s.storeValue()
			if !ok {
				code, body = codes.NotFound, []byte("empty: PUT or POST something")
				s.obs.remove(path, conn, req.Token())
				s.reply(w, code, message.TextPlain, body)
				return true
			}
			body = value
		case "/clock":
			body = s.clock()
		}
		s.reply(w, code, message.TextPlain, body)
		w.Message().SetObserve(1)
		return true
	case 1:
		s.obs.remove(path, conn, req.Token())
	}
	return false
}

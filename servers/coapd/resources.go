package coapd

import (
	"bytes"
	"fmt"
	"strings"
	"sync"

	"github.com/plgd-dev/go-coap/v3/message"
	"github.com/plgd-dev/go-coap/v3/message/codes"
	"github.com/plgd-dev/go-coap/v3/mux"
)

// LargeSize is the size of /large.
const LargeSize = 8 << 10

// MaxStoreSize bounds /store.
const MaxStoreSize = 1 << 20

// links is /.well-known/core, in RFC 6690 link format.
const links = `</hello>;rt="testbed.hello";ct=0,` +
	`</echo>;rt="testbed.echo",` +
	`</store>;rt="testbed.store";ct=0;obs,` +
	`</large>;rt="testbed.large";ct=0;sz=8192,` +
	`</clock>;rt="testbed.clock";ct=0;obs`

// largeBody is /large: lines "line NNNN of /large\n" up to LargeSize bytes.
func largeBody() []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < LargeSize; i++ {
		fmt.Fprintf(&b, "line %04d of /large\n", i)
	}
	return b.Bytes()[:LargeSize]
}

// store is /store's value.
type store struct {
	mu    sync.Mutex
	value []byte
	set   bool
}

func (s *Server) router() *mux.Router {
	r := mux.NewRouter()
	handle := func(path string, h mux.HandlerFunc) {
		_ = r.Handle(path, mux.HandlerFunc(func(w mux.ResponseWriter, req *mux.Message) {
			s.log.Debug("coap: request", "code", req.Code().String(), "path", path, "remote", w.Conn().RemoteAddr().String())
			h(w, req)
		}))
	}
	handle("/hello", s.only(func(w mux.ResponseWriter, _ *mux.Message) {
		s.reply(w, codes.Content, message.TextPlain, []byte("Hello, testbed!"))
	}, codes.GET))
	handle("/echo", s.only(func(w mux.ResponseWriter, req *mux.Message) {
		body, err := req.ReadBody()
		if err != nil {
			s.reply(w, codes.BadRequest, message.TextPlain, []byte(err.Error()))
			return
		}
		cf, err := req.ContentFormat()
		if err != nil {
			cf = message.AppOctets
		}
		s.reply(w, codes.Changed, cf, body)
	}, codes.POST, codes.PUT))
	handle("/store", s.handleStore)
	handle("/large", s.only(func(w mux.ResponseWriter, _ *mux.Message) {
		s.reply(w, codes.Content, message.TextPlain, s.large)
	}, codes.GET))
	handle("/clock", s.only(func(w mux.ResponseWriter, req *mux.Message) {
		if s.observe(w, req, "/clock") {
			return
		}
		s.reply(w, codes.Content, message.TextPlain, s.clock())
	}, codes.GET))
	handle("/.well-known/core", s.only(func(w mux.ResponseWriter, _ *mux.Message) {
		s.reply(w, codes.Content, message.AppLinkFormat, []byte(links))
	}, codes.GET))
	return r
}

// only answers 4.05 Method Not Allowed to other methods than allowed.
func (s *Server) only(h mux.HandlerFunc, allowed ...codes.Code) mux.HandlerFunc {
	return func(w mux.ResponseWriter, req *mux.Message) {
		for _, c := range allowed {
			if req.Code() == c {
				h(w, req)
				return
			}
		}
		s.reply(w, codes.MethodNotAllowed, message.TextPlain, nil)
	}
}

func (s *Server) reply(w mux.ResponseWriter, code codes.Code, cf message.MediaType, body []byte, opts ...message.Option) {
	var r *bytes.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	var err error
	if r == nil {
		err = w.SetResponse(code, cf, nil, opts...)
	} else {
		err = w.SetResponse(code, cf, r, opts...)
	}
	if err != nil {
		s.log.Debug("coap: set response", "err", err)
	}
}

func (s *Server) handleStore(w mux.ResponseWriter, req *mux.Message) {
	switch req.Code() {
	case codes.GET:
		if s.observe(w, req, "/store") {
			return
		}
		value, ok := s.storeValue()
		if !ok {
			s.reply(w, codes.NotFound, message.TextPlain, []byte("empty: PUT or POST something"))
			return
		}
		s.reply(w, codes.Content, message.TextPlain, value)
	case codes.PUT, codes.POST:
		body, err := req.ReadBody()
		if err != nil {
			s.reply(w, codes.BadRequest, message.TextPlain, []byte(err.Error()))
			return
		}
		s.st.mu.Lock()
		created := !s.st.set
		var tooLarge bool
		if req.Code() == codes.POST {
			tooLarge = len(s.st.value)+len(body) > MaxStoreSize
			if !tooLarge {
				s.st.value = append(s.st.value, body...)
			}
		} else {
			tooLarge = len(body) > MaxStoreSize
			if !tooLarge {
				s.st.value = bytes.Clone(body)
			}
		}
		if !tooLarge {
			s.st.set = true
		}
		s.st.mu.Unlock()
		if tooLarge {
			s.reply(w, codes.RequestEntityTooLarge, message.TextPlain, nil)
			return
		}
		code := codes.Changed
		if created {
			code = codes.Created
		}
		s.reply(w, code, message.TextPlain, nil)
		s.notifyStore()
	case codes.DELETE:
		s.st.mu.Lock()
		s.st.value, s.st.set = nil, false
		s.st.mu.Unlock()
		s.reply(w, codes.Deleted, message.TextPlain, nil)
		s.notifyStore()
	default:
		s.reply(w, codes.MethodNotAllowed, message.TextPlain, nil)
	}
}

func (s *Server) storeValue() ([]byte, bool) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	return bytes.Clone(s.st.value), s.st.set
}

// notifyStore tells /store's observers its new state.
func (s *Server) notifyStore() {
	value, ok := s.storeValue()
	if !ok {
		s.obs.notify("/store", codes.NotFound, nil)
		return
	}
	s.obs.notify("/store", codes.Content, value)
}

func (s *Server) clock() []byte {
	return []byte(strings.TrimSpace(fmt.Sprintf("%d", int(s.now().Sub(s.started).Seconds()))))
}

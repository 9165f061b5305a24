package wsd

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/coder/websocket"
)

// maxBytes bounds /bytes/{n}.
const maxBytes = 256 << 20

func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "testbed websocket server\n/echo /auth/echo /room/{name} /close/{code} /bytes/{n}\n")
	})
	mux.HandleFunc("GET /echo", s.upgrade(s.echo))
	mux.HandleFunc("GET /auth/echo", s.basicAuth(s.upgrade(s.echo)))
	mux.HandleFunc("GET /room/{name}", s.upgrade(s.room))
	mux.HandleFunc("GET /close/{code}", func(w http.ResponseWriter, r *http.Request) {
		code, err := strconv.Atoi(r.PathValue("code"))
		if err != nil || !sendableCode(code) {
			http.Error(w, "want a close code 1000-1003, 1007-1014 or 3000-4999", http.StatusBadRequest)
			return
		}
		s.upgrade(func(ctx context.Context, c *websocket.Conn, r *http.Request, log *slog.Logger) error {
			return c.Close(websocket.StatusCode(code), "closed by request")
		})(w, r)
	})
	mux.HandleFunc("GET /bytes/{n}", func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.ParseInt(r.PathValue("n"), 10, 64)
		frame, ferr := strconv.Atoi(r.URL.Query().Get("frame"))
		if r.URL.Query().Get("frame") == "" {
			frame, ferr = 32<<10, nil
		}
		if err != nil || n < 0 || n > maxBytes || ferr != nil || frame < 1 {
			http.Error(w, fmt.Sprintf("want /bytes/{0-%d}?frame={bytes per frame}", maxBytes), http.StatusBadRequest)
			return
		}
		s.upgrade(func(ctx context.Context, c *websocket.Conn, r *http.Request, log *slog.Logger) error {
			if err := sendBytes(ctx, c, n, frame); err != nil {
				return err
			}
			return c.Close(websocket.StatusNormalClosure, "")
		})(w, r)
	})
	return mux
}

// sendableCode reports whether a server may send code in a close frame.
func sendableCode(code int) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1014, code >= 3000 && code <= 4999:
		return true
	}
	return false
}

type handler func(ctx context.Context, c *websocket.Conn, r *http.Request, log *slog.Logger) error

// upgrade accepts the WebSocket handshake and runs h, logging one line
// when the connection ends.
func (s *Server) upgrade(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{
			Subprotocols:       Subprotocols,
			InsecureSkipVerify: true, // a test server: any origin
			CompressionMode:    websocket.CompressionNoContextTakeover,
		})
		if err != nil {
			s.log.Info("websocket: handshake refused", "path", r.URL.Path, "remote", r.RemoteAddr, "err", err)
			return
		}
		defer c.CloseNow()
		c.SetReadLimit(s.opts.MaxMessage)
		start := time.Now()
		log := s.log.With("path", r.URL.Path, "remote", r.RemoteAddr)
		err = h(r.Context(), c, r, log)
		log.Info("websocket", "subprotocol", c.Subprotocol(),
			"deflate", w.Header().Get("Sec-WebSocket-Extensions") != "",
			"duration", time.Since(start).Round(time.Millisecond), "end", endOf(err))
	}
}

func endOf(err error) string {
	if err == nil {
		return "closed"
	}
	if st := websocket.CloseStatus(err); st != -1 {
		return "close " + strconv.Itoa(int(st))
	}
	if errors.Is(err, context.Canceled) {
		return "server closed"
	}
	return err.Error()
}

// echo sends every message back as it arrives, frame by frame, with its
// type.
func (s *Server) echo(ctx context.Context, c *websocket.Conn, _ *http.Request, _ *slog.Logger) error {
	for {
		typ, rd, err := c.Reader(ctx)
		if err != nil {
			return err
		}
		wr, err := c.Writer(ctx, typ)
		if err != nil {
			return err
		}
		if _, err := io.Copy(wr, rd); err != nil {
			return err
		}
		if err := wr.Close(); err != nil {
			return err
		}
	}
}

// room relays between the client and the room's other members.
func (s *Server) room(ctx context.Context, c *websocket.Conn, r *http.Request, log *slog.Logger) error {
	name := r.PathValue("name")
	queue, leave := s.hub.Join(name)
	defer leave()
	c.SetReadLimit(min(s.opts.MaxMessage, maxRoomMessage))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		for {
			select {
			case m := <-queue:
				if err := c.Write(ctx, m.Type, m.Data); err != nil {
					errc <- err
					return
				}
			case <-ctx.Done():
				errc <- ctx.Err()
				return
			}
		}
	}()
	for {
		typ, data, err := c.Read(ctx)
		if err != nil {
			cancel()
			<-errc
			return err
		}
		s.hub.Broadcast(name, Message{Type: typ, Data: data})
	}
}

// sendBytes sends n deterministic bytes as one binary message, frame
// bytes per frame.
func sendBytes(ctx context.Context, c *websocket.Conn, n int64, frame int) error {
	wr, err := c.Writer(ctx, websocket.MessageBinary)
	if err != nil {
		return err
	}
	buf := make([]byte, frame)
	for off := int64(0); off < n; {
		chunk := buf[:min(int64(frame), n-off)]
		for i := range chunk {
			chunk[i] = byte((off + int64(i)) % 251)
		}
		if _, err := wr.Write(chunk); err != nil {
			return err
		}
		off += int64(len(chunk))
	}
	return wr.Close()
}

// basicAuth refuses the upgrade (401) without the right credentials.
func (s *Server) basicAuth(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || subtle.ConstantTimeCompare([]byte(u), []byte(s.opts.User)) != 1 ||
			subtle.ConstantTimeCompare([]byte(p), []byte(s.opts.Password)) != 1 {
			s.log.Info("websocket: authentication failed", "path", r.URL.Path, "remote", r.RemoteAddr, "user", u)
			w.Header().Set("WWW-Authenticate", `Basic realm="testbed websocket"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		next(w, r)
	}
}

package httpd

import (
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/testbed-dev/testbed/servers/internal/conns"
)

// Defaults of [Options].
const (
	DefaultUser     = "httptest"
	DefaultPassword = "httptest"
	// Realm is the realm of the Basic and Digest areas.
	Realm = "testbed"
)

// Server timeouts. There is no write timeout: large downloads may be slow.
const (
	readHeaderTimeout = 10 * time.Second
	idleTimeout       = 2 * time.Minute
)

// Options configure a [Server]. The zero value is a working server.
type Options struct {
	User     string       // user of the auth areas; "" means DefaultUser
	Password string       // its password; "" means DefaultPassword
	DataDir  string       // where uploads go; "" means a new temporary directory that Close removes
	Logger   *slog.Logger // requests at Info, failures at Warn; nil discards
}

// Server is the HTTP server. Serve and ServeTLS may run on several listeners
// at once; Close stops all of them.
type Server struct {
	user, password string
	dataDir        string
	removeDataDir  bool
	log            *slog.Logger
	files          *tree
	digest         *digestAuth
	index          []byte
	srv            *http.Server

	closeOnce sync.Once
	closeErr  error
}

// New makes a server; it creates the data directory (mode 0700) when needed.
func New(opts Options) (*Server, error) {
	s := &Server{
		user:     opts.User,
		password: opts.Password,
		dataDir:  opts.DataDir,
		log:      opts.Logger,
	}
	if s.user == "" {
		s.user = DefaultUser
	}
	if s.password == "" {
		s.password = DefaultPassword
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.dataDir == "" {
		d, err := os.MkdirTemp("", "testbed-httpd-")
		if err != nil {
			return nil, fmt.Errorf("new http server: data dir: %w", err)
		}
		s.dataDir, s.removeDataDir = d, true
	} else if err := os.MkdirAll(s.dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("new http server: data dir: %w", err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("new http server: nonce key: %w", err)
	}
	s.digest = newDigestAuth(key, Realm, s.user, s.password)
	s.files = staticTree()
	s.index = renderIndex()

	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetHTTP2(true)
	protocols.SetUnencryptedHTTP2(true)
	s.srv = &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
		Protocols:         &protocols,
	}
	return s, nil
}

// DataDir is the directory uploads are stored in.
func (s *Server) DataDir() string { return s.dataDir }

// Handler is the server's request handler, for use in another http.Server
// or an httptest.Server.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.handleIndex)
	mux.HandleFunc("GET /files/", s.handleFiles)
	mux.HandleFunc("GET /bytes/{n}", handleBytes)
	mux.HandleFunc("/echo", handleEcho)
	mux.HandleFunc("/status/{code}", handleStatus)
	mux.HandleFunc("/redirect/{n}", handleRedirect)
	mux.HandleFunc("/delay/{ms}", handleDelay)
	mux.HandleFunc("GET /chunked", handleChunked)
	mux.HandleFunc("GET /gzip", handleGzip)
	mux.HandleFunc("/auth/basic/", s.handleBasic)
	mux.HandleFunc("/auth/digest/", s.handleDigest)
	mux.HandleFunc("PUT /upload/{name}", s.handlePut)
	mux.HandleFunc("GET /upload/{name}", s.handleGetUpload)
	mux.HandleFunc("DELETE /upload/{name}", s.handleDelete)
	return s.logRequests(mux)
}

// Serve answers plain HTTP (HTTP/1.x and HTTP/2 with prior knowledge) on l
// until Close, riding out failed accepts (too many open files) with a
// backoff that Close cuts short. It returns nil once the server is closed.
func (s *Server) Serve(l net.Listener) error {
	return served(s.srv.Serve(conns.NewListener(l, s.log)))
}

// ServeTLS answers HTTPS on l with cfg (which must hold a certificate) until
// Close, offering HTTP/2 and HTTP/1.1 through ALPN whatever cfg.NextProtos
// says. It returns nil once the server is closed.
func (s *Server) ServeTLS(l net.Listener, cfg *tls.Config) error {
	if cfg == nil {
		return errors.New("serve https: no TLS configuration")
	}
	cfg = cfg.Clone()
	for _, p := range []string{"h2", "http/1.1"} {
		if !slices.Contains(cfg.NextProtos, p) {
			cfg.NextProtos = append(cfg.NextProtos, p)
		}
	}
	if cfg.MinVersion < tls.VersionTLS12 {
		cfg.MinVersion = tls.VersionTLS12
	}
	return served(s.srv.Serve(tls.NewListener(conns.NewListener(l, s.log), cfg)))
}

func served(err error) error {
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("serve http: %w", err)
	}
	return nil
}

// Close closes every listener and connection at once and removes the data
// directory when New made it.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		err := s.srv.Close()
		if s.removeDataDir {
			if rerr := os.RemoveAll(s.dataDir); rerr != nil {
				err = errors.Join(err, fmt.Errorf("remove data dir: %w", rerr))
			}
		}
		if err != nil {
			s.closeErr = fmt.Errorf("close http server: %w", err)
		}
	})
	return s.closeErr
}

// logRequests logs each request at Debug when the logger wants it.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.log.Enabled(r.Context(), slog.LevelInfo) {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method),
			slog.String("uri", r.URL.EscapedPath()), // no query: it may carry a token
			slog.String("proto", r.Proto),
			slog.String("remote", r.RemoteAddr),
			slog.Int("status", rec.status),
			slog.Int64("bytes", rec.bytes),
			slog.Duration("took", time.Since(start)))
	})
}

// statusRecorder notes the status and size of a response.
type statusRecorder struct {
	http.ResponseWriter
	status      int
	bytes       int64
	wroteHeader bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wroteHeader && code >= 200 {
		r.status, r.wroteHeader = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(p []byte) (int, error) {
	r.wroteHeader = true
	n, err := r.ResponseWriter.Write(p)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach Flush and friends.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

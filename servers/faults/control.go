package faults

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/testbed-dev/testbed/servers/faults/faultapi"
	"github.com/testbed-dev/testbed/servers/internal/conns"
)

// maxBody bounds a request body of the control API.
const maxBody = 64 << 10

// ServeControl serves the control API on l:
//
//	GET    /faults         every port, as a JSON array of faultapi.Port
//	GET    /faults/{port}  one port
//	PUT    /faults/{port}  body: a faultapi.Fault, in force from now on
//	DELETE /faults/{port}  the port's preset back in force
//
// It returns nil after Close.
func (s *Server) ServeControl(l net.Listener) error {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /faults", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.table.List())
	})
	mux.HandleFunc("GET /faults/{port}", func(w http.ResponseWriter, r *http.Request) {
		port, ok := portOf(w, r)
		if !ok {
			return
		}
		p, found := s.table.Get(port)
		if !found {
			httpError(w, http.StatusNotFound, fmt.Errorf("no fault port %d", port))
			return
		}
		writeJSON(w, http.StatusOK, p)
	})
	mux.HandleFunc("PUT /faults/{port}", func(w http.ResponseWriter, r *http.Request) {
		port, ok := portOf(w, r)
		if !ok {
			return
		}
		var f faultapi.Fault
		dec := json.NewDecoder(io.LimitReader(r.Body, maxBody))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			httpError(w, http.StatusBadRequest, fmt.Errorf("fault: %w", err))
			return
		}
		s.change(w, port, "set", func() (faultapi.Port, error) { return s.table.Set(port, f) })
	})
	mux.HandleFunc("DELETE /faults/{port}", func(w http.ResponseWriter, r *http.Request) {
		port, ok := portOf(w, r)
		if !ok {
			return
		}
		s.change(w, port, "clear", func() (faultapi.Port, error) { return s.table.Clear(port) })
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "testbed fault server: GET /faults, GET|PUT|DELETE /faults/{port}\n")
	})
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	if !s.track.AddListener(hs) {
		l.Close()
		return nil
	}
	defer s.track.RemoveListener(hs)
	err := hs.Serve(conns.NewListener(l, s.log))
	if errors.Is(err, http.ErrServerClosed) || s.track.Closed() {
		return nil
	}
	return fmt.Errorf("serve faults control on %s: %w", l.Addr(), err)
}

func (s *Server) change(w http.ResponseWriter, port int, what string, do func() (faultapi.Port, error)) {
	p, err := do()
	switch {
	case errors.Is(err, errNoPort):
		httpError(w, http.StatusNotFound, err)
	case err != nil:
		httpError(w, http.StatusBadRequest, err)
	default:
		s.log.Info("fault "+what, "port", port, "name", p.Name, "fault", p.Fault.String())
		writeJSON(w, http.StatusOK, p)
	}
}

func portOf(w http.ResponseWriter, r *http.Request) (int, bool) {
	port, err := strconv.Atoi(r.PathValue("port"))
	if err != nil || port < 1 || port > 65535 {
		httpError(w, http.StatusBadRequest, fmt.Errorf("port %q: want a number 1-65535", r.PathValue("port")))
		return 0, false
	}
	return port, true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func httpError(w http.ResponseWriter, status int, err error) {
	writeJSON(w, status, map[string]string{"error": err.Error()})
}

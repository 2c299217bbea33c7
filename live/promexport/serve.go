package promexport

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// readHeaderTimeout bounds how long a scraper may take to send its request
// headers; a stuck client cannot hold a connection open forever.
const readHeaderTimeout = 10 * time.Second

// Server serves /metrics over HTTP.
type Server struct {
	listener net.Listener
	http     *http.Server
	done     chan error
	once     sync.Once
	closeErr error
}

// Serve listens on addr ("127.0.0.1:9121"; port 0 picks one) and serves
// the exporter's /metrics until Close.
func Serve(addr string, e *Exporter) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics server: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", e.Handler())
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<html><body><a href="/metrics">/metrics</a></body></html>`)
	})
	s := &Server{listener: ln, http: &http.Server{Handler: mux, ReadHeaderTimeout: readHeaderTimeout}, done: make(chan error, 1)}
	go func() { s.done <- s.http.Serve(ln) }()
	return s, nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() string { return s.listener.Addr().String() }

// Close stops the server; scrapes in progress are cut off. Later calls
// return the first call's result.
func (s *Server) Close() error {
	s.once.Do(func() {
		err := s.http.Close()
		if serveErr := <-s.done; !errors.Is(serveErr, http.ErrServerClosed) && err == nil {
			err = serveErr
		}
		s.closeErr = err
	})
	return s.closeErr
}

package handlers

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/cpaudit/cpaudit"
)

// healthz says the process is up; it checks nothing else, so a slow
// dependency does not get the process restarted.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// readyz says whether the databases and the blob store answer.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("not ready", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("storage unreachable\n"))
		return
	}
	w.Write([]byte("ready\n"))
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	err := cpaudit.Refuse(cpaudit.KindNotFound, cpaudit.CodePageNotFound, "no such page: %s", r.URL.Path)
	if strings.HasPrefix(r.URL.Path, "/api/") {
		s.WriteProblem(w, r, err)
		return
	}
	s.writeErrorPage(w, r, err)
}

func (s *Server) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	body := `{"type":"about:blank","title":"Method Not Allowed","status":405,"detail":"method not allowed"}`
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(http.StatusMethodNotAllowed)
	w.Write([]byte(body))
}

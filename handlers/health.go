package handlers

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/cpaudit/cpaudit/handlers/httpx"
)

// healthz says the process is up; it checks nothing else, so a slow
// dependency does not get the process restarted.
// health answers the liveness and readiness probes.
type health struct {
	store interface {
		Ping(ctx context.Context) error
	}
	log *slog.Logger
	ocr string // a line on OCR for /readyz: its engine, or why it is off
}

func (s health) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// readyz says whether the databases and the blob store answer, and on a
// line of its own whether OCR runs (it does not decide readiness: a
// server without it still serves everything else).
func (s health) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("not ready", "err", err)
		httpx.SetRetryAfter(w, http.StatusServiceUnavailable)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("storage unreachable\n"))
		return
	}
	w.Write([]byte("ready\n"))
	if s.ocr != "" {
		w.Write([]byte("ocr: " + s.ocr + "\n"))
	}
}

func methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	body := `{"type":"about:blank","title":"Method Not Allowed","status":405,"detail":"method not allowed"}`
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(http.StatusMethodNotAllowed)
	w.Write([]byte(body))
}

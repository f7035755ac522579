package handlers

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/cpaudit/cpaudit/handlers/api"
	"github.com/cpaudit/cpaudit/handlers/httpx"
	"github.com/cpaudit/cpaudit/handlers/web"
	"github.com/prometheus/client_golang/prometheus"
)

// Store is what the HTTP surface needs from storage: what the API and the
// web UI each declare, by handler group, and the readiness check.
// cmd/cpaudit passes *storage.Store.
type Store interface {
	api.Store
	web.Store
	Ping(ctx context.Context) error
}

// Letters builds notification letters for both the API and the web UI
// (letter.Service).
type Letters interface {
	api.Letters
	web.Letters
}

// Config is everything New needs.
type Config struct {
	Store     Store
	Search    httpx.Searcher // the tenants' full-text indexes
	Letters   Letters        // builds notification letters (letter.Service)
	Templates fs.FS          // the templates package's FS: *.html pages and static/
	Logger    *slog.Logger
	// OCR says on /readyz whether scans are read: the engine ("tesseract
	// 5.3.0 chi_sim+eng") or why not ("unavailable: ..."); "" says nothing.
	OCR string
	// MaxUploadBytes limits one uploaded file (413 beyond); default 512 MiB.
	MaxUploadBytes int64
	// SecureCookies marks cookies Secure; set when served over TLS.
	SecureCookies bool
	// HSTS sends Strict-Transport-Security, so browsers keep to HTTPS;
	// set when served over TLS (not behind a proxy that may serve HTTP).
	HSTS bool
	// TrustProxy takes the client address from X-Forwarded-For (only behind
	// a reverse proxy that sets it).
	TrustProxy bool
	// SessionTTL is how long a login lasts; default 12 hours.
	SessionTTL time.Duration
	// SessionIdle ends a session unused for this long; default 30 minutes.
	SessionIdle time.Duration
	// StallTimeout is how long a request body may send nothing, or a
	// download's client take nothing, before the request is dropped;
	// default one minute.
	StallTimeout time.Duration
	Now          func() time.Time
}

// DefaultSessionIdle is how long a web session may go unused.
const DefaultSessionIdle = web.DefaultSessionIdle

// New builds cpaudit's whole HTTP handler: one router composed of health
// and metrics, the static files, the JSON API and the web UI (routes.go).
// It fails if a template does not parse.
func New(cfg Config) (http.Handler, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	registry := prometheus.NewRegistry()
	kit := httpx.New(httpx.Config{Logger: log, MaxUploadBytes: cfg.MaxUploadBytes, HSTS: cfg.HSTS, TrustProxy: cfg.TrustProxy,
		StallTimeout: cfg.StallTimeout, Registry: registry})
	static, err := fs.Sub(cfg.Templates, "static")
	if err != nil {
		return nil, err
	}
	w, err := web.New(web.Config{Kit: kit, Store: cfg.Store, Search: cfg.Search, Letters: cfg.Letters, Templates: cfg.Templates,
		SecureCookies: cfg.SecureCookies, SessionTTL: cfg.SessionTTL, SessionIdle: cfg.SessionIdle, Now: cfg.Now})
	if err != nil {
		return nil, err
	}
	a := api.New(api.Config{Kit: kit, Store: cfg.Store, Search: cfg.Search, Letters: cfg.Letters})
	return routes(kit, a, w, health{store: cfg.Store, log: log, ocr: cfg.OCR}, registry, static), nil
}

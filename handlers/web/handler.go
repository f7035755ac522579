package web

import (
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
	"github.com/cpaudit/cpaudit/letter"
)

// Config is what the web UI is built from.
type Config struct {
	Kit       *httpx.Kit     // the machinery shared with the API
	Store     Store          // storage, through the web UI's own interfaces
	Search    httpx.Searcher // the tenants' full-text indexes
	Letters   Letters        // builds notification letters (letter.Service)
	Templates fs.FS          // the templates package's FS: *.html pages
	// SecureCookies marks cookies Secure; set when served over TLS.
	SecureCookies bool
	// SessionTTL is how long a login lasts; default 12 hours.
	SessionTTL time.Duration
	// SessionIdle ends a session unused for this long; default 30 minutes.
	SessionIdle time.Duration
	Now         func() time.Time
}

// DefaultSessionIdle is how long a session may go unused before it ends.
const DefaultSessionIdle = 30 * time.Minute

// Handler serves the web UI. Its routes are in routes.go.
type Handler struct {
	*httpx.Kit
	store     Store
	search    httpx.Searcher
	letters   Letters
	opinions  *letter.Opinions // fills and stores opinions from the tenant's template
	log       *slog.Logger
	secure    bool
	ttl       time.Duration
	idle      time.Duration
	now       func() time.Time
	pages     map[string]*template.Template
	divisions cpaudit.Divisions // names regions on pages
	throttle  *httpx.LoginThrottle
}

// New builds the web UI's handler; it fails if a page does not parse.
func New(cfg Config) (*Handler, error) {
	s := &Handler{Kit: cfg.Kit, store: cfg.Store, search: cfg.Search, letters: cfg.Letters, log: cfg.Kit.Logger(),
		secure: cfg.SecureCookies, ttl: cfg.SessionTTL, idle: cfg.SessionIdle, now: cfg.Now}
	if s.ttl <= 0 {
		s.ttl = 12 * time.Hour
	}
	if s.idle <= 0 {
		s.idle = DefaultSessionIdle
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.opinions = letter.NewOpinions(cfg.Store, s.now)
	var err error
	if s.divisions, err = cpaudit.LoadDivisions(); err != nil {
		return nil, err
	}
	if s.pages, err = parsePages(cfg.Templates); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	s.throttle = httpx.NewLoginThrottle(s.now)
	return s, nil
}

// NotFound is the answer to a path no route has: a page in the browser's
// language, with its session, or problem+json under /api/.
func (s *Handler) NotFound() http.Handler { return s.webContext(http.HandlerFunc(s.notFound)) }

package handlers

import (
	"context"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/cpaudit/cpaudit/handlers/api"
	"github.com/cpaudit/cpaudit/handlers/httpx"

	"github.com/cpaudit/cpaudit"
	"github.com/prometheus/client_golang/prometheus"
)

// Store is what the handlers need from storage. It is declared here, by its
// consumer, so the dependency is visible in one place.
type Store interface {
	Ping(ctx context.Context) error
	TenantBySlug(ctx context.Context, slug string) (cpaudit.Tenant, error)
	TenantByID(ctx context.Context, id string) (cpaudit.Tenant, error)

	Login(ctx context.Context, tenantSlug, email, password string) (cpaudit.User, error)
	UserByToken(ctx context.Context, token string) (cpaudit.User, error)
	CreateSession(ctx context.Context, u cpaudit.User, clientAddr string, ttl time.Duration) (string, cpaudit.Session, error)
	SessionByCookie(ctx context.Context, cookie string) (cpaudit.Session, error)
	DeleteSession(ctx context.Context, a cpaudit.Actor, cookie string) error
	CreateUser(ctx context.Context, a cpaudit.Actor, nu cpaudit.NewUser) (cpaudit.User, error)
	CreateToken(ctx context.Context, a cpaudit.Actor, userID, name string) (string, cpaudit.Token, error)
	Tokens(ctx context.Context, a cpaudit.Actor, userID string) ([]cpaudit.Token, error)
	RevokeToken(ctx context.Context, a cpaudit.Actor, tokenID string) error

	CreateOrganisation(ctx context.Context, a cpaudit.Actor, o cpaudit.Organisation) (cpaudit.Organisation, error)
	Organisation(ctx context.Context, a cpaudit.Actor, id string) (cpaudit.Organisation, error)
	CreateAudit(ctx context.Context, a cpaudit.Actor, enterpriseID, consultancyID string) (cpaudit.Audit, error)
	Audit(ctx context.Context, a cpaudit.Actor, id string) (cpaudit.Audit, error)
	StartAudit(ctx context.Context, a cpaudit.Actor, na cpaudit.NewAudit) (cpaudit.Audit, error)
	TransitionStep(ctx context.Context, a cpaudit.Actor, auditID string, n int, c cpaudit.StepChange) (cpaudit.Audit, error)
	CreateBatch(ctx context.Context, a cpaudit.Actor, b cpaudit.Batch) (cpaudit.Batch, error)
	UpdateBatch(ctx context.Context, a cpaudit.Actor, id string, p cpaudit.BatchPatch) (cpaudit.Batch, error)
	Batch(ctx context.Context, a cpaudit.Actor, id string) (cpaudit.Batch, error)
	Batches(ctx context.Context, a cpaudit.Actor) ([]cpaudit.Batch, error)

	Stage(r io.Reader, max int64) (cpaudit.Staged, error)
	CreateDocument(ctx context.Context, a cpaudit.Actor, nd cpaudit.NewDocument, st cpaudit.Staged) (cpaudit.Document, error)
	AddVersion(ctx context.Context, a cpaudit.Actor, docID, filename, contentType string, st cpaudit.Staged) (cpaudit.Document, error)
	Document(ctx context.Context, a cpaudit.Actor, id string) (cpaudit.Document, error)
	DeleteDocument(ctx context.Context, a cpaudit.Actor, id string) error
	DocumentTitles(ctx context.Context, a cpaudit.Actor, ids []string) (map[string]string, error)
	Documents(ctx context.Context, a cpaudit.Actor, f cpaudit.DocumentFilter) ([]cpaudit.Document, int, error)
	OpenContent(ctx context.Context, a cpaudit.Actor, docID string, version int) (cpaudit.DocumentVersion, io.ReadCloser, error)
	ObjectLog(ctx context.Context, a cpaudit.Actor, objectType, objectID string, limit int) ([]cpaudit.LogEntry, error)
	DocumentText(ctx context.Context, a cpaudit.Actor, docID string, version int) (cpaudit.ExtractedText, error)

	SearchScope(ctx context.Context, a cpaudit.Actor) (cpaudit.SearchScope, error)
	SearchHits(ctx context.Context, a cpaudit.Actor, ids []string) (map[string]cpaudit.SearchSource, error)
	SearchStatus(ctx context.Context, tenantID string) (cpaudit.SearchStatus, error)

	Flags(ctx context.Context, a cpaudit.Actor, f cpaudit.FlagFilter) ([]cpaudit.Flag, int, error)
	Consultancies(ctx context.Context, a cpaudit.Actor) ([]cpaudit.Organisation, error)
	ReviewFlag(ctx context.Context, a cpaudit.Actor, id string, decision cpaudit.FlagStatus, reason string) (cpaudit.Flag, error)

	api.Store // everything the JSON API needs (handlers/api/store.go)
	ListEnterprises(ctx context.Context, a cpaudit.Actor, f cpaudit.EnterpriseFilter) ([]cpaudit.Organisation, int, error)
	EnterpriseImportResult(ctx context.Context, a cpaudit.Actor, id string) (cpaudit.ImportResult, error)
	ImportEnterprises(ctx context.Context, a cpaudit.Actor, im cpaudit.EnterpriseImport) (cpaudit.ImportResult, error)
	Letter(ctx context.Context, a cpaudit.Actor, auditID string) (cpaudit.Document, error)
	SetAuditConsultancy(ctx context.Context, a cpaudit.Actor, auditID, consultancyID string) (cpaudit.Audit, error)
	AuditParties(ctx context.Context, a cpaudit.Actor, auditID string) (ent, cons cpaudit.Organisation, err error)
	Audits(ctx context.Context, a cpaudit.Actor, f cpaudit.AuditListFilter) ([]cpaudit.AuditRow, int, error)
	Overdue(ctx context.Context, a cpaudit.Actor, f cpaudit.AuditListFilter) ([]cpaudit.OverdueRow, int, error)
	Dashboard(ctx context.Context, a cpaudit.Actor, stalledDays int) (cpaudit.Dashboard, error)
}

// Config is everything a Server needs.
type Config struct {
	Store     Store
	Search    httpx.Searcher // the tenants' full-text indexes
	Letters   api.Letters    // builds notification letters (letter.Service)
	Templates fs.FS          // the templates package's FS: *.html pages and static/
	Logger    *slog.Logger
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
	// StallTimeout is how long a request body may send nothing, or a
	// download's client take nothing, before the request is dropped;
	// default one minute.
	StallTimeout time.Duration
	Now          func() time.Time
}

// Server serves cpaudit over HTTP.
type Server struct {
	store      Store
	search     httpx.Searcher
	letters    api.Letters
	log        *slog.Logger
	maxUpload  int64
	secure     bool
	hsts       bool
	trust      bool
	ttl        time.Duration
	stall      time.Duration
	now        func() time.Time
	pages      map[string]*template.Template
	divisions  cpaudit.Divisions // names regions on pages
	static     fs.FS
	registry   *prometheus.Registry
	throttle   *httpx.LoginThrottle
	handler    http.Handler
	*httpx.Kit // the machinery shared with the web UI
}

// New builds a Server; it fails if a template does not parse.
func New(cfg Config) (*Server, error) {
	s := &Server{
		store: cfg.Store, search: cfg.Search, letters: cfg.Letters, log: cfg.Logger, maxUpload: cfg.MaxUploadBytes, secure: cfg.SecureCookies,
		hsts: cfg.HSTS, trust: cfg.TrustProxy, ttl: cfg.SessionTTL, stall: cfg.StallTimeout, now: cfg.Now,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.maxUpload <= 0 {
		s.maxUpload = 512 << 20
	}
	if s.ttl <= 0 {
		s.ttl = 12 * time.Hour
	}
	if s.stall <= 0 {
		s.stall = httpx.DefaultStallTimeout
	}
	if s.now == nil {
		s.now = time.Now
	}
	var err error
	if s.divisions, err = cpaudit.LoadDivisions(); err != nil {
		return nil, err
	}
	if s.pages, err = parsePages(cfg.Templates); err != nil {
		return nil, err
	}
	if s.static, err = fs.Sub(cfg.Templates, "static"); err != nil {
		return nil, err
	}
	s.registry = prometheus.NewRegistry()
	s.Kit = httpx.New(httpx.Config{Logger: s.log, MaxUploadBytes: s.maxUpload, HSTS: s.hsts, TrustProxy: s.trust, StallTimeout: s.stall, Registry: s.registry})
	s.throttle = httpx.NewLoginThrottle(s.now)
	s.handler = s.routes()
	return s, nil
}

// ServeHTTP makes Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

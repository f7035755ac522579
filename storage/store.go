package storage

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/storage/blob"
)

// Config says where and how a Store keeps its data.
type Config struct {
	DataDir string
	Blobs   blob.Store // where document bytes go; see blob.NewLocal and blob.NewS3
	Logger  *slog.Logger
	// Now is the clock; tests set it. Defaults to time.Now.
	Now func() time.Time
	// Passwords sets the argon2id cost; zero means DefaultPasswordParams.
	Passwords PasswordParams
	// Location is where deadlines' calendar days are counted; defaults to
	// cpaudit.ChinaLocation (Asia/Shanghai).
	Location *time.Location
}

// Store is cpaudit's storage: the platform database, the tenants'
// databases (opened on first use and kept open) and the blob store.
type Store struct {
	dataDir   string
	platform  *sqlDB
	blobs     blob.Store
	log       *slog.Logger
	now       func() time.Time
	loc       *time.Location // deadlines' calendar days
	passwords PasswordParams
	// run names this opening of the store in the leases it takes, so that
	// the next server can tell them from its own (ReclaimLeases).
	run string
	// dummyHash is checked when an e-mail is unknown, so that a login
	// takes as long whether or not the account exists.
	dummyHash string
	// passwordChecks counts the password hashes checked (verifyPassword).
	passwordChecks atomic.Int64

	// uploads holds a read lock from a blob's Put to the commit of the row
	// that references it; the garbage collector takes the write lock, so it
	// never deletes a blob that an upload is about to reference.
	uploads sync.RWMutex
	// spoolBufs recycles the chunks through which uploads are staged
	// (see Stage).
	spoolBufs sync.Pool
	// runFilters caches the Bloom filters of the tenants' print runs,
	// which never change once written (detindex_print_filters.go).
	runFilters runFilters
	// library caches the id of the guideline library once it exists
	// (LibraryID).
	library atomic.Pointer[string]

	mu      sync.Mutex
	tenants map[string]*tenantHandle // by tenant id
}

// Open opens the store in cfg.DataDir, creating and migrating the platform
// database and every tenant database it lists.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.DataDir == "" || cfg.Blobs == nil {
		return nil, fmt.Errorf("storage.Open: DataDir and Blobs are required")
	}
	for _, dir := range []string{cfg.DataDir, filepath.Join(cfg.DataDir, "tenants"), filepath.Join(cfg.DataDir, "tmp")} {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, err
		}
	}
	s := &Store{
		dataDir:   cfg.DataDir,
		blobs:     cfg.Blobs,
		log:       cfg.Logger,
		now:       cfg.Now,
		passwords: cfg.Passwords,
		tenants:   map[string]*tenantHandle{},
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.loc = cfg.Location; s.loc == nil {
		s.loc = cpaudit.ChinaLocation()
	}
	if s.passwords == (PasswordParams{}) {
		s.passwords = DefaultPasswordParams
	}
	s.run = cpaudit.NewID("run", s.now())
	s.dummyHash = hashPassword("not a real password", s.passwords)
	db, err := openSQLite(ctx, filepath.Join(cfg.DataDir, "platform.db"))
	if err != nil {
		return nil, fmt.Errorf("open platform database: %w", err)
	}
	s.platform = db
	if err := migrate(ctx, db, "platform"); err != nil {
		db.Close()
		return nil, fmt.Errorf("platform database: %w", err)
	}
	tenants, err := s.Tenants(ctx)
	if err != nil {
		s.Close()
		return nil, err
	}
	for _, t := range tenants {
		if _, err := s.tenantDB(ctx, t.ID); err != nil {
			s.Close()
			return nil, fmt.Errorf("tenant %s: %w", t.Slug, err)
		}
	}
	return s, nil
}

// Close closes every database. The blob store needs no closing.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, h := range s.tenants {
		h.db.Close()
		delete(s.tenants, id)
	}
	return s.platform.Close()
}

// Blobs returns the blob store (for verification and tools).
func (s *Store) Blobs() blob.Store { return s.blobs }

// Ping checks the platform database and the blob store; KindUnavailable if
// either is unreachable.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.platform.PingContext(ctx); err != nil {
		return &cpaudit.Error{Kind: cpaudit.KindUnavailable, Op: "storage.Ping", Message: "the database is unreachable", Err: err}
	}
	return s.blobs.Ping(ctx)
}

// now returns the current time, UTC, truncated to what the database keeps.
func (s *Store) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// TenantDir is where a tenant's files live (its database and search index).
func (s *Store) TenantDir(slug string) string { return filepath.Join(s.dataDir, "tenants", slug) }

// IndexDir is where a tenant's full-text index lives (package search/index
// owns what is inside).
func (s *Store) IndexDir(slug string) string { return filepath.Join(s.TenantDir(slug), "index") }

// tenantHandle is an open tenant: its database and its slug (which names
// its directory and blob prefix).
type tenantHandle struct {
	db   *sqlDB
	slug string
}

// tenantDB returns the open database of tenant id, opening and migrating it
// on first use. KindNotFound if the tenant does not exist.
func (s *Store) tenantDB(ctx context.Context, id string) (*sqlDB, error) {
	h, err := s.tenant(ctx, id)
	if err != nil {
		return nil, err
	}
	return h.db, nil
}

func (s *Store) tenant(ctx context.Context, id string) (*tenantHandle, error) {
	s.mu.Lock()
	h, ok := s.tenants[id]
	s.mu.Unlock()
	if ok {
		return h, nil
	}
	t, err := s.TenantByID(ctx, id)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if h, ok := s.tenants[id]; ok {
		return h, nil
	}
	db, err := s.openTenantDB(ctx, t.Slug)
	if err != nil {
		return nil, cpaudit.Internal("storage.tenantDB", err)
	}
	h = &tenantHandle{db: db, slug: t.Slug}
	s.tenants[id] = h
	return h, nil
}

func (s *Store) openTenantDB(ctx context.Context, slug string) (*sqlDB, error) {
	dir := s.TenantDir(slug)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	db, err := openSQLite(ctx, filepath.Join(dir, "tenant.db"))
	if err != nil {
		return nil, err
	}
	if err := migrate(ctx, db, "tenant"); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

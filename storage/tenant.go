package storage

import (
	"context"
	"database/sql"
	"strings"

	"github.com/cpaudit/cpaudit"
)

// CreateTenant creates a tenant with its database, index directory and
// blob prefix. KindInvalid for a bad slug or name, KindConflict if the slug
// is taken.
func (s *Store) CreateTenant(ctx context.Context, slug, name string) (cpaudit.Tenant, error) {
	return s.createTenant(ctx, slug, name, false)
}

// CreateLibrary creates the installation's guideline library, a tenant
// like any other whose guidelines every other tenant reads (library.go).
// As CreateTenant, and KindConflict (library_exists) if there is one
// already.
func (s *Store) CreateLibrary(ctx context.Context, slug, name string) (cpaudit.Tenant, error) {
	return s.createTenant(ctx, slug, name, true)
}

func (s *Store) createTenant(ctx context.Context, slug, name string, library bool) (cpaudit.Tenant, error) {
	const op = "storage.CreateTenant"
	if err := cpaudit.ValidateSlug(slug); err != nil {
		return cpaudit.Tenant{}, err
	}
	if err := cpaudit.ValidateName("tenant name", name, 200); err != nil {
		return cpaudit.Tenant{}, err
	}
	now := s.clock()
	t := cpaudit.Tenant{ID: cpaudit.NewID("t", now), Slug: slug, Name: strings.TrimSpace(name), CreatedAt: now, Library: library}
	var exists int
	if err := s.platform.QueryRowContext(ctx, `SELECT count(*) FROM tenants WHERE slug = ?`, slug).Scan(&exists); err != nil {
		return cpaudit.Tenant{}, dbError(op, err, "", "")
	}
	if exists > 0 {
		return cpaudit.Tenant{}, cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeTenantTaken, "tenant %q already exists", slug)
	}
	if library {
		if err := s.noLibraryYet(ctx); err != nil {
			return cpaudit.Tenant{}, err
		}
	}
	// Create and migrate the tenant's database before listing the tenant, so
	// a listed tenant always has a usable database.
	db, err := s.openTenantDB(ctx, slug)
	if err != nil {
		return cpaudit.Tenant{}, cpaudit.Internal(op, err)
	}
	_, err = s.platform.exec(ctx, `INSERT INTO tenants (id, slug, name, created_at, library) VALUES (?, ?, ?, ?, ?)`,
		t.ID, t.Slug, t.Name, micros(now), library)
	if err != nil {
		db.Close()
		if library {
			// Another process may have created a library meanwhile: the
			// unique index refused this one.
			if lerr := s.noLibraryYet(ctx); lerr != nil {
				return cpaudit.Tenant{}, lerr
			}
		}
		return cpaudit.Tenant{}, taken(dbError(op, err, "", "tenant "+slug+" already exists"), cpaudit.CodeTenantTaken)
	}
	s.mu.Lock()
	s.tenants[t.ID] = &tenantHandle{db: db, slug: slug}
	s.mu.Unlock()
	if err := s.appendLogNow(ctx, cpaudit.SystemActor(t.ID), "tenant.create", "tenant", t.ID, map[string]any{"slug": slug, "name": t.Name}); err != nil {
		return cpaudit.Tenant{}, err
	}
	return t, nil
}

// noLibraryYet refuses (KindConflict, library_exists) when the
// installation has its guideline library already.
func (s *Store) noLibraryYet(ctx context.Context) error {
	var slug string
	err := s.platform.QueryRowContext(ctx, `SELECT slug FROM tenants WHERE library = 1`).Scan(&slug)
	switch {
	case err == sql.ErrNoRows:
		return nil
	case err != nil:
		return dbError("storage.CreateLibrary", err, "", "")
	}
	return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeLibraryExists, "the installation already has a guideline library: tenant %q", slug).With("slug", slug)
}

// TenantBySlug returns the tenant with that slug; KindNotFound if none.
func (s *Store) TenantBySlug(ctx context.Context, slug string) (cpaudit.Tenant, error) {
	return s.scanTenant(s.platform.QueryRowContext(ctx, `SELECT id, slug, name, created_at, library FROM tenants WHERE slug = ?`, slug), "unknown tenant "+slug)
}

// TenantByID returns the tenant with that id; KindNotFound if none.
func (s *Store) TenantByID(ctx context.Context, id string) (cpaudit.Tenant, error) {
	return s.scanTenant(s.platform.QueryRowContext(ctx, `SELECT id, slug, name, created_at, library FROM tenants WHERE id = ?`, id), "unknown tenant")
}

func (s *Store) scanTenant(row *sql.Row, notFound string) (cpaudit.Tenant, error) {
	var t cpaudit.Tenant
	var created int64
	if err := row.Scan(&t.ID, &t.Slug, &t.Name, &created, &t.Library); err != nil {
		return cpaudit.Tenant{}, dbError("storage.Tenant", err, notFound, "")
	}
	t.CreatedAt = fromMicros(created)
	return t, nil
}

// Tenants lists every tenant by slug.
func (s *Store) Tenants(ctx context.Context) ([]cpaudit.Tenant, error) {
	rows, err := s.platform.QueryContext(ctx, `SELECT id, slug, name, created_at, library FROM tenants ORDER BY slug`)
	if err != nil {
		return nil, dbError("storage.Tenants", err, "", "")
	}
	defer rows.Close()
	tenants := []cpaudit.Tenant{}
	for rows.Next() {
		var t cpaudit.Tenant
		var created int64
		if err := rows.Scan(&t.ID, &t.Slug, &t.Name, &created, &t.Library); err != nil {
			return nil, dbError("storage.Tenants", err, "", "")
		}
		t.CreatedAt = fromMicros(created)
		tenants = append(tenants, t)
	}
	return tenants, dbError("storage.Tenants", rows.Err(), "", "")
}

package storage

// This file owns the guideline library's reach into the other tenants
// (issue 22): the one tenant created with CreateLibrary publishes
// guidelines that every other tenant reads, searches and counts as common
// text. The reach goes one way: a tenant's actor reads the library's
// guidelines, and nothing else of it, through libraryReader; nothing of a
// tenant is ever read on the library's behalf.

import (
	"context"
	"database/sql"

	"github.com/cpaudit/cpaudit"
)

// LibraryID returns the id of the installation's guideline library, or
// "" when it has none. A library, once created, stays one, so the answer
// is kept once found; until then the platform database is asked each time
// (the command line may create the library while the server runs).
func (s *Store) LibraryID(ctx context.Context) (string, error) {
	if id := s.library.Load(); id != nil {
		return *id, nil
	}
	var id string
	err := s.platform.QueryRowContext(ctx, `SELECT id FROM tenants WHERE library = 1`).Scan(&id)
	if err == sql.ErrNoRows {
		return "", nil
	}
	if err != nil {
		return "", dbError("storage.LibraryID", err, "", "")
	}
	s.library.Store(&id)
	return id, nil
}

// libraryReader returns the actor as whom a reads in the library, and
// whether a reads there at all: not when there is no library or a is in
// it. The reader is a publisher of no organisation and no account, so
// docVisible admits the library's live guidelines and nothing else. It
// keeps a's e-mail and address for messages, never for the library's log:
// what a reader does is logged in its own tenant.
func (s *Store) libraryReader(ctx context.Context, a cpaudit.Actor) (cpaudit.Actor, bool, error) {
	lib, err := s.LibraryID(ctx)
	if err != nil || lib == "" || lib == a.TenantID {
		return cpaudit.Actor{}, false, err
	}
	return cpaudit.Actor{TenantID: lib, Email: a.Email, Role: cpaudit.RolePublisher, ClientAddr: a.ClientAddr}, true, nil
}

// documentIn finds the document id that a may read: in a's tenant, else
// among the library's guidelines. It returns the tenant that holds it and
// the actor the document was read as there.
func (s *Store) documentIn(ctx context.Context, a cpaudit.Actor, id string) (cpaudit.Document, *tenantHandle, cpaudit.Actor, error) {
	h, err := s.tenant(ctx, a.TenantID)
	if err != nil {
		return cpaudit.Document{}, nil, a, err
	}
	d, _, err := s.document(ctx, h.db, a, id)
	if !cpaudit.IsKind(err, cpaudit.KindNotFound) {
		return d, h, a, err
	}
	lib, ok, lerr := s.libraryReader(ctx, a)
	if lerr != nil {
		return cpaudit.Document{}, nil, a, lerr
	}
	if !ok {
		return cpaudit.Document{}, nil, a, err
	}
	lh, lerr := s.tenant(ctx, lib.TenantID)
	if lerr != nil {
		return cpaudit.Document{}, nil, a, lerr
	}
	d, _, lerr = s.document(ctx, lh.db, lib, id)
	if cpaudit.IsKind(lerr, cpaudit.KindNotFound) {
		return cpaudit.Document{}, nil, a, err // the tenant's own answer: nothing says a library was asked
	}
	return d, lh, lib, lerr
}

// libraryScope is what a search of a's tenant adds from the library: its
// guidelines, with the library's own stale documents judged for the
// reader. Nil when a reads no library.
func (s *Store) libraryScope(ctx context.Context, a cpaudit.Actor) (*cpaudit.LibraryScope, error) {
	lib, ok, err := s.libraryReader(ctx, a)
	if err != nil || !ok {
		return nil, err
	}
	db, err := s.tenantDB(ctx, lib.TenantID)
	if err != nil {
		return nil, err
	}
	stale, err := s.searchStale(ctx, db, lib)
	if err != nil {
		return nil, dbError("storage.SearchScope", err, "", "")
	}
	return &cpaudit.LibraryScope{TenantID: lib.TenantID, Stale: stale}, nil
}

// librarySearchHits adds to out, for the ids a search found that are not
// in a's tenant, the library's guidelines among them (SearchHits).
func (s *Store) librarySearchHits(ctx context.Context, a cpaudit.Actor, ids []string, out map[string]cpaudit.SearchSource) error {
	var missing []string
	for _, id := range ids {
		if _, ok := out[id]; !ok {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	lib, ok, err := s.libraryReader(ctx, a)
	if err != nil || !ok {
		return err
	}
	db, err := s.tenantDB(ctx, lib.TenantID)
	if err != nil {
		return err
	}
	return readSearchHits(ctx, db, lib, missing, out)
}

// OwnDocument checks that document id is one a may read in a's own tenant:
// KindNotFound for a library guideline, which a tenant reads (Document)
// but whose history (the library's log) is not the tenant's business.
func (s *Store) OwnDocument(ctx context.Context, a cpaudit.Actor, id string) error {
	h, err := s.tenant(ctx, a.TenantID)
	if err != nil {
		return err
	}
	_, _, err = s.document(ctx, h.db, a, id)
	return err
}

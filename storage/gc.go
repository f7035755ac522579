package storage

import (
	"context"
	"path"
	"time"
)

// CollectGarbage deletes blobs that no document version references and
// that are older than grace. Orphans come from uploads whose metadata
// commit failed after the blob was stored, or from a crash in between.
// Uploads in this process hold s.uploads while they are between the two
// steps; grace covers other processes (another server on the same data).
// It returns how many blobs it removed.
func (s *Store) CollectGarbage(ctx context.Context, grace time.Duration) (int, error) {
	tenants, err := s.Tenants(ctx)
	if err != nil {
		return 0, err
	}
	removed := 0
	for _, t := range tenants {
		h, err := s.tenant(ctx, t.ID)
		if err != nil {
			return removed, err
		}
		n, err := s.collectTenant(ctx, h, grace)
		removed += n
		if err != nil {
			return removed, err
		}
	}
	return removed, nil
}

func (s *Store) collectTenant(ctx context.Context, h *tenantHandle, grace time.Duration) (int, error) {
	cutoff := s.now().Add(-grace)
	var candidates []string
	err := s.blobs.List(ctx, h.slug+"/sha256/", func(key string, size int64, modTime time.Time) error {
		if modTime.Before(cutoff) {
			candidates = append(candidates, key)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	// Listing can take long, so it runs unlocked; the reference check and
	// the delete run under the lock, which waits for every upload that
	// already stored its blob to commit its row.
	s.uploads.Lock()
	defer s.uploads.Unlock()
	removed := 0
	for _, key := range candidates {
		var n int
		if err := h.db.QueryRowContext(ctx, `SELECT count(*) FROM document_versions WHERE sha256 = ?`, path.Base(key)).Scan(&n); err != nil {
			return removed, dbError("storage.CollectGarbage", err, "", "")
		}
		if n > 0 {
			continue
		}
		if err := s.blobs.Delete(ctx, key); err != nil {
			return removed, err
		}
		s.log.Info("removed orphan blob", "key", key)
		removed++
	}
	return removed, nil
}

package storage

import (
	"context"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/cpaudit/cpaudit"
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

// CleanTemp removes upload spool files, and the blob store's own temporary
// files, older than olderThan: what a crash in the middle of an upload
// leaves behind.
func (s *Store) CleanTemp(olderThan time.Duration) error {
	dir := filepath.Join(s.dataDir, "tmp")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return cpaudit.Internal("storage.CleanTemp", err)
	}
	cutoff := s.now().Add(-olderThan)
	for _, e := range entries {
		if fi, err := e.Info(); err == nil && fi.ModTime().Before(cutoff) {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
	if c, ok := s.blobs.(interface{ CleanTemp(time.Duration) error }); ok {
		return c.CleanTemp(olderThan)
	}
	return nil
}

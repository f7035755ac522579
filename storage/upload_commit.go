package storage

import (
	"context"
	"database/sql"
)

// overlapLimit is the largest upload whose blob is made durable while its
// rows are being written (see commitUpload).
const overlapLimit = 16 << 20

// commitUpload makes st's blob durable in the store and commits fn's
// transaction, in that order, so that no committed row ever refers to a
// blob a crash could lose; fn writes the rows that refer to the blob.
//
// For an upload of up to overlapLimit bytes on the local store the two
// overlap: the rows are written while the blob's fsync is in flight, and
// only the commit waits for it, which takes the statements' time off
// every upload. The transaction then holds the tenant's write lock for
// the length of that fsync, a few milliseconds at this size. A larger
// upload, or one to S3 (whose Put can take seconds), is stored first and
// the transaction opened after, so that no write lock waits on the
// network or on a long fsync.
func (s *Store) commitUpload(ctx context.Context, h *tenantHandle, st *Staged, fn func(tx *sql.Tx) error) error {
	if _, local := s.blobs.(adopter); !local || st.Size > overlapLimit {
		if err := s.storeBlob(ctx, h.slug, st); err != nil {
			return err
		}
		defer s.uploads.RUnlock()
		return inTx(ctx, h.db, fn)
	}
	stored := make(chan error, 1)
	go func() { stored <- s.storeBlob(ctx, h.slug, st) }()
	var storeErr error
	waited := false
	waitStored := func() error {
		if !waited {
			waited, storeErr = true, <-stored
		}
		return storeErr
	}
	err := inTx(ctx, h.db, func(tx *sql.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		// A blob that did not become durable rolls the rows back.
		return waitStored()
	})
	// storeBlob returns holding the upload read lock when it succeeded;
	// it is released once the rows are committed (or rolled back).
	if waitStored() == nil {
		s.uploads.RUnlock()
	}
	return err
}

package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"

	"github.com/cpaudit/cpaudit"
)

// OpenAnalysisContent opens the bytes of the newest version of an
// analysis job's document; KindNotFound when it has none.
func (s *Store) OpenAnalysisContent(ctx context.Context, j cpaudit.AnalysisJob) (io.ReadCloser, error) {
	if j.Source.SHA256 == "" {
		return nil, cpaudit.Errorf(cpaudit.KindNotFound, "the document has no content")
	}
	h, err := s.tenant(ctx, j.TenantID)
	if err != nil {
		return nil, err
	}
	return s.openJobBlob(ctx, "storage.OpenAnalysisContent", blobKey(h.slug, j.Source.SHA256))
}

// MatchImages replaces the stored image hashes of the job's document with
// hashes and returns the images of documents of other enterprises that
// may be the same (the candidates the caller compares): those found
// through the banded index (see detindex_image_bands.go) that near accepts as
// near enough one of hashes to compare (all of them when near is nil),
// and those with the same EXIF. A guideline, a
// deleted document or one of no enterprise stores and matches nothing.
func (s *Store) MatchImages(ctx context.Context, j cpaudit.AnalysisJob, hashes []cpaudit.ImageHash, near func(mine, theirs cpaudit.ImageHash) bool) ([]cpaudit.ImageCandidate, error) {
	const op = "storage.MatchImages"
	db, err := s.tenantDB(ctx, j.TenantID)
	if err != nil {
		return nil, err
	}
	src := j.Source
	var out []cpaudit.ImageCandidate
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		for _, table := range []string{"image_hashes", "image_bands"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE document_id = ?`, src.DocumentID); err != nil {
				return err
			}
		}
		if src.Deleted || src.Guideline || src.EnterpriseID == "" || len(hashes) == 0 {
			return nil
		}
		for _, h := range hashes {
			thumb := h.Thumb
			if thumb == nil {
				thumb = []byte{} // NOT NULL: none
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO image_hashes (document_id, entry, phash, dhash, cphash, cdhash, width, height, exif, enterprise_id, thumb)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, src.DocumentID, h.Entry, int64(h.PHash), int64(h.DHash), int64(h.CPHash), int64(h.CDHash),
				h.Width, h.Height, h.EXIF, src.EnterpriseID, thumb); err != nil {
				return err
			}
		}
		if err := insertImageBands(ctx, tx, src, hashes); err != nil {
			return err
		}
		var err error
		out, err = imageCandidates(ctx, tx, src, hashes, near)
		return err
	})
	if err != nil {
		return nil, dbError(op, err, "", "")
	}
	return out, nil
}

// replaceImageFlags makes the duplicate_image flags of doc exactly
// images, keeping the ids of pairs still flagged.
func (s *Store) replaceImageFlags(ctx context.Context, tx *sql.Tx, doc string, images []cpaudit.ImageMatch) error {
	keep := map[string]bool{}
	for _, m := range images {
		a, b := doc, m.OtherID
		pairs := m.Pairs
		if a > b {
			a, b = b, a
			pairs = make([]cpaudit.ImagePair, len(m.Pairs))
			for i, p := range m.Pairs {
				p.AEntry, p.BEntry = p.BEntry, p.AEntry
				pairs[i] = p
			}
		}
		detail, err := json.Marshal(map[string]any{"images": pairs})
		if err != nil {
			return err
		}
		if err := s.upsertFlag(ctx, tx, cpaudit.FlagDuplicateImage, a, b, m.Score, detail); err != nil {
			return err
		}
		keep[m.OtherID] = true
	}
	return deleteFlagsBut(ctx, tx, cpaudit.FlagDuplicateImage, doc, keep)
}

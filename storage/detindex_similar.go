package storage

// This file answers "which documents are most like this one" from the
// duplicate detector's fingerprints (detindex_prints.go), without reading
// or comparing any text: the hashes the analyses recorded as shared
// between two live documents (shared_hashes, migration 017) are looked up
// by document, then by hash (migration 027), and counted per other
// document. Its cost follows the number of fingerprints the document
// shares, not the size of the tenant.

import (
	"context"
	"database/sql"

	"github.com/cpaudit/cpaudit"
)

// similarMinShared is how many fingerprints two documents must share to be
// listed as similar: as many as make a promising chain of seeds for the
// duplicate-text matcher (search/detect). One or two common fingerprints
// are a phrase or two of about 20 characters, which says nothing of the
// documents.
const similarMinShared = 3

// similarQuery lists the documents sharing fingerprints with the analysed
// document ?1 (its key), at least ?2 of them, scored against its ?3
// prints, ?4 its industry; then the visibility arguments and the limit.
const similarQuery = `WITH shared AS MATERIALIZED (
			SELECT o.doc AS doc, count(*) AS n
			FROM shared_hashes m CROSS JOIN shared_hashes o
			WHERE m.doc = ?1 AND o.hash = m.hash AND o.doc <> m.doc
				AND NOT EXISTS (SELECT 1 FROM boilerplate b WHERE b.hash = m.hash)
			GROUP BY o.doc HAVING count(*) >= ?2)
		SELECT d.id, d.title, round(CAST(s.n AS REAL) / max(?3 + an.prints - s.n, s.n), 4) AS score,
			(?4 <> '' AND coalesce(e.industry, '') = ?4) AS same
		FROM shared s
		JOIN analysed_docs an ON an.doc = s.doc
		JOIN documents d ON d.id = an.document_id
		LEFT JOIN analysis_enterprises ae ON ae.ent = an.ent
		LEFT JOIN organisations e ON e.id = ae.enterprise_id
		WHERE ` + docVisible + `
		ORDER BY score DESC, same DESC, d.created_at DESC, d.id
		LIMIT ?`

// SimilarDocuments returns up to limit documents the actor may read whose
// analysed text shares fingerprints with the document id's, most similar
// first. KindNotFound if the document does not exist, is deleted or the
// actor may not read it; an empty list if it has not been analysed (yet),
// has no text, or is a guideline (whose every fingerprint is common text).
//
// Similarity is |A∩B| / |A∪B| (Jaccard) over the two documents' stored
// fingerprints, counted as |A∩B| / (|A| + |B| − |A∩B|) and rounded to 4
// places: A∩B are the fingerprints they share that are not boilerplate
// now (found in a guideline or in 5 enterprises' documents), |A| and |B|
// every fingerprint of each (analysed_docs.prints). So a copy scores 1
// only when the two texts hold no common text, a report that copied half
// of another about 1/3, and a short excerpt of a long report little,
// whichever of the two is asked about: the measure is symmetric. Documents
// sharing fewer than similarMinShared fingerprints are left out. Among
// equal scores, documents of an enterprise of the same industry (GB/T
// 4754 code) as the document's come first, then the newer. Documents of
// the same enterprise are listed like any other (another upload of the
// same report is what a reader looks for); one document's older versions
// are not, only its newest analysed text has fingerprints.
func (s *Store) SimilarDocuments(ctx context.Context, a cpaudit.Actor, id string, limit int) ([]cpaudit.SimilarDocument, error) {
	const op = "storage.SimilarDocuments"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	if _, _, err := s.document(ctx, db, a, id); err != nil {
		return nil, err
	}
	out := []cpaudit.SimilarDocument{}
	var doc, prints int64
	var industry string
	err = db.QueryRowContext(ctx, `SELECT a.doc, a.prints, coalesce(e.industry, '') FROM analysed_docs a
		LEFT JOIN analysis_enterprises ae ON ae.ent = a.ent
		LEFT JOIN organisations e ON e.id = ae.enterprise_id
		WHERE a.document_id = ?`, id).Scan(&doc, &prints, &industry)
	if err == sql.ErrNoRows || (err == nil && prints == 0) {
		return out, nil
	} else if err != nil {
		return nil, dbError(op, err, "", "")
	}
	// Counted per other document first (shared_hashes only, with a
	// lookup of each hash in boilerplate), then joined to the few
	// documents found, so visibility is checked once per document.
	args := []any{doc, similarMinShared, prints, industry}
	args = append(args, docVisibleArgs(a)...)
	args = append(args, limit)
	err = scanRows(ctx, db, similarQuery, args, func(rows *sql.Rows) error {
		var sd cpaudit.SimilarDocument
		if err := rows.Scan(&sd.DocumentID, &sd.Title, &sd.Similarity, &sd.SameIndustry); err != nil {
			return err
		}
		out = append(out, sd)
		return nil
	})
	if err != nil {
		return nil, dbError(op, err, "", "")
	}
	return out, nil
}

package storage

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/cpaudit/cpaudit"
)

// What a finding cites besides whole documents (cpaudit/finding_cite.go):
// passages, figures and images of its audit's documents, checked and
// copied into the finding's row (migration 050) when it is recorded. The
// caller may read every document of an audit it may see (docVisible holds
// auditVisible's documents), so checking that each cited thing is of the
// finding's audit is checking that the caller may read it; a thing of
// another audit or tenant is refused by the same 422 as one that does not
// exist, which tells nothing of it.

// citations are a finding's cited passages, figures and images.
type citations struct {
	passages []cpaudit.CitedPassage
	figures  []cpaudit.CitedFigure
	images   []cpaudit.CitedImage
}

// resolveCitations checks every citation of nf against its audit and
// reads what each cites. KindUnprocessable: document_not_of_audit for a
// passage's document, passage_not_in_text, figure_not_of_audit,
// image_not_of_audit.
func resolveCitations(ctx context.Context, tx *sql.Tx, nf cpaudit.NewFinding) (citations, error) {
	c := citations{passages: []cpaudit.CitedPassage{}, figures: []cpaudit.CitedFigure{}, images: []cpaudit.CitedImage{}}
	for _, p := range nf.Passages {
		if err := documentsOfAudit(ctx, tx, nf.AuditID, []string{p.DocumentID}); err != nil {
			return c, err
		}
		var text string
		err := tx.QueryRowContext(ctx, `SELECT t.text FROM document_texts t JOIN documents d ON d.id = t.document_id AND t.version = d.versions
			WHERE t.document_id = ? AND t.status = ?`, p.DocumentID, string(cpaudit.TextDone)).Scan(&text)
		if err != nil && err != sql.ErrNoRows {
			return c, err
		}
		cut, ok := cpaudit.CutPassage(p, text)
		if err == sql.ErrNoRows || !ok {
			return c, cpaudit.Refuse(cpaudit.KindUnprocessable, cpaudit.CodePassageNotInText, "passage of document %s: not in its extracted text", p.DocumentID).With("value", p.DocumentID)
		}
		c.passages = append(c.passages, cut)
	}
	figs := map[string][]cpaudit.Figure{} // read once per document
	for _, id := range nf.FigureIDs {
		doc, i, ok := cpaudit.ParseFigureID(id)
		notOf := cpaudit.Refuse(cpaudit.KindUnprocessable, cpaudit.CodeFigureNotOfAudit, "figure %q is not a figure of audit %s", id, nf.AuditID).With("value", id)
		if !ok {
			return c, notOf
		}
		list, read := figs[doc]
		if !read {
			var raw string
			err := tx.QueryRowContext(ctx, `SELECT f.figures FROM doc_figures f JOIN documents d ON d.id = f.document_id AND d.deleted_at IS NULL
				WHERE f.document_id = ? AND d.audit_id = ?`, doc, nf.AuditID).Scan(&raw)
			if err != nil && err != sql.ErrNoRows {
				return c, err
			}
			if err == nil && json.Unmarshal([]byte(raw), &list) != nil {
				list = nil // an older shape: as good as none until re-analysed
			}
			figs[doc] = list
		}
		if i >= len(list) {
			return c, notOf
		}
		f := list[i]
		c.figures = append(c.figures, cpaudit.CitedFigure{ID: id, DocumentID: doc, Name: string(f.Quantity), Value: f.Value, Unit: f.Unit, Raw: f.Raw})
	}
	for _, id := range nf.ImageIDs {
		doc, entry, ok := cpaudit.ParseImageID(id)
		im := cpaudit.CitedImage{ID: id, DocumentID: doc, Entry: entry}
		err := sql.ErrNoRows
		if ok {
			err = tx.QueryRowContext(ctx, `SELECT i.width, i.height FROM image_hashes i JOIN documents d ON d.id = i.document_id AND d.deleted_at IS NULL
				WHERE i.document_id = ? AND i.entry = ? AND d.audit_id = ? LIMIT 1`, doc, entry, nf.AuditID).Scan(&im.Width, &im.Height)
		}
		if err == sql.ErrNoRows {
			return c, cpaudit.Refuse(cpaudit.KindUnprocessable, cpaudit.CodeImageNotOfAudit, "image %q is not an image of audit %s", id, nf.AuditID).With("value", id)
		}
		if err != nil {
			return c, err
		}
		c.images = append(c.images, im)
	}
	return c, nil
}

// scanCitations reads a finding row's citation columns into it.
func scanCitations(f *cpaudit.Finding, passages, figures, images string) error {
	f.Passages, f.Figures, f.Images = []cpaudit.CitedPassage{}, []cpaudit.CitedFigure{}, []cpaudit.CitedImage{}
	for _, c := range []struct {
		raw string
		to  any
	}{{passages, &f.Passages}, {figures, &f.Figures}, {images, &f.Images}} {
		if err := json.Unmarshal([]byte(c.raw), c.to); err != nil {
			return err
		}
	}
	return nil
}

// FindingCitables lists the live documents of an audit that have figures
// or images, with them, oldest document first: what a finding on the
// audit may cite. KindNotFound for an audit outside the actor's reach.
func (s *Store) FindingCitables(ctx context.Context, a cpaudit.Actor, auditID string) ([]cpaudit.CitableDocument, error) {
	const op = "storage.FindingCitables"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	if err := auditIsVisible(ctx, db, a, auditID); err != nil {
		return nil, dbError(op, err, "", "")
	}
	out := []cpaudit.CitableDocument{}
	at := map[string]int{}
	doc := func(id, title string) *cpaudit.CitableDocument {
		i, ok := at[id]
		if !ok {
			i = len(out)
			at[id] = i
			out = append(out, cpaudit.CitableDocument{DocumentID: id, Title: title, Figures: []cpaudit.CitedFigure{}, Images: []cpaudit.CitedImage{}})
		}
		return &out[i]
	}
	err = scanRows(ctx, db, `SELECT d.id, d.title, coalesce(f.figures, '[]') FROM documents d
		LEFT JOIN doc_figures f ON f.document_id = d.id
		WHERE d.audit_id = ? AND d.deleted_at IS NULL
			AND (f.document_id IS NOT NULL OR EXISTS (SELECT 1 FROM image_hashes i WHERE i.document_id = d.id))
		ORDER BY d.created_at, d.id`, []any{auditID}, func(rows *sql.Rows) error {
		var id, title, raw string
		if err := rows.Scan(&id, &title, &raw); err != nil {
			return err
		}
		d := doc(id, title)
		var figs []cpaudit.Figure
		if json.Unmarshal([]byte(raw), &figs) != nil {
			return nil // an older shape: none until re-analysed
		}
		for i, f := range figs {
			d.Figures = append(d.Figures, cpaudit.CitedFigure{ID: cpaudit.FigureID(id, i), DocumentID: id, Name: string(f.Quantity), Value: f.Value, Unit: f.Unit, Raw: f.Raw})
		}
		return nil
	})
	if err != nil {
		return nil, dbError(op, err, "", "")
	}
	err = scanRows(ctx, db, `SELECT i.document_id, i.entry, i.width, i.height FROM image_hashes i
		JOIN documents d ON d.id = i.document_id AND d.deleted_at IS NULL
		WHERE d.audit_id = ? GROUP BY i.document_id, i.entry ORDER BY d.created_at, d.id, i.entry`, []any{auditID}, func(rows *sql.Rows) error {
		var im cpaudit.CitedImage
		if err := rows.Scan(&im.DocumentID, &im.Entry, &im.Width, &im.Height); err != nil {
			return err
		}
		im.ID = cpaudit.ImageID(im.DocumentID, im.Entry)
		if i, ok := at[im.DocumentID]; ok {
			out[i].Images = append(out[i].Images, im)
		}
		return nil
	})
	return out, dbError(op, err, "", "")
}

// DocumentImageThumb returns the stored thumbnail of an image of a
// document the actor may read (entry "" for a photo that is the document
// itself). KindNotFound when the document is not readable, or has no such
// image, or none was kept for it.
func (s *Store) DocumentImageThumb(ctx context.Context, a cpaudit.Actor, docID, entry string) ([]byte, error) {
	const op = "storage.DocumentImageThumb"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	if _, _, err := s.document(ctx, db, a, docID); err != nil {
		return nil, err
	}
	var thumb []byte
	err = db.QueryRowContext(ctx, `SELECT thumb FROM image_hashes WHERE document_id = ? AND entry = ? AND length(thumb) > 0 LIMIT 1`, docID, entry).Scan(&thumb)
	if err != nil {
		return nil, dbError(op, err, "no such image", "")
	}
	return thumb, nil
}

package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"math"
	"strings"

	"github.com/cpaudit/cpaudit"
)

// Figures and identifying numbers of analysed documents, and the
// inconsistent_figure and duplicate_number flags they raise. These are
// written in a transaction of their own, before CompleteAnalysisJob's:
// each replaces what the document had, so a retried job does the same
// again.

// MatchFigures replaces the stored key figures and identifying numbers of
// the job's document (none when it has nothing to analyse, is a guideline
// or belongs to no enterprise; figures only for a document of an audit)
// and returns what they are compared with: the figures of the other
// documents of its audit, the audit's options, and the numbers of
// documents of other enterprises equal to one of its own.
func (s *Store) MatchFigures(ctx context.Context, j cpaudit.AnalysisJob, figs []cpaudit.Figure, nums []cpaudit.DocNumber) (cpaudit.FigureCandidates, error) {
	const op = "storage.MatchFigures"
	db, err := s.tenantDB(ctx, j.TenantID)
	if err != nil {
		return cpaudit.FigureCandidates{}, err
	}
	src := j.Source
	var out cpaudit.FigureCandidates
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		var auditID sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT audit_id, title FROM documents WHERE id = ?`, src.DocumentID).Scan(&auditID, &out.Title)
		if err == sql.ErrNoRows {
			return nil
		} else if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM doc_figures WHERE document_id = ?`, src.DocumentID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM doc_numbers WHERE document_id = ?`, src.DocumentID); err != nil {
			return err
		}
		if src.Absent || src.Guideline || src.EnterpriseID == "" {
			return nil
		}
		if auditID.Valid {
			if err := s.storeFigures(ctx, tx, src.DocumentID, auditID.String, figs, &out); err != nil {
				return err
			}
		}
		return s.matchNumbers(ctx, tx, src, nums, &out)
	})
	return out, dbError(op, err, "", "")
}

// storeFigures writes a document's figures and reads its audit's others
// and options.
func (s *Store) storeFigures(ctx context.Context, tx *sql.Tx, docID, auditID string, figs []cpaudit.Figure, out *cpaudit.FigureCandidates) error {
	if len(figs) > 0 {
		b, err := json.Marshal(figs)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO doc_figures (document_id, audit_id, figures) VALUES (?, ?, ?)`, docID, auditID, string(b)); err != nil {
			return err
		}
	}
	rows, err := tx.QueryContext(ctx, `SELECT f.document_id, d.title, f.figures FROM doc_figures f
		JOIN documents d ON d.id = f.document_id AND d.deleted_at IS NULL
		WHERE f.audit_id = ? AND f.document_id <> ? ORDER BY f.document_id`, auditID, docID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var d cpaudit.DocFigures
		var raw string
		if err := rows.Scan(&d.DocumentID, &d.Title, &raw); err != nil {
			return err
		}
		if json.Unmarshal([]byte(raw), &d.Figures) != nil {
			continue // written by us: unreadable means an older shape, re-read on its next analysis
		}
		out.Others = append(out.Others, d)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	out.Options, err = auditOptions(ctx, tx, auditID)
	return err
}

// matchNumbers writes a document's numbers and reads, through the number
// index, the documents of other enterprises that hold one of them.
func (s *Store) matchNumbers(ctx context.Context, tx *sql.Tx, src cpaudit.AnalysisSource, nums []cpaudit.DocNumber, out *cpaudit.FigureCandidates) error {
	if len(nums) == 0 {
		return nil
	}
	const cols = 7
	args := make([]any, 0, cols*len(nums))
	for _, n := range nums {
		args = append(args, n.Number, string(n.Kind), src.DocumentID, src.EnterpriseID, n.Label, n.Sentence, n.Offset)
	}
	q := `INSERT INTO doc_numbers (number, kind, document_id, enterprise_id, label, sentence, pos) VALUES (?, ?, ?, ?, ?, ?, ?)` +
		strings.Repeat(`, (?, ?, ?, ?, ?, ?, ?)`, len(nums)-1)
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT n.document_id, n.enterprise_id, n.kind, n.label, n.number, n.sentence, n.pos
		FROM doc_numbers n JOIN documents d ON d.id = n.document_id AND d.deleted_at IS NULL
		WHERE n.number IN (SELECT number FROM doc_numbers WHERE document_id = ?)
			AND n.document_id <> ? AND n.enterprise_id NOT IN ('', ?)
		ORDER BY n.document_id, n.pos`, src.DocumentID, src.DocumentID, src.EnterpriseID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var c cpaudit.NumberCandidate
		var kind string
		if err := rows.Scan(&c.DocumentID, &c.EnterpriseID, &kind, &c.Theirs.Label, &c.Theirs.Number, &c.Theirs.Sentence, &c.Theirs.Offset); err != nil {
			return err
		}
		c.Theirs.Kind = cpaudit.NumberKind(kind)
		out.Numbers = append(out.Numbers, c)
	}
	return rows.Err()
}

// CompleteFigures makes the inconsistent_figure flags of the job's
// document exactly figs (a flag of the document alone for disagreements
// within it and with the options, one per other document of the audit)
// and its duplicate_number flags exactly nums, keeping the ids and reviews
// of flags still raised. A deleted document's flags are left as they were.
// The score of an inconsistent_figure flag is its largest relative
// difference; of a duplicate_number flag, 1.
func (s *Store) CompleteFigures(ctx context.Context, j cpaudit.AnalysisJob, figs cpaudit.FigureFinding, nums []cpaudit.NumberMatch) error {
	const op = "storage.CompleteFigures"
	db, err := s.tenantDB(ctx, j.TenantID)
	if err != nil {
		return err
	}
	doc := j.Source.DocumentID
	if j.Source.Deleted || doc == "" {
		return nil
	}
	return dbError(op, inTx(ctx, db, func(tx *sql.Tx) error {
		var exists int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM documents WHERE id = ?`, doc).Scan(&exists); err != nil || exists == 0 {
			return err
		}
		keep := map[string]bool{}
		for other, mm := range figs {
			if len(mm) == 0 {
				continue
			}
			score := 0.0
			for _, m := range mm {
				score = math.Max(score, m.Diff)
			}
			detail, err := json.Marshal(map[string]any{"mismatches": mm})
			if err != nil {
				return err
			}
			a, b := min(doc, other), max(doc, other)
			if err := s.upsertFlag(ctx, tx, cpaudit.FlagInconsistentFigure, a, b, math.Min(1, score), detail); err != nil {
				return err
			}
			keep[other] = true
		}
		if err := deleteFlagsBut(ctx, tx, cpaudit.FlagInconsistentFigure, doc, keep); err != nil {
			return err
		}
		keep = map[string]bool{}
		for _, m := range nums {
			pairs := m.Pairs
			a, b := doc, m.OtherID
			if a > b {
				a, b = b, a
				pairs = make([]cpaudit.NumberPair, len(m.Pairs))
				for i, p := range m.Pairs {
					pairs[i] = cpaudit.NumberPair{Kind: p.Kind, Number: p.Number, ALabel: p.BLabel, BLabel: p.ALabel,
						ASentence: p.BSentence, BSentence: p.ASentence, AOffset: p.BOffset, BOffset: p.AOffset}
				}
			}
			detail, err := json.Marshal(map[string]any{"numbers": pairs})
			if err != nil {
				return err
			}
			if err := s.upsertFlag(ctx, tx, cpaudit.FlagDuplicateNumber, a, b, 1, detail); err != nil {
				return err
			}
			keep[m.OtherID] = true
		}
		return deleteFlagsBut(ctx, tx, cpaudit.FlagDuplicateNumber, doc, keep)
	}), "", "")
}

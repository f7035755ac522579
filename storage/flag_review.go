package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cpaudit/cpaudit"
)

// maxReviewReason bounds a review's reason, in characters.
const maxReviewReason = 4000

// ReviewFlag records a regulator's or expert's decision on an open flag:
// dismissed, or confirmed, which records a finding against every audit
// the flag's documents belong to (and so against the audit's consultancy).
// The reason is required. Dismissing a template_text flag dismisses every
// other open template_text flag of the same consultancy that the actor may
// read, with the same reason: the firm's template, once for all its
// clients. KindNotFound if the actor may not read every
// document of the flag; KindConflict for another role or a flag already
// reviewed; KindInvalid for a missing or overlong reason. A confirmation's
// findings take ff's category, severity and rectification due date
// (KindUnprocessable for a bad one, as for a new finding), and their
// parties are notified.
func (s *Store) ReviewFlag(ctx context.Context, a cpaudit.Actor, id string, decision cpaudit.FlagStatus, reason string, ff cpaudit.FlagFinding) (cpaudit.Flag, error) {
	const op = "storage.ReviewFlag"
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return cpaudit.Flag{}, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeFlagReasonRequired, "a review needs a reason")
	}
	if utf8.RuneCountInString(reason) > maxReviewReason {
		return cpaudit.Flag{}, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeFlagReasonTooLong, "the reason is longer than %d characters", maxReviewReason).With("max", strconv.Itoa(maxReviewReason))
	}
	if decision != cpaudit.FlagConfirmed && decision != cpaudit.FlagDismissed {
		return cpaudit.Flag{}, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeDecisionInvalid, "decision must be confirm or dismiss")
	}
	if decision == cpaudit.FlagConfirmed {
		if err := ff.Validate(s.today()); err != nil {
			return cpaudit.Flag{}, err
		}
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.Flag{}, err
	}
	var fl cpaudit.Flag
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		args := append([]any{id}, append(docVisibleArgs(a), docVisibleArgs(a)...)...)
		var err error
		fl, err = scanFlag(tx.QueryRowContext(ctx, `SELECT `+flagColumns+` FROM flags f WHERE f.id = ?
			AND EXISTS (SELECT 1 FROM documents d WHERE d.id = f.doc_a AND `+docVisible+`)
			AND EXISTS (SELECT 1 FROM documents d WHERE d.id = f.doc_b AND `+docVisible+`)`, args...))
		if err != nil {
			return dbError(op, err, "no such flag", "")
		}
		switch {
		case a.Role != cpaudit.RoleAdmin && a.Role != cpaudit.RoleRegulator && a.Role != cpaudit.RoleExpert:
			return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeReviewNotAllowed, "only regulators and experts review flags")
		case fl.Status != cpaudit.FlagOpen:
			return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeFlagAlreadyReviewed, "this flag was already %s by %s", fl.Status, fl.Review.ReviewedBy).With("status", string(fl.Status))
		}
		now := s.clock()
		if _, err := tx.ExecContext(ctx, `UPDATE flags SET status = ?, review_reason = ?, reviewed_by = ?, reviewed_at = ? WHERE id = ?`,
			string(decision), reason, a.Email, micros(now), id); err != nil {
			return err
		}
		fl.Status, fl.Review = decision, &cpaudit.FlagReview{Reason: reason, ReviewedBy: a.Email, ReviewedAt: now}
		var audits []string
		if decision == cpaudit.FlagConfirmed {
			if audits, err = s.recordFindings(ctx, tx, a, fl, reason, ff); err != nil {
				return err
			}
		}
		action := "flag.dismiss"
		if decision == cpaudit.FlagConfirmed {
			action = "flag.confirm"
		}
		if err := s.appendLog(ctx, tx, a, action, "flag", id, map[string]any{
			"kind": fl.Kind, "documents": fl.DocumentIDs, "reason": reason, "findings_for_audits": audits}); err != nil {
			return err
		}
		if decision == cpaudit.FlagDismissed && fl.Kind == cpaudit.FlagTemplateText {
			return s.dismissTemplate(ctx, tx, a, fl, reason, now)
		}
		return nil
	})
	if err != nil {
		return cpaudit.Flag{}, dbError(op, err, "", "")
	}
	return fl, nil
}

// recordFindings writes one finding per distinct audit of the flag's
// documents, citing the flag's documents of that audit, and returns those
// audits, each of ff's category and severity, with its parties notified.
func (s *Store) recordFindings(ctx context.Context, tx *sql.Tx, a cpaudit.Actor, fl cpaudit.Flag, reason string, ff cpaudit.FlagFinding) ([]string, error) {
	var audits []string
	cons := map[string]sql.NullString{}
	docs := map[string][]string{}
	for _, doc := range fl.DocumentIDs {
		var audit, c sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT d.audit_id, au.consultancy_id FROM documents d
			LEFT JOIN audits au ON au.id = d.audit_id WHERE d.id = ?`, doc).Scan(&audit, &c)
		if err != nil {
			return nil, err
		}
		if !audit.Valid {
			continue
		}
		if !slices.Contains(audits, audit.String) {
			audits = append(audits, audit.String)
			cons[audit.String] = c
		}
		if !slices.Contains(docs[audit.String], doc) {
			docs[audit.String] = append(docs[audit.String], doc)
		}
	}
	for _, audit := range audits {
		now := s.clock()
		id := cpaudit.NewID("n", now)
		if _, err := tx.ExecContext(ctx, `INSERT INTO findings (id, flag_id, flag_kind, audit_id, consultancy_id, reason,
			category, severity, rectification_due, document_ids, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, fl.ID, string(fl.Kind), audit, cons[audit], reason, string(ff.Category), string(ff.Severity), ff.RectificationDue,
			mustJSON(docs[audit]), a.Email, micros(now)); err != nil {
			return nil, err
		}
		if err := notify(ctx, tx, a.UserID, id, cpaudit.NotifyFindingCreated, "", notifyTo{parties: true}, now); err != nil {
			return nil, err
		}
	}
	return audits, nil
}

// dismissTemplate dismisses, with reason, the open template_text flags of
// the consultancy of fl (its detail's consultancy_id) whose documents the
// actor may read, each written to the audit log as dismissed with fl.
func (s *Store) dismissTemplate(ctx context.Context, tx *sql.Tx, a cpaudit.Actor, fl cpaudit.Flag, reason string, now time.Time) error {
	var d struct {
		ConsultancyID string `json:"consultancy_id"`
	}
	if err := json.Unmarshal(fl.Detail, &d); err != nil || d.ConsultancyID == "" {
		return err
	}
	args := append([]any{string(cpaudit.FlagTemplateText), string(cpaudit.FlagOpen), d.ConsultancyID, fl.ID},
		append(docVisibleArgs(a), docVisibleArgs(a)...)...)
	rows, err := tx.QueryContext(ctx, `SELECT f.id, f.doc_a, f.doc_b FROM flags f
		WHERE f.kind = ? AND f.status = ? AND json_extract(f.detail, '$.consultancy_id') = ? AND f.id <> ?
			AND EXISTS (SELECT 1 FROM documents d WHERE d.id = f.doc_a AND `+docVisible+`)
			AND EXISTS (SELECT 1 FROM documents d WHERE d.id = f.doc_b AND `+docVisible+`)
		ORDER BY f.id`, args...)
	if err != nil {
		return err
	}
	type other struct{ id, a, b string }
	var others []other
	for rows.Next() {
		var o other
		if err := rows.Scan(&o.id, &o.a, &o.b); err != nil {
			rows.Close()
			return err
		}
		others = append(others, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, o := range others {
		if _, err := tx.ExecContext(ctx, `UPDATE flags SET status = ?, review_reason = ?, reviewed_by = ?, reviewed_at = ? WHERE id = ?`,
			string(cpaudit.FlagDismissed), reason, a.Email, micros(now), o.id); err != nil {
			return err
		}
		if err := s.appendLog(ctx, tx, a, "flag.dismiss", "flag", o.id, map[string]any{
			"kind": cpaudit.FlagTemplateText, "documents": []string{o.a, o.b}, "reason": reason,
			"with": fl.ID, "consultancy_id": d.ConsultancyID}); err != nil {
			return err
		}
	}
	return nil
}

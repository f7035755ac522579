package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"

	"github.com/cpaudit/cpaudit"
)

// Findings (cpaudit.Finding) and the consultancy evaluation. A finding is
// read by whoever may read its audit (auditVisible), recorded by an admin,
// an expert or a regulator whose reach holds the audit, and counted
// against the consultancy that ran the audit when it was recorded
// (findings.consultancy_id, copied in).

// mayRaiseFindings: admins, regulators and experts record findings; the
// audit's reach is checked before, so a refusal tells nothing of an audit
// the caller cannot see.
func mayRaiseFindings(a cpaudit.Actor) error {
	switch a.Role {
	case cpaudit.RoleAdmin, cpaudit.RoleRegulator, cpaudit.RoleExpert:
		return nil
	}
	return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeFindingNotAllowed, "only an admin, a regulator or an expert may record a finding; a %s may not", a.Role)
}

// CreateFinding records a finding against an audit the actor may see,
// state open, with its audit log entry in the same transaction.
// KindUnprocessable for a bad category, severity, description or date, a
// due date before today (China time) or a document that is not one of
// the audit's; KindNotFound for an audit outside the actor's reach;
// KindConflict for a role that may not record findings.
func (s *Store) CreateFinding(ctx context.Context, a cpaudit.Actor, nf cpaudit.NewFinding) (cpaudit.Finding, error) {
	const op = "storage.CreateFinding"
	now := s.clock()
	if err := nf.Validate(s.today()); err != nil {
		return cpaudit.Finding{}, err
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.Finding{}, err
	}
	f := cpaudit.Finding{ID: cpaudit.NewID("n", now), AuditID: nf.AuditID, Category: nf.Category, Severity: nf.Severity,
		State: cpaudit.FindingOpen, Description: nf.Description, DocumentIDs: nf.DocumentIDs,
		RectificationDue: nf.RectificationDue, CreatedBy: a.Email, CreatedAt: now}
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		var cons sql.NullString
		args := append([]any{nf.AuditID}, auditVisibleArgs(a)...)
		err := tx.QueryRowContext(ctx, `SELECT au.consultancy_id FROM audits au WHERE au.id = ? AND `+auditVisible, args...).Scan(&cons)
		if err == sql.ErrNoRows {
			return cpaudit.Refuse(cpaudit.KindNotFound, cpaudit.CodeNoSuchAudit, "no such audit")
		}
		if err != nil {
			return err
		}
		if err := mayRaiseFindings(a); err != nil {
			return err
		}
		f.ConsultancyID = cons.String
		if err := documentsOfAudit(ctx, tx, nf.AuditID, nf.DocumentIDs); err != nil {
			return err
		}
		if nf.AssignmentID != "" {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM review_assignments WHERE id = ? AND audit_id = ?`, nf.AssignmentID, nf.AuditID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return cpaudit.Refuse(cpaudit.KindUnprocessable, cpaudit.CodeFindingAssignmentNotOfAudit, "assignment_id %q is not a review assignment of audit %s", nf.AssignmentID, nf.AuditID).
					With("value", nf.AssignmentID)
			}
		}
		f.Step, f.AssignmentID = nf.Step, nf.AssignmentID
		cited, err := resolveCitations(ctx, tx, nf)
		if err != nil {
			return err
		}
		f.Passages, f.Figures, f.Images = cited.passages, cited.figures, cited.images
		if _, err := tx.ExecContext(ctx, `INSERT INTO findings (id, flag_id, flag_kind, audit_id, consultancy_id, reason,
			category, severity, state, document_ids, rectification_due, created_by, created_at, step, assignment_id,
			passages, figures, images)
			VALUES (?, '', '', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			f.ID, f.AuditID, cons, f.Description, string(f.Category), string(f.Severity), string(f.State),
			mustJSON(f.DocumentIDs), f.RectificationDue, f.CreatedBy, micros(now), f.Step, f.AssignmentID,
			mustJSON(f.Passages), mustJSON(f.Figures), mustJSON(f.Images)); err != nil {
			return err
		}
		if err := notify(ctx, tx, a.UserID, f.ID, cpaudit.NotifyFindingCreated, "", notifyTo{parties: true}, now); err != nil {
			return err
		}
		return s.appendLog(ctx, tx, a, "finding.create", "finding", f.ID, map[string]any{
			"audit_id": f.AuditID, "consultancy_id": f.ConsultancyID, "category": f.Category, "severity": f.Severity,
			"description": f.Description, "document_ids": f.DocumentIDs, "rectification_due": f.RectificationDue,
			"step": f.Step, "assignment_id": f.AssignmentID, "passages": f.Passages, "figure_ids": nf.FigureIDs, "image_ids": nf.ImageIDs})
	})
	if err != nil {
		return cpaudit.Finding{}, dbError(op, err, "", "")
	}
	return f, nil
}

// documentsOfAudit makes sure every id names a live document of the audit.
func documentsOfAudit(ctx context.Context, tx *sql.Tx, auditID string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	in, args := idsIn(ids)
	rows, err := tx.QueryContext(ctx, `SELECT id FROM documents WHERE id IN `+in+` AND audit_id = ? AND deleted_at IS NULL`,
		append(args, auditID)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	found := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		found[id] = true
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		if !found[id] {
			return cpaudit.Refuse(cpaudit.KindUnprocessable, cpaudit.CodeDocumentNotOfAudit, "document %q is not a document of audit %s", id, auditID).With("value", id)
		}
	}
	return nil
}

const findingColumns = `f.id, f.audit_id, f.consultancy_id, f.category, f.severity, f.state, f.reason, f.document_ids,
	f.rectification_due, f.flag_id, f.flag_kind, f.created_by, f.created_at, f.step, f.assignment_id,
	f.passages, f.figures, f.images`

func scanFinding(row rowScanner) (cpaudit.Finding, error) {
	var f cpaudit.Finding
	var cons sql.NullString
	var category, severity, state, docs, passages, figures, images string
	var created int64
	if err := row.Scan(&f.ID, &f.AuditID, &cons, &category, &severity, &state, &f.Description, &docs,
		&f.RectificationDue, &f.FlagID, &f.FlagKind, &f.CreatedBy, &created, &f.Step, &f.AssignmentID,
		&passages, &figures, &images); err != nil {
		return cpaudit.Finding{}, err
	}
	if err := scanCitations(&f, passages, figures, images); err != nil {
		return cpaudit.Finding{}, err
	}
	f.ConsultancyID, f.CreatedAt = cons.String, fromMicros(created)
	f.Category, f.Severity, f.State = cpaudit.FindingCategory(category), cpaudit.FindingSeverity(severity), cpaudit.FindingState(state)
	if err := json.Unmarshal([]byte(docs), &f.DocumentIDs); err != nil {
		return cpaudit.Finding{}, err
	}
	if f.DocumentIDs == nil {
		f.DocumentIDs = []string{}
	}
	return f, nil
}

// Findings lists the findings on audits the actor may read, newest first,
// and how many match in all; Overdue keeps only open findings past their
// due date (China time). KindNotFound when the filter names an audit
// outside the actor's reach; KindInvalid for an unknown state.
func (s *Store) Findings(ctx context.Context, a cpaudit.Actor, ff cpaudit.FindingFilter) ([]cpaudit.Finding, int, error) {
	const op = "storage.Findings"
	if _, err := cpaudit.ParseFindingState(string(ff.State)); err != nil {
		return nil, 0, err
	}
	if ff.Limit <= 0 || ff.Limit > 1000 {
		ff.Limit = 100
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, 0, err
	}
	where := ` WHERE ` + auditVisible
	args := auditVisibleArgs(a)
	if ff.AuditID != "" {
		if err := auditIsVisible(ctx, db, a, ff.AuditID); err != nil {
			return nil, 0, dbError(op, err, "", "")
		}
		where += ` AND f.audit_id = ?`
		args = append(args, ff.AuditID)
	}
	if ff.ConsultancyID != "" {
		where += ` AND f.consultancy_id = ?`
		args = append(args, ff.ConsultancyID)
	}
	if ff.State != "" {
		where += ` AND f.state = ?`
		args = append(args, string(ff.State))
	}
	today := s.today()
	if ff.Orders {
		where += ` AND f.rectification_due <> ''`
	}
	if ff.Overdue {
		where += ` AND f.state = 'open' AND f.rectification_due <> '' AND f.rectification_due < ?`
		args = append(args, today)
	}
	const from = ` FROM findings f JOIN audits au ON au.id = f.audit_id`
	var total int
	if err := db.QueryRowContext(ctx, `SELECT count(*)`+from+where, args...).Scan(&total); err != nil {
		return nil, 0, dbError(op, err, "", "")
	}
	rows, err := db.QueryContext(ctx, `SELECT `+findingColumns+from+where+` ORDER BY f.created_at DESC, f.id DESC LIMIT ? OFFSET ?`,
		append(args, ff.Limit, max(ff.Offset, 0))...)
	if err != nil {
		return nil, 0, dbError(op, err, "", "")
	}
	out, err := scanFindingRows(rows, today)
	if err != nil {
		return nil, 0, dbError(op, err, "", "")
	}
	return out, total, nil
}

// scanFindingRows reads every finding of rows, marking those overdue on
// today (a day in China).
func scanFindingRows(rows *sql.Rows, today string) ([]cpaudit.Finding, error) {
	defer rows.Close()
	out := []cpaudit.Finding{}
	for rows.Next() {
		f, err := scanFinding(rows)
		if err != nil {
			return nil, err
		}
		f.Overdue = f.OverdueOn(today)
		out = append(out, f)
	}
	return out, rows.Err()
}

// Finding returns one finding with its history, oldest transition first.
// KindNotFound (no_such_finding) unless it exists and the actor may read
// its audit.
func (s *Store) Finding(ctx context.Context, a cpaudit.Actor, id string) (cpaudit.Finding, error) {
	const op = "storage.Finding"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.Finding{}, err
	}
	var f cpaudit.Finding
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		var err error
		if f, _, err = visibleFinding(ctx, tx, a, id); err != nil {
			return err
		}
		f.Overdue = f.OverdueOn(s.today())
		f.History, err = findingHistory(ctx, tx, id)
		return err
	})
	if err != nil {
		return cpaudit.Finding{}, dbError(op, err, "", "")
	}
	return f, nil
}

// findingAudit is what deciding on a finding needs of its audit.
type findingAudit struct{ enterpriseID, consultancyID string }

// visibleFinding reads a finding whose audit the actor may read, with the
// audit's parties; KindNotFound otherwise.
func visibleFinding(ctx context.Context, q querier, a cpaudit.Actor, id string) (cpaudit.Finding, findingAudit, error) {
	args := append([]any{id}, auditVisibleArgs(a)...)
	var au findingAudit
	var cons sql.NullString
	row := q.QueryRowContext(ctx, `SELECT `+findingColumns+`, au.enterprise_id, au.consultancy_id
		FROM findings f JOIN audits au ON au.id = f.audit_id WHERE f.id = ? AND `+auditVisible, args...)
	f, err := scanFinding(scanWith{row, []any{&au.enterpriseID, &cons}})
	if err == sql.ErrNoRows {
		return cpaudit.Finding{}, au, cpaudit.Refuse(cpaudit.KindNotFound, cpaudit.CodeNoSuchFinding, "no such finding")
	}
	au.consultancyID = cons.String
	return f, au, err
}

// scanWith scans a row into a finding's columns and then extra ones.
type scanWith struct {
	row   *sql.Row
	extra []any
}

func (s scanWith) Scan(dest ...any) error { return s.row.Scan(append(dest, s.extra...)...) }

// findingHistory lists a finding's transitions, oldest first.
func findingHistory(ctx context.Context, q querier, id string) ([]cpaudit.FindingEvent, error) {
	out := []cpaudit.FindingEvent{}
	err := scanRows(ctx, q, `SELECT `+findingEventColumns+` FROM finding_events e WHERE e.finding_id = ? ORDER BY e.seq`,
		[]any{id}, func(rows *sql.Rows) error {
			e, err := scanFindingEvent(rows)
			if err != nil {
				return err
			}
			out = append(out, e)
			return nil
		})
	return out, err
}

const findingEventColumns = `e.action, e.from_state, e.to_state, e.text, e.document_ids, e.by_email, e.by_role, e.at`

// scanFindingEvent reads findingEventColumns, then any extra columns.
func scanFindingEvent(row rowScanner, extra ...any) (cpaudit.FindingEvent, error) {
	var e cpaudit.FindingEvent
	var action, from, to, docs, role string
	var at int64
	if err := row.Scan(append([]any{&action, &from, &to, &e.Text, &docs, &e.By, &role, &at}, extra...)...); err != nil {
		return e, err
	}
	e.Action, e.From, e.To, e.Role, e.At = cpaudit.FindingAction(action), cpaudit.FindingState(from), cpaudit.FindingState(to), cpaudit.Role(role), fromMicros(at)
	if err := json.Unmarshal([]byte(docs), &e.DocumentIDs); err != nil {
		return e, err
	}
	if e.DocumentIDs == nil {
		e.DocumentIDs = []string{}
	}
	return e, nil
}

// mayActOnFinding: the audit's consultancy or enterprise answers; an admin
// or a regulator (whose reach holds the audit: checked before) closes and
// sends back. Everyone else who may read the finding is refused with
// KindConflict, like recording one.
func mayActOnFinding(a cpaudit.Actor, action cpaudit.FindingAction, au findingAudit) error {
	if action == cpaudit.FindingAnswer {
		party := a.OrgID != "" && ((a.Role == cpaudit.RoleConsultant && a.OrgID == au.consultancyID) ||
			(a.Role == cpaudit.RoleEnterprise && a.OrgID == au.enterpriseID))
		if !party {
			return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeFindingAnswerNotAllowed, "only the audit's consultancy or enterprise answers a finding; a %s may not", a.Role)
		}
		return nil
	}
	if !isAuthority(a) {
		return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeFindingVerifyNotAllowed, "only a regulator or an admin closes or sends back a finding; a %s may not", a.Role)
	}
	return nil
}

// AnswerFinding, CloseFinding and ReturnFinding move a finding along (see
// cpaudit.FindingAction), with a history row and an audit log entry
// (finding.answer, finding.close, finding.return) in the same
// transaction, and return it with its history. KindNotFound
// (no_such_finding) outside the actor's reach; KindConflict for a role
// that may not (finding_answer_not_allowed, finding_verify_not_allowed)
// and for the wrong state (finding_closed, finding_not_open,
// finding_not_answered); KindUnprocessable for a missing text or reason,
// too long a text, or an answer's document that is not the audit's.
func (s *Store) AnswerFinding(ctx context.Context, a cpaudit.Actor, id string, c cpaudit.FindingChange) (cpaudit.Finding, error) {
	return s.transitionFinding(ctx, a, id, cpaudit.FindingAnswer, c)
}

// CloseFinding: see AnswerFinding.
func (s *Store) CloseFinding(ctx context.Context, a cpaudit.Actor, id string, c cpaudit.FindingChange) (cpaudit.Finding, error) {
	return s.transitionFinding(ctx, a, id, cpaudit.FindingClose, c)
}

// ReturnFinding: see AnswerFinding.
func (s *Store) ReturnFinding(ctx context.Context, a cpaudit.Actor, id string, c cpaudit.FindingChange) (cpaudit.Finding, error) {
	return s.transitionFinding(ctx, a, id, cpaudit.FindingReturn, c)
}

func (s *Store) transitionFinding(ctx context.Context, a cpaudit.Actor, id string, action cpaudit.FindingAction, c cpaudit.FindingChange) (cpaudit.Finding, error) {
	const op = "storage.transitionFinding"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.Finding{}, err
	}
	now := s.clock()
	var f cpaudit.Finding
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		var au findingAudit
		var err error
		if f, au, err = visibleFinding(ctx, tx, a, id); err != nil {
			return err
		}
		if err := mayActOnFinding(a, action, au); err != nil {
			return err
		}
		to, err := action.Next(f.State)
		if err != nil {
			return err
		}
		text, err := c.Validate(action)
		if err != nil {
			return err
		}
		if err := documentsOfAudit(ctx, tx, f.AuditID, c.DocumentIDs); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE findings SET state = ? WHERE id = ? AND state = ?`, string(to), id, string(f.State))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeFindingClosed, "the finding changed meanwhile")
		}
		res, err = tx.ExecContext(ctx, `INSERT INTO finding_events (finding_id, action, from_state, to_state, text,
			document_ids, by_email, by_role, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, string(action), string(f.State), string(to), text, mustJSON(c.DocumentIDs), a.Email, string(a.Role), micros(now))
		if err != nil {
			return err
		}
		seq, err := res.LastInsertId()
		if err != nil {
			return err
		}
		// The answer is the recorder's to verify; a return or a closing is
		// the parties' news.
		event, to2 := map[cpaudit.FindingAction]cpaudit.NotificationEvent{cpaudit.FindingAnswer: cpaudit.NotifyFindingAnswered,
			cpaudit.FindingReturn: cpaudit.NotifyFindingReturned, cpaudit.FindingClose: cpaudit.NotifyFindingClosed}[action], notifyTo{parties: true}
		if action == cpaudit.FindingAnswer {
			to2 = notifyTo{recorder: true}
		}
		if err := notify(ctx, tx, a.UserID, id, event, strconv.FormatInt(seq, 10), to2, now); err != nil {
			return err
		}
		if err := s.appendLog(ctx, tx, a, "finding."+string(action), "finding", id, map[string]any{
			"audit_id": f.AuditID, "from": f.State, "to": to, "text": text, "document_ids": c.DocumentIDs}); err != nil {
			return err
		}
		f.State = to
		f.Overdue = f.OverdueOn(s.today())
		f.History, err = findingHistory(ctx, tx, id)
		return err
	})
	if err != nil {
		return cpaudit.Finding{}, dbError(op, err, "", "")
	}
	return f, nil
}

// FindingHistories returns the history of every finding on an audit, by
// finding id, oldest transition first (the audit page shows them).
// KindNotFound if the actor may not read the audit.
func (s *Store) FindingHistories(ctx context.Context, a cpaudit.Actor, auditID string) (map[string][]cpaudit.FindingEvent, error) {
	const op = "storage.FindingHistories"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	if err := auditIsVisible(ctx, db, a, auditID); err != nil {
		return nil, dbError(op, err, "", "")
	}
	out := map[string][]cpaudit.FindingEvent{}
	err = scanRows(ctx, db, `SELECT `+findingEventColumns+`, e.finding_id FROM finding_events e JOIN findings f ON f.id = e.finding_id
		WHERE f.audit_id = ? ORDER BY e.seq`, []any{auditID}, func(rows *sql.Rows) error {
		var id string
		e, err := scanFindingEvent(rows, &id)
		if err != nil {
			return err
		}
		out[id] = append(out[id], e)
		return nil
	})
	if err != nil {
		return nil, dbError(op, err, "", "")
	}
	return out, nil
}

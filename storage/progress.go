package storage

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/cpaudit/cpaudit"
)

// Progress and deadlines: audit_progress keeps, per audit, what lists and
// dashboards show (phase, accepted steps, last change, next obligation,
// overdue obligations), so they read one row per audit instead of 35 steps.
// It is rewritten in the transaction of every change that moves it (a step
// transition or start, a milestone, a batch's dates) and recomputed for
// every audit by the daily job, since dates pass without any event.

// today is the current calendar day in China time.
func (s *Store) today() string { return cpaudit.DateIn(s.now(), s.loc) }

// auditFacts reads what an audit's progress is computed from. A carried
// audit (continued in a later batch) has no due dates left: its
// obligations moved with it.
func (s *Store) auditFacts(ctx context.Context, q querier, auditID string) (cpaudit.AuditFacts, error) {
	var f cpaudit.AuditFacts
	var created int64
	var assessment, acceptance sql.NullInt64
	var obligations sql.NullString
	var carriedTo sql.NullString
	err := q.QueryRowContext(ctx, `SELECT au.created_at, au.assessment_open_at, au.acceptance_open_at, b.obligations, au.carried_to
		FROM audits au LEFT JOIN batches b ON b.id = au.batch_id WHERE au.id = ?`, auditID).
		Scan(&created, &assessment, &acceptance, &obligations, &carriedTo)
	if err != nil {
		return f, err
	}
	f.CreatedAt = fromMicros(created)
	if assessment.Valid {
		t := fromMicros(assessment.Int64)
		f.AssessmentOpenAt = &t
	}
	if acceptance.Valid {
		t := fromMicros(acceptance.Int64)
		f.AcceptanceOpenAt = &t
	}
	if obligations.Valid && carriedTo.String == "" {
		if err := json.Unmarshal([]byte(obligations.String), &f.Due); err != nil {
			return f, err
		}
	}
	for i := range f.States {
		f.States[i] = cpaudit.StepNotStarted
	}
	rows, err := q.QueryContext(ctx, `SELECT number, state, changed_at FROM audit_steps WHERE audit_id = ?`, auditID)
	if err != nil {
		return f, err
	}
	defer rows.Close()
	for rows.Next() {
		var n int
		var state string
		var changed sql.NullInt64
		if err := rows.Scan(&n, &state, &changed); err != nil {
			return f, err
		}
		f.States[n-1] = cpaudit.StepState(state)
		if changed.Valid {
			t := fromMicros(changed.Int64)
			f.Changed[n-1] = &t
		}
	}
	if err := rows.Err(); err != nil {
		return f, err
	}
	f.Milestones, err = milestones(ctx, q, auditID)
	return f, err
}

func milestones(ctx context.Context, q querier, auditID string) ([]cpaudit.Milestone, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, audit_id, obligation, date, result, note, recorded_by, recorded_at
		FROM audit_milestones WHERE audit_id = ? ORDER BY recorded_at, id`, auditID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	list := []cpaudit.Milestone{}
	for rows.Next() {
		var m cpaudit.Milestone
		var result string
		var at int64
		if err := rows.Scan(&m.ID, &m.AuditID, &m.Obligation, &m.Date, &result, &m.Note, &m.RecordedBy, &at); err != nil {
			return nil, err
		}
		m.Result, m.RecordedAt = cpaudit.MilestoneResult(result), fromMicros(at)
		list = append(list, m)
	}
	return list, rows.Err()
}

// refreshProgress recomputes one audit's progress inside tx and records a
// notice for every obligation that became overdue since the last time.
// It returns how many did.
func (s *Store) refreshProgress(ctx context.Context, tx *sql.Tx, auditID string) (int, error) {
	f, err := s.auditFacts(ctx, tx, auditID)
	if err != nil {
		return 0, err
	}
	today := s.today()
	p := cpaudit.ComputeProgress(f, today, s.loc)
	var before int
	err = tx.QueryRowContext(ctx, `SELECT overdue_mask FROM audit_progress WHERE audit_id = ?`, auditID).Scan(&before)
	if err != nil && err != sql.ErrNoRows {
		return 0, err
	}
	mask := p.OverdueMask()
	// The audit's enterprise, consultancy and batch are copied along, so
	// lists read this table alone (triggers keep the copies in step).
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_progress
		(audit_id, enterprise_id, enterprise_name, consultancy_id, batch_id, region, industry,
		 phase, accepted, changed_at, completed, next_obligation, next_due, overdue_mask, computed_on)
		SELECT au.id, au.enterprise_id, e.name, coalesce(au.consultancy_id, ''), coalesce(au.batch_id, ''), e.region, e.industry,
			?, ?, ?, ?, ?, ?, ?, ?
		FROM audits au JOIN organisations e ON e.id = au.enterprise_id WHERE au.id = ?
		ON CONFLICT (audit_id) DO UPDATE SET enterprise_id = excluded.enterprise_id, enterprise_name = excluded.enterprise_name,
			consultancy_id = excluded.consultancy_id, batch_id = excluded.batch_id, region = excluded.region,
			industry = excluded.industry, phase = excluded.phase, accepted = excluded.accepted,
			changed_at = excluded.changed_at, completed = excluded.completed, next_obligation = excluded.next_obligation,
			next_due = excluded.next_due, overdue_mask = excluded.overdue_mask, computed_on = excluded.computed_on`,
		p.Phase, p.Accepted, micros(p.ChangedAt), p.Completed, p.Next, p.NextDue, mask, today, auditID); err != nil {
		return 0, err
	}
	if mask == 0 && before == 0 {
		return 0, nil // nothing overdue, before or now
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM audit_overdue WHERE audit_id = ?`, auditID); err != nil {
		return 0, err
	}
	newly := 0
	now := s.clock()
	for i, o := range p.Obligations {
		if !o.Overdue {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_overdue (audit_id, obligation, due) VALUES (?, ?, ?)`,
			auditID, o.Name, o.Due); err != nil {
			return 0, err
		}
		if before&(1<<i) != 0 {
			continue
		}
		newly++
		if _, err := tx.ExecContext(ctx, `INSERT INTO notices (id, audit_id, kind, obligation, due, created_at) VALUES (?, ?, 'overdue', ?, ?, ?)`,
			cpaudit.NewID("n", now), auditID, o.Name, o.Due, micros(now)); err != nil {
			return 0, err
		}
	}
	return newly, nil
}

// refreshBatchProgress recomputes every audit of a batch (its dates changed).
func (s *Store) refreshBatchProgress(ctx context.Context, tx *sql.Tx, batchID string) error {
	ids, err := queryStrings(ctx, tx, `SELECT id FROM audits WHERE batch_id = ?`, batchID)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := s.refreshProgress(ctx, tx, id); err != nil {
			return err
		}
	}
	return nil
}

func queryStrings(ctx context.Context, q querier, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// RecomputeDeadlines recomputes the progress of every audit of a tenant as
// of today — the daily job, since dates pass without any event — and
// records a notice for each audit newly overdue on an obligation. It works
// in transactions of a few hundred audits, so writers are never held up
// for long, and returns how many obligations became overdue.
func (s *Store) RecomputeDeadlines(ctx context.Context, tenantID string) (int, error) {
	const op = "storage.RecomputeDeadlines"
	db, err := s.tenantDB(ctx, tenantID)
	if err != nil {
		return 0, err
	}
	ids, err := queryStrings(ctx, db, `SELECT id FROM audits ORDER BY id`)
	if err != nil {
		return 0, dbError(op, err, "", "")
	}
	newly := 0
	const chunk = 500
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		err := inTx(ctx, db, func(tx *sql.Tx) error {
			for _, id := range part {
				n, err := s.refreshProgress(ctx, tx, id)
				if err != nil {
					return err
				}
				newly += n
			}
			return nil
		})
		if err != nil {
			return newly, dbError(op, err, "", "")
		}
	}
	return newly, nil
}

// RecomputeAllDeadlines runs RecomputeDeadlines for every tenant; a
// failing tenant does not stop the others (the first error is returned).
func (s *Store) RecomputeAllDeadlines(ctx context.Context) (int, error) {
	tenants, err := s.Tenants(ctx)
	if err != nil {
		return 0, err
	}
	total := 0
	var first error
	for _, t := range tenants {
		n, err := s.RecomputeDeadlines(ctx, t.ID)
		total += n
		if err != nil {
			if first == nil {
				first = err
			}
			s.log.Error("recomputing deadlines failed", "tenant", t.Slug, "err", err)
		}
	}
	return total, first
}

// mayRecordMilestone: milestones are what the authority records
// (regulators, within their region, experts and admins).
func mayRecordMilestone(a cpaudit.Actor) error {
	switch a.Role {
	case cpaudit.RoleAdmin, cpaudit.RoleRegulator, cpaudit.RoleExpert:
		return nil
	}
	return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeMilestoneNotAllowed, "a %s may not record a milestone: regulators, experts and admins do", a.Role)
}

// RecordMilestone records that an audit met (or, for an assessment or
// acceptance, failed) an obligation on a date, with the audit log entry
// and the audit's progress in the same transaction.
//
// KindNotFound: no such audit or one the actor cannot see. KindConflict:
// the actor's role, or an impossible order (cpaudit.CheckMilestone).
// KindInvalid, KindUnprocessable: bad fields.
func (s *Store) RecordMilestone(ctx context.Context, a cpaudit.Actor, auditID string, m cpaudit.NewMilestone) (cpaudit.Milestone, error) {
	const op = "storage.RecordMilestone"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.Milestone{}, err
	}
	var out cpaudit.Milestone
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		if err := auditIsVisible(ctx, tx, a, auditID); err != nil {
			return err
		}
		if err := mayRecordMilestone(a); err != nil {
			return err
		}
		f, err := s.auditFacts(ctx, tx, auditID)
		if err != nil {
			return err
		}
		if err := cpaudit.CheckMilestone(f, &m, s.today(), s.loc); err != nil {
			return err
		}
		now := s.clock()
		out = cpaudit.Milestone{ID: cpaudit.NewID("m", now), AuditID: auditID, Obligation: m.Obligation, Date: m.Date,
			Result: m.Result, Note: m.Note, RecordedBy: a.Email, RecordedAt: now}
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_milestones (id, audit_id, obligation, date, result, note, recorded_by, recorded_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, out.ID, auditID, out.Obligation, out.Date, string(out.Result), out.Note,
			out.RecordedBy, micros(now)); err != nil {
			return err
		}
		detail := map[string]any{"milestone_id": out.ID, "obligation": out.Obligation, "date": out.Date}
		if out.Result != "" {
			detail["result"] = string(out.Result)
		}
		if out.Note != "" {
			detail["note"] = out.Note
		}
		if err := s.appendLog(ctx, tx, a, "audit.milestone", "audit", auditID, detail); err != nil {
			return err
		}
		_, err = s.refreshProgress(ctx, tx, auditID)
		return err
	})
	if err != nil {
		return cpaudit.Milestone{}, dbError(op, err, "no such audit", "")
	}
	return out, nil
}

// auditIsVisible is KindNotFound unless the audit exists and the actor may
// see it (checked before any role, so nothing leaks to outsiders).
func auditIsVisible(ctx context.Context, q querier, a cpaudit.Actor, auditID string) error {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM audits au WHERE au.id = ? AND `+auditVisible,
		append([]any{auditID}, auditVisibleArgs(a)...)...).Scan(&one)
	if err == sql.ErrNoRows {
		return cpaudit.Refuse(cpaudit.KindNotFound, cpaudit.CodeNoSuchAudit, "no such audit")
	}
	return err
}

// Deadlines returns an audit's obligations as of today: due, met, overdue.
// KindNotFound if the actor cannot see the audit.
func (s *Store) Deadlines(ctx context.Context, a cpaudit.Actor, auditID string) (cpaudit.AuditDeadlines, error) {
	const op = "storage.Deadlines"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.AuditDeadlines{}, err
	}
	if err := auditIsVisible(ctx, db, a, auditID); err != nil {
		return cpaudit.AuditDeadlines{}, dbError(op, err, "", "")
	}
	f, err := s.auditFacts(ctx, db, auditID)
	if err != nil {
		return cpaudit.AuditDeadlines{}, dbError(op, err, "no such audit", "")
	}
	return cpaudit.AuditDeadlines{Progress: cpaudit.ComputeProgress(f, s.today(), s.loc), Milestones: f.Milestones}, nil
}

// Notices lists the overdue notices of the audits the actor may see,
// newest first: a regulator gets those of its region and below, a
// consultant those of its firm's audits, an enterprise its own.
func (s *Store) Notices(ctx context.Context, a cpaudit.Actor, limit, offset int) ([]cpaudit.Notice, int, error) {
	const op = "storage.Notices"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, 0, err
	}
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	visible, args := progressVisible(a)
	where := ` FROM notices n JOIN audit_progress p ON p.audit_id = n.audit_id WHERE ` + visible
	var total int
	if err := db.QueryRowContext(ctx, `SELECT count(*)`+where, args...).Scan(&total); err != nil {
		return nil, 0, dbError(op, err, "", "")
	}
	rows, err := db.QueryContext(ctx, `SELECT n.id, n.audit_id, p.enterprise_name, n.obligation, n.due, n.created_at`+where+
		` ORDER BY n.created_at DESC, n.id DESC LIMIT ? OFFSET ?`, append(args, limit, max(0, offset))...)
	if err != nil {
		return nil, 0, dbError(op, err, "", "")
	}
	defer rows.Close()
	list := []cpaudit.Notice{}
	for rows.Next() {
		var n cpaudit.Notice
		var at int64
		if err := rows.Scan(&n.ID, &n.AuditID, &n.EnterpriseName, &n.Obligation, &n.Due, &at); err != nil {
			return nil, 0, dbError(op, err, "", "")
		}
		n.CreatedAt = fromMicros(at)
		list = append(list, n)
	}
	return list, total, dbError(op, rows.Err(), "", "")
}

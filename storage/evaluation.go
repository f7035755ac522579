package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/cpaudit/cpaudit"
)

// The consultancy evaluation (cpaudit.Evaluate) and the expert reviewers'
// record: the facts each is computed from, the tenant's weights, the
// ranking. A firm's rating is the firm's, across the tenant, whatever the
// reader's region: regulators read every firm's, a consultant its own
// firm's, nobody else any.

// mayReadEvaluation: admins and regulators read any consultancy's
// evaluation, a consultant its own firm's; anyone else reads none.
func mayReadEvaluation(a cpaudit.Actor, consultancyID string) bool {
	switch a.Role {
	case cpaudit.RoleAdmin, cpaudit.RoleRegulator:
		return true
	case cpaudit.RoleConsultant:
		return a.OrgID != "" && a.OrgID == consultancyID
	}
	return false
}

// EvaluationWeights answers the tenant's weights, the defaults when none
// were set. Everyone who reads an evaluation reads them.
func (s *Store) EvaluationWeights(ctx context.Context, a cpaudit.Actor) (cpaudit.EvaluationWeights, error) {
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.EvaluationWeights{}, err
	}
	w, err := evaluationWeights(ctx, db)
	return w, dbError("storage.EvaluationWeights", err, "", "")
}

func evaluationWeights(ctx context.Context, q querier) (cpaudit.EvaluationWeights, error) {
	w := cpaudit.DefaultEvaluationWeights()
	var js string
	err := q.QueryRowContext(ctx, `SELECT weights FROM evaluation_weights WHERE id = 1`).Scan(&js)
	if err == sql.ErrNoRows {
		return w, nil
	}
	if err != nil {
		return w, err
	}
	return w, json.Unmarshal([]byte(js), &w)
}

// SaveEvaluationWeights replaces the tenant's weights and logs the change
// (evaluation_weights.update). KindConflict
// (evaluation_weights_not_allowed): the actor is not an admin;
// KindUnprocessable (evaluation_weights_invalid): a weight out of bounds.
func (s *Store) SaveEvaluationWeights(ctx context.Context, a cpaudit.Actor, w cpaudit.EvaluationWeights) (cpaudit.EvaluationWeights, error) {
	if a.Role != cpaudit.RoleAdmin {
		return w, cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeEvaluationWeightsNotAllowed, "only an admin sets the weights of the consultancy evaluation")
	}
	if err := w.Validate(); err != nil {
		return w, err
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return w, err
	}
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO evaluation_weights (id, weights, updated_by, updated_at) VALUES (1, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET weights = excluded.weights, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			mustJSON(w), a.Email, micros(s.clock())); err != nil {
			return err
		}
		return s.appendLog(ctx, tx, a, "evaluation_weights.update", "tenant", a.TenantID, map[string]any{"weights": w})
	})
	return w, dbError("storage.SaveEvaluationWeights", err, "", "")
}

// period fills in this year (China time) for a period of year 0.
func (s *Store) period(p cpaudit.EvalPeriod) cpaudit.EvalPeriod {
	if p.Year == 0 {
		p.Year = s.clock().In(s.loc).Year()
	}
	return p
}

// ConsultancyEvaluation rates a consultancy for a period (year 0: this
// year in China) from the facts of its audits in it (evaluationFacts) and
// the tenant's weights. KindNotFound for an unknown consultancy or one
// the actor may not rate (mayReadEvaluation).
func (s *Store) ConsultancyEvaluation(ctx context.Context, a cpaudit.Actor, consultancyID string, p cpaudit.EvalPeriod) (cpaudit.Evaluation, error) {
	const op = "storage.ConsultancyEvaluation"
	if !mayReadEvaluation(a, consultancyID) {
		return cpaudit.Evaluation{}, cpaudit.Errorf(cpaudit.KindNotFound, "no such consultancy")
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.Evaluation{}, err
	}
	o, err := s.organisation(ctx, db, consultancyID)
	if err != nil {
		return cpaudit.Evaluation{}, dbError(op, err, "no such consultancy", "")
	}
	if o.Kind != cpaudit.OrgConsultancy {
		return cpaudit.Evaluation{}, cpaudit.Errorf(cpaudit.KindNotFound, "no such consultancy")
	}
	w, err := evaluationWeights(ctx, db)
	if err != nil {
		return cpaudit.Evaluation{}, dbError(op, err, "", "")
	}
	ev, err := s.evaluate(ctx, db, consultancyID, s.period(p), w)
	if err != nil {
		return cpaudit.Evaluation{}, dbError(op, err, "", "")
	}
	ev.Name = o.Name
	return ev, nil
}

// ConsultancyRanking rates every consultancy of the tenant for a period,
// best first (cpaudit.RankEvaluations: a vetoed firm below every other).
// Only admins and regulators rank; anyone else: KindNotFound.
func (s *Store) ConsultancyRanking(ctx context.Context, a cpaudit.Actor, p cpaudit.EvalPeriod) ([]cpaudit.Evaluation, cpaudit.EvaluationWeights, error) {
	const op = "storage.ConsultancyRanking"
	if a.Role != cpaudit.RoleAdmin && a.Role != cpaudit.RoleRegulator {
		return nil, cpaudit.EvaluationWeights{}, cpaudit.Errorf(cpaudit.KindNotFound, "no such page")
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, cpaudit.EvaluationWeights{}, err
	}
	w, err := evaluationWeights(ctx, db)
	if err != nil {
		return nil, w, dbError(op, err, "", "")
	}
	type firm struct{ id, name string }
	var firms []firm
	err = scanRows(ctx, db, `SELECT id, name FROM organisations WHERE kind = 'consultancy' ORDER BY name, id`, nil, func(rows *sql.Rows) error {
		var f firm
		if err := rows.Scan(&f.id, &f.name); err != nil {
			return err
		}
		firms = append(firms, f)
		return nil
	})
	if err != nil {
		return nil, w, dbError(op, err, "", "")
	}
	p = s.period(p)
	out := make([]cpaudit.Evaluation, 0, len(firms))
	for _, f := range firms {
		ev, err := s.evaluate(ctx, db, f.id, p, w)
		if err != nil {
			return nil, w, dbError(op, err, "", "")
		}
		ev.Name = f.name
		out = append(out, ev)
	}
	cpaudit.RankEvaluations(out)
	return out, w, nil
}

// evaluate reads a firm's facts for a period and rates it.
func (s *Store) evaluate(ctx context.Context, db *sqlDB, consultancyID string, p cpaudit.EvalPeriod, w cpaudit.EvaluationWeights) (cpaudit.Evaluation, error) {
	facts, err := s.evaluationFacts(ctx, db, consultancyID, p)
	if err != nil {
		return cpaudit.Evaluation{}, err
	}
	return cpaudit.Evaluate(consultancyID, p, w, facts), nil
}

// evaluationFacts reads what a firm's evaluation counts in a period (China
// time): the findings recorded on its audits with their rectification
// (first answer or closing against the due date, times sent back, whether
// a regulator confirmed them), the expert review scores submitted, the
// obligations of its audits that went overdue (their notices, by due
// date) and the flags confirmed (the findings they recorded).
func (s *Store) evaluationFacts(ctx context.Context, db *sqlDB, consultancyID string, p cpaudit.EvalPeriod) (cpaudit.EvaluationFacts, error) {
	start, end := p.Span(s.loc)
	first, last := p.Dates(s.loc)
	today := s.today()
	facts := cpaudit.EvaluationFacts{Findings: []cpaudit.EvaluatedFinding{}}
	flags := map[string]bool{}
	err := scanRows(ctx, db, `SELECT `+findingColumns+`,
			(SELECT min(e.at) FROM finding_events e WHERE e.finding_id = f.id AND e.action IN ('answer', 'close')),
			(SELECT count(*) FROM finding_events e WHERE e.finding_id = f.id AND e.action = 'return'),
			f.flag_id <> '' OR EXISTS (SELECT 1 FROM users u WHERE u.email = f.created_by AND u.role IN ('admin', 'regulator'))
				OR EXISTS (SELECT 1 FROM finding_events e WHERE e.finding_id = f.id AND e.action IN ('close', 'return') AND e.by_role IN ('admin', 'regulator'))
		FROM findings f WHERE f.consultancy_id = ? AND f.created_at >= ? AND f.created_at < ? ORDER BY f.created_at, f.id`,
		[]any{consultancyID, micros(start), micros(end)}, func(rows *sql.Rows) error {
			var ef cpaudit.EvaluatedFinding
			var answered sql.NullInt64
			f, err := scanFinding(extraScanner{rows, []any{&answered, &ef.Returns, &ef.Confirmed}})
			if err != nil {
				return err
			}
			f.Overdue = f.OverdueOn(today)
			ef.Finding = f
			if answered.Valid && f.RectificationDue != "" {
				day := cpaudit.DateIn(fromMicros(answered.Int64), s.loc)
				ef.AnsweredLate, ef.AnsweredOn = day > f.RectificationDue, day <= f.RectificationDue
			}
			if f.FlagID != "" {
				flags[f.FlagID] = true
			}
			facts.Findings = append(facts.Findings, ef)
			return nil
		})
	if err != nil {
		return facts, err
	}
	facts.ConfirmedFlags = len(flags)
	err = scanRows(ctx, db, `SELECT r.score FROM reviews r JOIN review_assignments ra ON ra.id = r.assignment_id
		JOIN audits au ON au.id = ra.audit_id WHERE au.consultancy_id = ? AND r.submitted_at >= ? AND r.submitted_at < ?`,
		[]any{consultancyID, micros(start), micros(end)}, func(rows *sql.Rows) error {
			var score float64
			if err := rows.Scan(&score); err != nil {
				return err
			}
			facts.ReviewScores = append(facts.ReviewScores, score)
			return nil
		})
	if err != nil {
		return facts, err
	}
	err = db.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT DISTINCT n.audit_id, n.obligation, n.due FROM notices n
		JOIN audits au ON au.id = n.audit_id WHERE au.consultancy_id = ? AND n.kind = 'overdue' AND n.due >= ? AND n.due <= ?)`,
		consultancyID, first, last).Scan(&facts.ObligationsLate)
	return facts, err
}

// extraScanner scans rows into a finding's columns and then extra ones.
type extraScanner struct {
	rows  *sql.Rows
	extra []any
}

func (s extraScanner) Scan(dest ...any) error { return s.rows.Scan(append(dest, s.extra...)...) }

// ExpertRecords answers the record of expert reviewers for a period: the
// review assignments made in it (replaced ones left out), done on time
// (within the weights' ReviewDays), late, pending, and the mean score
// given. Admins and regulators read every expert's; an expert its own
// alone; anyone else: KindNotFound.
func (s *Store) ExpertRecords(ctx context.Context, a cpaudit.Actor, p cpaudit.EvalPeriod) ([]cpaudit.ExpertRecord, error) {
	const op = "storage.ExpertRecords"
	only := ""
	switch a.Role {
	case cpaudit.RoleAdmin, cpaudit.RoleRegulator:
	case cpaudit.RoleExpert:
		only = a.UserID
	default:
		return nil, cpaudit.Errorf(cpaudit.KindNotFound, "no such page")
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	w, err := evaluationWeights(ctx, db)
	if err != nil {
		return nil, dbError(op, err, "", "")
	}
	start, end := s.period(p).Span(s.loc)
	window := int64(w.ReviewDays) * int64(24*time.Hour/time.Microsecond)
	now := micros(s.clock())
	out := []cpaudit.ExpertRecord{}
	err = scanRows(ctx, db, `SELECT u.id, u.email, count(ra.id),
			count(r.assignment_id),
			coalesce(sum(r.submitted_at - ra.created_at <= ?), 0),
			coalesce(sum(r.assignment_id IS NULL AND ? - ra.created_at > ?), 0),
			coalesce(avg(r.score), 0)
		FROM users u LEFT JOIN review_assignments ra ON ra.expert_id = u.id AND ra.replaced_by IS NULL
			AND ra.created_at >= ? AND ra.created_at < ?
		LEFT JOIN reviews r ON r.assignment_id = ra.id
		WHERE u.role = 'expert' AND (? = '' OR u.id = ?)
		GROUP BY u.id, u.email ORDER BY u.email`,
		[]any{window, now, window, micros(start), micros(end), only, only}, func(rows *sql.Rows) error {
			var e cpaudit.ExpertRecord
			if err := rows.Scan(&e.ExpertID, &e.Email, &e.Assigned, &e.Done, &e.OnTime, &e.Overdue, &e.AverageScore); err != nil {
				return err
			}
			e.Late, e.Pending = e.Done-e.OnTime, e.Assigned-e.Done
			out = append(out, e)
			return nil
		})
	if err != nil {
		return nil, dbError(op, err, "", "")
	}
	return out, nil
}

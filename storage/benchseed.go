//go:build benchseed

// The bench seeder is left out of every build but the benchmarks' own
// (go build -tags benchseed), so the server carries no way to write rows
// past its rules.

package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/cpaudit/cpaudit"
)

// SeedAudit is one enterprise and its audit as scripts/bench-dashboard
// generates them: steps 1..Accepted accepted, step Accepted+1 in Current,
// the last change at ChangedAt, and the milestones a regulator recorded.
type SeedAudit struct {
	Enterprise    cpaudit.Organisation // Name, CreditCode, Industry, Region
	ConsultancyID string
	BatchID       string
	CreatedAt     time.Time
	Accepted      int
	Current       cpaudit.StepState
	ChangedAt     time.Time
	Milestones    []cpaudit.Milestone // Obligation, Date, Result
}

// SeedAuditsForBench writes many enterprises and audits with their steps
// straight into a tenant's database, a thousand per transaction, for the
// dashboard benchmark only: creating 10,000 audits through the service
// calls (35 steps, gates and a log entry each) would take longer than the
// measurement. Each transaction is logged as one bench.seed entry, so the
// audit log stays a complete account. Progress is not computed here; run
// RecomputeDeadlines after.
func (s *Store) SeedAuditsForBench(ctx context.Context, a cpaudit.Actor, audits []SeedAudit) error {
	const op = "storage.SeedAuditsForBench"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return err
	}
	const chunk = 1000
	for start := 0; start < len(audits); start += chunk {
		part := audits[start:min(start+chunk, len(audits))]
		err := inTx(ctx, db, func(tx *sql.Tx) error {
			for _, sa := range part {
				if err := s.seedOne(ctx, tx, sa); err != nil {
					return err
				}
			}
			return s.appendLog(ctx, tx, a, "bench.seed", "tenant", a.TenantID, map[string]any{"audits": len(part)})
		})
		if err != nil {
			return dbError(op, err, "", "")
		}
	}
	return nil
}

func (s *Store) seedOne(ctx context.Context, tx *sql.Tx, sa SeedAudit) error {
	e := sa.Enterprise
	e.Kind, e.ID, e.CreatedAt = cpaudit.OrgEnterprise, cpaudit.NewID("o", sa.CreatedAt), sa.CreatedAt
	if err := insertOrganisation(ctx, tx, e); err != nil {
		return err
	}
	id := cpaudit.NewID("a", sa.CreatedAt)
	// Steps were accepted one after another up to the last change.
	span := sa.ChangedAt.Sub(sa.CreatedAt)
	stepTime := func(n int) time.Time { return sa.CreatedAt.Add(span * time.Duration(n) / time.Duration(sa.Accepted+1)) }
	var assessment, acceptance sql.NullInt64
	if sa.Accepted >= cpaudit.AssessmentLastStep {
		assessment = sql.NullInt64{Int64: micros(stepTime(cpaudit.AssessmentLastStep)), Valid: true}
	}
	if sa.Accepted >= cpaudit.StepCount {
		acceptance = sql.NullInt64{Int64: micros(stepTime(cpaudit.StepCount)), Valid: true}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audits (id, enterprise_id, consultancy_id, batch_id, created_at, assessment_open_at, acceptance_open_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, id, e.ID, nullString(sa.ConsultancyID), nullString(sa.BatchID), micros(sa.CreatedAt), assessment, acceptance); err != nil {
		return err
	}
	for n := 1; n <= cpaudit.StepCount; n++ {
		state, changed := cpaudit.StepNotStarted, sql.NullInt64{}
		switch {
		case n <= sa.Accepted:
			state, changed = cpaudit.StepAccepted, sql.NullInt64{Int64: micros(stepTime(n)), Valid: true}
		case n == sa.Accepted+1 && sa.Current != "" && sa.Current != cpaudit.StepNotStarted:
			state, changed = sa.Current, sql.NullInt64{Int64: micros(sa.ChangedAt), Valid: true}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_steps (audit_id, number, state, updated_at, changed_by, changed_at)
			VALUES (?, ?, ?, ?, ?, ?)`, id, n, string(state), micros(sa.CreatedAt), "bench", changed); err != nil {
			return err
		}
	}
	for _, m := range sa.Milestones {
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_milestones (id, audit_id, obligation, date, result, recorded_by, recorded_at)
			VALUES (?, ?, ?, ?, ?, 'bench', ?)`, cpaudit.NewID("m", sa.ChangedAt), id, m.Obligation, m.Date, string(m.Result), micros(sa.ChangedAt)); err != nil {
			return err
		}
	}
	return nil
}

// SeedOptionsForBench gives every audit of the tenant the options
// perAudit returns for it, written straight into audit_options a
// thousand audits per transaction, for scripts/bench-results only (the
// service call checks and logs each option). Each transaction is logged
// as one bench.seed entry.
func (s *Store) SeedOptionsForBench(ctx context.Context, a cpaudit.Actor, perAudit func(auditID string) []cpaudit.AuditOption) (int, error) {
	const op = "storage.SeedOptionsForBench"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return 0, err
	}
	var ids []string
	rows, err := db.QueryContext(ctx, `SELECT id FROM audits ORDER BY id`)
	if err != nil {
		return 0, dbError(op, err, "", "")
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, dbError(op, err, "", "")
		}
		ids = append(ids, id)
	}
	rows.Close()
	n := 0
	now := micros(time.Now())
	const chunk = 1000
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		err := inTx(ctx, db, func(tx *sql.Tx) error {
			count := 0
			for _, id := range part {
				for _, o := range perAudit(id) {
					figs, err := json.Marshal(o.Figures)
					if err != nil {
						return err
					}
					if _, err := tx.ExecContext(ctx, `INSERT INTO audit_options (id, audit_id, code, name, category, figures, status, updated_by, created_at, updated_at)
						VALUES (?, ?, ?, ?, ?, ?, ?, 'bench', ?, ?)`, cpaudit.NewID("p", time.Now()), id, o.Code, o.Name, string(o.Category), string(figs),
						string(o.Status), now, now); err != nil {
						return err
					}
					count++
				}
				if err := refreshResultSums(ctx, tx, id); err != nil {
					return err
				}
			}
			n += count
			return s.appendLog(ctx, tx, a, "bench.seed", "tenant", a.TenantID, map[string]any{"options": count})
		})
		if err != nil {
			return n, dbError(op, err, "", "")
		}
	}
	return n, nil
}

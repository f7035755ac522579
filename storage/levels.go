package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/cpaudit/cpaudit"
)

// Cleaner production levels: the tenant's indicator sets beside the ones
// shipped with cpaudit, and each audit's indicator values before and
// after with its target level (cpaudit.AuditLevels).

// IndicatorSets lists the sets the tenant rates audits against: its own,
// then the built-in ones it has not replaced (same industry and version).
// Every user of the tenant reads them: they explain every level shown.
func (s *Store) IndicatorSets(ctx context.Context, a cpaudit.Actor) ([]cpaudit.IndicatorSet, error) {
	const op = "storage.IndicatorSets"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	sets, err := indicatorSets(ctx, db)
	return sets, dbError(op, err, "", "")
}

func indicatorSets(ctx context.Context, q querier) ([]cpaudit.IndicatorSet, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, body, updated_by, updated_at FROM indicator_sets ORDER BY industry, version`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	sets := []cpaudit.IndicatorSet{}
	own := map[[2]string]bool{}
	for rows.Next() {
		var id, body string
		var set cpaudit.IndicatorSet
		var at int64
		if err := rows.Scan(&id, &body, &set.UpdatedBy, &at); err != nil {
			return nil, err
		}
		by := set.UpdatedBy
		if err := json.Unmarshal([]byte(body), &set); err != nil {
			return nil, err
		}
		t := fromMicros(at)
		set.ID, set.Builtin, set.UpdatedBy, set.UpdatedAt = id, false, by, &t
		own[[2]string{set.Industry, set.Version}] = true
		sets = append(sets, set)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, b := range cpaudit.BuiltinIndicatorSets() {
		if !own[[2]string{b.Industry, b.Version}] {
			sets = append(sets, b)
		}
	}
	return sets, nil
}

// SaveIndicatorSet creates the tenant's set of set's industry and version,
// or replaces the one that has them (a built-in set is replaced for this
// tenant by saving one of the same industry and version), and logs it.
// It reports whether the set is new. KindConflict
// (indicator_set_not_allowed): the actor is not an admin.
// KindUnprocessable (indicator_set_invalid): see IndicatorSet.Validate.
func (s *Store) SaveIndicatorSet(ctx context.Context, a cpaudit.Actor, set cpaudit.IndicatorSet) (cpaudit.IndicatorSet, bool, error) {
	const op = "storage.SaveIndicatorSet"
	if err := cpaudit.MayEditIndicatorSets(a); err != nil {
		return cpaudit.IndicatorSet{}, false, err
	}
	if err := set.Validate(); err != nil {
		return cpaudit.IndicatorSet{}, false, err
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.IndicatorSet{}, false, err
	}
	now := s.clock()
	created := false
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		var id string
		err := tx.QueryRowContext(ctx, `SELECT id FROM indicator_sets WHERE industry = ? AND version = ?`, set.Industry, set.Version).Scan(&id)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			created, id = true, cpaudit.NewID("is", now)
		case err != nil:
			return err
		}
		set.ID, set.Builtin, set.UpdatedBy, set.UpdatedAt = id, false, a.Email, &now
		if _, err := tx.ExecContext(ctx, `INSERT INTO indicator_sets (id, industry, version, body, updated_by, updated_at)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			id, set.Industry, set.Version, mustJSON(set), a.Email, micros(now)); err != nil {
			return err
		}
		return s.appendLog(ctx, tx, a, "indicator_set.save", "tenant", a.TenantID, map[string]any{
			"indicator_set_id": id, "industry": set.Industry, "version": set.Version, "indicators": len(set.Indicators)})
	})
	if err != nil {
		return cpaudit.IndicatorSet{}, false, dbError(op, err, "", "")
	}
	return set, created, nil
}

// AuditLevels answers an audit's indicator values and levels before and
// after, rated against the set that applies to its enterprise's industry
// (none: an empty Set). KindNotFound: an audit the actor cannot see.
func (s *Store) AuditLevels(ctx context.Context, a cpaudit.Actor, auditID string) (cpaudit.AuditLevels, error) {
	const op = "storage.AuditLevels"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.AuditLevels{}, err
	}
	au, err := s.audit(ctx, db, a, auditID)
	if err != nil {
		return cpaudit.AuditLevels{}, dbError(op, err, "no such audit", "")
	}
	l, err := s.auditLevels(ctx, db, au)
	return l, dbError(op, err, "", "")
}

// auditLevels rates a visible audit through q.
func (s *Store) auditLevels(ctx context.Context, q querier, au cpaudit.Audit) (cpaudit.AuditLevels, error) {
	set, err := s.auditIndicatorSet(ctx, q, au)
	if err != nil {
		return cpaudit.AuditLevels{}, err
	}
	var target string
	err = q.QueryRowContext(ctx, `SELECT target_level FROM audit_levels WHERE audit_id = ?`, au.ID).Scan(&target)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return cpaudit.AuditLevels{}, err
	}
	rows, err := q.QueryContext(ctx, `SELECT code, before, after, target FROM audit_indicator_values WHERE audit_id = ? ORDER BY code`, au.ID)
	if err != nil {
		return cpaudit.AuditLevels{}, err
	}
	defer rows.Close()
	var values []cpaudit.IndicatorValue
	for rows.Next() {
		var v cpaudit.IndicatorValue
		var before, after, tgt sql.NullFloat64
		if err := rows.Scan(&v.Code, &before, &after, &tgt); err != nil {
			return cpaudit.AuditLevels{}, err
		}
		v.Before, v.After, v.Target = nullable(before), nullable(after), nullable(tgt)
		values = append(values, v)
	}
	if err := rows.Err(); err != nil {
		return cpaudit.AuditLevels{}, err
	}
	return cpaudit.NewAuditLevels(au.ID, set, cpaudit.Level(target), values), nil
}

func nullable(n sql.NullFloat64) *float64 {
	if !n.Valid {
		return nil
	}
	return &n.Float64
}

// auditIndicatorSet is the set that applies to the audit's enterprise
// (cpaudit.ApplicableSet); nil when none does.
func (s *Store) auditIndicatorSet(ctx context.Context, q querier, au cpaudit.Audit) (*cpaudit.IndicatorSet, error) {
	ent, err := s.organisation(ctx, q, au.EnterpriseID)
	if err != nil {
		return nil, err
	}
	sets, err := indicatorSets(ctx, q)
	if err != nil {
		return nil, err
	}
	set, ok := cpaudit.ApplicableSet(sets, ent.Industry)
	if !ok {
		return nil, nil
	}
	return &set, nil
}

// SaveAuditLevels records an audit's target level and indicator values,
// logs them, and answers the audit's levels. Entered like its options, by
// its consultancy or its enterprise (or an admin).
// KindNotFound: an audit the actor cannot see. KindConflict:
// options_not_allowed (see mayEditOptions), no_indicator_set (no set
// applies to the enterprise's industry). KindUnprocessable: level_unknown,
// indicator_unknown, indicator_unit_unknown, indicator_value_invalid
// (cpaudit.CheckIndicatorValues).
func (s *Store) SaveAuditLevels(ctx context.Context, a cpaudit.Actor, auditID string, in cpaudit.LevelsInput) (cpaudit.AuditLevels, error) {
	const op = "storage.SaveAuditLevels"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.AuditLevels{}, err
	}
	var out cpaudit.AuditLevels
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		au, err := s.audit(ctx, tx, a, auditID)
		if err != nil {
			return dbError(op, err, "no such audit", "")
		}
		if err := mayEditOptions(a, au); err != nil {
			return err
		}
		set, err := s.auditIndicatorSet(ctx, tx, au)
		if err != nil {
			return err
		}
		if set == nil {
			ent, _ := s.organisation(ctx, tx, au.EnterpriseID)
			return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeNoIndicatorSet, "no indicator set applies to the enterprise's industry %q", ent.Industry).
				With("industry", ent.Industry)
		}
		now := micros(s.clock())
		if in.TargetLevel != nil {
			lvl, err := cpaudit.ParseLevel(*in.TargetLevel)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO audit_levels (audit_id, target_level, updated_by, updated_at) VALUES (?, ?, ?, ?)
				ON CONFLICT (audit_id) DO UPDATE SET target_level = excluded.target_level, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
				auditID, string(lvl), a.Email, now); err != nil {
				return err
			}
		}
		if err := cpaudit.CheckIndicatorValues(*set, in.Values); err != nil {
			return err
		}
		for _, v := range in.Values {
			if _, err := tx.ExecContext(ctx, `INSERT INTO audit_indicator_values (audit_id, code, before, after, target, updated_by, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (audit_id, code) DO UPDATE SET before = excluded.before, after = excluded.after, target = excluded.target,
					updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
				auditID, v.Code, v.Before, v.After, v.Target, a.Email, now); err != nil {
				return err
			}
		}
		if err := s.appendLog(ctx, tx, a, "levels.update", "audit", auditID, map[string]any{
			"indicator_set_id": set.ID, "target_level": in.TargetLevel, "indicators": in.Values}); err != nil {
			return err
		}
		out, err = s.auditLevels(ctx, tx, au)
		return err
	})
	if err != nil {
		return cpaudit.AuditLevels{}, dbError(op, err, "", "")
	}
	return out, nil
}

// levelReached answers, for the permit record and the resumption
// precondition, an audit's level after and whether its target level is
// reached; with no target set, reached is fallback (the acceptance).
func (s *Store) levelReached(ctx context.Context, q querier, au cpaudit.Audit, fallback bool) (cpaudit.AuditLevels, bool, error) {
	l, err := s.auditLevels(ctx, q, au)
	if err != nil {
		return l, false, err
	}
	if l.TargetLevel == "" {
		return l, fallback, nil
	}
	return l, l.TargetLevelReached, nil
}

// resumptionLevel makes a stopped enterprise's resumption precondition
// need the audit's target level reached where the audit has a target
// level; without one the acceptance stands for it, as before.
func (s *Store) resumptionLevel(ctx context.Context, q querier, it *cpaudit.EnforcementItem) error {
	if it.Resumption == nil || it.AuditID == "" {
		return nil
	}
	var target string
	err := q.QueryRowContext(ctx, `SELECT target_level FROM audit_levels WHERE audit_id = ?`, it.AuditID).Scan(&target)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && target == "") {
		return nil
	}
	if err != nil {
		return err
	}
	_, reached, err := s.levelReached(ctx, q, cpaudit.Audit{ID: it.AuditID, EnterpriseID: it.EnterpriseID}, it.Resumption.AuditCompleted)
	if err != nil {
		return err
	}
	it.Resumption.TargetLevel = cpaudit.Level(target)
	it.Resumption.TargetLevelReached = reached
	it.Resumption.Met = it.Resumption.AuditCompleted && reached
	return nil
}

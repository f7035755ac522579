package storage

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/cpaudit/cpaudit"
)

// The permit record of an accepted audit and the enforcement queue
// (cpaudit's linkage.go). The queue reads audit_progress with the audit
// lists' WHERE clause (listWhere), so it lists exactly the audits the
// caller may see, and "overdue" means what GET /api/v1/overdue lists.

// PermitRecord prepares the discharge permit record of an audit whose 35
// steps are all accepted, for anyone who may read the audit.
// KindNotFound: no such audit, or one the actor cannot see. KindConflict
// (CodePermitRecordNotReady): a step is not accepted yet.
func (s *Store) PermitRecord(ctx context.Context, a cpaudit.Actor, auditID string) (cpaudit.PermitRecord, error) {
	const op = "storage.PermitRecord"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.PermitRecord{}, err
	}
	au, err := s.audit(ctx, db, a, auditID)
	if err != nil {
		return cpaudit.PermitRecord{}, dbError(op, err, "no such audit", "")
	}
	if n, all := cpaudit.AllStepsAccepted(au); !all {
		return cpaudit.PermitRecord{}, cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodePermitRecordNotReady,
			"the permit record is prepared once all %d steps are accepted; %d are", cpaudit.StepCount, n).With("accepted", strconv.Itoa(n))
	}
	ent, err := s.organisation(ctx, db, au.EnterpriseID)
	if err != nil {
		return cpaudit.PermitRecord{}, err
	}
	opts, err := auditOptions(ctx, db, auditID)
	if err != nil {
		return cpaudit.PermitRecord{}, dbError(op, err, "", "")
	}
	r := cpaudit.NewPermitRecord(au, ent, opts, s.loc)
	l, reached, err := s.levelReached(ctx, db, au, true)
	if err != nil {
		return cpaudit.PermitRecord{}, dbError(op, err, "", "")
	}
	r.WithLevels(l, reached)
	if err := permitReview(ctx, db, &r); err != nil {
		return cpaudit.PermitRecord{}, dbError(op, err, "", "")
	}
	return r, nil
}

// permitReview fills r's acceptance (the last passed acceptance milestone)
// and the state the regulator last set.
func permitReview(ctx context.Context, q querier, r *cpaudit.PermitRecord) error {
	err := q.QueryRowContext(ctx, `SELECT date, note FROM audit_milestones WHERE audit_id = ? AND obligation = 'acceptance_done'
		AND result = 'pass' ORDER BY date DESC, recorded_at DESC LIMIT 1`, r.AuditID).Scan(&r.AcceptanceDate, &r.AcceptanceOpinion)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	var state string
	err = q.QueryRowContext(ctx, `SELECT state, state_on, note, set_by FROM permit_records WHERE audit_id = ?`, r.AuditID).
		Scan(&state, &r.StateOn, &r.StateNote, &r.StateBy)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	r.State = cpaudit.PermitState(state)
	return err
}

// SetPermitState records a regulator's review of an audit's permit record
// (exported, then loaded into the permit system) with its date and note,
// and logs it; it answers the record. KindNotFound as PermitRecord;
// KindConflict: CodePermitStateNotAllowed for anyone but an admin or a
// regulator within reach, CodePermitRecordNotReady, CodePermitStateBackwards;
// KindUnprocessable: CodePermitStateUnknown, CodeDateInvalid,
// CodePermitNoteTooLong.
func (s *Store) SetPermitState(ctx context.Context, a cpaudit.Actor, auditID string, c cpaudit.PermitStateChange) (cpaudit.PermitRecord, error) {
	const op = "storage.SetPermitState"
	// Reading the record first: outside reach stays 404 for everyone.
	r, err := s.PermitRecord(ctx, a, auditID)
	if err != nil {
		return cpaudit.PermitRecord{}, err
	}
	if err := authorityOnly(a, cpaudit.CodePermitStateNotAllowed, "set a permit record's state"); err != nil {
		return cpaudit.PermitRecord{}, err
	}
	if err := c.Validate(r.State, s.today()); err != nil {
		return cpaudit.PermitRecord{}, err
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.PermitRecord{}, err
	}
	now := s.clock()
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		// Checked again inside the writer: two reviews at once move it once.
		var current string
		err := tx.QueryRowContext(ctx, `SELECT state FROM permit_records WHERE audit_id = ?`, auditID).Scan(&current)
		if errors.Is(err, sql.ErrNoRows) {
			current = string(cpaudit.PermitReady)
		} else if err != nil {
			return err
		}
		if current != string(r.State) {
			again := c
			if err := again.Validate(cpaudit.PermitState(current), s.today()); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO permit_records (audit_id, state, state_on, note, set_by, set_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (audit_id) DO UPDATE SET state = excluded.state, state_on = excluded.state_on,
			note = excluded.note, set_by = excluded.set_by, set_at = excluded.set_at`,
			auditID, string(c.State), c.Date, c.Note, a.Email, micros(now)); err != nil {
			return err
		}
		return s.appendLog(ctx, tx, a, "permit.state", "audit", auditID, map[string]any{
			"from": current, "state": string(c.State), "date": c.Date, "note": c.Note, "permit_number": r.PermitNumber})
	})
	if err != nil {
		return cpaudit.PermitRecord{}, dbError(op, err, "", "")
	}
	r.State, r.StateOn, r.StateBy, r.StateNote = c.State, c.Date, a.Email, c.Note
	return r, nil
}

// Enforcement lists the enterprises handed to enforcement that the actor
// may see, narrowed to region (a division code; "" for all): each audit
// overdue on an obligation of its batch, with an open finding past its
// rectification due date, or whose enterprise stopped production (an audit carried into a later batch stands aside for the one
// that continues it), and each stopped enterprise with no audit at all;
// by enterprise name, then audit. KindConflict for an actor who may not
// read the queue; KindInvalid for a malformed region.
func (s *Store) Enforcement(ctx context.Context, a cpaudit.Actor, region string) ([]cpaudit.EnforcementItem, error) {
	const op = "storage.Enforcement"
	// The queue is the authority's: regulators (within their region) and admins.
	if err := authorityOnly(a, cpaudit.CodeEnforcementNotAllowed, "read the enforcement queue"); err != nil {
		return nil, err
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	where, args, err := listWhere(a, cpaudit.AuditListFilter{Region: region}, s.clock())
	if err != nil {
		return nil, err
	}
	stopped, today := string(cpaudit.StatusStopped), s.today()
	// An open finding past its rectification due date: the rule of
	// Findings' overdue filter (Finding.OverdueOn).
	const lateFinding = `EXISTS (SELECT 1 FROM findings f WHERE f.audit_id = p.audit_id AND f.state = 'open'
		AND f.rectification_due <> '' AND f.rectification_due < ?)`
	rows, err := db.QueryContext(ctx, `SELECT p.audit_id, p.enterprise_id, e.name, e.region, p.overdue_mask, p.completed <> 0, e.status = ?,
		coalesce((SELECT min(f.rectification_due) FROM findings f WHERE f.audit_id = p.audit_id AND f.state = 'open'
			AND f.rectification_due <> '' AND f.rectification_due < ?), ''),
		coalesce((SELECT min(o.due) FROM audit_overdue o WHERE o.audit_id = p.audit_id), ''),
		coalesce((SELECT o.due FROM audit_overdue o WHERE o.audit_id = p.audit_id AND o.obligation = 'register'), ''),
		coalesce((SELECT max(m.date) FROM audit_milestones m WHERE m.audit_id = p.audit_id AND `+failedMilestone+`), '')
		FROM audit_progress p JOIN organisations e ON e.id = p.enterprise_id JOIN audits au ON au.id = p.audit_id`+where+
		` AND (p.overdue_mask <> 0 OR (e.status = ? AND au.carried_to IS NULL) OR `+lateFinding+`
		OR (au.carried_to IS NULL AND EXISTS (SELECT 1 FROM audit_milestones m WHERE m.audit_id = p.audit_id AND `+failedMilestone+`)))
		ORDER BY e.name, p.audit_id`, append([]any{stopped, today}, append(args, stopped, today)...)...)
	if err != nil {
		return nil, dbError(op, err, "", "")
	}
	defer rows.Close()
	items := []cpaudit.EnforcementItem{}
	for rows.Next() {
		var it cpaudit.EnforcementItem
		var mask int
		var isStopped, completed bool
		var lateRectification, oldestDue, registerDue, failedOn string
		if err := rows.Scan(&it.AuditID, &it.EnterpriseID, &it.EnterpriseName, &it.Region, &mask, &completed, &isStopped, &lateRectification,
			&oldestDue, &registerDue, &failedOn); err != nil {
			return nil, dbError(op, err, "", "")
		}
		it.Reasons, it.Obligations, it.ReasonDays = []cpaudit.EnforcementReason{}, maskNames(mask), map[cpaudit.EnforcementReason]int{}
		since := func(r cpaudit.EnforcementReason, day string) {
			it.Reasons = append(it.Reasons, r)
			if day != "" {
				it.ReasonDays[r] = max(cpaudit.DaysBetween(day, today), 0)
			}
		}
		if isStopped {
			it.Reasons = append(it.Reasons, cpaudit.ReasonStopped)
			it.Resumption = &cpaudit.Resumption{AuditCompleted: completed, TargetLevelReached: completed, Met: completed}
		}
		if mask != 0 {
			since(cpaudit.ReasonOverdue, oldestDue)
			it.DaysOverdue = it.ReasonDays[cpaudit.ReasonOverdue]
		}
		if lateRectification != "" {
			since(cpaudit.ReasonRectificationOverdue, lateRectification)
		}
		if registerDue != "" {
			since(cpaudit.ReasonNotRegistered, registerDue)
		}
		if failedOn != "" {
			since(cpaudit.ReasonFailed, failedOn)
		}
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(op, err, "", "")
	}
	rows.Close()
	for i := range items {
		if err := s.resumptionLevel(ctx, db, &items[i]); err != nil {
			return nil, dbError(op, err, "", "")
		}
	}
	idle, err := s.stoppedWithoutAudit(ctx, db, a, region)
	if err != nil {
		return nil, dbError(op, err, "", "")
	}
	items = append(items, idle...)
	if err := enforcementHistories(ctx, db, items); err != nil {
		return nil, dbError(op, err, "", "")
	}
	slices.SortStableFunc(items, func(x, y cpaudit.EnforcementItem) int {
		return cmp.Or(strings.Compare(x.EnterpriseName, y.EnterpriseName), strings.Compare(x.AuditID, y.AuditID))
	})
	return items, nil
}

// enforcementHistories fills each item's history, oldest first: its
// audit's milestones, the obligations it is overdue on (dated when they
// fell due) and the site checks of its enterprise. It reads them for 500
// items a query, not one query per item: the dashboard reads the whole
// queue of a province.
func enforcementHistories(ctx context.Context, q querier, items []cpaudit.EnforcementItem) error {
	type event struct {
		cpaudit.EnforcementEvent
		at int64
	}
	byAudit, byEnterprise := map[string][]event{}, map[string][]event{}
	// read runs query with its (IN) lists of ids, each list's ids bound
	// in turn.
	read := func(query string, ids []string, into map[string][]event) error {
		for start := 0; start < len(ids); start += 500 {
			in, args := idsIn(ids[start:min(start+500, len(ids))])
			var all []any
			for range strings.Count(query, "(IN)") {
				all = append(all, args...)
			}
			rows, err := q.QueryContext(ctx, strings.ReplaceAll(query, "(IN)", in), all...)
			if err != nil {
				return err
			}
			for rows.Next() {
				var key string
				var e event
				if err := rows.Scan(&key, &e.Date, &e.Kind, &e.What, &e.Result, &e.Note, &e.at); err != nil {
					rows.Close()
					return err
				}
				into[key] = append(into[key], e)
			}
			if err := rows.Close(); err != nil {
				return err
			}
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
	}
	var audits, enterprises []string
	seen := map[string]bool{}
	for _, it := range items {
		if it.AuditID != "" {
			audits = append(audits, it.AuditID)
		}
		if !seen[it.EnterpriseID] {
			seen[it.EnterpriseID] = true
			enterprises = append(enterprises, it.EnterpriseID)
		}
	}
	if err := read(`SELECT audit_id, date, 'milestone', obligation, result, note, recorded_at FROM audit_milestones WHERE audit_id IN (IN)
		UNION ALL SELECT audit_id, due, 'overdue', obligation, '', '', 0 FROM audit_overdue WHERE audit_id IN (IN)`, audits, byAudit); err != nil {
		return err
	}
	if err := read(`SELECT enterprise_id, date, 'site_check', outcome, '', finding, recorded_at FROM site_checks WHERE enterprise_id IN (IN)`, enterprises, byEnterprise); err != nil {
		return err
	}
	for i := range items {
		evs := append(slices.Clone(byAudit[items[i].AuditID]), byEnterprise[items[i].EnterpriseID]...)
		slices.SortStableFunc(evs, func(x, y event) int { return cmp.Or(strings.Compare(x.Date, y.Date), cmp.Compare(x.at, y.at)) })
		items[i].History = make([]cpaudit.EnforcementEvent, len(evs))
		for k, e := range evs {
			items[i].History[k] = e.EnforcementEvent
		}
	}
	return nil
}

// failedMilestone holds for an assessment or acceptance milestone m that
// failed and was not followed by a pass of the same obligation.
const failedMilestone = `m.obligation IN ('assessment_done', 'acceptance_done') AND m.result = 'fail'
	AND NOT EXISTS (SELECT 1 FROM audit_milestones m2 WHERE m2.audit_id = m.audit_id AND m2.obligation = m.obligation
		AND m2.result = 'pass' AND (m2.date > m.date OR (m2.date = m.date AND m2.recorded_at > m.recorded_at)))`

// stoppedWithoutAudit lists the stopped enterprises within the actor's
// reach and region that have no audit, by name.
func (s *Store) stoppedWithoutAudit(ctx context.Context, db *sqlDB, a cpaudit.Actor, region string) ([]cpaudit.EnforcementItem, error) {
	cond, args := `e.kind = ? AND e.status = ? AND NOT EXISTS (SELECT 1 FROM audits au WHERE au.enterprise_id = e.id)`,
		[]any{string(cpaudit.OrgEnterprise), string(cpaudit.StatusStopped)}
	for _, prefix := range []string{regionScope(a), cpaudit.RegionPrefix(region)} {
		if prefix != "" {
			cond += ` AND substr(e.region, 1, length(?)) = ?`
			args = append(args, prefix, prefix)
		}
	}
	rows, err := db.QueryContext(ctx, `SELECT e.id, e.name, e.region FROM organisations e WHERE `+cond+` ORDER BY e.name, e.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []cpaudit.EnforcementItem
	for rows.Next() {
		it := cpaudit.EnforcementItem{Reasons: []cpaudit.EnforcementReason{cpaudit.ReasonStopped}, Obligations: []string{},
			ReasonDays: map[cpaudit.EnforcementReason]int{}, History: []cpaudit.EnforcementEvent{}, Resumption: &cpaudit.Resumption{}}
		if err := rows.Scan(&it.EnterpriseID, &it.EnterpriseName, &it.Region); err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

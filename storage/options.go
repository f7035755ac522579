package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"maps"
	"strconv"

	"github.com/cpaudit/cpaudit"
)

// The structured cleaner production options (清洁生产方案) of an audit,
// which the key figures of its documents are compared with.

// mayEditOptions: the options are the audit's own statement, entered like
// a step's submission by its consultancy or its enterprise (or an admin).
func mayEditOptions(a cpaudit.Actor, au cpaudit.Audit) error {
	switch {
	case a.Role == cpaudit.RoleAdmin,
		a.Role == cpaudit.RoleConsultant && a.OrgID != "" && a.OrgID == au.ConsultancyID,
		a.Role == cpaudit.RoleEnterprise && a.OrgID != "" && a.OrgID == au.EnterpriseID:
		return nil
	}
	return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeOptionsNotAllowed, "a %s may not enter an audit's options: only its consultancy or its enterprise does", a.Role)
}

// MayEditOptions answers nil when the actor may enter the options of the
// audit, so that a form or an import is refused before it is read.
// KindNotFound: an audit the actor cannot see. KindConflict
// (options_not_allowed): see mayEditOptions.
func (s *Store) MayEditOptions(ctx context.Context, a cpaudit.Actor, auditID string) error {
	const op = "storage.MayEditOptions"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return err
	}
	au, err := s.audit(ctx, db, a, auditID)
	if err != nil {
		return dbError(op, err, "no such audit", "")
	}
	return mayEditOptions(a, au)
}

// AuditOptions lists the options of an audit the actor can see, by code.
// KindNotFound for an audit it cannot see.
func (s *Store) AuditOptions(ctx context.Context, a cpaudit.Actor, auditID string) ([]cpaudit.AuditOption, error) {
	const op = "storage.AuditOptions"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	if _, err := s.audit(ctx, db, a, auditID); err != nil {
		return nil, dbError(op, err, "no such audit", "")
	}
	opts, err := auditOptions(ctx, db, auditID)
	if opts == nil {
		opts = []cpaudit.AuditOption{}
	}
	return opts, dbError(op, err, "", "")
}

func auditOptions(ctx context.Context, q querier, auditID string) ([]cpaudit.AuditOption, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+optionColumns+` FROM audit_options WHERE audit_id = ? ORDER BY code`, auditID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []cpaudit.AuditOption
	for rows.Next() {
		o, err := scanOption(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

const optionColumns = `id, audit_id, code, name, category, status, figures, status_dates, document_ids, cash_flows,
	updated_by, created_at, updated_at`

func scanOption(row rowScanner) (cpaudit.AuditOption, error) {
	var o cpaudit.AuditOption
	var cat, status, figs, dates, docs, flows string
	var created, updated int64
	if err := row.Scan(&o.ID, &o.AuditID, &o.Code, &o.Name, &cat, &status, &figs, &dates, &docs, &flows,
		&o.UpdatedBy, &created, &updated); err != nil {
		return o, err
	}
	o.Category, o.Status, o.CreatedAt, o.UpdatedAt = cpaudit.OptionCategory(cat), cpaudit.OptionStatus(status), fromMicros(created), fromMicros(updated)
	for _, f := range []struct {
		raw string
		v   any
	}{{figs, &o.Figures}, {dates, &o.StatusDates}, {docs, &o.DocumentIDs}, {flows, &o.CashFlows}} {
		if err := json.Unmarshal([]byte(f.raw), f.v); err != nil {
			return o, err
		}
	}
	return o, nil
}

// SaveAuditOption creates the option of an audit with o's code, or
// replaces the one that has it (all of it: a status left out is
// proposed), appends the change to the audit log and
// queues the audit's documents for analysis (their figures are compared
// with the options), in one transaction. It reports whether the option
// is new.
//
// Status dates left out are completed (AuditOption.MergeStatusDates:
// the status reached gets today, China time); the evidence documents must
// be of the audit and readable by the actor.
//
// KindInvalid: a field is missing or out of range (AuditOption.Validate).
// KindUnprocessable: an unknown status (option_status_unknown), quantity
// (option_quantity_unknown), a negative figure (option_investment_negative,
// option_figure_negative), dates out of order or beyond the status
// (option_dates_inconsistent, date_invalid), a document that is not one of
// the audit's the actor may read (document_not_of_audit).
// KindNotFound: no such audit, or one the actor cannot see. KindConflict:
// the actor is not the audit's consultancy or enterprise, or the audit has
// cpaudit.MaxOptionsPerAudit options already.
func (s *Store) SaveAuditOption(ctx context.Context, a cpaudit.Actor, auditID string, o cpaudit.AuditOption) (cpaudit.AuditOption, bool, error) {
	const op = "storage.SaveAuditOption"
	if err := o.Validate(); err != nil {
		return cpaudit.AuditOption{}, false, err
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.AuditOption{}, false, err
	}
	created := false
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		au, err := s.audit(ctx, tx, a, auditID)
		if err != nil {
			return dbError(op, err, "no such audit", "")
		}
		if err := mayEditOptions(a, au); err != nil {
			return err
		}
		o, created, err = s.saveOption(ctx, tx, a, auditID, o)
		return err
	})
	if err != nil {
		return cpaudit.AuditOption{}, false, dbError(op, err, "", "")
	}
	return o, created, nil
}

// saveOption creates or replaces one validated option of an audit the
// actor may edit, in tx (see SaveAuditOption).
func (s *Store) saveOption(ctx context.Context, tx *sql.Tx, a cpaudit.Actor, auditID string, o cpaudit.AuditOption) (cpaudit.AuditOption, bool, error) {
	now := s.clock()
	created := false
	var id, hadDates string
	var createdAt int64
	err := tx.QueryRowContext(ctx, `SELECT id, created_at, status_dates FROM audit_options WHERE audit_id = ? AND code = ?`, auditID, o.Code).Scan(&id, &createdAt, &hadDates)
	switch {
	case err == sql.ErrNoRows:
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM audit_options WHERE audit_id = ?`, auditID).Scan(&n); err != nil {
			return o, false, err
		}
		if n >= cpaudit.MaxOptionsPerAudit {
			return o, false, cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeOptionsTooMany, "an audit has at most %d options", cpaudit.MaxOptionsPerAudit).With("max", strconv.Itoa(cpaudit.MaxOptionsPerAudit))
		}
		created, id, createdAt = true, cpaudit.NewID("o", now), micros(now)
	case err != nil:
		return o, false, err
	}
	had := map[cpaudit.OptionStatus]string{}
	if hadDates != "" {
		if err := json.Unmarshal([]byte(hadDates), &had); err != nil {
			return o, false, err
		}
	}
	if err := o.MergeStatusDates(had, s.today()); err != nil {
		return o, false, err
	}
	if err := visibleDocumentsOfAudit(ctx, tx, a, auditID, o.DocumentIDs); err != nil {
		return o, false, err
	}
	o.ID, o.AuditID, o.UpdatedBy, o.CreatedAt, o.UpdatedAt = id, auditID, a.Email, fromMicros(createdAt), now
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_options (id, audit_id, code, name, category, status, figures,
			status_dates, document_ids, cash_flows, updated_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, category = excluded.category, status = excluded.status, figures = excluded.figures,
			status_dates = excluded.status_dates, document_ids = excluded.document_ids, cash_flows = excluded.cash_flows,
			updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
		o.ID, auditID, o.Code, o.Name, string(o.Category), string(o.Status), mustJSON(o.Figures),
		mustJSON(o.StatusDates), mustJSON(o.DocumentIDs), mustJSON(o.CashFlows), o.UpdatedBy, createdAt, micros(now)); err != nil {
		return o, false, err
	}
	if err := refreshResultSums(ctx, tx, auditID); err != nil {
		return o, false, err
	}
	action := "option.update"
	if created {
		action = "option.create"
	}
	if err := s.appendLog(ctx, tx, a, action, "audit", auditID, map[string]any{
		"option_id": o.ID, "code": o.Code, "name": o.Name, "category": o.Category, "status": o.Status, "figures": o.Figures,
		"status_dates": o.StatusDates, "document_ids": o.DocumentIDs, "cash_flows": o.CashFlows}); err != nil {
		return o, false, err
	}
	// The audit's documents are compared again; a job already waiting
	// will read the new options.
	_, err = tx.ExecContext(ctx, `INSERT INTO jobs (kind, document_id, version, not_before, created_at)
		SELECT ?, d.id, d.versions, ?, ? FROM documents d
		WHERE d.audit_id = ? AND d.deleted_at IS NULL AND d.versions > 0
			AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.document_id = d.id AND j.kind = ? AND j.attempts = 0)`,
		jobAnalyse, micros(now), micros(now), auditID, jobAnalyse)
	return o, created, err
}

// SaveAuditOptions saves the options of an imported option table in one
// transaction: all of them, or none when one is refused. The refusal
// carries the option's place in opts as the parameter "index" (0-based).
// It reports how many options were created and how many replaced.
// Errors as SaveAuditOption.
func (s *Store) SaveAuditOptions(ctx context.Context, a cpaudit.Actor, auditID string, opts []cpaudit.AuditOption) (created, updated int, err error) {
	const op = "storage.SaveAuditOptions"
	for i := range opts {
		if err := opts[i].Validate(); err != nil {
			return 0, 0, withIndex(err, i)
		}
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return 0, 0, err
	}
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		created, updated = 0, 0
		au, err := s.audit(ctx, tx, a, auditID)
		if err != nil {
			return dbError(op, err, "no such audit", "")
		}
		if err := mayEditOptions(a, au); err != nil {
			return err
		}
		for i, o := range opts {
			_, isNew, err := s.saveOption(ctx, tx, a, auditID, o)
			if err != nil {
				return withIndex(err, i)
			}
			if isNew {
				created++
			} else {
				updated++
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, dbError(op, err, "", "")
	}
	return created, updated, nil
}

// withIndex marks a refusal with the place of the option it concerns; a
// failure that is not a refusal stays as it is.
func withIndex(err error, i int) error {
	var e *cpaudit.Error
	if errors.As(err, &e) && e.Code != "" && e.Kind != cpaudit.KindInternal && e.Kind != cpaudit.KindUnavailable {
		c := *e
		c.Params = maps.Clone(e.Params)
		return c.With("index", strconv.Itoa(i))
	}
	return err
}

// visibleDocumentsOfAudit refuses, as documentsOfAudit does, an id that is
// not a live document of the audit the actor may read (docVisible): the
// same 422 whether it is another audit's, unreadable or no document at
// all, so that nothing leaks.
func visibleDocumentsOfAudit(ctx context.Context, tx *sql.Tx, a cpaudit.Actor, auditID string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	in, args := idsIn(ids)
	rows, err := tx.QueryContext(ctx, `SELECT d.id FROM documents d WHERE d.id IN `+in+` AND d.audit_id = ? AND `+docVisible,
		append(append(args, auditID), docVisibleArgs(a)...)...)
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

// maxPeerOptions bounds the industry's options one check reads: the most
// recently changed ones, plenty for a median.
const maxPeerOptions = 2000

// UnusualOptionFigures compares o's figures with those of the industry's
// other options (OptionPeers): the answer names only o's own figures and
// how far off they are (cpaudit.UnusualFigures). Errors as OptionPeers.
func (s *Store) UnusualOptionFigures(ctx context.Context, a cpaudit.Actor, auditID string, o cpaudit.AuditOption) ([]cpaudit.UnusualFigure, error) {
	peers, err := s.OptionPeers(ctx, a, auditID)
	if err != nil {
		return nil, err
	}
	return cpaudit.UnusualFigures(o, peers), nil
}

// OptionPeers answers the positive figures, by quantity, of the options
// of other audits whose enterprise is of the same GB/T 4754 major group as
// the audit's (the first three characters of its code, e.g. C27) in the
// tenant, whatever the actor may read of them: they are only compared
// with, never shown. At most maxPeerOptions options, the most recently
// changed. KindNotFound for an audit the actor cannot see; none for an
// enterprise of no recorded industry.
func (s *Store) OptionPeers(ctx context.Context, a cpaudit.Actor, auditID string) (map[cpaudit.Quantity][]float64, error) {
	const op = "storage.OptionPeers"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	if _, err := s.audit(ctx, db, a, auditID); err != nil {
		return nil, dbError(op, err, "no such audit", "")
	}
	var industry string
	if err := db.QueryRowContext(ctx, `SELECT industry FROM audit_progress WHERE audit_id = ?`, auditID).Scan(&industry); err != nil && err != sql.ErrNoRows {
		return nil, dbError(op, err, "", "")
	}
	peers := map[cpaudit.Quantity][]float64{}
	if len(industry) < 3 {
		return peers, nil
	}
	rows, err := db.QueryContext(ctx, `SELECT o.figures FROM audit_options o JOIN audit_progress p ON p.audit_id = o.audit_id
		WHERE substr(p.industry, 1, 3) = ? AND o.audit_id <> ? ORDER BY o.updated_at DESC LIMIT ?`, industry[:3], auditID, maxPeerOptions)
	if err != nil {
		return nil, dbError(op, err, "", "")
	}
	defer rows.Close()
	for rows.Next() {
		var raw string
		var figs map[cpaudit.Quantity]float64
		if err := rows.Scan(&raw); err != nil {
			return nil, dbError(op, err, "", "")
		}
		if err := json.Unmarshal([]byte(raw), &figs); err != nil {
			return nil, dbError(op, err, "", "")
		}
		for q, v := range figs {
			if v > 0 {
				peers[q] = append(peers[q], v)
			}
		}
	}
	return peers, dbError(op, rows.Err(), "", "")
}

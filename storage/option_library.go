package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"math"
	"sort"

	"github.com/cpaudit/cpaudit"
)

// The advanced options library (技术成果库, issue 20 item 4, migration
// 044): the implemented and verified options of the tenant, ranked, and
// the regulators' recommendations for promotion (推荐推广).
//
// Who sees what, stated here once:
//   - an option of an audit the caller may read (the audit list's reach,
//     progressVisible) is listed with everything: its audit, enterprise
//     and evidence;
//   - an option recommended for promotion is listed to every user of the
//     tenant, whatever the audit: its figures, industry and the note, but
//     its audit and evidence only to who may read the audit, and the
//     enterprise's name only to them or when the regulator published it;
//   - nothing else, and never another tenant's (one database per tenant).
//
// Only admins and regulators recommend, and only options of audits they
// may read (a regional office: its region).

// maxLibraryRead bounds the options one library read ranks: payback is
// computed when read, so the order is made here, not in SQL. It is more
// than a province's counted options (941 audits × 20 options).
const maxLibraryRead = 50000

// OptionLibrary lists the library's options the actor may see (above),
// implemented or verified, of f.Industry (a GB/T 4754 prefix), reducing
// f.Per when it is set, only recommended ones when f.Recommended, in
// f.Sort order (ties by the larger reduction, then industry, code and id),
// at most f.Limit (1..MaxRanking, default 1000).
//
// KindInvalid: f.Per is not a quantity other than investment
// (ranking_per_invalid), the industry is not a GB/T 4754 code or prefix
// (industry_invalid), the sort is unknown (sort_invalid).
func (s *Store) OptionLibrary(ctx context.Context, a cpaudit.Actor, f cpaudit.LibraryFilter) ([]cpaudit.LibraryOption, error) {
	const op = "storage.OptionLibrary"
	if f.Per != "" {
		per, err := cpaudit.ParseRankingPer(string(f.Per))
		if err != nil {
			return nil, err
		}
		f.Per = per
	}
	sortBy, err := cpaudit.ParseLibrarySort(string(f.Sort), f.Per)
	if err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > MaxRanking {
		f.Limit = 1000
	}
	visible, vargs := progressVisible(a)
	where, args := ``, []any{}
	switch {
	case f.Industry == "":
	case industryPrefix.MatchString(f.Industry):
		where += ` AND substr(p.industry, 1, ?) = ?`
		args = append(args, len(f.Industry), f.Industry)
	default:
		return nil, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeIndustryInvalid, "industry %q is not a GB/T 4754 code or prefix such as C27", f.Industry).With("value", f.Industry)
	}
	if f.Recommended {
		where += ` AND r.option_id IS NOT NULL`
	}
	if f.Per != "" {
		where += ` AND json_extract(o.figures, ?) > 0`
		args = append(args, "$."+string(f.Per))
	}
	set, err := s.OptionSettings(ctx, a)
	if err != nil {
		return nil, err
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	q := `SELECT * FROM (
		SELECT o.id, o.audit_id, o.code, o.name, o.category, o.status, o.figures, o.document_ids, o.cash_flows,
			p.enterprise_id, p.enterprise_name, p.industry, (` + visible + `) AS readable,
			r.option_id IS NOT NULL AS recommended, coalesce(r.note, ''), coalesce(r.publish_name, 0), coalesce(r.recommended_by, ''), coalesce(r.recommended_at, 0)
		FROM audit_options o JOIN audit_progress p ON p.audit_id = o.audit_id
			LEFT JOIN option_recommendations r ON r.option_id = o.id
		WHERE 1` + countedOptions + where + `
	) WHERE readable OR recommended LIMIT ?`
	rows, err := db.QueryContext(ctx, q, append(append(vargs, args...), maxLibraryRead)...)
	if err != nil {
		return nil, dbError(op, err, "", "")
	}
	defer rows.Close()
	out := []cpaudit.LibraryOption{}
	authority := isAuthority(a)
	for rows.Next() {
		var o cpaudit.LibraryOption
		var cat, status, figs, docs, flows, entID, entName, by string
		var readable, recommended, publish bool
		var note string
		var at int64
		if err := rows.Scan(&o.ID, &o.AuditID, &o.Code, &o.Name, &cat, &status, &figs, &docs, &flows,
			&entID, &entName, &o.Industry, &readable, &recommended, &note, &publish, &by, &at); err != nil {
			return nil, dbError(op, err, "", "")
		}
		o.Category, o.Status, o.Readable = cpaudit.OptionCategory(cat), cpaudit.OptionStatus(status), readable
		for _, v := range []struct {
			raw string
			v   any
		}{{figs, &o.Figures}, {docs, &o.DocumentIDs}, {flows, &o.CashFlows}} {
			if err := json.Unmarshal([]byte(v.raw), v.v); err != nil {
				return nil, dbError(op, err, "", "")
			}
		}
		if readable {
			o.EnterpriseID, o.EnterpriseName = entID, entName
		} else {
			o.AuditID, o.DocumentIDs = "", nil
			if recommended && publish {
				o.EnterpriseName = entName
			}
		}
		if recommended {
			o.Recommendation = &cpaudit.Recommendation{Note: note, PublishName: publish, At: fromMicros(at)}
			if authority {
				o.Recommendation.By = by
			}
		}
		libraryFigures(&o, f.Per, set)
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(op, err, "", "")
	}
	sortLibrary(out, sortBy)
	if len(out) > f.Limit {
		out = out[:f.Limit]
	}
	if err := liveEvidence(ctx, db, a, out); err != nil {
		return nil, dbError(op, err, "", "")
	}
	return out, nil
}

// liveEvidence keeps, of each option's evidence, the documents that are
// still there and the actor may read (one deleted since, or an upload of
// another party the audit's reach does not cover, is left out), asking
// in chunks to stay below SQLite's number of parameters.
func liveEvidence(ctx context.Context, q querier, a cpaudit.Actor, out []cpaudit.LibraryOption) error {
	var ids []string
	for _, o := range out {
		ids = append(ids, o.DocumentIDs...)
	}
	live := map[string]bool{}
	for len(ids) > 0 {
		n := min(len(ids), 500)
		in, args := idsIn(ids[:n])
		ids = ids[n:]
		rows, err := q.QueryContext(ctx, `SELECT d.id FROM documents d WHERE d.id IN `+in+` AND d.deleted_at IS NULL AND `+docVisible,
			append(args, docVisibleArgs(a)...)...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			live[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	for i := range out {
		var keep []string
		for _, id := range out[i].DocumentIDs {
			if live[id] {
				keep = append(keep, id)
			}
		}
		out[i].DocumentIDs = keep
	}
	return nil
}

// libraryFigures sets an option's investment, its reduction of per and
// the cost of a unit of it, and its payback (from the tenant's settings).
func libraryFigures(o *cpaudit.LibraryOption, per cpaudit.Quantity, set cpaudit.OptionSettings) {
	inv, hasInv := o.Figures[cpaudit.QtyInvestment]
	if hasInv {
		o.Investment = &inv
	}
	if per != "" {
		red := o.Figures[per]
		o.Reduction = &red
		if hasInv && red > 0 {
			c := inv / red
			o.CostPerUnit = &c
		}
	}
	e := cpaudit.EconomicsOf(cpaudit.AuditOption{Figures: o.Figures, CashFlows: o.CashFlows}, set, set.DiscountRate)
	o.PaybackYears = e.PaybackYears
}

// sortLibrary orders the options: by cost per unit or by payback, an
// unknown one last; ties by the larger reduction, then industry, code and
// id, so the order is the same on every read.
func sortLibrary(out []cpaudit.LibraryOption, by cpaudit.LibrarySort) {
	key := func(o cpaudit.LibraryOption) float64 {
		p := o.PaybackYears
		if by == cpaudit.LibraryByCost {
			p = o.CostPerUnit
		}
		if p == nil {
			return math.Inf(1)
		}
		return *p
	}
	red := func(o cpaudit.LibraryOption) float64 {
		if o.Reduction == nil {
			return 0
		}
		return *o.Reduction
	}
	sort.SliceStable(out, func(i, j int) bool {
		x, y := out[i], out[j]
		if kx, ky := key(x), key(y); kx != ky {
			return kx < ky
		}
		if rx, ry := red(x), red(y); rx != ry {
			return rx > ry
		}
		if x.Industry != y.Industry {
			return x.Industry < y.Industry
		}
		if x.Code != y.Code {
			return x.Code < y.Code
		}
		return x.ID < y.ID
	})
}

// RecommendOption marks an implemented or verified option as recommended
// for promotion, or changes the note and whether the enterprise's name is
// published, and logs it in the audit's log.
//
// KindNotFound: no such option, or one of an audit the actor may not read
// (a regional office: outside its region). KindConflict: the actor is
// not an admin or regulator (option_recommend_not_allowed), the option is
// not implemented or verified (option_recommend_not_counted). KindInvalid:
// the note (text_too_long).
func (s *Store) RecommendOption(ctx context.Context, a cpaudit.Actor, optionID string, rec cpaudit.Recommendation) (cpaudit.Recommendation, error) {
	const op = "storage.RecommendOption"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return rec, err
	}
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		o, err := s.recommendable(ctx, tx, a, optionID)
		if err != nil {
			return err
		}
		if err := rec.Validate(); err != nil {
			return err
		}
		if !o.Status.Counted() {
			return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeRecommendNotCounted, "option %s is %s: only implemented or verified options are recommended", o.Code, o.Status)
		}
		now := s.clock()
		rec.By, rec.At = a.Email, now
		if _, err := tx.ExecContext(ctx, `INSERT INTO option_recommendations (option_id, note, publish_name, recommended_by, recommended_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (option_id) DO UPDATE SET note = excluded.note, publish_name = excluded.publish_name,
			recommended_by = excluded.recommended_by, recommended_at = excluded.recommended_at`,
			optionID, rec.Note, rec.PublishName, a.Email, micros(now)); err != nil {
			return err
		}
		return s.appendLog(ctx, tx, a, "option.recommend", "audit", o.AuditID, map[string]any{
			"option_id": optionID, "code": o.Code, "note": rec.Note, "publish_name": rec.PublishName})
	})
	return rec, dbError(op, err, "no such option", "")
}

// UnrecommendOption takes an option's recommendation back (nothing
// happens when it has none) and logs it. Errors as RecommendOption, but
// the status is not checked: an option that went back from implemented
// may still be unmarked.
func (s *Store) UnrecommendOption(ctx context.Context, a cpaudit.Actor, optionID string) error {
	const op = "storage.UnrecommendOption"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return err
	}
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		o, err := s.recommendable(ctx, tx, a, optionID)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM option_recommendations WHERE option_id = ?`, optionID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		return s.appendLog(ctx, tx, a, "option.unrecommend", "audit", o.AuditID, map[string]any{"option_id": optionID, "code": o.Code})
	})
	return dbError(op, err, "no such option", "")
}

// recommendable reads an option the actor may recommend: of an audit it
// may read (else not found, before the role is looked at, so a refusal
// tells nothing of an option out of reach), by an admin or regulator.
func (s *Store) recommendable(ctx context.Context, tx *sql.Tx, a cpaudit.Actor, optionID string) (cpaudit.AuditOption, error) {
	var o cpaudit.AuditOption
	var status string
	if err := tx.QueryRowContext(ctx, `SELECT audit_id, code, status FROM audit_options WHERE id = ?`, optionID).Scan(&o.AuditID, &o.Code, &status); err != nil {
		return o, err
	}
	o.ID, o.Status = optionID, cpaudit.OptionStatus(status)
	if _, err := s.audit(ctx, tx, a, o.AuditID); err != nil {
		return o, err
	}
	if !isAuthority(a) {
		return o, cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeRecommendNotAllowed, "a %s may not recommend options: only a regulator does", a.Role)
	}
	return o, nil
}

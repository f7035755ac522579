package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strings"

	"github.com/cpaudit/cpaudit"
)

// sourceColumns are the columns of screening_rows after source_id, in
// the order insertSourceRows and scanSourceRow use.
const sourceColumns = `row, credit_code, name, region, industry, permit_number, flags, energy_tce, water_t, cod, nh3n, so2, nox, vocs, pm`

// sourceChunk is how many rows one INSERT writes: 50 rows of 16 values
// stay far below SQLite's limit on parameters, and a statement per row
// costs the import several times more.
const sourceChunk = 50

// ImportScreeningSource stores the rows of a source sheet, all or none:
// rows whose region is outside a regional office's join the rejections,
// and when there is any rejection nothing is written and the rejections
// are returned with a nil error (the caller answers which rows and why).
//
// Admins and regulators may (KindConflict otherwise).
func (s *Store) ImportScreeningSource(ctx context.Context, a cpaudit.Actor, name string, rows []cpaudit.SourceRow, rejected []cpaudit.ImportRejection) (cpaudit.ScreeningSource, []cpaudit.ImportRejection, error) {
	const op = "storage.ImportScreeningSource"
	if err := authorityOnly(a, cpaudit.CodeScreeningNotAllowed, "import source data"); err != nil {
		return cpaudit.ScreeningSource{}, nil, err
	}
	if err := cpaudit.ValidateName("name", name, 200); err != nil {
		return cpaudit.ScreeningSource{}, nil, err
	}
	rejected = slices.Clone(rejected)
	if scope := regionScope(a); scope != "" {
		for _, r := range rows {
			if !strings.HasPrefix(r.Region, scope) {
				rejected = append(rejected, cpaudit.ImportRejection{Row: r.Row, Column: "行政区划代码",
					Reason: "the region is outside your office's region", Code: cpaudit.CodeOrgRegionOutside, Params: map[string]string{"value": r.Region}})
			}
		}
	}
	if len(rejected) > 0 {
		sortRejections(rejected)
		return cpaudit.ScreeningSource{}, rejected, nil
	}
	if len(rows) == 0 {
		return cpaudit.ScreeningSource{}, nil, cpaudit.Refuse(cpaudit.KindUnprocessable, cpaudit.CodeSheetEmpty, "the sheet has no data rows")
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.ScreeningSource{}, nil, err
	}
	now := s.clock()
	src := cpaudit.ScreeningSource{ID: cpaudit.NewID("s", now), Name: name, Rows: len(rows), CreatedBy: a.UserID, CreatedAt: now}
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO screening_sources (id, name, rows, created_by, created_at) VALUES (?, ?, ?, ?, ?)`,
			src.ID, src.Name, src.Rows, src.CreatedBy, micros(now)); err != nil {
			return err
		}
		if err := insertSourceRows(ctx, tx, src.ID, rows); err != nil {
			return err
		}
		return s.appendLog(ctx, tx, a, "screening.import", "screening_source", src.ID, map[string]any{"name": name, "rows": len(rows)})
	})
	if err != nil {
		return cpaudit.ScreeningSource{}, nil, dbError(op, err, "", "")
	}
	return src, nil, nil
}

func insertSourceRows(ctx context.Context, tx *sql.Tx, sourceID string, rows []cpaudit.SourceRow) error {
	const one = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	for start := 0; start < len(rows); start += sourceChunk {
		chunk := rows[start:min(start+sourceChunk, len(rows))]
		values := make([]string, len(chunk))
		args := make([]any, 0, 16*len(chunk))
		for i, r := range chunk {
			values[i] = one
			flags := make([]string, len(r.Flags))
			for j, f := range r.Flags {
				flags[j] = string(f)
			}
			e := r.Emissions
			args = append(args, sourceID, r.Row, r.CreditCode, r.Name, r.Region, r.Industry, r.PermitNumber, strings.Join(flags, ","),
				r.EnergyTce, r.WaterT, e["cod"], e["nh3n"], e["so2"], e["nox"], e["vocs"], e["pm"])
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO screening_rows (source_id, `+sourceColumns+`) VALUES `+strings.Join(values, ", "), args...); err != nil {
			return err
		}
	}
	return nil
}

// ScreeningSource returns a source's description. Only who imported it
// and admins read a source: KindNotFound for anyone else.
func (s *Store) ScreeningSource(ctx context.Context, a cpaudit.Actor, id string) (cpaudit.ScreeningSource, error) {
	const op = "storage.ScreeningSource"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.ScreeningSource{}, err
	}
	return screeningSource(ctx, db, a, op, id)
}

func screeningSource(ctx context.Context, q querier, a cpaudit.Actor, op, id string) (cpaudit.ScreeningSource, error) {
	var src cpaudit.ScreeningSource
	var at int64
	err := q.QueryRowContext(ctx, `SELECT id, name, rows, created_by, created_at FROM screening_sources WHERE id = ?`, id).
		Scan(&src.ID, &src.Name, &src.Rows, &src.CreatedBy, &at)
	if err != nil {
		return cpaudit.ScreeningSource{}, dbError(op, err, "no such source data", "")
	}
	if !isAuthority(a) || (a.Role != cpaudit.RoleAdmin && src.CreatedBy != a.UserID) {
		return cpaudit.ScreeningSource{}, cpaudit.Refuse(cpaudit.KindNotFound, cpaudit.CodeNoSuchScreeningSource, "no such source data")
	}
	src.CreatedAt = fromMicros(at)
	return src, nil
}

// ScreenSource returns the candidates of a source under rules, each with
// the reasons that selected it, in row order. KindNotFound for a source
// out of the actor's reach (ScreeningSource); KindInvalid or
// KindUnprocessable for bad rules.
func (s *Store) ScreenSource(ctx context.Context, a cpaudit.Actor, id string, rules cpaudit.ScreeningRules) ([]cpaudit.ScreenCandidate, error) {
	const op = "storage.ScreenSource"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	if _, err := screeningSource(ctx, db, a, op, id); err != nil {
		return nil, err
	}
	if err := rules.Validate(); err != nil {
		return nil, err
	}
	rows, err := sourceRows(ctx, db, id)
	if err != nil {
		return nil, dbError(op, err, "", "")
	}
	return rules.ScreenRows(rows), nil
}

// SourceRows returns every row of a source, in row order (for the
// benchmark's baseline and the web page's counts); reach as ScreeningSource.
func (s *Store) SourceRows(ctx context.Context, a cpaudit.Actor, id string) ([]cpaudit.SourceRow, error) {
	const op = "storage.SourceRows"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	if _, err := screeningSource(ctx, db, a, op, id); err != nil {
		return nil, err
	}
	rows, err := sourceRows(ctx, db, id)
	return rows, dbError(op, err, "", "")
}

func sourceRows(ctx context.Context, q querier, id string) ([]cpaudit.SourceRow, error) {
	rs, err := q.QueryContext(ctx, `SELECT `+sourceColumns+` FROM screening_rows WHERE source_id = ? ORDER BY row`, id)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	out := []cpaudit.SourceRow{}
	for rs.Next() {
		var r cpaudit.SourceRow
		var flags string
		var cod, nh3n, so2, nox, vocs, pm float64
		if err := rs.Scan(&r.Row, &r.CreditCode, &r.Name, &r.Region, &r.Industry, &r.PermitNumber, &flags, &r.EnergyTce, &r.WaterT,
			&cod, &nh3n, &so2, &nox, &vocs, &pm); err != nil {
			return nil, err
		}
		r.Flags = []cpaudit.ListingReason{}
		for _, f := range strings.Split(flags, ",") {
			if f != "" {
				r.Flags = append(r.Flags, cpaudit.ListingReason(f))
			}
		}
		r.Emissions = map[string]float64{}
		for code, v := range map[string]float64{"cod": cod, "nh3n": nh3n, "so2": so2, "nox": nox, "vocs": vocs, "pm": pm} {
			if v > 0 {
				r.Emissions[code] = v
			}
		}
		out = append(out, r)
	}
	return out, rs.Err()
}

// BatchFromScreening makes, in one transaction, a batch of the chosen
// candidates of a source under rules: the batch (its listing reasons
// those of the chosen candidates, added to any the request names), the
// enterprises not registered yet (registered ones matched by credit
// code), an audit of each in the batch, and each enterprise's reasons.
//
// KindNotFound for a source, or a consultancy, out of reach; KindConflict
// for an actor who may not manage batches or a taken year and number;
// KindUnprocessable when nothing is chosen or a chosen credit code is not
// a candidate; KindInvalid or KindUnprocessable for a bad batch or rules.
func (s *Store) BatchFromScreening(ctx context.Context, a cpaudit.Actor, sourceID string, in cpaudit.ScreeningBatch) (cpaudit.ScreeningBatchResult, error) {
	const op = "storage.BatchFromScreening"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.ScreeningBatchResult{}, err
	}
	if _, err := screeningSource(ctx, db, a, op, sourceID); err != nil {
		return cpaudit.ScreeningBatchResult{}, err
	}
	if err := mayManageBatches(a); err != nil {
		return cpaudit.ScreeningBatchResult{}, err
	}
	if err := in.Rules.Validate(); err != nil {
		return cpaudit.ScreeningBatchResult{}, err
	}
	if len(in.CreditCodes) == 0 {
		return cpaudit.ScreeningBatchResult{}, cpaudit.Refuse(cpaudit.KindUnprocessable, cpaudit.CodeScreeningNoChoice, "credit_codes: choose at least one candidate")
	}
	if in.ConsultancyID != "" {
		if err := s.checkOrgKind(ctx, db, in.ConsultancyID, cpaudit.OrgConsultancy); err != nil {
			return cpaudit.ScreeningBatchResult{}, err
		}
	}
	rows, err := sourceRows(ctx, db, sourceID)
	if err != nil {
		return cpaudit.ScreeningBatchResult{}, dbError(op, err, "", "")
	}
	byCode := map[string]cpaudit.ScreenCandidate{}
	for _, c := range in.Rules.ScreenRows(rows) {
		byCode[c.CreditCode] = c
	}
	scope := regionScope(a)
	var chosen []cpaudit.ScreenCandidate
	seen := map[string]bool{}
	b := in.Batch
	for _, code := range in.CreditCodes {
		code = strings.ToUpper(strings.TrimSpace(code))
		c, ok := byCode[code]
		if !ok || (scope != "" && !strings.HasPrefix(c.Region, scope)) {
			return cpaudit.ScreeningBatchResult{}, cpaudit.Refuse(cpaudit.KindUnprocessable, cpaudit.CodeScreeningNotCandidate, "%s is not a candidate of this screening", code).With("value", code)
		}
		if !seen[code] {
			seen[code] = true
			chosen = append(chosen, c)
			b.Reasons = append(b.Reasons, cpaudit.ListingsOf(c.Reasons)...)
		}
	}
	if err := b.Validate(); err != nil {
		return cpaudit.ScreeningBatchResult{}, err
	}
	b.Reasons = slices.DeleteFunc(slices.Clone(cpaudit.ListingReasons), func(r cpaudit.ListingReason) bool { return !slices.Contains(b.Reasons, r) })
	defs, err := cpaudit.Steps()
	if err != nil {
		return cpaudit.ScreeningBatchResult{}, cpaudit.Internal(op, err)
	}
	now := s.clock()
	b.ID, b.CreatedAt, b.UpdatedAt = cpaudit.NewID("b", now), now, now
	res := cpaudit.ScreeningBatchResult{Batch: b}
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		res.Listings = []cpaudit.ScreeningListing{}
		if err := s.insertBatch(ctx, tx, a, b); err != nil {
			return taken(dbError(op, err, "", "a batch with this year and number exists already"), cpaudit.CodeBatchTaken)
		}
		for _, c := range chosen {
			entID, err := s.screenedEnterprise(ctx, tx, a, c, scope)
			if err != nil {
				return err
			}
			au, err := s.insertAudit(ctx, tx, a, cpaudit.NewAudit{EnterpriseID: entID, ConsultancyID: in.ConsultancyID, BatchID: b.ID}, defs)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO screening_listings (batch_id, enterprise_id, source_id, reasons) VALUES (?, ?, ?, ?)`,
				b.ID, entID, sourceID, mustJSON(c.Reasons)); err != nil {
				return err
			}
			res.Listings = append(res.Listings, cpaudit.ScreeningListing{EnterpriseID: entID, AuditID: au.ID, CreditCode: c.CreditCode, Name: c.Name, Reasons: c.Reasons})
		}
		return s.appendLog(ctx, tx, a, "screening.batch", "batch", b.ID, map[string]any{"source_id": sourceID, "rules": in.Rules, "enterprises": len(chosen)})
	})
	if err != nil {
		return cpaudit.ScreeningBatchResult{}, taken(dbError(op, err, "", "a batch with this year and number exists already"), cpaudit.CodeBatchTaken)
	}
	return res, nil
}

// screenedEnterprise returns the id of the enterprise registered with
// the candidate's credit code, registering it from the source when there
// is none. One registered outside a regional office's region is
// KindUnprocessable, as in the enterprise import.
func (s *Store) screenedEnterprise(ctx context.Context, tx *sql.Tx, a cpaudit.Actor, c cpaudit.ScreenCandidate, scope string) (string, error) {
	old, err := scanOrganisation(tx.QueryRowContext(ctx, `SELECT `+orgColumns+` FROM organisations
		WHERE kind = 'enterprise' AND credit_code = ? AND credit_code <> ''`, c.CreditCode))
	switch {
	case err == sql.ErrNoRows:
		now := s.clock()
		o := cpaudit.Organisation{ID: cpaudit.NewID("o", now), Kind: cpaudit.OrgEnterprise, Name: c.Name, CreditCode: c.CreditCode,
			Industry: c.Industry, Region: c.Region, PermitNumber: c.PermitNumber, Status: cpaudit.StatusOperating, CreatedAt: now}
		if err := insertOrganisation(ctx, tx, o); err != nil {
			return "", err
		}
		return o.ID, s.appendLog(ctx, tx, a, "organisation.create", "organisation", o.ID, map[string]any{
			"kind": o.Kind, "name": o.Name, "credit_code": o.CreditCode, "screening_row": c.Row})
	case err != nil:
		return "", err
	case scope != "" && !strings.HasPrefix(old.Region, scope):
		return "", cpaudit.Refuse(cpaudit.KindUnprocessable, cpaudit.CodeOrgOutsideRegion, "the enterprise %s is registered outside your office's region", c.CreditCode).With("value", c.CreditCode)
	}
	return old.ID, nil
}

// BatchListings returns the enterprises a batch made from a screening
// listed, each with its audit in the batch and why it was listed, by
// name; a regional office sees those of its region. Empty for other
// batches. KindNotFound for a batch out of reach; KindConflict for an
// actor who is neither an admin nor a regulator.
func (s *Store) BatchListings(ctx context.Context, a cpaudit.Actor, batchID string) ([]cpaudit.ScreeningListing, error) {
	const op = "storage.BatchListings"
	if _, err := s.Batch(ctx, a, batchID); err != nil {
		return nil, err
	}
	if err := authorityOnly(a, cpaudit.CodeScreeningNotAllowed, "read why a batch's enterprises were listed"); err != nil {
		return nil, err
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	rs, err := db.QueryContext(ctx, `SELECT l.enterprise_id, o.credit_code, o.name, o.region, l.reasons,
		COALESCE((SELECT au.id FROM audits au WHERE au.enterprise_id = l.enterprise_id AND +au.batch_id = l.batch_id ORDER BY au.created_at LIMIT 1), '')
		FROM screening_listings l JOIN organisations o ON o.id = l.enterprise_id WHERE l.batch_id = ? ORDER BY o.name, o.credit_code`, batchID)
	if err != nil {
		return nil, dbError(op, err, "", "")
	}
	defer rs.Close()
	scope := regionScope(a)
	out := []cpaudit.ScreeningListing{}
	for rs.Next() {
		var l cpaudit.ScreeningListing
		var region, reasons string
		if err := rs.Scan(&l.EnterpriseID, &l.CreditCode, &l.Name, &region, &reasons, &l.AuditID); err != nil {
			return nil, dbError(op, err, "", "")
		}
		if scope != "" && !strings.HasPrefix(region, scope) {
			continue
		}
		if err := json.Unmarshal([]byte(reasons), &l.Reasons); err != nil {
			return nil, cpaudit.Internal(op, err)
		}
		out = append(out, l)
	}
	return out, dbError(op, rs.Err(), "", "")
}

package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strings"

	"github.com/cpaudit/cpaudit"
)

// ImportEnterprises writes the valid rows of an import sheet in one
// transaction: a credit code already registered updates that enterprise
// (its changed fields are logged), a new one creates it; with a batch,
// every imported enterprise without an audit there gets one. Rows a
// regional office may not touch (outside its region) join the rejections.
// The result, rejections included, is stored so its report can be
// downloaded later (EnterpriseImportResult).
//
// Admins and regulators may (KindConflict otherwise). KindNotFound for an
// unknown batch or consultancy. Nothing is written when any write fails.
func (s *Store) ImportEnterprises(ctx context.Context, a cpaudit.Actor, im cpaudit.EnterpriseImport) (cpaudit.ImportResult, error) {
	const op = "storage.ImportEnterprises"
	if a.Role != cpaudit.RoleAdmin && a.Role != cpaudit.RoleRegulator {
		return cpaudit.ImportResult{}, cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeImportNotAllowed, "only an admin or a regulator may import enterprises")
	}
	if im.ConsultancyID != "" && im.BatchID == "" {
		return cpaudit.ImportResult{}, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeImportConsultancyNoBatch, "consultancy_id goes with batch_id: it is the consultancy of the audits the import starts")
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.ImportResult{}, err
	}
	if im.BatchID != "" {
		if _, err := s.Batch(ctx, a, im.BatchID); err != nil {
			return cpaudit.ImportResult{}, err
		}
	}
	if im.ConsultancyID != "" {
		if err := s.checkOrgKind(ctx, db, im.ConsultancyID, cpaudit.OrgConsultancy); err != nil {
			return cpaudit.ImportResult{}, err
		}
	}
	defs, err := cpaudit.Steps()
	if err != nil {
		return cpaudit.ImportResult{}, cpaudit.Internal(op, err)
	}
	now := s.clock()
	res := cpaudit.ImportResult{ID: cpaudit.NewID("i", now), Rejected: append([]cpaudit.ImportRejection{}, im.Rejected...), CreatedAt: now}
	scope := regionScope(a)
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		res.Created, res.Updated, res.AuditsCreated = 0, 0, 0
		res.Rejected = append([]cpaudit.ImportRejection{}, im.Rejected...)
		for _, r := range im.Rows {
			o := r.Org
			if scope != "" && !strings.HasPrefix(o.Region, scope) {
				res.Rejected = append(res.Rejected, cpaudit.ImportRejection{Row: r.Row, Column: "行政区划代码",
					Reason: "the region is outside your office's region", Code: cpaudit.CodeOrgRegionOutside, Params: map[string]string{"value": r.Org.Region}})
				continue
			}
			// credit_code <> '' lets SQLite use the partial unique index
			// on (kind, credit_code); without it every row scans the table.
			old, err := scanOrganisation(tx.QueryRowContext(ctx, `SELECT `+orgColumns+` FROM organisations
				WHERE kind = 'enterprise' AND credit_code = ? AND credit_code <> ''`, o.CreditCode))
			switch {
			case err == sql.ErrNoRows:
				o.ID, o.CreatedAt = cpaudit.NewID("o", s.clock()), now
				if err := insertOrganisation(ctx, tx, o); err != nil {
					return err
				}
				if err := s.appendLog(ctx, tx, a, "organisation.create", "organisation", o.ID, map[string]any{
					"kind": o.Kind, "name": o.Name, "credit_code": o.CreditCode, "import": res.ID, "row": r.Row}); err != nil {
					return err
				}
				res.Created++
			case err != nil:
				return err
			default:
				if scope != "" && !strings.HasPrefix(old.Region, scope) {
					res.Rejected = append(res.Rejected, cpaudit.ImportRejection{Row: r.Row, Column: "统一社会信用代码",
						Reason: "this enterprise is registered outside your office's region", Code: cpaudit.CodeOrgOutsideRegion})
					continue
				}
				o.ID = old.ID
				if err := s.updateImported(ctx, tx, a, old, o, res.ID, r.Row); err != nil {
					return err
				}
				res.Updated++
			}
			if im.BatchID == "" {
				continue
			}
			var n int
			// +batch_id keeps SQLite on the enterprise's index: a batch
			// holds thousands of audits, an enterprise a handful.
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM audits WHERE enterprise_id = ? AND +batch_id = ?`, o.ID, im.BatchID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				na := cpaudit.NewAudit{EnterpriseID: o.ID, ConsultancyID: im.ConsultancyID, BatchID: im.BatchID}
				if _, err := s.insertAudit(ctx, tx, a, na, defs); err != nil {
					return err
				}
				res.AuditsCreated++
			}
		}
		sortRejections(res.Rejected)
		summary := map[string]any{"import": res.ID, "created": res.Created, "updated": res.Updated,
			"audits_created": res.AuditsCreated, "rejected": len(res.Rejected), "batch_id": im.BatchID}
		if err := s.appendLog(ctx, tx, a, "enterprise.import", "import", res.ID, summary); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO enterprise_imports (id, created_by, created_at, summary) VALUES (?, ?, ?, ?)`,
			res.ID, a.UserID, micros(now), mustJSON(res))
		return err
	})
	if err != nil {
		return cpaudit.ImportResult{}, dbError(op, err, "", "")
	}
	return res, nil
}

// updateImported brings an existing enterprise to the row's values; empty
// optional cells leave the stored address and permit as they are.
func (s *Store) updateImported(ctx context.Context, tx *sql.Tx, a cpaudit.Actor, old, o cpaudit.Organisation, importID string, row int) error {
	if o.Address == "" {
		o.Address = old.Address
	}
	if o.PermitNumber == "" {
		o.PermitNumber = old.PermitNumber
	}
	p := cpaudit.OrgProfile{Name: &o.Name, Address: &o.Address, PermitNumber: &o.PermitNumber, Status: &o.Status,
		Industry: &o.Industry, Region: &o.Region}
	next, changed, err := applyProfile(old, p)
	if err != nil || len(changed) == 0 {
		return err
	}
	// The rows were checked against the office's region already; the
	// rule is asked anyway, so that an import never changes more than a
	// PATCH could.
	if err := mayChangeOrganisation(a, old, next); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE organisations SET name = ?, address = ?, permit_number = ?, status = ?,
		industry = ?, region = ? WHERE id = ?`, next.Name, next.Address, next.PermitNumber, string(next.Status),
		next.Industry, next.Region, old.ID); err != nil {
		return err
	}
	if err := s.requeueOrgDocuments(ctx, tx, old, next); err != nil {
		return err
	}
	return s.appendLog(ctx, tx, a, "organisation.update", "organisation", old.ID,
		map[string]any{"changed": changed, "import": importID, "row": row})
}

func sortRejections(r []cpaudit.ImportRejection) {
	slices.SortStableFunc(r, func(x, y cpaudit.ImportRejection) int { return x.Row - y.Row })
}

// EnterpriseImportResult returns a stored import result; only the user who
// imported (or an admin) may read it, KindNotFound for anyone else.
func (s *Store) EnterpriseImportResult(ctx context.Context, a cpaudit.Actor, id string) (cpaudit.ImportResult, error) {
	const op = "storage.EnterpriseImportResult"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.ImportResult{}, err
	}
	var by, summary string
	err = db.QueryRowContext(ctx, `SELECT created_by, summary FROM enterprise_imports WHERE id = ?`, id).Scan(&by, &summary)
	if err != nil {
		return cpaudit.ImportResult{}, dbError(op, err, "no such import", "")
	}
	if a.Role != cpaudit.RoleAdmin && (by == "" || by != a.UserID) {
		return cpaudit.ImportResult{}, cpaudit.Refuse(cpaudit.KindNotFound, cpaudit.CodeNoSuchImport, "no such import")
	}
	var res cpaudit.ImportResult
	return res, cpaudit.Internal(op, json.Unmarshal([]byte(summary), &res))
}

package storage

import (
	"context"
	"database/sql"

	"github.com/cpaudit/cpaudit"
)

// orgColumns are read by scanOrganisation, in its order.
const orgColumns = `id, kind, name, credit_code, industry, region, parent_id, created_at, address, permit_number, status`

func scanOrganisation(r rowScanner) (cpaudit.Organisation, error) {
	var o cpaudit.Organisation
	var kind, status string
	var parent sql.NullString
	var created int64
	err := r.Scan(&o.ID, &kind, &o.Name, &o.CreditCode, &o.Industry, &o.Region, &parent, &created,
		&o.Address, &o.PermitNumber, &status)
	o.Kind, o.ParentID, o.CreatedAt, o.Status = cpaudit.OrgKind(kind), parent.String, fromMicros(created), cpaudit.OperatingStatus(status)
	return o, err
}

// insertOrganisation writes a validated organisation inside tx.
func insertOrganisation(ctx context.Context, tx *sql.Tx, o cpaudit.Organisation) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO organisations (`+orgColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		o.ID, string(o.Kind), o.Name, o.CreditCode, o.Industry, o.Region, nullString(o.ParentID), micros(o.CreatedAt),
		o.Address, o.PermitNumber, string(o.Status))
	return err
}

package storage

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/cpaudit/cpaudit"
)

// EnterpriseNames lists the enterprises of a tenant with their names and
// regions, for foreign_name.
func (s *Store) EnterpriseNames(ctx context.Context, tenantID string) ([]cpaudit.EnterpriseName, error) {
	const op = "storage.EnterpriseNames"
	db, err := s.tenantDB(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT id, name, region FROM organisations WHERE kind = 'enterprise' ORDER BY id`)
	if err != nil {
		return nil, dbError(op, err, "", "")
	}
	defer rows.Close()
	var out []cpaudit.EnterpriseName
	for rows.Next() {
		var e cpaudit.EnterpriseName
		if err := rows.Scan(&e.ID, &e.Name, &e.Region); err != nil {
			return nil, dbError(op, err, "", "")
		}
		out = append(out, e)
	}
	return out, dbError(op, rows.Err(), "", "")
}

// replaceNameFlag makes the foreign_name flag of doc (a flag of one
// document: doc_a = doc_b) say names, or removes it when there is no
// mention. The score is n/(n+1) for n mentions (1/2 for one, 9/10 for
// nine): it grows with the count and stays in 0..1 like the other kinds'.
func (s *Store) replaceNameFlag(ctx context.Context, tx *sql.Tx, doc string, names cpaudit.NameFinding) error {
	if names.Total == 0 {
		_, err := tx.ExecContext(ctx, `DELETE FROM flags WHERE kind = ? AND doc_a = ? AND doc_b = ?`, string(cpaudit.FlagForeignName), doc, doc)
		return err
	}
	detail, err := json.Marshal(names)
	if err != nil {
		return err
	}
	return s.upsertFlag(ctx, tx, cpaudit.FlagForeignName, doc, doc, float64(names.Total)/float64(names.Total+1), detail)
}

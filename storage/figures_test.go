package storage

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit"
)

// TestNumberLookupIsIndexed: a document's numbers are looked up across
// the tenant through the number index, one query, whatever the tenant's
// size (here 5,000 documents of 10 numbers each), and only numbers of
// other enterprises' live documents come back.
func TestNumberLookupIsIndexed(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, nil)
	f := newFixture(t, s, "hebei")
	db := f.db(t)
	const docs, per = 5000, 10
	err := inTx(ctx, db, func(tx *sql.Tx) error {
		for d := 0; d < docs; d++ {
			id := fmt.Sprintf("dbulk%05d", d)
			if _, err := tx.ExecContext(ctx, `INSERT INTO documents (id, kind, title, created_by, created_at, deleted_at)
				VALUES (?, 'evidence', ?, 'x', 0, ?)`, id, id, map[bool]any{true: 1, false: nil}[d == 7]); err != nil {
				return err
			}
			for k := 0; k < per; k++ {
				if _, err := tx.ExecContext(ctx, `INSERT INTO doc_numbers (number, kind, document_id, enterprise_id, label, sentence, pos)
					VALUES (?, 'report', ?, ?, '报告编号', '报告编号：…', 0)`, fmt.Sprintf("HJ-%05d-%02d", d, k), id, fmt.Sprintf("e%d", d%50)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var plan strings.Builder
	rows, err := db.QueryContext(ctx, `EXPLAIN QUERY PLAN SELECT n.document_id FROM doc_numbers n
		WHERE n.number IN (SELECT number FROM doc_numbers WHERE document_id = ?)`, "x")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan.WriteString(detail + "\n")
	}
	rows.Close()
	if !strings.Contains(plan.String(), "doc_numbers_number") || !strings.Contains(plan.String(), "doc_numbers_document") || strings.Contains(plan.String(), "SCAN n") {
		t.Errorf("plan:\n%s", plan.String())
	}

	d, err := f.upload(t, f.consultant, cpaudit.NewDocument{Kind: cpaudit.DocEvidence, AuditID: f.audit.ID, Filename: "a.txt", ContentType: "text/plain"}, "x")
	if err != nil {
		t.Fatal(err)
	}
	j := cpaudit.AnalysisJob{TenantID: f.sys.TenantID, Source: cpaudit.AnalysisSource{DocumentID: d.ID, EnterpriseID: f.ent.ID, Kind: cpaudit.DocEvidence, Version: 1}}
	nums := []cpaudit.DocNumber{
		{Kind: cpaudit.NumberReport, Label: "报告编号", Number: "HJ-01234-05", Sentence: "报告编号：HJ-01234-05。"},
		{Kind: cpaudit.NumberReport, Label: "报告编号", Number: "HJ-00007-01", Sentence: "deleted document's"},
		{Kind: cpaudit.NumberReport, Label: "报告编号", Number: "HJ-99999-99", Sentence: "nobody's"},
	}
	start := time.Now()
	c, err := s.MatchFigures(ctx, j, nil, nums)
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Numbers) != 1 || c.Numbers[0].DocumentID != "dbulk01234" || c.Numbers[0].Theirs.Number != "HJ-01234-05" {
		t.Errorf("candidates %+v", c.Numbers)
	}
	t.Logf("one document's numbers against %d stored: %v", docs*per, took)
	// Analysed again: its rows are replaced, not added.
	if _, err := s.MatchFigures(ctx, j, nil, nums); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM doc_numbers WHERE document_id = ?`, d.ID).Scan(&n); err != nil || n != 3 {
		t.Errorf("%d rows, %v", n, err)
	}
}

package storage

import (
	"context"
	"testing"

	"github.com/cpaudit/cpaudit"
)

// TestMigrationCleansOldNames: names stored before uploads were cleaned
// lose their bidirectional controls and line breaks to migration 022, as
// new uploads do on the way in; clean names are left as they are.
func TestMigrationCleansOldNames(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, nil)
	f := newFixture(t, s, "hebei")
	bad, err := f.upload(t, f.consultant, cpaudit.NewDocument{Kind: cpaudit.DocEvidence, Filename: "报告.pdf", Title: "报告"}, "清洁生产审核报告")
	if err != nil {
		t.Fatal(err)
	}
	good, err := f.upload(t, f.consultant, cpaudit.NewDocument{Kind: cpaudit.DocEvidence, Filename: "台账.xlsx", Title: "用水台账 2025"}, "用水台账")
	if err != nil {
		t.Fatal(err)
	}
	// As an older server stored it.
	db := f.db(t)
	if _, err := db.Exec(`UPDATE documents SET title = ? WHERE id = ?`, "报告\u202efdp.exe\n", bad.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE document_versions SET filename = ? WHERE document_id = ?`, "\u2066报告\u202efdp.exe\u2069", bad.ID); err != nil {
		t.Fatal(err)
	}
	f.remigrate(t, `DELETE FROM schema_migrations WHERE version = 22`)
	for id, want := range map[string][2]string{bad.ID: {"报告fdp.exe", "报告fdp.exe"}, good.ID: {"用水台账 2025", "台账.xlsx"}} {
		d, err := s.Document(ctx, f.consultant, id)
		if err != nil {
			t.Fatal(err)
		}
		if d.Title != want[0] || d.Current.Filename != want[1] {
			t.Errorf("%q, %q; want %q, %q", d.Title, d.Current.Filename, want[0], want[1])
		}
	}
}

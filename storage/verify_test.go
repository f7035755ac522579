package storage

import (
	"context"
	"strings"
	"testing"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/storage/blob"
)

func verifyProblems(t *testing.T, s *Store) string {
	t.Helper()
	rep, err := s.Verify(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var ps []string
	for _, p := range rep.Problems {
		ps = append(ps, p.String())
	}
	return strings.Join(ps, "\n")
}

func TestVerify(t *testing.T) {
	ctx := context.Background()
	blobs := blob.NewMem()
	s := newTestStore(t, blobs)
	f := newFixture(t, s, "hebei")
	var docs []cpaudit.Document
	for _, text := range []string{"审核报告一", "审核报告二", "审核报告三"} {
		d, err := f.upload(t, f.consultant, cpaudit.NewDocument{Kind: cpaudit.DocReport, Filename: text + ".txt"}, text)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, d)
	}
	rep, err := s.Verify(ctx, nil)
	if err != nil || len(rep.Problems) != 0 || rep.Blobs != 3 || rep.LogEntries < 10 {
		t.Fatalf("clean store: %+v %v", rep, err)
	}
	db := f.db(t)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}

	// An altered entry.
	exec(`UPDATE audit_log SET email = 'someone-else@x.cn' WHERE seq = 3`)
	if p := verifyProblems(t, s); !strings.Contains(p, "entry 3") || !strings.Contains(p, "altered") {
		t.Errorf("altered entry not found: %s", p)
	}
	// A removed entry in the middle.
	exec(`DELETE FROM audit_log WHERE seq = 5`)
	if p := verifyProblems(t, s); !strings.Contains(p, "entries 5 to 5 are missing") {
		t.Errorf("removed entry not found: %s", p)
	}
	// A removed tail.
	var last int64
	db.QueryRow(`SELECT max(seq) FROM audit_log`).Scan(&last)
	exec(`DELETE FROM audit_log WHERE seq = ?`, last)
	if p := verifyProblems(t, s); !strings.Contains(p, "at the end are missing") {
		t.Errorf("removed tail not found: %s", p)
	}
	// A corrupted and a missing blob.
	key := blobKey("hebei", docs[0].Current.SHA256)
	blobs.Put(ctx, key, strings.NewReader("tampered"), 8)
	blobs.Delete(ctx, blobKey("hebei", docs[1].Current.SHA256))
	p := verifyProblems(t, s)
	if !strings.Contains(p, docs[0].ID) || !strings.Contains(p, "corrupted") {
		t.Errorf("corrupted blob not found: %s", p)
	}
	if !strings.Contains(p, docs[1].ID) || !strings.Contains(p, "missing") {
		t.Errorf("missing blob not found: %s", p)
	}
	if strings.Contains(p, docs[2].ID) {
		t.Errorf("intact blob reported: %s", p)
	}
}

func TestLogChainLinks(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, nil)
	f := newFixture(t, s, "hebei")
	entries, err := s.ObjectLog(ctx, f.admin, "organisation", f.ent.ID, 10)
	if err != nil || len(entries) != 1 {
		t.Fatalf("%v %v", entries, err)
	}
	e := entries[0]
	if e.Hash != e.ComputeHash() || e.PrevHash == "" || e.Email != "system" {
		t.Errorf("entry %+v", e)
	}
}

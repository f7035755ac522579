package storage

import (
	"context"
	"testing"

	"github.com/cpaudit/cpaudit"
)

// TestImageThumbsMigration: images hashed before thumbnails were kept
// (before migration 015) survive it without one, are read back with a nil
// Thumb (compared by their hashes alone), and their documents are queued
// for analysis once more, which stores a thumbnail.
func TestImageThumbsMigration(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, nil)
	f := newFixture(t, s, "hebei")
	photo, err := f.upload(t, f.consultant, cpaudit.NewDocument{Kind: cpaudit.DocEvidence, AuditID: f.audit.ID, Filename: "a.jpg", ContentType: "image/jpeg"}, "a")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.upload(t, f.consultant, cpaudit.NewDocument{Kind: cpaudit.DocReport, AuditID: f.audit.ID, Filename: "b.txt", ContentType: "text/plain"}, "报告"); err != nil {
		t.Fatal(err)
	}
	ajobs := f.analysisJobs(t, 2, photo.ID)
	h := cpaudit.ImageHash{PHash: 0x8123_4567_89ab_cdef, DHash: 0x0f0f_f0f0_1234_4321, Thumb: []byte{1, 2, 3}, Width: 800, Height: 600}
	if _, err := s.MatchImages(ctx, ajobs[0], []cpaudit.ImageHash{h}, nil); err != nil {
		t.Fatal(err)
	}
	// Back to the state before 015: the column gone, no analysis queued.
	db := f.remigrate(t, `DELETE FROM jobs WHERE kind = 'analyse'`, `ALTER TABLE image_hashes DROP COLUMN thumb`,
		`DELETE FROM schema_migrations WHERE version = 15`)
	var doc string
	var n int
	if err := db.QueryRow(`SELECT document_id, count(*) FROM jobs WHERE kind = 'analyse'`).Scan(&doc, &n); err != nil || n != 1 || doc != photo.ID {
		t.Fatalf("after migration: %d analyse jobs, for %s (want the photo %s alone): %v", n, doc, photo.ID, err)
	}
	other := ajobs[1]
	other.Source.EnterpriseID = "ent-other"
	got, err := s.MatchImages(ctx, other, []cpaudit.ImageHash{{PHash: h.PHash, DHash: h.DHash}}, nil)
	if err != nil || len(got) != 1 || got[0].Theirs.PHash != h.PHash || got[0].Theirs.Thumb != nil {
		t.Fatalf("the old image: %+v, %v", got, err)
	}
	// Analysed again, it is stored with its thumbnail.
	if _, err := s.MatchImages(ctx, ajobs[0], []cpaudit.ImageHash{h}, nil); err != nil {
		t.Fatal(err)
	}
	got, err = s.MatchImages(ctx, other, []cpaudit.ImageHash{{PHash: h.PHash, DHash: h.DHash}}, nil)
	if err != nil || len(got) != 1 || string(got[0].Theirs.Thumb) != "\x01\x02\x03" {
		t.Fatalf("analysed again: %+v, %v", got, err)
	}
}

package storage

import (
	"context"
	"io"
	"reflect"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit"
)

// TestMatchImages: image hashes are stored per document and matched only
// against documents of other enterprises; a guideline stores none, and a
// new analysis replaces a document's hashes.
func TestMatchImages(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, nil)
	f := newFixture(t, s, "hebei")
	upload := func(a cpaudit.Actor, kind cpaudit.DocKind, audit, name string) string {
		d, err := f.upload(t, a, cpaudit.NewDocument{Kind: kind, AuditID: audit, Filename: name, ContentType: "image/jpeg"}, "jpeg bytes of "+name)
		if err != nil {
			t.Fatal(err)
		}
		return d.ID
	}
	a := upload(f.consultant, cpaudit.DocEvidence, f.audit.ID, "a.jpg")
	b := upload(f.enterprise, cpaudit.DocEvidence, "", "b.jpg")
	g := upload(f.publisher, cpaudit.DocGuideline, "", "g.jpg")
	jobs, err := s.ClaimTextJobs(ctx, f.sys.TenantID, 100, time.Minute, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		if err := s.CompleteTextJob(ctx, j, cpaudit.ExtractedText{Status: cpaudit.TextUnsupported,
			Meta: map[string]string{"DateTimeOriginal": "2025:01:02 03:04:05"}}); err != nil {
			t.Fatal(err)
		}
	}
	ajobs, err := s.ClaimAnalysisJobs(ctx, f.sys.TenantID, 100, time.Minute, 0)
	if err != nil || len(ajobs) != 3 {
		t.Fatalf("%d jobs, %v", len(ajobs), err)
	}
	byDoc := map[string]cpaudit.AnalysisJob{}
	for _, j := range ajobs {
		byDoc[j.Source.DocumentID] = j
		src := j.Source
		if src.SHA256 == "" || src.Filename == "" || src.ContentType != "image/jpeg" || src.Meta["DateTimeOriginal"] != "2025:01:02 03:04:05" || !src.Absent {
			t.Errorf("source %+v", src)
		}
	}
	rc, err := s.OpenAnalysisContent(ctx, byDoc[a])
	if err != nil {
		t.Fatal(err)
	}
	if body, _ := io.ReadAll(rc); string(body) != "jpeg bytes of a.jpg" {
		t.Errorf("content %q", body)
	}
	rc.Close()

	h := cpaudit.ImageHash{PHash: 1<<63 | 5, DHash: 7, CPHash: 9, CDHash: 11, Width: 640, Height: 480, EXIF: "x|y"}
	for _, id := range []string{a, b, g} {
		if c, err := s.MatchImages(ctx, byDoc[id], []cpaudit.ImageHash{h}, nil); err != nil || len(c) != 0 {
			t.Fatalf("%s: %v %v, want no candidate (one enterprise)", id, c, err)
		}
	}
	// Seen from another enterprise, a's and b's images are candidates, the
	// guideline's is not stored.
	other := byDoc[b]
	other.Source.EnterpriseID = "ent-other"
	c, err := s.MatchImages(ctx, other, []cpaudit.ImageHash{h}, nil)
	if err != nil || len(c) != 1 || c[0].DocumentID != a || !reflect.DeepEqual(c[0].Theirs, h) {
		t.Fatalf("candidates %+v %v, want a's image", c, err)
	}
	// A new analysis of a without images removes its hashes.
	if _, err := s.MatchImages(ctx, byDoc[a], nil, nil); err != nil {
		t.Fatal(err)
	}
	if c, err := s.MatchImages(ctx, other, []cpaudit.ImageHash{h}, nil); err != nil || len(c) != 0 {
		t.Fatalf("candidates %+v %v after a lost its images", c, err)
	}
}

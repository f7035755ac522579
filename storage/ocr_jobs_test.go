package storage

import (
	"context"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit"
)

// TestOCRJobs: an extraction handed on to OCR leaves the extraction
// queue for the OCR queue, keeps its text pending and counts in
// ocr_pending; the OCR worker completes it like an extraction.
func TestOCRJobs(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, nil)
	f := newFixture(t, s, "hebei")
	d, err := f.upload(t, f.consultant, cpaudit.NewDocument{Kind: cpaudit.DocEvidence, Filename: "发票扫描件.pdf", ContentType: "application/pdf"}, "%PDF-1.4 扫描件")
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := s.ClaimTextJobs(ctx, f.sys.TenantID, 10, time.Minute, 0)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("claim: %v %v", jobs, err)
	}
	if none, _ := s.ClaimOCRJobs(ctx, f.sys.TenantID, 10, time.Minute, 0); len(none) != 0 {
		t.Fatalf("an extraction job in the OCR queue: %v", none)
	}
	if err := s.CompleteTextJob(ctx, jobs[0], cpaudit.ExtractedText{Status: cpaudit.TextPending, NeedsOCR: true}); err != nil {
		t.Fatal(err)
	}
	st, err := s.SearchStatus(ctx, f.sys.TenantID)
	if err != nil || st.OCRPending != 1 || st.IndexPending != 1 || st.AnalysisPending != 1 {
		t.Fatalf("status %+v %v", st, err)
	}
	if n, _ := s.PendingTextJobs(ctx, f.sys.TenantID); n != 1 {
		t.Fatalf("%d pending text jobs, want 1", n)
	}
	_, err = s.DocumentText(ctx, f.consultant, d.ID, 0)
	mustKind(t, err, cpaudit.KindNotFound) // still pending
	if again, _ := s.ClaimTextJobs(ctx, f.sys.TenantID, 10, time.Minute, 0); len(again) != 0 {
		t.Fatalf("handed out for extraction again: %v", again)
	}
	ocr, err := s.ClaimOCRJobs(ctx, f.sys.TenantID, 10, time.Minute, 0)
	if err != nil || len(ocr) != 1 || ocr[0].DocumentID != d.ID || ocr[0].Attempts != 1 || ocr[0].Filename != "发票扫描件.pdf" {
		t.Fatalf("OCR claim: %+v %v", ocr, err)
	}
	done := cpaudit.ExtractedText{Status: cpaudit.TextDone, Text: "增值税专用发票 No 04418562",
		Meta: map[string]string{"ocr": "tesseract 5.3.0 chi_sim+eng", "ocr_pages": "1"}}
	if err := s.CompleteTextJob(ctx, ocr[0], done); err != nil {
		t.Fatal(err)
	}
	text, err := s.DocumentText(ctx, f.consultant, d.ID, 0)
	if err != nil || text.Status != cpaudit.TextDone || text.Meta["ocr"] == "" {
		t.Fatalf("text %+v %v", text, err)
	}
	if st, _ := s.SearchStatus(ctx, f.sys.TenantID); st.OCRPending != 0 {
		t.Fatalf("status after OCR %+v", st)
	}
}

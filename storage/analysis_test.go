package storage

import (
	"context"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit"
)

// extractAll completes every extraction job of the fixture's tenant with
// the given text.
func extractAll(t *testing.T, f *fixture, text string) {
	t.Helper()
	completeExtractions(t, f, cpaudit.ExtractedText{Status: cpaudit.TextDone, Text: text})
}

// completeExtractions ends every extraction job of the fixture's tenant
// with the result x.
func completeExtractions(t *testing.T, f *fixture, x cpaudit.ExtractedText) {
	t.Helper()
	ctx := context.Background()
	jobs, err := f.s.ClaimTextJobs(ctx, f.sys.TenantID, 100, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		if err := f.s.CompleteTextJob(ctx, j, x); err != nil {
			t.Fatal(err)
		}
	}
}

// TestAnalysisSources: a document's enterprise is its audit's, else its
// uploader's when that is an enterprise; documents of no enterprise and
// deleted ones have nothing to analyse, guidelines are analysed as such.
func TestAnalysisSources(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, nil)
	f := newFixture(t, s, "hebei")
	report := func(a cpaudit.Actor, audit string) string {
		d, err := f.upload(t, a, cpaudit.NewDocument{Kind: cpaudit.DocReport, AuditID: audit, Filename: "a.txt", ContentType: "text/plain"}, "报告")
		if err != nil {
			t.Fatal(err)
		}
		return d.ID
	}
	inAudit := report(f.consultant, f.audit.ID)
	byEnterprise := report(f.enterprise, "")
	byConsultant := report(f.consultant, "")
	g, err := f.upload(t, f.publisher, cpaudit.NewDocument{Kind: cpaudit.DocGuideline, Filename: "g.txt", ContentType: "text/plain"}, "指南")
	if err != nil {
		t.Fatal(err)
	}
	deleted := report(f.enterprise, "")
	if err := s.DeleteDocument(ctx, f.enterprise, deleted); err != nil {
		t.Fatal(err)
	}
	extractAll(t, f, "清洁生产审核报告")
	if st, _ := s.SearchStatus(ctx, f.sys.TenantID); st.AnalysisPending != 5 {
		t.Fatalf("status %+v", st)
	}
	jobs, err := s.ClaimAnalysisJobs(ctx, f.sys.TenantID, 100, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]cpaudit.AnalysisSource{}
	for i, j := range jobs {
		if i > 0 && j.ID < jobs[i-1].ID {
			t.Errorf("jobs out of order")
		}
		got[j.Source.DocumentID] = j.Source
	}
	for id, want := range map[string]cpaudit.AnalysisSource{
		inAudit:      {EnterpriseID: f.ent.ID, Version: 1},
		byEnterprise: {EnterpriseID: f.ent.ID, Version: 1},
		byConsultant: {Version: 1, Absent: true},
		g.ID:         {Guideline: true, Version: 1},
		deleted:      {EnterpriseID: f.ent.ID, Version: 1, Absent: true, Deleted: true},
	} {
		src := got[id]
		if src.EnterpriseID != want.EnterpriseID || src.Guideline != want.Guideline || src.Version != want.Version ||
			src.Absent != want.Absent || src.Deleted != want.Deleted || src.Text != "清洁生产审核报告" {
			t.Errorf("%s: %+v, want %+v", id, src, want)
		}
	}
	for _, j := range jobs {
		if _, err := s.MatchFingerprints(ctx, j, []cpaudit.Fingerprint{{Hash: 1 << 62, Pos: 0}}, 8, 5); err != nil {
			t.Fatal(err)
		}
		if err := s.CompleteAnalysisJob(ctx, j, nil, nil, cpaudit.NameFinding{}); err != nil {
			t.Fatal(err)
		}
	}
	if st, _ := s.SearchStatus(ctx, f.sys.TenantID); st.AnalysisPending != 0 {
		t.Fatalf("status %+v", st)
	}
	// The guideline made its fingerprint boilerplate; absent documents
	// stored none.
	db := f.db(t)
	var prints, boiler int
	db.QueryRow(`SELECT count(*) FROM prints JOIN analysed_docs USING (doc)`).Scan(&prints)
	db.QueryRow(`SELECT count(*) FROM boilerplate`).Scan(&boiler)
	if prints != 3 || boiler != 1 {
		t.Errorf("%d fingerprints, %d boilerplate", prints, boiler)
	}
}

// TestAnalysisMigration: a database that holds extracted texts from
// before analysis existed (migration 005 already applied) gets every
// such document queued when 004 arrives.
func TestAnalysisMigration(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, nil)
	f := newFixture(t, s, "hebei")
	d, err := f.upload(t, f.consultant, cpaudit.NewDocument{Kind: cpaudit.DocReport, AuditID: f.audit.ID, Filename: "a.txt", ContentType: "text/plain"}, "报告")
	if err != nil {
		t.Fatal(err)
	}
	f.upload(t, f.consultant, cpaudit.NewDocument{Kind: cpaudit.DocReport, AuditID: f.audit.ID, Filename: "b.txt", ContentType: "text/plain"}, "待提取")
	jobs, _ := s.ClaimTextJobs(ctx, f.sys.TenantID, 1, time.Minute)
	if err := s.CompleteTextJob(ctx, jobs[0], cpaudit.ExtractedText{Status: cpaudit.TextDone, Text: "报告"}); err != nil {
		t.Fatal(err)
	}
	// Back to the state before 004.
	db := f.remigrate(t, `DELETE FROM jobs WHERE kind = 'analyse'`, `DROP TABLE prints`, `DROP TABLE print_runs`,
		`DROP TABLE analysed_docs`, `DROP TABLE analysis_enterprises`, `DROP TABLE boilerplate`, `DROP TABLE flags`,
		`DELETE FROM schema_migrations WHERE version IN (4, 14)`)
	var doc string
	var n int
	if err := db.QueryRow(`SELECT document_id, count(*) FROM jobs WHERE kind = 'analyse'`).Scan(&doc, &n); err != nil || n != 1 || doc != d.ID {
		t.Fatalf("after migration: %d analyse jobs, for %s: %v", n, doc, err)
	}
}

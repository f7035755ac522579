package storage

import (
	"context"
	"reflect"
	"strings"
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
	jobs, err := f.s.ClaimTextJobs(ctx, f.sys.TenantID, 100, time.Minute, 0)
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
	jobs, err := s.ClaimAnalysisJobs(ctx, f.sys.TenantID, 100, time.Minute, 0)
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
	jobs, _ := s.ClaimTextJobs(ctx, f.sys.TenantID, 1, time.Minute, 0)
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

// TestAnalysisSourceTables: the tables an extraction found go with its
// text to the analysis; a text without tables has none.
func TestAnalysisSourceTables(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, nil)
	f := newFixture(t, s, "hebei")
	up := func(name, content string) string {
		d, err := f.upload(t, f.consultant, cpaudit.NewDocument{Kind: cpaudit.DocEvidence, AuditID: f.audit.ID, Filename: name}, content)
		if err != nil {
			t.Fatal(err)
		}
		return d.ID
	}
	sheet, plain := up("节水统计.xlsx", "PK sheet"), up("说明.txt", "说明")
	tables := []cpaudit.Table{{Name: "节水", Rows: [][]string{{"方案", "", "节水量（吨/年）"}, {"F1", "中水回用", "11000"}, nil}}}
	jobs, err := s.ClaimTextJobs(ctx, f.sys.TenantID, 10, time.Minute, 0)
	if err != nil || len(jobs) != 2 {
		t.Fatalf("%d jobs, %v", len(jobs), err)
	}
	for _, j := range jobs {
		x := cpaudit.ExtractedText{Status: cpaudit.TextDone, Text: "节水量 11000"}
		if j.DocumentID == sheet {
			x.Tables = tables
		}
		if err := s.CompleteTextJob(ctx, j, x); err != nil {
			t.Fatal(err)
		}
	}
	ajobs, err := s.ClaimAnalysisJobs(ctx, f.sys.TenantID, 10, time.Minute, 0)
	if err != nil || len(ajobs) != 2 {
		t.Fatalf("%d analysis jobs, %v", len(ajobs), err)
	}
	for _, j := range ajobs {
		switch j.Source.DocumentID {
		case sheet:
			if !reflect.DeepEqual(j.Source.Tables, []cpaudit.Table{{Name: "节水", Rows: [][]string{{"方案", "", "节水量（吨/年）"}, {"F1", "中水回用", "11000"}, nil}}}) {
				t.Errorf("tables %q", j.Source.Tables)
			}
		case plain:
			if j.Source.Tables != nil {
				t.Errorf("a text without tables has %q", j.Source.Tables)
			}
		}
	}
	var stored string
	f.db(t).QueryRow(`SELECT tables FROM document_texts WHERE document_id = ?`, plain).Scan(&stored)
	if stored != "" {
		t.Errorf("no tables stored as %q", stored)
	}
}

// TestTablesMigration: a database from before tables were kept (021 not
// applied) queues the extraction of the workbooks and Word documents whose
// text the analysis reads, known by their name or content type, once.
func TestTablesMigration(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, nil)
	f := newFixture(t, s, "hebei")
	docs := map[string]string{}
	for _, d := range []struct{ name, contentType string }{
		{"节水统计.XLSX", ""}, {"宏.xlsm", ""}, {"报告.docx", ""}, {"附件", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{"说明.txt", "text/plain"}, {"扫描.pdf", "application/pdf"}, {"失败.docx", ""}, {"已删.xlsx", ""},
	} {
		doc, err := f.upload(t, f.consultant, cpaudit.NewDocument{Kind: cpaudit.DocEvidence, AuditID: f.audit.ID, Filename: d.name, ContentType: d.contentType}, d.name)
		if err != nil {
			t.Fatal(err)
		}
		docs[d.name] = doc.ID
	}
	jobs, err := s.ClaimTextJobs(ctx, f.sys.TenantID, 20, time.Minute, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		x := cpaudit.ExtractedText{Status: cpaudit.TextDone, Text: "正文"}
		if j.DocumentID == docs["失败.docx"] {
			x = cpaudit.ExtractedText{Status: cpaudit.TextFailed, Reason: "损坏"}
		}
		if err := s.CompleteTextJob(ctx, j, x); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteDocument(ctx, f.consultant, docs["已删.xlsx"]); err != nil {
		t.Fatal(err)
	}
	// A second version of the report waits for its extraction: it will
	// read the tables, the first is not extracted again.
	st, err := s.stage(strings.NewReader("第二版"), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := s.AddVersion(ctx, f.consultant, docs["报告.docx"], "报告.docx", "", st); err != nil {
		t.Fatal(err)
	}

	// Back to the state before 021.
	db := f.remigrate(t, `ALTER TABLE document_texts DROP COLUMN tables`, `DELETE FROM schema_migrations WHERE version = 21`)
	rows, err := db.Query(`SELECT document_id, version FROM jobs WHERE kind = 'extract' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]int{}
	for rows.Next() {
		var id string
		var v int
		if err := rows.Scan(&id, &v); err != nil {
			t.Fatal(err)
		}
		got[id]++
		if id == docs["报告.docx"] && v != 2 {
			t.Errorf("report: extraction of version %d queued", v)
		}
	}
	for _, name := range []string{"节水统计.XLSX", "宏.xlsm", "附件", "报告.docx"} {
		if got[docs[name]] != 1 {
			t.Errorf("%s: %d extractions queued, want 1", name, got[docs[name]])
		}
	}
	if len(got) != 4 {
		t.Errorf("%d documents queued, want 4: %v", len(got), got)
	}
}

package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit/internal/testenv"
)

// sofficePDF turns text into a PDF with LibreOffice, as a consultancy's
// word processor would.
func sofficePDF(t *testing.T, text string) []byte {
	t.Helper()
	bin := testenv.Soffice(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "report.txt"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--headless", "--convert-to", "pdf", "--outdir", filepath.Join(dir, "out"), filepath.Join(dir, "report.txt"))
	cmd.Env = append(os.Environ(), "HOME="+dir)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, msg)
	}
	pdf, err := os.ReadFile(filepath.Join(dir, "out", "report.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	return pdf
}

type auditRequirementsJSON struct {
	AuditID     string `json:"audit_id"`
	Industry    string
	Missing     int
	MissingVeto int `json:"missing_veto"`
	Guidelines  []struct {
		Guideline    guidelineJSON
		Requirements []struct {
			Number    int
			Text      string
			Veto      bool
			Addressed bool
			Passages  []struct {
				DocumentID string `json:"document_id"`
				Phrase     string
				Start, End int
				Passage    string
			}
		}
	}
}

// TestRequirementCoverage: the library's publisher gives a C27 guideline
// four bottom-line requirements (bad ones 422) and publishes it; the
// Shijiazhuang chemical works (C2710) hands in a .docx report, one
// requirement met only in a table cell, and a .pdf report made by
// LibreOffice meeting another; the audit's coverage shows which are met
// with their passages and which veto item is missing, which raises a
// missing_requirement flag until a report addresses it. Other tenants and
// the library read nothing of the audit.
func TestRequirementCoverage(t *testing.T) {
	lw := newLibraryWorld(t)
	e := lw.e
	guide := e.uploadText(lw.libPublisher, [][2]string{{"kind", "guideline"}, {"title", "化学原料制造业清洁生产审核指南"}}, "化工指南.txt",
		[]byte("化学原料制造业清洁生产审核指南。底线要求：能源审计；挥发性有机物收集；危险废物规范处置；雨污分流。"))
	var g guidelineJSON
	if status, body := e.postJSON("/api/v1/guidelines", lw.libPublisher, map[string]any{"document_id": guide, "issuing_body": "河北省生态环境厅",
		"effective_date": "2026-01-01", "industries": []string{"C27"}}, &g); status != 201 {
		t.Fatalf("guideline: %d %s", status, body)
	}
	put := func(token string, reqs any) (int, []byte) {
		b, _ := json.Marshal(map[string]any{"requirements": reqs})
		status, body, _ := e.do("PUT", "/api/v1/guidelines/"+g.ID+"/requirements", token, bytes.NewReader(b), "application/json")
		return status, body
	}
	for _, c := range []struct {
		name string
		req  map[string]any
		code string
	}{
		{"step 0", map[string]any{"text": "开展能源审计", "steps": []int{0}, "phrases": []string{"能源审计"}}, "requirement_steps_range"},
		{"step 36", map[string]any{"text": "开展能源审计", "steps": []int{8, 36}, "phrases": []string{"能源审计"}}, "requirement_steps_range"},
		{"no phrase", map[string]any{"text": "开展能源审计", "steps": []int{8}, "phrases": []string{" "}}, "requirement_phrases_required"},
		{"no text", map[string]any{"text": "", "steps": []int{8}, "phrases": []string{"能源审计"}}, "requirement_text_required"},
	} {
		if status, body := put(lw.libPublisher, []any{c.req}); status != 422 || e.problemCode(body) != c.code {
			t.Errorf("%s: %d %s, want 422 %s", c.name, status, body, c.code)
		}
	}
	reqs := []map[string]any{
		{"text": "开展能源审计，核算单位产品综合能耗", "steps": []int{8, 9}, "phrases": []string{"能源审计报告", "能源审计"}},
		{"text": "挥发性有机物收集率不低于90%", "steps": []int{20, 21}, "phrases": []string{"VOCs 收集率", "挥发性有机物收集率"}, "veto": true},
		{"text": "危险废物按规定转移处置", "steps": []int{20}, "phrases": []string{"危险废物转移联单"}, "veto": true},
		{"text": "厂区实行雨污分流", "steps": []int{15}, "phrases": []string{"雨污分流", "雨水与污水分流"}, "veto": true},
	}
	if status, body := put(lw.hebeiPublisher, reqs); status != 404 {
		t.Errorf("a tenant's publisher sets the library's requirements: %d %s", status, body)
	}
	if status, body := put(lw.libPublisher, reqs); status != 200 {
		t.Fatalf("requirements: %d %s", status, body)
	}
	if status, body := e.postJSON("/api/v1/guidelines/"+g.ID+"/publish", lw.libPublisher, nil, nil); status != 200 {
		t.Fatalf("publish: %d %s", status, body)
	}
	if status, body := put(lw.libPublisher, reqs); status != 409 || e.problemCode(body) != "guideline_not_draft" {
		t.Errorf("requirements of a published version: %d %s", status, body)
	}
	var got struct{ Requirements []struct{ Phrases []string } }
	if status := e.getJSON("/api/v1/guidelines/"+g.ID+"/requirements", lw.consultant, &got); status != 200 || len(got.Requirements) != 4 ||
		got.Requirements[1].Phrases[0] != "VOCs 收集率" {
		t.Errorf("requirements as the tenant reads them: %d %+v", status, got)
	}

	docx := docxReport(t, []string{"石家庄化工有限公司清洁生产审核报告", "第三章 审核。本企业于2025年完成能源审计，单位产品综合能耗下降。"},
		[][]string{{"指标", "数值"}, {"ＶＯＣｓ收集率", "92%"}, {"废水回用率", "60%"}})
	docxID := e.uploadText(lw.consultant, [][2]string{{"kind", "report"}, {"audit_id", lw.auditID}, {"step", "20"}}, "审核报告.docx", docx)
	pdf := sofficePDF(t, "石家庄化工有限公司清洁生产审核报告（补充）\n\n危险废物均由有资质单位处置，\n危险废物转移联单齐全。\n")
	pdfID := e.uploadText(lw.consultant, [][2]string{{"kind", "report"}, {"audit_id", lw.auditID}, {"step", "20"}}, "补充报告.pdf", pdf)
	e.process()

	var ar auditRequirementsJSON
	if status := e.getJSON("/api/v1/audits/"+lw.auditID+"/requirements", lw.regulator, &ar); status != 200 || len(ar.Guidelines) != 1 || ar.Industry != "C2710" {
		t.Fatalf("coverage: %d %+v", status, ar)
	}
	rs := ar.Guidelines[0].Requirements
	if len(rs) != 4 || ar.Missing != 1 || ar.MissingVeto != 1 || !ar.Guidelines[0].Guideline.Library {
		t.Fatalf("coverage: %+v", ar)
	}
	wantDoc := map[int]string{1: docxID, 2: docxID, 3: pdfID}
	for _, r := range rs {
		if r.Number == 4 {
			if r.Addressed || len(r.Passages) != 0 {
				t.Errorf("雨污分流 addressed: %+v", r)
			}
			continue
		}
		if !r.Addressed || len(r.Passages) != 1 || r.Passages[0].DocumentID != wantDoc[r.Number] {
			t.Errorf("requirement %d: %+v", r.Number, r)
			continue
		}
		// The offsets point at the phrase in the text (whitespace aside),
		// which the passage shows.
		p := r.Passages[0]
		status, body, _ := e.do("GET", "/api/v1/documents/"+p.DocumentID+"/text", lw.regulator, nil, "")
		span := string([]rune(textOf(t, body))[p.Start:p.End])
		if status != 200 || noSpace(span) != noSpace(p.Phrase) || !strings.Contains(p.Passage, span) {
			t.Errorf("requirement %d: %q at %d..%d, passage %+v", r.Number, span, p.Start, p.End, p)
		}
	}
	if rs[1].Passages[0].Phrase != "VOCs 收集率" || !strings.Contains(rs[1].Passages[0].Passage, "VOCs收集率 92%") {
		t.Errorf("the table cell's requirement: %+v", rs[1])
	}
	fl := e.flags(lw.regulator, "?kind=missing_requirement")
	if len(fl.Flags) != 1 || !strings.Contains(string(fl.Flags[0].Detail), "厂区实行雨污分流") || len(fl.Flags[0].DocumentIDs) != 1 {
		t.Fatalf("missing_requirement flags: %+v", fl)
	}
	if fl := e.flags(lw.consultant, "?kind=missing_requirement"); len(fl.Flags) != 1 {
		t.Errorf("the consultancy does not see its audit's flag: %+v", fl)
	}
	for who, token := range map[string]string{"beijing admin": lw.otherAdmin, "library publisher": lw.libPublisher, "library admin": lw.libAdmin} {
		if status, body, _ := e.do("GET", "/api/v1/audits/"+lw.auditID+"/requirements", token, nil, ""); status != http.StatusNotFound {
			t.Errorf("%s reads hebei's coverage: %d %s", who, status, body)
		}
		if status, _, _ := e.do("GET", "/api/v1/documents/"+docxID+"/text", token, nil, ""); status != http.StatusNotFound {
			t.Errorf("%s reads hebei's report: %d", who, status)
		}
	}
	// A report that addresses the last veto item takes the flag away.
	e.uploadText(lw.consultant, [][2]string{{"kind", "report"}, {"audit_id", lw.auditID}, {"step", "15"}}, "排水.txt",
		[]byte("厂区排水系统已改造，实现雨水与污水分流。"))
	e.process()
	if fl := e.flags(lw.regulator, "?kind=missing_requirement"); len(fl.Flags) != 0 {
		t.Errorf("flag after the last requirement was addressed: %+v", fl)
	}
	if e.getJSON("/api/v1/audits/"+lw.auditID+"/requirements", lw.regulator, &ar); ar.Missing != 0 || ar.MissingVeto != 0 {
		t.Errorf("coverage after: %+v", ar)
	}
}

func noSpace(s string) string { return strings.Join(strings.Fields(s), "") }

func textOf(t *testing.T, body []byte) string {
	var v struct{ Text string }
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	return v.Text
}

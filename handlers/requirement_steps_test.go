package handlers_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestRequirementSteps: a requirement is looked for in the documents that
// cover its steps. The interim report (step 22) mentions the performance
// table (绩效表, step 31) only as a plan, which does not address a step-31
// requirement; the material balance it describes does address a step-13
// one. Evidence tied to step 12 that holds the phrase does not count for
// step 31; evidence tied to step 31 does, and takes the flag away. The
// audit page says how many documents each requirement was looked for in.
// An audit with no report but the step-31 table gets its flag when the
// version is published (its table is analysed again).
func TestRequirementSteps(t *testing.T) {
	lw := newLibraryWorld(t)
	e := lw.e
	guide := e.uploadText(lw.libPublisher, [][2]string{{"kind", "guideline"}, {"title", "化工行业审核指南"}}, "化工.txt", []byte("化工行业审核指南正文"))
	var g guidelineJSON
	if status, body := e.postJSON("/api/v1/guidelines", lw.libPublisher, map[string]any{"document_id": guide, "issuing_body": "河北省生态环境厅",
		"effective_date": "2026-01-01", "industries": []string{"C27"}}, &g); status != 201 {
		t.Fatalf("guideline: %d %s", status, body)
	}
	// Another C2710 audit has, before the publication, only the
	// performance table of step 31 and no report.
	ent2, audit2 := lw.enterpriseOf(3, "石家庄第二化工厂")
	table2 := e.uploadText(ent2, [][2]string{{"kind", "evidence"}, {"audit_id", audit2}, {"step", "31"}}, "绩效表.txt",
		[]byte("清洁生产绩效表：节电20万千瓦时每年。"))
	e.process()
	reqs := []map[string]any{
		{"text": "建立审核重点的物料平衡", "steps": []int{13}, "phrases": []string{"物料平衡"}, "veto": true},
		{"text": "填报清洁生产绩效表", "steps": []int{31}, "phrases": []string{"绩效表"}, "veto": true},
	}
	b, _ := json.Marshal(map[string]any{"requirements": reqs})
	if status, body, _ := e.do("PUT", "/api/v1/guidelines/"+g.ID+"/requirements", lw.libPublisher, bytes.NewReader(b), "application/json"); status != 200 {
		t.Fatalf("requirements: %d %s", status, body)
	}
	if status, body := e.postJSON("/api/v1/guidelines/"+g.ID+"/publish", lw.libPublisher, nil, nil); status != 200 {
		t.Fatalf("publish: %d %s", status, body)
	}
	interim := e.uploadText(lw.consultant, [][2]string{{"kind", "report"}, {"audit_id", lw.auditID}, {"step", "22"}}, "中期审核报告.txt",
		[]byte("石家庄化工有限公司中期审核报告。第三章：审核重点的物料平衡闭合偏差为百分之二。第六章：方案实施后将编制清洁生产绩效表。"))
	e.uploadText(lw.consultant, [][2]string{{"kind", "evidence"}, {"audit_id", lw.auditID}, {"step", "12"}}, "实测记录.txt",
		[]byte("实测记录：绩效表所需数据的采样。"))
	e.process()

	coverage := func() map[int][2]int { // number -> {addressed, searched}
		t.Helper()
		var ar struct {
			MissingVeto int `json:"missing_veto"`
			Guidelines  []struct {
				Requirements []struct {
					Number    int
					Addressed bool
					Searched  int
					Passages  []struct {
						DocumentID string `json:"document_id"`
					}
				}
			}
		}
		if status := e.getJSON("/api/v1/audits/"+lw.auditID+"/requirements", lw.regulator, &ar); status != 200 || len(ar.Guidelines) != 1 {
			t.Fatalf("coverage: %d %+v", status, ar)
		}
		out := map[int][2]int{}
		for _, r := range ar.Guidelines[0].Requirements {
			a := 0
			if r.Addressed {
				a = 1
			}
			out[r.Number] = [2]int{a, r.Searched}
		}
		return out
	}
	// 13: the interim report covers it (22 >= 13); the step-12 evidence
	// does not. 31: no document covers it yet.
	if got := coverage(); got[1] != [2]int{1, 1} || got[2] != [2]int{0, 0} {
		t.Errorf("coverage with the interim report: %v, want 1:{1 1} 2:{0 0}", got)
	}
	// Publishing queued the other audit's evidence again: its flag names
	// the balance, the table addressing the rest, and sits on the table.
	fl2 := e.flags(lw.regulator, "?kind=missing_requirement&audit_id="+audit2)
	if len(fl2.Flags) != 1 || !strings.Contains(string(fl2.Flags[0].Detail), "物料平衡") || strings.Contains(string(fl2.Flags[0].Detail), "绩效表") ||
		len(fl2.Flags[0].DocumentIDs) != 1 || fl2.Flags[0].DocumentIDs[0] != table2 {
		t.Errorf("the audit without a report: %+v", fl2)
	}
	fl := e.flags(lw.regulator, "?kind=missing_requirement&audit_id="+lw.auditID)
	if len(fl.Flags) != 1 || !strings.Contains(string(fl.Flags[0].Detail), "填报清洁生产绩效表") ||
		strings.Contains(string(fl.Flags[0].Detail), "物料平衡") || len(fl.Flags[0].DocumentIDs) != 1 || fl.Flags[0].DocumentIDs[0] != interim {
		t.Fatalf("missing_requirement flags: %+v", fl)
	}
	reg := e.browser()
	reg.mustLogin("hebei", "chen@hebei.gov.cn")
	page := reg.page("/audits/" + lw.auditID)
	for _, want := range []string{`id="requirements-scope"`, "中期审核报告涵盖第1–22步", `<span class="muted searched">查找的文件 0</span>`,
		`<span class="muted searched">查找的文件 1</span>`} {
		if !strings.Contains(page, want) {
			t.Errorf("audit page lacks %q", want)
		}
	}

	// The performance table, uploaded as the evidence of step 31,
	// addresses it; the flag goes.
	e.uploadText(lw.consultant, [][2]string{{"kind", "evidence"}, {"audit_id", lw.auditID}, {"step", "31"}}, "绩效表.txt",
		[]byte("清洁生产绩效表：COD削减12吨每年，节水3万吨每年。"))
	e.process()
	if got := coverage(); got[1] != [2]int{1, 1} || got[2] != [2]int{1, 1} {
		t.Errorf("coverage with the step-31 evidence: %v, want 1:{1 1} 2:{1 1}", got)
	}
	if fl := e.flags(lw.regulator, "?kind=missing_requirement&audit_id="+lw.auditID); len(fl.Flags) != 0 {
		t.Errorf("flag after the performance table: %+v", fl)
	}
	// The final report (step 35) covers every step.
	e.uploadText(lw.consultant, [][2]string{{"kind", "report"}, {"audit_id", lw.auditID}, {"step", "35"}}, "审核报告.txt",
		[]byte("石家庄化工有限公司清洁生产审核报告：物料平衡与绩效表见附件。"))
	e.process()
	if got := coverage(); got[1] != [2]int{1, 2} || got[2] != [2]int{1, 2} {
		t.Errorf("coverage with the final report: %v, want 1:{1 2} 2:{1 2}", got)
	}
}

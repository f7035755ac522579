package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cpaudit/cpaudit"
)

// TestRequirementPages: the library's publisher types a draft's
// requirements in the page's text area (a step out of 1..35 is shown as
// the reason, 422), publishes; the audit page of the C2710 enterprise
// shows which its report addresses, with a link to the passage in the
// text, and the missing veto item, whose flag page names it.
func TestRequirementPages(t *testing.T) {
	lw := newLibraryWorld(t)
	e := lw.e
	guide := e.uploadText(lw.libPublisher, [][2]string{{"kind", "guideline"}, {"title", "化工行业审核指南"}}, "化工.txt", []byte("化工行业审核指南正文"))
	var g guidelineJSON
	if status, body := e.postJSON("/api/v1/guidelines", lw.libPublisher, map[string]any{"document_id": guide, "issuing_body": "河北省生态环境厅",
		"effective_date": "2026-01-01", "industries": []string{"C27"}}, &g); status != 201 {
		t.Fatalf("guideline: %d %s", status, body)
	}
	pub := e.browser()
	pub.mustLogin("guides", "pub@guides.cn")
	path := "/guidelines/" + g.ID
	if p := pub.page(path); !strings.Contains(p, `id="requirements-form"`) || !strings.Contains(p, "尚未设置底线要求") {
		t.Fatalf("draft page: %.2000s", p)
	}
	bad := "开展能源审计 | 8,36 | 能源审计\n"
	r := pub.postForm(path+"/requirements", url.Values{"csrf": {pub.formToken(path)}, "requirements": {bad}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "底线要求适用的步骤必须在 1 到 35 之间") || !strings.Contains(r.body, "8,36") {
		t.Fatalf("step 36: %d %.2000s", r.status, r.body)
	}
	good := "开展能源审计 | 8,9 | 能源审计报告；能源审计\n厂区实行雨污分流 ｜ 15 ｜ 雨污分流 ｜ 否决\n"
	if r := pub.postForm(path+"/requirements", url.Values{"csrf": {pub.formToken(path)}, "requirements": {good}}); r.status != http.StatusSeeOther {
		t.Fatalf("requirements: %d %.2000s", r.status, r.body)
	}
	if p := pub.page(path); !strings.Contains(p, "厂区实行雨污分流") || !strings.Contains(p, "能源审计报告；能源审计") {
		t.Errorf("requirements not shown: %.2000s", p)
	}
	pub.postForm(path+"/publish", url.Values{"csrf": {pub.formToken(path)}})
	report := e.uploadText(lw.consultant, [][2]string{{"kind", "report"}, {"audit_id", lw.auditID}}, "审核报告.txt",
		[]byte("石家庄化工有限公司于2025年完成能源审计，单位产品综合能耗下降百分之五。"))
	e.process()

	reg := e.browser()
	reg.mustLogin("hebei", "chen@hebei.gov.cn")
	page := reg.page("/audits/" + lw.auditID)
	link := html.EscapeString("/documents/" + report + "/text?q=" + url.QueryEscape("能源审计"))
	for _, want := range []string{`id="requirements"`, "化工行业审核指南", "已落实", "未见落实", `id="missing-veto"`, "完成能源审计"} {
		if !strings.Contains(page, want) {
			t.Errorf("audit page lacks %q", want)
		}
	}
	if !strings.Contains(page, "/documents/"+report+"/text?q=") {
		t.Errorf("audit page has no link to the passage (%s): %.3000s", link, page[strings.Index(page, `id="requirements"`):])
	}
	fl := e.flags(lw.regulator, "?kind=missing_requirement")
	if len(fl.Flags) != 1 {
		t.Fatalf("flags: %+v", fl)
	}
	if p := reg.page("/flags/" + fl.Flags[0].ID); !strings.Contains(p, "缺失指南底线要求") || !strings.Contains(p, "厂区实行雨污分流") {
		t.Errorf("flag page: %.2000s", p)
	}
	if p := reg.page("/flags?kind=missing_requirement"); !strings.Contains(p, fl.Flags[0].ID) {
		t.Errorf("flags page filtered by the new kind: %.2000s", p)
	}

	// The review checklist of the audit names the missing veto item, and
	// an expert may tick it.
	tn, err := e.store.TenantBySlug(context.Background(), "hebei")
	if err != nil {
		t.Fatal(err)
	}
	expert := e.user(cpaudit.SystemActor(tn.ID), "expert@hebei-pool.cn", cpaudit.RoleExpert, "")
	var campaign struct{ ID string }
	if status, body := e.postJSON("/api/v1/campaigns", lw.admin, map[string]any{"name": "河北抽查", "stage": "assessment", "size": 1}, &campaign); status != 201 {
		t.Fatalf("campaign: %d %s", status, body)
	}
	var drawn struct{ Assignments []struct{ ID string } }
	if status, body := e.postJSON("/api/v1/campaigns/"+campaign.ID+"/assignments", lw.admin, map[string]any{"per_audit": 1}, &drawn); status != 201 {
		t.Fatalf("assignments: %d %s", status, body)
	}
	var as struct {
		Checklist struct {
			Vetoes              []struct{ Item, Name string }
			MissingRequirements []struct{ Text string } `json:"missing_requirements"`
		}
	}
	if status := e.getJSON("/api/v1/assignments/"+drawn.Assignments[0].ID, expert, &as); status != 200 || len(as.Checklist.MissingRequirements) != 1 ||
		as.Checklist.Vetoes[len(as.Checklist.Vetoes)-1].Item != "missing_requirement" || !strings.Contains(as.Checklist.Vetoes[len(as.Checklist.Vetoes)-1].Name, "厂区实行雨污分流") {
		t.Fatalf("checklist: %d %+v", status, as)
	}
	exb := e.browser()
	exb.mustLogin("hebei", "expert@hebei-pool.cn")
	if p := exb.page("/assignments/" + drawn.Assignments[0].ID); !strings.Contains(p, `value="missing_requirement"`) || !strings.Contains(p, `id="missing-requirements"`) {
		t.Errorf("assignment page: %.3000s", p)
	}
	review := map[string]any{"items": []map[string]any{{"item": "data_truthfulness", "points": 20}, {"item": "process_conformity", "points": 20},
		{"item": "option_soundness", "points": 20}, {"item": "targets_met", "points": 15}}, "vetoes": []string{"missing_requirement"}, "comment": "报告未落实雨污分流。"}
	if status, body := e.postJSON("/api/v1/assignments/"+drawn.Assignments[0].ID+"/review", expert, review, nil); status != 201 && status != 200 {
		t.Errorf("review with the missing requirement ticked: %d %s", status, body)
	}

	// A new version without the veto item supersedes the first: once
	// published, the audit's report is analysed again and the flag goes.
	guide2 := e.uploadText(lw.libPublisher, [][2]string{{"kind", "guideline"}, {"title", "化工行业审核指南（修订）"}}, "化工2.txt", []byte("化工行业审核指南修订正文"))
	var g2 guidelineJSON
	if status, body := e.postJSON("/api/v1/guidelines", lw.libPublisher, map[string]any{"document_id": guide2, "issuing_body": "河北省生态环境厅",
		"effective_date": "2026-07-01", "industries": []string{"C27"}, "supersedes": g.ID}, &g2); status != 201 {
		t.Fatalf("v2: %d %s", status, body)
	}
	b, _ := json.Marshal(map[string]any{"requirements": []map[string]any{{"text": "开展能源审计", "steps": []int{8}, "phrases": []string{"能源审计"}}}})
	if status, body, _ := e.do("PUT", "/api/v1/guidelines/"+g2.ID+"/requirements", lw.libPublisher, bytes.NewReader(b), "application/json"); status != 200 {
		t.Fatalf("v2 requirements: %d %s", status, body)
	}
	if status, body := e.postJSON("/api/v1/guidelines/"+g2.ID+"/publish", lw.libPublisher, nil, nil); status != 200 {
		t.Fatalf("publish v2: %d %s", status, body)
	}
	e.process()
	if fl := e.flags(lw.regulator, "?kind=missing_requirement"); len(fl.Flags) != 0 {
		t.Errorf("flag after the veto item was dropped: %+v", fl)
	}
}

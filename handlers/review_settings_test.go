package handlers_test

import (
	"archive/zip"
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/letter"
)

type checklistsJSON struct {
	Checklists []struct {
		Stage    string
		PassMark float64 `json:"pass_mark"`
		Custom   bool
		Items    []struct {
			Item string
			Max  float64
		}
	}
}

// TestTenantChecklist: a tenant sets its own assessment checklist (items,
// points, veto items, pass mark); only admins and regulators may, and
// only a checklist whose points sum to 100; a campaign drawn afterwards
// is scored on it, one drawn before keeps the default; scores outside an
// item's range are 422 and a second submission 409.
func TestTenantChecklist(t *testing.T) {
	rw := newReviewWorld(t)
	e := rw.e
	var got checklistsJSON
	if status := e.getJSON("/api/v1/checklists", rw.tokens["备用专家"], &got); status != 200 || len(got.Checklists) != 4 ||
		got.Checklists[1].Stage != "assessment" || got.Checklists[1].PassMark != 70 || got.Checklists[1].Custom {
		t.Fatalf("default checklists: %d %+v", status, got)
	}
	before := rw.campaign(t, "assessment")

	mine := map[string]any{"stage": "assessment", "pass_mark": 60,
		"items":  []map[string]any{{"item": "report_quality", "name": "报告编制质量", "max": 60}, {"item": "options_done", "name": "方案实施情况", "max": 40}},
		"vetoes": []map[string]any{{"item": "fake_evidence", "name": "佐证材料虚假"}}}
	if status, raw := e.putJSON("/api/v1/checklists", rw.consultant, mine, nil); status != 409 || refusalCode(t, status, raw) != string(cpaudit.CodeChecklistNotAllowed) {
		t.Errorf("consultant sets the checklist: %d %s", status, raw)
	}
	if status, raw := e.putJSON("/api/v1/checklists", rw.tokens["化工专家"], mine, nil); status != 409 {
		t.Errorf("expert sets the checklist: %d %s", status, raw)
	}
	for name, bad := range map[string]map[string]any{
		"points sum to 90": {"stage": "assessment", "pass_mark": 60, "items": []map[string]any{{"item": "a", "name": "甲", "max": 90}}},
		"key twice":        {"stage": "assessment", "pass_mark": 60, "items": []map[string]any{{"item": "a", "name": "甲", "max": 50}, {"item": "a", "name": "乙", "max": 50}}},
		"pass mark 0":      {"stage": "assessment", "pass_mark": 0, "items": []map[string]any{{"item": "a", "name": "甲", "max": 100}}},
		"reserved veto": {"stage": "assessment", "pass_mark": 60, "items": []map[string]any{{"item": "a", "name": "甲", "max": 100}},
			"vetoes": []map[string]any{{"item": cpaudit.VetoMissingRequirement, "name": "乙"}}},
		"no items": {"stage": "assessment", "pass_mark": 60},
	} {
		if status, raw := e.putJSON("/api/v1/checklists", rw.regulator, bad, nil); status != 422 || refusalCode(t, status, raw) != string(cpaudit.CodeChecklistInvalid) {
			t.Errorf("%s: %d %s", name, status, raw)
		}
	}
	if status, raw := e.putJSON("/api/v1/checklists", rw.regulator, map[string]any{"stage": "review", "pass_mark": 60,
		"items": []map[string]any{{"item": "a", "name": "甲", "max": 100}}}, nil); status != 422 {
		t.Errorf("unknown stage: %d %s", status, raw)
	}
	if status, raw := e.putJSON("/api/v1/checklists", rw.regulator, mine, nil); status != 200 {
		t.Fatalf("regulator sets the checklist: %d %s", status, raw)
	}
	if status := e.getJSON("/api/v1/checklists", rw.ent, &got); status != 200 || !got.Checklists[1].Custom ||
		got.Checklists[1].PassMark != 60 || len(got.Checklists[1].Items) != 2 || got.Checklists[2].Custom {
		t.Errorf("after setting: %d %+v", status, got)
	}
	after := rw.campaign(t, "assessment")
	var c struct {
		Checklist struct{ Items []struct{ Item string } }
	}
	if e.getJSON("/api/v1/campaigns/"+before, rw.admin, &c); len(c.Checklist.Items) != 4 {
		t.Errorf("the campaign drawn before changed checklist: %+v", c)
	}
	if e.getJSON("/api/v1/campaigns/"+after, rw.admin, &c); len(c.Checklist.Items) != 2 || c.Checklist.Items[0].Item != "report_quality" {
		t.Errorf("the campaign drawn after: %+v", c)
	}

	var drawn struct{ Assignments []assignmentJSON }
	if status, raw := e.postJSON("/api/v1/campaigns/"+after+"/assignments", rw.admin, map[string]any{"per_audit": 1, "seed": 7}, &drawn); status != 201 {
		t.Fatalf("draw: %d %s", status, raw)
	}
	as := drawn.Assignments[0]
	tok := ""
	for name, id := range rw.ids {
		if id == as.ExpertID {
			tok = rw.tokens[name]
		}
	}
	var full assignmentJSON
	if e.getJSON("/api/v1/assignments/"+as.ID, tok, &full); full.Checklist == nil || len(full.Checklist.Items) != 2 {
		t.Errorf("the expert's checklist: %+v", full.Checklist)
	}
	path := "/api/v1/assignments/" + as.ID + "/review"
	for name, tt := range map[string]struct {
		items []map[string]any
		code  cpaudit.Code
	}{
		"the default's item":  {[]map[string]any{{"item": "data_truthfulness", "points": 20}}, cpaudit.CodeReviewItemUnknown},
		"above the item's 60": {[]map[string]any{{"item": "report_quality", "points": 61}, {"item": "options_done", "points": 20}}, cpaudit.CodeReviewPointsRange},
		"negative":            {[]map[string]any{{"item": "report_quality", "points": -1}, {"item": "options_done", "points": 20}}, cpaudit.CodeReviewPointsRange},
	} {
		if status, raw := e.postJSON(path, tok, map[string]any{"items": tt.items}, nil); status != 422 || refusalCode(t, status, raw) != string(tt.code) {
			t.Errorf("%s: %d %s", name, status, raw)
		}
	}
	ok := map[string]any{"items": []map[string]any{{"item": "report_quality", "points": 45}, {"item": "options_done", "points": 20}}, "vetoes": []string{}}
	if status, raw := e.postJSON(path, tok, ok, nil); status != 201 {
		t.Fatalf("review: %d %s", status, raw)
	}
	if status, raw := e.postJSON(path, tok, ok, nil); status != 409 || refusalCode(t, status, raw) != string(cpaudit.CodeReviewSubmitted) {
		t.Errorf("second submission: %d %s", status, raw)
	}
	// 65 passes the tenant's mark of 60 (it would fail the default 70).
	var reviews struct {
		PassMark float64 `json:"pass_mark"`
		Audits   []struct{ Result string }
	}
	if status := e.getJSON("/api/v1/campaigns/"+after+"/reviews", rw.regulator, &reviews); status != 200 || reviews.PassMark != 60 ||
		len(reviews.Audits) != 1 || reviews.Audits[0].Result != "pass" {
		t.Errorf("reviews: %d %+v", status, reviews)
	}
}

// rewriteDocx answers docx with word/document.xml passed through edit.
func rewriteDocx(t *testing.T, docx []byte, edit func(string) string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(docx), int64(len(docx)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if f.Name == "word/document.xml" {
			b = []byte(edit(string(b)))
		}
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// documentXML is the text of a .docx's word/document.xml.
func documentXML(t *testing.T, docx []byte) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(docx), int64(len(docx)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == "word/document.xml" {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			return string(b)
		}
	}
	t.Fatal("no word/document.xml")
	return ""
}

// TestOpinionTemplate: the tenant's opinion template is read by every
// user, replaced by admins and regulators only, checked for its
// placeholders, and the next opinion is filled from it.
func TestOpinionTemplate(t *testing.T) {
	rw := newReviewWorld(t)
	e := rw.e
	status, def, _ := e.do("GET", "/api/v1/opinion-template", rw.ent, nil, "")
	if status != 200 || !strings.Contains(documentXML(t, def), "{{审查结论}}") {
		t.Fatalf("default template: %d", status)
	}
	mine := rewriteDocx(t, def, func(s string) string {
		return strings.Replace(s, "一、专家评分", "一、河北省生态环境厅组织专家评分", 1)
	})
	put := func(token string, docx []byte) (int, []byte) {
		status, raw, _ := e.do("PUT", "/api/v1/opinion-template?filename="+"意见模板.docx", token, bytes.NewReader(docx), "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
		return status, raw
	}
	if status, raw := put(rw.tokens["化工专家"], mine); status != 409 || refusalCode(t, status, raw) != string(cpaudit.CodeOpinionTemplateNotAllowed) {
		t.Errorf("expert: %d %s", status, raw)
	}
	if status, _ := put(rw.consultant, mine); status != 409 {
		t.Errorf("consultant: %d", status)
	}
	letterTmpl, err := letter.Default()
	if err != nil {
		t.Fatal(err)
	}
	if status, raw := put(rw.regulator, letterTmpl); status != 422 {
		t.Errorf("the letter's template as an opinion's: %d %s", status, raw)
	}
	noResult := rewriteDocx(t, def, func(s string) string { return strings.ReplaceAll(s, "{{审查结论}}", "") })
	if status, raw := put(rw.regulator, noResult); status != 422 || refusalCode(t, status, raw) != string(cpaudit.CodeTemplateMissingPlaceholders) {
		t.Errorf("without the result: %d %s", status, raw)
	}
	if status, _ := put(rw.regulator, []byte("不是Word文件")); status != 400 {
		t.Errorf("not a .docx: %d", status)
	}
	if status, raw := put(rw.regulator, mine); status != 204 {
		t.Fatalf("regulator: %d %s", status, raw)
	}
	if status, got, _ := e.do("GET", "/api/v1/opinion-template", rw.tokens["备用专家"], nil, ""); status != 200 || !bytes.Equal(got, mine) {
		t.Errorf("the template read back: %d", status)
	}

	cid, score := reviewedCampaign(t, rw, "assessment")
	score([4]float64{28, 22, 20, 10}, [4]float64{20, 15, 15, 10})
	var op opinionJSON
	if status, raw := e.postJSON("/api/v1/campaigns/"+cid+"/audits/"+rw.auditID+"/opinion", rw.regulator, nil, &op); status != 201 {
		t.Fatalf("opinion: %d %s", status, raw)
	}
	_, docx, _ := e.do("GET", "/api/v1/documents/"+op.Document.ID+"/content", rw.ent, nil, "")
	body := documentXML(t, docx)
	if !strings.Contains(body, "河北省生态环境厅组织专家评分") || !strings.Contains(body, "石家庄化工有限公司") || strings.Contains(body, "{{") {
		t.Errorf("the opinion is not filled from the tenant's template:\n%s", body)
	}
}

// TestWorkspaceGuideline: the review workspace shows, beside the audit's
// texts, the published guideline of its enterprise's industry (C2710,
// covered by a C27 guideline), with its text and the compare page of the
// audit's newest report against it; a draft is not shown.
func TestWorkspaceGuideline(t *testing.T) {
	rw := newReviewWorld(t)
	e := rw.e
	guideDoc := e.uploadText(rw.admin, [][2]string{{"kind", "guideline"}, {"title", "化学原料制造业清洁生产审核指南"}}, "化工指南.txt",
		[]byte("化学原料制造业清洁生产审核指南。底线要求：能源审计；挥发性有机物收集；危险废物规范处置。"))
	draftDoc := e.uploadText(rw.admin, [][2]string{{"kind", "guideline"}, {"title", "化学原料制造业指南征求意见稿"}}, "征求意见稿.txt",
		[]byte("化学原料制造业指南征求意见稿。"))
	report := e.uploadText(rw.consultant, [][2]string{{"kind", "report"}, {"audit_id", rw.auditID}}, "审核报告.txt",
		[]byte("石家庄化工有限公司清洁生产审核报告。能源审计已完成。"))
	var g struct{ ID string }
	for _, doc := range []string{guideDoc, draftDoc} {
		if status, raw := e.postJSON("/api/v1/guidelines", rw.admin, map[string]any{"document_id": doc, "issuing_body": "河北省生态环境厅",
			"effective_date": "2026-01-01", "industries": []string{"C27"}}, &g); status != 201 {
			t.Fatalf("guideline: %d %s", status, raw)
		}
		if doc == guideDoc {
			if status, raw := e.postJSON("/api/v1/guidelines/"+g.ID+"/publish", rw.admin, nil, nil); status != 200 {
				t.Fatalf("publish: %d %s", status, raw)
			}
		}
	}
	cid := rw.campaign(t, "assessment")
	var drawn struct{ Assignments []assignmentJSON }
	if status, raw := e.postJSON("/api/v1/campaigns/"+cid+"/assignments", rw.admin, map[string]any{"per_audit": 1, "seed": 7}, &drawn); status != 201 {
		t.Fatalf("draw: %d %s", status, raw)
	}
	emailOf := map[string]string{}
	for i, name := range []string{"化工专家", "纺织专家", "咨询专家", "回避专家", "备用专家"} {
		emailOf[rw.ids[name]] = string(rune('a'+i)) + "@experts.hebei.cn"
	}
	b := e.browser()
	b.mustLogin("hebei", emailOf[drawn.Assignments[0].ExpertID])
	page := b.page("/assignments/" + drawn.Assignments[0].ID)
	for _, want := range []string{`id="assignment-guidelines"`, "化学原料制造业清洁生产审核指南", `href="/documents/` + guideDoc + `/text"`,
		`href="/compare?a=` + report + `&amp;b=` + guideDoc + `"`, "报告与指南对比"} {
		if !strings.Contains(page, want) {
			t.Errorf("the workspace lacks %q", want)
		}
	}
	if strings.Contains(page, "征求意见稿") {
		t.Errorf("the workspace shows a draft guideline")
	}
}

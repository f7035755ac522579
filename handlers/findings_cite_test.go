package handlers_test

import (
	"html"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/cpaudit/cpaudit"
)

// citeWorld is a world whose audit has a report with text and figures
// and a photo, analysed.
type citeWorld struct {
	*world
	report, photo string
	reportText    string
}

const citeReportText = "石家庄化工有限公司清洁生产审核报告。节水量12000吨/年。<script>alert(1)</script>废水回用率达到85%。"

func newCiteWorld(t *testing.T) citeWorld {
	w := newWorld(t)
	e := w.e
	status, doc := e.upload(w.consultant, [][2]string{{"kind", "report"}, {"audit_id", w.auditID}, {"title", "审核报告"}}, "审核报告.txt", []byte(citeReportText))
	if status != 201 {
		t.Fatalf("upload report: %d %v", status, doc)
	}
	report := doc["id"].(string)
	status, doc = e.upload(w.consultant, [][2]string{{"kind", "evidence"}, {"audit_id", w.auditID}, {"title", "设备铭牌照片"}}, "铭牌.jpg", jpegOf(t, scene(7, 320, 240), 90))
	if status != 201 {
		t.Fatalf("upload photo: %d %v", status, doc)
	}
	photo := doc["id"].(string)
	e.process()
	return citeWorld{world: w, report: report, photo: photo, reportText: citeReportText}
}

type citablesJSON struct {
	Documents []struct {
		DocumentID string `json:"document_id"`
		Title      string `json:"title"`
		Figures    []struct {
			ID, Name, Unit string
			Value          float64
		} `json:"figures"`
		Images []struct {
			ID, Entry string
		} `json:"images"`
	} `json:"documents"`
}

type citedFindingJSON struct {
	ID       string `json:"id"`
	Passages []struct {
		DocumentID string `json:"document_id"`
		Start      int    `json:"start"`
		End        int    `json:"end"`
		Text       string `json:"text"`
	} `json:"passages"`
	Figures []struct {
		ID    string  `json:"id"`
		Name  string  `json:"name"`
		Value float64 `json:"value"`
		Unit  string  `json:"unit"`
	} `json:"figures"`
	Images []struct {
		ID         string `json:"id"`
		DocumentID string `json:"document_id"`
	} `json:"images"`
	Step         int    `json:"step"`
	AssignmentID string `json:"assignment_id"`
}

// citables reads what a finding on the world's audit may cite: the id
// of the report's first figure and of the photo's image.
func (cw citeWorld) citables(t *testing.T) (figure, image string) {
	t.Helper()
	var c citablesJSON
	if status := cw.e.getJSON("/api/v1/audits/"+cw.auditID+"/citables", cw.regulator, &c); status != 200 {
		t.Fatalf("citables: %d", status)
	}
	for _, d := range c.Documents {
		if d.DocumentID == cw.report && len(d.Figures) > 0 {
			figure = d.Figures[0].ID
		}
		if d.DocumentID == cw.photo && len(d.Images) > 0 {
			image = d.Images[0].ID
		}
	}
	if figure == "" || image == "" {
		t.Fatalf("citables lack the report's figure or the photo's image: %+v", c)
	}
	return figure, image
}

// TestFindingCitesPassagesFiguresImages: a regulator's finding cites a
// passage by quote and one by range, a figure and an image of its audit;
// they come back with their text and values when read and listed; a
// citation of another audit, another tenant, or of nothing is refused by
// its code without telling anything of what it names.
func TestFindingCitesPassagesFiguresImages(t *testing.T) {
	cw := newCiteWorld(t)
	e := cw.e
	figure, image := cw.citables(t)
	body := map[string]any{"audit_id": cw.auditID, "category": "wrong_calculation", "severity": "minor",
		"description": "节水量与水平衡测试结果不符",
		"passages": []map[string]any{{"document_id": cw.report, "quote": "节水量12000吨/年"},
			{"document_id": cw.report, "start": 0, "end": 9}},
		"figure_ids": []string{figure, figure}, "image_ids": []string{image}, "step": 12}
	var f citedFindingJSON
	if status, raw := e.postJSON("/api/v1/findings", cw.regulator, body, &f); status != 201 {
		t.Fatalf("create: %d %s", status, raw)
	}
	at := strings.Index(citeReportText, "节水量")
	wantStart := len([]rune(citeReportText[:at]))
	check := func(how string, f citedFindingJSON) {
		if len(f.Passages) != 2 || f.Passages[0].Text != "节水量12000吨/年" || f.Passages[0].Start != wantStart ||
			f.Passages[0].End != wantStart+len([]rune("节水量12000吨/年")) || f.Passages[1].Text != "石家庄化工有限公司" {
			t.Errorf("%s: passages %+v", how, f.Passages)
		}
		if len(f.Figures) != 1 || f.Figures[0].ID != figure || f.Figures[0].Unit == "" {
			t.Errorf("%s: figures %+v", how, f.Figures)
		}
		if len(f.Images) != 1 || f.Images[0].ID != image || f.Images[0].DocumentID != cw.photo {
			t.Errorf("%s: images %+v", how, f.Images)
		}
		if f.Step != 12 {
			t.Errorf("%s: step %d", how, f.Step)
		}
	}
	check("created", f)
	var read citedFindingJSON
	if status := e.getJSON("/api/v1/findings/"+f.ID, cw.consultant, &read); status != 200 {
		t.Fatalf("read: %d", status)
	}
	check("read by the consultant", read)
	var list struct{ Findings []citedFindingJSON }
	if status := e.getJSON("/api/v1/findings?audit_id="+cw.auditID, cw.regulator, &list); status != 200 || len(list.Findings) != 1 {
		t.Fatalf("list: %d %+v", status, list)
	}
	check("listed", list.Findings[0])

	// The contract's finding, with none of the new fields, answers empty lists.
	var plain map[string]any
	if status, raw := e.postJSON("/api/v1/findings", cw.regulator, map[string]any{"audit_id": cw.auditID, "category": "other",
		"severity": "minor", "description": "报告格式不规范"}, &plain); status != 201 {
		t.Fatalf("plain: %d %s", status, raw)
	}
	for _, k := range []string{"passages", "figures", "images"} {
		if v, ok := plain[k].([]any); !ok || len(v) != 0 {
			t.Errorf("a finding citing nothing: %s = %v", k, plain[k])
		}
	}

	// Another audit of the same tenant, with its own document.
	var other struct{ ID string }
	if status, raw := e.postJSON("/api/v1/audits", cw.admin, map[string]string{"enterprise_id": cw.entID, "consultancy_id": cw.consID}, &other); status != 201 {
		t.Fatalf("second audit: %d %s", status, raw)
	}
	status, doc := e.upload(cw.consultant, [][2]string{{"kind", "report"}, {"audit_id", other.ID}}, "另一报告.txt", []byte("另一份审核报告：节水量500吨/年"))
	if status != 201 {
		t.Fatalf("upload: %d", status)
	}
	otherDoc := doc["id"].(string)
	e.process()

	for _, tc := range []struct {
		name   string
		change map[string]any
		code   cpaudit.Code
	}{
		{"quote not in the text", map[string]any{"passages": []map[string]any{{"document_id": cw.report, "quote": "节电量"}}}, cpaudit.CodePassageNotInText},
		{"range past the end", map[string]any{"passages": []map[string]any{{"document_id": cw.report, "start": 5, "end": 5000}}}, cpaudit.CodePassageInvalid},
		{"range past the text", map[string]any{"passages": []map[string]any{{"document_id": cw.report, "start": 100, "end": 120}}}, cpaudit.CodePassageNotInText},
		{"neither range nor quote", map[string]any{"passages": []map[string]any{{"document_id": cw.report}}}, cpaudit.CodePassageInvalid},
		{"passage of another audit", map[string]any{"passages": []map[string]any{{"document_id": otherDoc, "quote": "节水量"}}}, cpaudit.CodeDocumentNotOfAudit},
		{"passage of another tenant", map[string]any{"passages": []map[string]any{{"document_id": cw.otherDocID, "quote": "北京"}}}, cpaudit.CodeDocumentNotOfAudit},
		{"figure of another audit", map[string]any{"figure_ids": []string{otherDoc + ":0"}}, cpaudit.CodeFigureNotOfAudit},
		{"figure past the list", map[string]any{"figure_ids": []string{cw.report + ":999"}}, cpaudit.CodeFigureNotOfAudit},
		{"figure of another tenant", map[string]any{"figure_ids": []string{cw.otherDocID + ":0"}}, cpaudit.CodeFigureNotOfAudit},
		{"figure id of no shape", map[string]any{"figure_ids": []string{"节水量"}}, cpaudit.CodeFigureNotOfAudit},
		{"image of another tenant", map[string]any{"image_ids": []string{cw.otherDocID + ":"}}, cpaudit.CodeImageNotOfAudit},
		{"image that is not one", map[string]any{"image_ids": []string{cw.report + ":"}}, cpaudit.CodeImageNotOfAudit},
		{"too many passages", map[string]any{"passages": manyPassages(cw.report, cpaudit.MaxFindingPassages+1)}, cpaudit.CodeFindingCitationsTooMany},
	} {
		b := map[string]any{"audit_id": cw.auditID, "category": "other", "severity": "minor", "description": "引用测试"}
		for k, v := range tc.change {
			b[k] = v
		}
		status, raw := e.postJSON("/api/v1/findings", cw.regulator, b, nil)
		if status != 422 || e.problemCode(raw) != string(tc.code) {
			t.Errorf("%s: %d %s, want 422 %s", tc.name, status, raw, tc.code)
		}
		if strings.Contains(string(raw), "北京的审核报告") || strings.Contains(string(raw), "另一份审核报告") {
			t.Errorf("%s: the refusal leaks another audit's text: %s", tc.name, raw)
		}
	}
	// Another tenant's admin neither reads the citables nor cites into the audit.
	if status := e.getJSON("/api/v1/audits/"+cw.auditID+"/citables", cw.otherAdmin, nil); status != 404 {
		t.Errorf("another tenant's citables: %d, want 404", status)
	}
	if status, raw := e.postJSON("/api/v1/findings", cw.otherAdmin, map[string]any{"audit_id": cw.auditID, "category": "other",
		"severity": "minor", "description": "越权", "figure_ids": []string{figure}}, nil); status != 404 {
		t.Errorf("another tenant's finding: %d %s, want 404", status, raw)
	}
}

func manyPassages(doc string, n int) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		out[i] = map[string]any{"document_id": doc, "start": i, "end": i + 1}
	}
	return out
}

// TestAuditPageFindingCitations: the text page offers to raise a finding
// on a marked passage; the audit page's form carries it with pickers for
// figures and images (thumbnails), records it, and shows the passage
// escaped with a link back to it; returning a step and the review
// workspace lead to the form with the step or assignment filled in.
func TestAuditPageFindingCitations(t *testing.T) {
	cw := newCiteWorld(t)
	e := cw.e
	figure, image := cw.citables(t)
	reg := e.browser()
	reg.mustLogin("hebei", "chen@hebei.gov.cn")
	cons := e.browser()
	cons.mustLogin("hebei", "zhang@lvyuan.cn")

	start := len([]rune(citeReportText[:strings.Index(citeReportText, "<script>")]))
	end := start + len([]rune("<script>alert(1)</script>"))
	text := reg.page("/documents/" + cw.report + "/text?from=" + strconv.Itoa(start) + "&to=" + strconv.Itoa(end))
	for _, want := range []string{`id="cite-passage-form"`, `action="/audits/` + cw.auditID + `#finding-form"`,
		`<mark id="passage">&lt;script&gt;alert(1)&lt;/script&gt;</mark>`, `value="` + strconv.Itoa(start) + `"`, "就所选段落记录问题", `src="/static/finding_cite.js"`} {
		if !strings.Contains(text, want) {
			t.Errorf("the text page lacks %q", want)
		}
	}
	if strings.Contains(cons.page("/documents/"+cw.report+"/text"), `id="cite-passage-form"`) {
		t.Error("the consultant is offered to raise a finding")
	}

	q := url.Values{"cite_doc": {cw.report}, "cite_from": {strconv.Itoa(start)}, "cite_to": {strconv.Itoa(end)}}
	page := reg.page("/audits/" + cw.auditID + "?" + q.Encode())
	for _, want := range []string{`id="finding-cite-passage"`, `&lt;script&gt;alert(1)&lt;/script&gt;`,
		`name="passage_doc" value="` + cw.report + `"`, `<option value="` + html.EscapeString(figure) + `">审核报告：`,
		`name="image_ids" value="` + html.EscapeString(image) + `"`, `src="/documents/` + cw.photo + `/thumb?entry="`} {
		if !strings.Contains(page, want) {
			t.Errorf("the audit page's form lacks %q", want)
		}
	}
	if strings.Contains(page, "<script>alert(1)") {
		t.Error("the quoted passage is not escaped")
	}
	thumb := reg.get("/documents/" + cw.photo + "/thumb?entry=")
	if thumb.status != 200 || !strings.HasPrefix(thumb.header.Get("Content-Type"), "image/") {
		t.Errorf("thumbnail: %d %s", thumb.status, thumb.header.Get("Content-Type"))
	}
	other := e.browser()
	other.mustLogin("beijing", "admin@beijing.gov.cn")
	if r := other.get("/documents/" + cw.photo + "/thumb?entry="); r.status != 404 {
		t.Errorf("another tenant's thumbnail: %d, want 404", r.status)
	}

	form := url.Values{"csrf": {reg.csrf()}, "category": {"untrue_evidence"}, "severity": {"major"}, "description": {"报告中插入了脚本文本"},
		"passage_doc": {cw.report}, "passage_start": {strconv.Itoa(start)}, "passage_end": {strconv.Itoa(end)},
		"figure_ids": {figure}, "image_ids": {image}, "step": {"0"}}
	r := reg.postForm("/audits/"+cw.auditID+"/findings", form)
	if r.status != 303 {
		t.Fatalf("record: %d %.400s", r.status, r.body)
	}
	page = cons.page("/audits/" + cw.auditID)
	passageLink := `href="/documents/` + cw.report + `/text?from=` + strconv.Itoa(start) + `&amp;to=` + strconv.Itoa(end) + `#passage"`
	for _, want := range []string{`class="finding-passage"`, passageLink, `&lt;script&gt;alert(1)&lt;/script&gt;`, `class="finding-figures"`,
		`class="finding-images"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the consultant's audit page lacks %q", want)
		}
	}
	// A figure of another tenant's document, posted by hand, is refused in Chinese.
	r = reg.postForm("/audits/"+cw.auditID+"/findings", withValues(form, "figure_ids", cw.otherDocID+":0"))
	if r.status != 422 || !strings.Contains(r.body, "所选数据不属于本审核的文档。") {
		t.Errorf("a figure of another tenant: %d %.300s", r.status, r.body)
	}

	// Returning a step with "also record a finding" leads to the form with the step and reason.
	sub := cons.postForm("/audits/"+cw.auditID+"/steps/1/submit", url.Values{"csrf": {cons.csrf()}})
	if sub.status != 303 {
		t.Fatalf("submit step 1: %d %.300s", sub.status, sub.body)
	}
	ret := reg.postForm("/audits/"+cw.auditID+"/steps/1/return", url.Values{"csrf": {reg.csrf()}, "reason": {"审核小组名单缺少<b>签字</b>"}, "raise_finding": {"1"}})
	loc := ret.header.Get("Location")
	if ret.status != 303 || !strings.Contains(loc, "finding_step=1") {
		t.Fatalf("return with a finding: %d %q", ret.status, loc)
	}
	page = reg.page(loc)
	if !strings.Contains(page, `<option value="1" selected>1</option>`) || !strings.Contains(page, "审核小组名单缺少&lt;b&gt;签字&lt;/b&gt;</textarea>") {
		t.Errorf("the form after a return is not filled in: %.2000s", page[strings.Index(page, `id="finding-form"`):])
	}
}

// TestReviewWorkspaceRaisesFinding: from an expert's review workspace a
// link leads to the audit page's finding form with the assignment filled
// in; the finding recorded there says it came from that review.
func TestReviewWorkspaceRaisesFinding(t *testing.T) {
	rw := newReviewWorld(t)
	e := rw.e
	cid := rw.campaign(t, "assessment")
	var drawn struct{ Assignments []assignmentJSON }
	if status, raw := e.postJSON("/api/v1/campaigns/"+cid+"/assignments", rw.admin, map[string]any{"per_audit": 2, "seed": 7}, &drawn); status != 201 {
		t.Fatalf("draw: %d %s", status, raw)
	}
	emailOf := map[string]string{}
	for i, name := range []string{"化工专家", "纺织专家", "咨询专家", "回避专家", "备用专家"} {
		emailOf[rw.ids[name]] = string(rune('a'+i)) + "@experts.hebei.cn"
	}
	as := drawn.Assignments[0]
	expert := e.browser()
	expert.mustLogin("hebei", emailOf[as.ExpertID])
	link := "/audits/" + rw.auditID + "?finding_assignment=" + as.ID + "#finding-form"
	if page := expert.page("/assignments/" + as.ID); !strings.Contains(page, `href="`+html.EscapeString(link)+`"`) || !strings.Contains(page, "就本次评审记录问题") {
		t.Fatalf("the workspace lacks the link to raise a finding")
	}
	page := expert.page(link)
	if !strings.Contains(page, `name="assignment_id" value="`+as.ID+`"`) || !strings.Contains(page, "来自专家评审") {
		t.Fatalf("the form lacks the assignment")
	}
	r := expert.postForm("/audits/"+rw.auditID+"/findings", url.Values{"csrf": {expert.csrf()}, "category": {"missing_content"},
		"severity": {"minor"}, "description": {"缺少物料平衡分析"}, "assignment_id": {as.ID}, "step": {"0"}})
	if r.status != 303 {
		t.Fatalf("record: %d %.400s", r.status, r.body)
	}
	var list struct{ Findings []citedFindingJSON }
	if status := e.getJSON("/api/v1/findings?audit_id="+rw.auditID, rw.admin, &list); status != 200 || len(list.Findings) != 1 || list.Findings[0].AssignmentID != as.ID {
		t.Errorf("the finding from the review: %d %+v", status, list.Findings)
	}
}

package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/cpaudit/cpaudit"
)

// TestTemplateTextFlag: a consultancy's template paragraph in the reports
// of three of its clients is template_text between them (naming the
// consultancy), not duplicate_text; the same paragraph in the report of
// an enterprise the firm does not serve is duplicate_text. Dismissing one
// template flag dismisses the firm's others at once, and leaves the
// copying open. The flag page names the consultancy.
func TestTemplateTextFlag(t *testing.T) {
	w := newWorld(t)
	e := w.e
	ctx := context.Background()
	tmpl := func(company string) string {
		return company + "委托本公司开展清洁生产审核，审核小组依据《清洁生产审核办法》和《清洁生产审核指南》的要求，按照审核准备、预审核、审核、方案的产生和筛选、可行性分析、方案实施和持续清洁生产七个阶段开展工作，编制本报告。"
	}
	reports := []string{e.uploadText(w.consultant, [][2]string{{"kind", "report"}, {"audit_id", w.auditID}}, "a.txt",
		[]byte(prose(1, pools[0], 300)+tmpl("石家庄化工有限公司")+prose(2, pools[0], 200)))}
	for i, name := range []string{"唐山焦化有限公司", "保定纸业有限公司"} {
		ent := e.org(w.sys, cpaudit.OrgEnterprise, name, fmt.Sprintf("911301000000%05d", 20+i))
		au, err := e.store.CreateAudit(ctx, w.sys, ent.ID, w.consID)
		if err != nil {
			t.Fatal(err)
		}
		reports = append(reports, e.uploadText(w.consultant, [][2]string{{"kind", "report"}, {"audit_id", au.ID}}, fmt.Sprintf("r%d.txt", i),
			[]byte(prose(uint64(3+i), pools[1+i], 300)+tmpl(name)+prose(uint64(5+i), pools[1+i], 200))))
	}
	other, otherAudit := w.enterpriseOf(9, "邯郸钢铁有限公司")
	copy := e.uploadText(other, [][2]string{{"kind", "report"}, {"audit_id", otherAudit}}, "c.txt",
		[]byte(prose(8, pools[4], 300)+tmpl("邯郸钢铁有限公司")+prose(9, pools[4], 200)))
	e.process()

	tf := e.flags(w.regulator, "?kind=template_text")
	want := [][2]string{sortedPair(reports[0], reports[1]), sortedPair(reports[0], reports[2]), sortedPair(reports[1], reports[2])}
	if got := tf.pairs(); !samePairs(got, want) {
		t.Fatalf("template_text pairs %v, want %v", got, want)
	}
	for _, f := range tf.Flags {
		var d struct {
			ConsultancyID string            `json:"consultancy_id"`
			Passages      []cpaudit.Passage `json:"passages"`
		}
		if err := json.Unmarshal(f.Detail, &d); err != nil || d.ConsultancyID != w.consID || len(d.Passages) != 1 ||
			!strings.Contains(d.Passages[0].Text, "七个阶段开展工作") {
			t.Errorf("template flag detail %s", f.Detail)
		}
	}
	df := e.flags(w.regulator, "?kind=duplicate_text")
	want = [][2]string{sortedPair(reports[0], copy), sortedPair(reports[1], copy), sortedPair(reports[2], copy)}
	if got := df.pairs(); !samePairs(got, want) {
		t.Fatalf("duplicate_text pairs %v, want %v", got, want)
	}
	// The consultancy sees its template flags (its own clients' reports).
	if got := e.flags(w.consultant, "?kind=template_text"); len(got.Flags) != 3 {
		t.Errorf("the consultant sees %d template flags, want 3", len(got.Flags))
	}

	// The page shows whose template it is, and the list filters by kind.
	b := e.browser()
	b.mustLogin("hebei", "chen@hebei.gov.cn")
	page := b.page("/flags/" + tf.Flags[0].ID)
	if !strings.Contains(page, `id="flag-template"`) || !strings.Contains(page, "绿源环保咨询") || !strings.Contains(page, "七个阶段开展工作") {
		t.Errorf("flag page does not show the template and its consultancy:\n%s", page)
	}
	if list := b.page("/flags?kind=template_text"); !strings.Contains(list, `value="template_text" selected`) {
		t.Errorf("flags list has no template_text filter selected")
	}

	// One dismissal for all the firm's template flags; copying stays open.
	body := `{"decision":"dismiss","reason":"该咨询机构的通用报告模板，不是企业之间抄袭。"}`
	status, resp, _ := e.do("POST", "/api/v1/flags/"+tf.Flags[0].ID+"/review", w.regulator, strings.NewReader(body), "application/json")
	if status != 200 {
		t.Fatalf("dismiss: %d %s", status, resp)
	}
	var list struct {
		Flags []cpaudit.Flag `json:"flags"`
	}
	e.getJSON("/api/v1/flags?kind=template_text", w.regulator, &list)
	for _, f := range list.Flags {
		if f.Status != cpaudit.FlagDismissed || f.Review == nil || !strings.Contains(f.Review.Reason, "通用报告模板") {
			t.Errorf("template flag %s: %s %+v", f.ID, f.Status, f.Review)
		}
	}
	e.getJSON("/api/v1/flags?kind=duplicate_text", w.regulator, &list)
	for _, f := range list.Flags {
		if f.Status != cpaudit.FlagOpen {
			t.Errorf("duplicate_text flag %s: %s, want open", f.ID, f.Status)
		}
	}
}

package handlers_test

import (
	"archive/zip"
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cpaudit/cpaudit/letter"
)

// TestWebReviewSettings: a regulator edits the assessment checklist on the
// review settings page (an item's points, a new item, an emptied row, the
// pass mark); a refused form says why in Chinese beside the form and keeps
// what was typed; a saved one is the tenant's own and a campaign created
// afterwards is scored on it; "restore default" puts the stage back;
// hostile names come back escaped; the letter and opinion templates are
// downloaded, listed with their placeholders, and uploaded, a broken one
// refused in Chinese; a consultant and an expert are refused the page.
func TestWebReviewSettings(t *testing.T) {
	rw := newReviewWorld(t)
	e := rw.e
	reg := e.browser()
	reg.mustLogin("hebei", "chen@hebei.gov.cn")
	cons := e.browser()
	cons.mustLogin("hebei", "zhang@lvyuan.cn")
	expert := e.browser()
	expert.mustLogin("hebei", "a@experts.hebei.cn")

	page := reg.page("/review-settings")
	for _, want := range []string{`id="checklist-form-assessment"`, `id="checklist-origin-assessment">系统默认<`, `value="数据真实性"`,
		`id="item-max-assessment-0" aria-label="分值"`, "{{企业名称}}", "{{审查项目}}", "{{罚则}}", `id="template-form-opinion"`, "合格分"} {
		if !strings.Contains(page, want) {
			t.Errorf("the settings page lacks %q", want)
		}
	}
	admin := e.browser() // ?lang=en stays with the session: another browser
	admin.mustLogin("hebei", "admin@hebei.gov.cn")
	if en := admin.page("/review-settings?lang=en"); !strings.Contains(en, "Review settings") || !strings.Contains(en, `id="checklist-origin-assessment">Built-in default<`) {
		t.Error("the English page is not in English")
	}
	if strings.Contains(page, `id="checklist-reset-assessment"`) {
		t.Error("a default checklist offers to restore the default")
	}
	if !strings.Contains(reg.page("/campaigns"), `href="/review-settings"`) {
		t.Error("the campaigns page does not link the settings")
	}
	for name, b := range map[string]*browser{"consultant": cons, "expert": expert} {
		if r := b.get("/review-settings"); r.status != http.StatusConflict || !strings.Contains(r.body, "只有管理员或监管人员可以修改审查要点") {
			t.Errorf("%s opens the settings: %d %.300s", name, r.status, r.body)
		}
		if r := b.get("/review-settings/letter-template.docx"); r.status != http.StatusConflict {
			t.Errorf("%s downloads the letter template: %d", name, r.status)
		}
	}

	form := func(b *browser, items [][3]string, vetoes [][2]string, pass string) url.Values {
		v := url.Values{"csrf": {b.csrf()}, "stage": {"assessment"}, "pass_mark": {pass}}
		for i, it := range items {
			n := string(rune('0' + i))
			v.Set("item_key."+n, it[0])
			v.Set("item_name."+n, it[1])
			v.Set("item_max."+n, it[2])
		}
		for i, vt := range vetoes {
			n := string(rune('0' + i))
			v.Set("veto_key."+n, vt[0])
			v.Set("veto_name."+n, vt[1])
		}
		return v
	}
	// Points summing to 90: refused beside the form, the typed rows kept.
	bad := form(reg, [][3]string{{"report_quality", "报告编制质量", "50"}, {"options_done", "方案实施情况", "40"}}, nil, "60")
	if r := reg.postForm("/review-settings/checklists", bad); r.status != 422 || !strings.Contains(r.body, `id="checklist-error-assessment"`) ||
		!strings.Contains(r.body, "审查要点设置有误") || !strings.Contains(r.body, `value="报告编制质量"`) || !strings.Contains(r.body, `value="60"`) {
		t.Errorf("points summing to 90: %d %.3000s", r.status, r.body)
	}
	// Points that are not a number: refused the same way.
	bad = form(reg, [][3]string{{"report_quality", "报告编制质量", "六十"}, {"options_done", "方案实施情况", "40"}}, nil, "60")
	if r := reg.postForm("/review-settings/checklists", bad); r.status != 422 || !strings.Contains(r.body, "审查要点设置有误") ||
		!strings.Contains(r.body, `value="六十"`) || strings.Contains(r.body, "not a number") {
		t.Errorf("points not a number: %d %.3000s", r.status, r.body)
	}
	if strings.Contains(reg.page("/review-settings"), "报告编制质量") {
		t.Error("a refused checklist was saved")
	}
	// A consultant posting the form is refused as the API refuses its PUT.
	good := form(cons, [][3]string{{"report_quality", "报告编制质量", "60"}, {"options_done", "方案实施情况", "40"}}, nil, "60")
	if r := cons.postForm("/review-settings/checklists", good); r.status != http.StatusConflict || !strings.Contains(r.body, "只有管理员或监管人员") {
		t.Errorf("a consultant saves: %d", r.status)
	}

	// Saved: two items, an escaped hostile veto name, a pass mark of 60.
	good = form(reg, [][3]string{{"report_quality", "报告编制质量", "60"}, {"", "", ""}, {"options_done", "方案实施情况", "40"}},
		[][2]string{{"fake_evidence", `<script>alert("x")</script>佐证虚假`}}, "60")
	if r := reg.postForm("/review-settings/checklists", good); r.status != http.StatusSeeOther || !strings.Contains(r.header.Get("Location"), "saved=assessment") {
		t.Fatalf("save: %d %.2000s", r.status, r.body)
	}
	page = reg.page("/review-settings?saved=assessment")
	for _, want := range []string{`id="checklist-origin-assessment">本单位自定义<`, `value="报告编制质量"`, `id="checklist-reset-assessment"`,
		`name="pass_mark" value="60"`, "&lt;script&gt;", `id="checklist-origin-acceptance">系统默认<`, "已保存"} {
		if !strings.Contains(strings.ReplaceAll(page, `value="60" size="6" inputmode="decimal" id="pass-mark-assessment"`, `name="pass_mark" value="60"`), want) {
			t.Errorf("after saving the page lacks %q", want)
		}
	}
	if strings.Contains(page, `<script>alert`) {
		t.Error("a hostile veto name is not escaped")
	}
	var got checklistsJSON
	if e.getJSON("/api/v1/checklists", rw.admin, &got); !got.Checklists[1].Custom || got.Checklists[1].PassMark != 60 || len(got.Checklists[1].Items) != 2 {
		t.Errorf("the API after the page saved: %+v", got)
	}
	after := rw.campaign(t, "assessment")
	var c struct {
		Checklist struct{ Items []struct{ Item string } }
	}
	if e.getJSON("/api/v1/campaigns/"+after, rw.admin, &c); len(c.Checklist.Items) != 2 || c.Checklist.Items[0].Item != "report_quality" {
		t.Errorf("a campaign drawn after the page saved: %+v", c)
	}

	// Restore the default.
	if r := reg.postForm("/review-settings/checklists/default", url.Values{"csrf": {reg.csrf()}, "stage": {"assessment"}}); r.status != http.StatusSeeOther {
		t.Fatalf("restore: %d %.500s", r.status, r.body)
	}
	if !strings.Contains(reg.page("/review-settings"), `id="checklist-origin-assessment">系统默认<`) {
		t.Error("the restored stage is not shown as the default")
	}
	if e.getJSON("/api/v1/checklists", rw.admin, &got); got.Checklists[1].Custom {
		t.Errorf("the API after restoring: %+v", got.Checklists[1])
	}
	if r := cons.postForm("/review-settings/checklists/default", url.Values{"csrf": {cons.csrf()}, "stage": {"assessment"}}); r.status != http.StatusConflict {
		t.Errorf("a consultant restores: %d", r.status)
	}

	// Templates: download, a broken upload refused in Chinese, a good one kept.
	for _, kind := range []string{"letter", "opinion"} {
		r := reg.get("/review-settings/" + kind + "-template.docx")
		if r.status != 200 || !strings.Contains(r.header.Get("Content-Disposition"), ".docx") {
			t.Fatalf("%s download: %d %v", kind, r.status, r.header)
		}
		if _, err := zip.NewReader(bytes.NewReader([]byte(r.body)), int64(len(r.body))); err != nil {
			t.Errorf("%s download is not a .docx: %v", kind, err)
		}
		up := reg.postUpload("/review-settings/"+kind+"-template", "", [][2]string{{"csrf", reg.csrf()}}, "模板.docx", []byte("不是Word文档"))
		if up.status != 400 || !strings.Contains(up.body, `id="template-error-`+kind+`"`) || !strings.Contains(up.body, "模板不是") {
			t.Errorf("%s broken upload: %d %.2000s", kind, up.status, up.body)
		}
		if up := cons.postUpload("/review-settings/"+kind+"-template", "", [][2]string{{"csrf", cons.csrf()}}, "模板.docx", []byte(r.body)); up.status != http.StatusConflict {
			t.Errorf("%s upload by a consultant: %d", kind, up.status)
		}
		if up := reg.postUpload("/review-settings/"+kind+"-template", "", nil, "模板.docx", []byte(r.body)); up.status == http.StatusSeeOther {
			t.Errorf("%s upload without a CSRF token saved", kind)
		}
	}
	// The letter template lacks a required placeholder: named in Chinese.
	opinion, err := letter.DefaultOpinion()
	if err != nil {
		t.Fatal(err)
	}
	if up := reg.postUpload("/review-settings/letter-template", "", [][2]string{{"csrf", reg.csrf()}}, "模板.docx", opinion); up.status != 422 ||
		!strings.Contains(up.body, "模板") || !strings.Contains(up.body, `id="template-error-letter"`) {
		t.Errorf("an opinion template as the letter: %d %.2000s", up.status, up.body)
	}
	if up := reg.postUpload("/review-settings/opinion-template", "", [][2]string{{"csrf", reg.csrf()}}, "模板.docx", opinion); up.status != http.StatusSeeOther {
		t.Errorf("opinion upload: %d %.2000s", up.status, up.body)
	}
	if st, _, _ := e.do("GET", "/api/v1/opinion-template", rw.admin, nil, ""); st != 200 {
		t.Errorf("opinion template after upload: %d", st)
	}
}

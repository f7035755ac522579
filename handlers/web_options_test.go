package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAuditPageOptions: on the audit page the consultant adds an option
// and edits it in place (figures in 万元, a date, evidence), sees its
// economics; a refusal is a Chinese sentence; a regulator sees the table
// without forms; an option table with bad rows imports nothing and names
// each row, a good one imports every row.
func TestAuditPageOptions(t *testing.T) {
	w := newWorld(t)
	e := w.e
	status, doc := e.upload(w.consultant, [][2]string{{"kind", "evidence"}, {"audit_id", w.auditID}, {"title", "变频器采购发票"}}, "发票.txt", []byte("变频器采购发票"))
	if status != 201 {
		t.Fatalf("upload: %d", status)
	}
	docID := doc["id"].(string)
	auditPath := "/audits/" + w.auditID
	cons := e.browser()
	cons.mustLogin("hebei", "zhang@lvyuan.cn")
	reg := e.browser()
	reg.mustLogin("hebei", "chen@hebei.gov.cn")

	page := cons.page(auditPath)
	for _, want := range []string{`id="options"`, `id="options-none"`, `id="option-form-new"`, `name="fig.investment"`,
		`name="unit.investment" value="万元"`, "投资（万元）", `id="options-import-form"`, `href="/options/import-template.xlsx"`,
		"电力 0.1229 kgce/kWh", "原煤 0.7143 kgce/kg", "折现率 8%"} {
		if !strings.Contains(page, want) {
			t.Errorf("the consultant's audit page lacks %q", want)
		}
	}
	// Add: 10 万元 for 3 万元 a year and 12 万kWh: payback 3.33 years,
	// 120 000 kWh × 0.1229 kgce = 14.748 tce.
	form := url.Values{"csrf": {cons.csrf()}, "code": {"F1"}, "name": {"电机变频改造"}, "category": {"low_cost"}, "status": {"implemented"},
		"fig.investment": {"10"}, "unit.investment": {"万元"}, "fig.benefit": {"3"}, "unit.benefit": {"万元"},
		"fig.electricity": {"120000"}, "unit.electricity": {"kWh"}, "date.implemented": {"2026-05-20"}, "document_ids": {docID}}
	r := cons.postForm(auditPath+"/options", form)
	if r.status != http.StatusSeeOther || !strings.HasSuffix(r.header.Get("Location"), "#options") {
		t.Fatalf("add: %d %.300s", r.status, r.body)
	}
	page = cons.page(auditPath)
	for _, want := range []string{`id="option-F1"`, `id="option-investment-F1">10<`, `id="option-tce-F1">14.748<`, `id="option-payback-F1">3.33<`,
		"已实施", "2026-05-20", `<a href="/documents/` + docID + `">`, `id="option-form-` /* its row's form */} {
		if !strings.Contains(page, want) {
			t.Errorf("after adding, the page lacks %q", want)
		}
	}
	// Edit in place: verified, a cash flow of its own.
	form.Set("status", "verified")
	form.Set("date.verified", "2026-11-01")
	form.Set("cash_flows", "50000, 50000")
	if r := cons.postForm(auditPath+"/options", form); r.status != http.StatusSeeOther {
		t.Fatalf("edit: %d %.300s", r.status, r.body)
	}
	if page = cons.page(auditPath); !strings.Contains(page, "已验证") || !strings.Contains(page, `id="option-payback-F1">2.00<`) ||
		!strings.Contains(page, `value="50000, 50000"`) {
		t.Errorf("after editing: %.2000s", page[strings.Index(page, `id="options"`):])
	}
	// Refusals, in Chinese.
	for _, tc := range []struct {
		name   string
		change url.Values
		status int
		want   string
	}{
		{"negative investment", url.Values{"fig.investment": {"-5"}}, 422, "投资额不能为负数"},
		{"money in tonnes", url.Values{"unit.investment": {"t"}}, 422, "不能以“t”为单位"},
		{"date out of order", url.Values{"date.verified": {"2026-01-01"}}, 422, "方案状态日期有误"},
	} {
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		for k, v := range tc.change {
			f[k] = v
		}
		r := cons.postForm(auditPath+"/options", f)
		if r.status != tc.status || !strings.Contains(r.body, tc.want) || !strings.Contains(r.body, "方案未保存") {
			t.Errorf("%s: %d, want %d and %q", tc.name, r.status, tc.status, tc.want)
		}
	}
	// A regulator reads the table, without forms; its post is refused.
	page = reg.page(auditPath)
	if !strings.Contains(page, `id="option-F1"`) || strings.Contains(page, `id="option-form-`) || strings.Contains(page, `id="options-import-form"`) {
		t.Errorf("the regulator's option table")
	}
	if r := reg.postForm(auditPath+"/options", withValues(form, "csrf", reg.csrf())); r.status != http.StatusConflict ||
		!strings.Contains(r.body, "只有本审核的咨询机构或企业可以填写清洁生产方案") {
		t.Errorf("the regulator posts: %d", r.status)
	}

	// The template downloads; an import with bad rows saves nothing.
	if r := cons.get("/options/import-template.xlsx"); r.status != 200 || r.header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Errorf("template: %d", r.status)
	}
	postImport := func(b *browser, csrf string, content []byte) response {
		t.Helper()
		body, ct := multipartBody(t, [][2]string{{"csrf", csrf}}, "方案汇总表.xlsx", content)
		req, _ := http.NewRequest("POST", e.srv.URL+auditPath+"/options/import", body)
		req.Header.Set("Content-Type", ct)
		return b.do(req)
	}
	head := []any{"方案编号", "方案名称", "方案类别", "实施状态", "投资（万元）", "削减COD（t）"}
	bad := importSheet(t, [][]any{head,
		{"F2", "中水回用", "中/高费", "已实施", 45, 3},
		{"F3", "雨污分流", "中/高费", "已实施", -2, 1},
		{"F2", "重复", "无/低费", "备选", 1, 0},
	})
	r = postImport(cons, cons.csrf(), bad)
	if r.status != 422 || !strings.Contains(r.body, "未导入任何方案") || !strings.Contains(r.body, "第 3 行（投资（万元））投资额不能为负数") ||
		!strings.Contains(r.body, "第 4 行（方案编号）方案编号 F2 与第 2 行重复") {
		t.Errorf("bad rows: %d %.3000s", r.status, r.body)
	}
	if strings.Contains(cons.page(auditPath), `id="option-F2"`) {
		t.Error("a refused table saved a row")
	}
	if r := postImport(cons, cons.csrf(), []byte("不是表格")); r.status != 400 || !strings.Contains(r.body, `id="audit-error"`) {
		t.Errorf("not a workbook: %d", r.status)
	}
	if r := postImport(cons, "wrong", bad); r.status != 400 {
		t.Errorf("import with a wrong token: %d", r.status)
	}
	if r := postImport(reg, reg.csrf(), bad); r.status != http.StatusConflict {
		t.Errorf("the regulator imports: %d", r.status)
	}
	good := importSheet(t, [][]any{head, {"F2", "中水回用", "中/高费", "已实施", 45, 3}, {"F3", "雨污分流", "中/高费", "可行", 2, 1}})
	r = postImport(cons, cons.csrf(), good)
	if r.status != http.StatusSeeOther {
		t.Fatalf("good import: %d %.500s", r.status, r.body)
	}
	page = cons.page(r.header.Get("Location"))
	if !strings.Contains(page, "已导入 2 个方案") || !strings.Contains(page, `id="option-investment-F2">45<`) || !strings.Contains(page, `id="option-F3"`) {
		t.Errorf("after the import: %.300s", page)
	}
	// The English page.
	page = cons.page(auditPath + "?lang=en")
	for _, want := range []string{"Cleaner production options", "Investment (10k 元)", "electricity 0.1229 kgce/kWh", "Implemented", "Download the template"} {
		if !strings.Contains(page, want) {
			t.Errorf("the English page lacks %q", want)
		}
	}
}

// TestAuditPageOptionConfirm: a figure that looks like a unit mistake is
// asked about on the audit page (409, nothing saved) with the form as
// sent; confirming saves it as it is.
func TestAuditPageOptionConfirm(t *testing.T) {
	w := newWorld(t)
	peerOptions(t, w)
	auditPath := "/audits/" + w.auditID
	cons := w.e.browser()
	cons.mustLogin("hebei", "zhang@lvyuan.cn")
	// 450 000 typed in the 万元 field: 45 亿元, 10 000 times the median.
	form := url.Values{"csrf": {cons.csrf()}, "code": {"F1"}, "name": {"中水回用系统"}, "category": {"high_cost"}, "status": {"proposed"},
		"fig.investment": {"450000"}, "unit.investment": {"万元"}}
	r := cons.postForm(auditPath+"/options", form)
	if r.status != http.StatusConflict || !strings.Contains(r.body, `id="options-confirm"`) ||
		!strings.Contains(r.body, "投资 4500000000 元：约为本行业 5 个方案中位数的 10000 倍（元 / 万元？）") ||
		!strings.Contains(r.body, `<input type="hidden" name="fig.investment" value="450000">`) {
		t.Fatalf("ask: %d %.3000s", r.status, r.body)
	}
	if strings.Contains(r.body, `id="option-F1"`) {
		t.Error("saved before it was confirmed")
	}
	// 返回修改 leads to the form as typed, not an empty one.
	for _, want := range []string{`href="#option-form-new" id="options-confirm-back"`, `value="F1" id="option-code-new"`,
		`value="中水回用系统" id="option-name-new"`, `value="450000" id="option-investment-new"`, `<option value="high_cost" selected>`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the form sent is not kept: no %s", want)
		}
	}
	// The import asks the same, and imports nothing until the units are
	// declared checked.
	postImport := func(fields [][2]string, content []byte) response {
		t.Helper()
		body, ct := multipartBody(t, append([][2]string{{"csrf", cons.csrf()}}, fields...), "方案汇总表.xlsx", content)
		req, _ := http.NewRequest("POST", w.e.srv.URL+auditPath+"/options/import", body)
		req.Header.Set("Content-Type", ct)
		return cons.do(req)
	}
	table := importSheet(t, [][]any{{"方案编号", "方案名称", "方案类别", "投资（元）"}, {"F7", "雨污分流", "中/高费", 30}, {"F8", "冷凝水回收", "无/低费", 50000}})
	if r := postImport(nil, table); r.status != http.StatusConflict || !strings.Contains(r.body, "第 2 行") || strings.Contains(r.body, "第 3 行") ||
		!strings.Contains(r.body, "后确认：投资。") {
		t.Errorf("import asks: %d %.2000s", r.status, r.body)
	}
	if strings.Contains(cons.page(auditPath), `id="option-F8"`) {
		t.Error("an import with an unusual row saved a row")
	}
	if r := postImport([][2]string{{"units_checked", "1"}}, table); r.status != http.StatusSeeOther {
		t.Errorf("import with units checked: %d", r.status)
	}
	form.Set("confirm", "1")
	if r := cons.postForm(auditPath+"/options", form); r.status != http.StatusSeeOther {
		t.Fatalf("confirm: %d", r.status)
	}
	if page := cons.page(auditPath); !strings.Contains(page, `id="option-investment-F1">450000<`) {
		t.Errorf("after confirming: %.300s", page)
	}
}

// TestOptionSettingsPage: every user reads the tenant's coefficients in
// kgce as GB/T 2589 states them; an admin changes them and the audit page's
// figures follow; others are refused; a value that is not a number, or
// kgce typed in tonnes, shows the page with the reason.
func TestOptionSettingsPage(t *testing.T) {
	w := newWorld(t)
	e := w.e
	// 100 t of coal saved: 71.43 tce at the default 0.7143 kgce/kg.
	if status, raw := e.postJSON("/api/v1/audits/"+w.auditID+"/options", w.consultant, map[string]any{"code": "F1", "name": "燃煤锅炉改造",
		"category": "high_cost", "figures": map[string]float64{"coal": 100}}, nil); status != 201 {
		t.Fatalf("option: %d %s", status, raw)
	}
	cons := e.browser()
	cons.mustLogin("hebei", "zhang@lvyuan.cn")
	page := cons.page("/option-settings")
	if !strings.Contains(page, `<span id="coef-electricity">0.1229</span>`) || !strings.Contains(page, `<span id="coef-natural_gas">1.2143</span>`) ||
		strings.Contains(page, `id="settings-form"`) {
		t.Errorf("the consultant's settings page: %.2000s", page)
	}
	if r := cons.postForm("/option-settings", url.Values{"csrf": {cons.csrf()}, "coef.coal": {"0.6"}, "discount_rate": {"0.1"}, "life_years": {"5"}}); r.status != http.StatusConflict ||
		!strings.Contains(r.body, "只有管理员可以设置折标系数和折现率") {
		t.Errorf("the consultant saves: %d", r.status)
	}
	admin := e.browser()
	admin.mustLogin("hebei", "admin@hebei.gov.cn")
	if !strings.Contains(admin.page("/option-settings"), `id="settings-form"`) {
		t.Fatal("no form for the admin")
	}
	for _, tc := range []struct {
		name string
		form url.Values
		want string
	}{
		{"not a number", url.Values{"coef.coal": {"七"}, "discount_rate": {"0.08"}, "life_years": {"10"}}, "coefficients.coal"},
		{"tonnes for kgce", url.Values{"coef.coal": {"714.3"}, "discount_rate": {"0.08"}, "life_years": {"10"}}, "coefficients.coal"},
		{"percent for fraction", url.Values{"discount_rate": {"8"}, "life_years": {"10"}}, "discount_rate"},
	} {
		tc.form.Set("csrf", admin.csrf())
		if r := admin.postForm("/option-settings", tc.form); r.status < 400 || !strings.Contains(r.body, `id="settings-error"`) || !strings.Contains(r.body, tc.want) {
			t.Errorf("%s: %d", tc.name, r.status)
		}
	}
	r := admin.postForm("/option-settings", url.Values{"csrf": {admin.csrf()}, "coef.coal": {"0.6"}, "coef.electricity": {"0.1229"},
		"discount_rate": {"0.1"}, "life_years": {"5"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("admin saves: %d %.300s", r.status, r.body)
	}
	if page := admin.page(r.header.Get("Location")); !strings.Contains(page, `id="settings-saved"`) || !strings.Contains(page, `value="0.6" id="coef-coal"`) {
		t.Errorf("after saving: %.300s", page)
	}
	// 100 t × 0.6 = 60 tce on the audit page now.
	if page := cons.page("/audits/" + w.auditID); !strings.Contains(page, `id="option-tce-F1">60.000<`) || !strings.Contains(page, "原煤 0.6 kgce/kg") {
		t.Errorf("the audit page after the change")
	}
}

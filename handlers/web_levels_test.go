package handlers_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cpaudit/cpaudit/sheet"
)

// TestWebLevels: the audit page's before/after section saves in place and
// shows the hand-worked levels; a wrong value is refused in Chinese and
// saves nothing; a regulator sees the values without the form; the
// indicator sets page shows the shipped C27 structure with its source,
// an admin's import with a bad row names it in Chinese and saves nothing,
// and the permit record page shows the level reached.
func TestWebLevels(t *testing.T) {
	w := newWorld(t)
	e := w.e
	auditPath := "/audits/" + w.auditID
	cons := e.browser()
	cons.mustLogin("hebei", "zhang@lvyuan.cn")
	admin := e.browser()
	admin.mustLogin("hebei", "admin@hebei.gov.cn")
	reg := e.browser()
	reg.mustLogin("hebei", "chen@hebei.gov.cn")

	page := admin.page("/indicator-sets")
	for _, want := range []string{"化学原料药制造业清洁生产评价指标体系", "2016年10月", "仅含结构", `id="sets-import-form"`, "限定性指标", "系统内置"} {
		if !strings.Contains(page, want) {
			t.Errorf("the sets page lacks %q", want)
		}
	}
	if strings.Contains(cons.page("/indicator-sets"), `id="sets-import-form"`) {
		t.Error("a consultant is offered the import")
	}
	post := func(b *browser, csrf string, fields [][2]string, content []byte) response {
		t.Helper()
		body, ct := multipartBody(t, append(fields, [2]string{"csrf", csrf}), "指标体系.xlsx", content)
		req, _ := http.NewRequest("POST", e.srv.URL+"/indicator-sets/import", body)
		req.Header.Set("Content-Type", ct)
		return b.do(req)
	}
	var buf bytes.Buffer
	sheet.Write(&buf, sheet.Table{Header: []string{"指标编号", "一级指标", "一级指标权重", "二级指标", "单位", "方向", "二级指标权重", "Ⅰ级基准值", "Ⅱ级基准值", "Ⅲ级基准值", "限定性指标"},
		Rows: [][]any{{"1.1", "资源能源", "1", "单位产品取水量", "m³/t", "越低越好", "1", "5", "8", "12", "也许"}}})
	fields := [][2]string{{"industry", "C2710"}, {"version", "网页版"}, {"name", "网页导入"}, {"effective_on", "2025-01-01"}}
	if r := post(admin, admin.csrf(), fields, buf.Bytes()); r.status != 422 || !strings.Contains(r.body, "未导入任何指标") || !strings.Contains(r.body, "第 2 行（限定性指标）") {
		t.Errorf("bad row: %d %.2000s", r.status, r.body)
	}
	if strings.Contains(admin.page("/indicator-sets"), "网页导入") {
		t.Error("a refused import saved a set")
	}
	if r := post(cons, cons.csrf(), fields, buf.Bytes()); r.status != 409 || !strings.Contains(r.body, "只有管理员") {
		t.Errorf("a consultant imports: %d", r.status)
	}

	if st, raw := e.postJSON("/api/v1/indicator-sets", w.admin, levelSetBody(), nil); st != 201 {
		t.Fatalf("set: %d %s", st, raw)
	}
	page = cons.page(auditPath)
	for _, want := range []string{`id="levels-form"`, `name="after.A1"`, "化学合成原料药（测试）", "5 / 8 / 12", `id="levels-incomplete"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the audit page lacks %q", want)
		}
	}
	form := url.Values{"csrf": {cons.csrf()}, "target_level": {"II"}, "before.A1": {"13"}, "after.A1": {"7"}, "target.A1": {"8"},
		"after.A2": {"0.25"}, "after.B1": {"96"}, "after.B2": {"1"}}
	if r := cons.postForm(auditPath+"/levels", form); r.status != http.StatusSeeOther || !strings.HasSuffix(r.header.Get("Location"), "#levels") {
		t.Fatalf("save: %d %.500s", r.status, r.body)
	}
	page = reg.page(auditPath)
	for _, want := range []string{`id="level-after">Ⅱ级（国内清洁生产先进水平）<`, `id="level-target-reached">已达到目标<`, `id="target-met-A1">已达到<`,
		`id="met-after-A1">Ⅱ级（国内清洁生产先进水平）<`} {
		if !strings.Contains(page, want) {
			t.Errorf("the regulator's page lacks %q", want)
		}
	}
	if strings.Contains(page, `id="levels-form"`) {
		t.Error("a regulator is offered the form")
	}
	form.Set("after.A2", "很多")
	if r := cons.postForm(auditPath+"/levels", form); r.status != 422 || !strings.Contains(r.body, "指标值未保存") {
		t.Errorf("not a number: %d %.2000s", r.status, r.body)
	}
	form.Set("after.A2", "-1")
	if r := cons.postForm(auditPath+"/levels", form); r.status != 422 || !strings.Contains(r.body, "应为非负数") {
		t.Errorf("negative: %d", r.status)
	}
	if !strings.Contains(cons.page(auditPath), `value="0.25" id="after-A2"`) {
		t.Error("a refused form changed a value")
	}

	// The admin tightens 取水量's level II benchmark to 6 m³/t on the sets
	// page: 7 m³/t now meets III only and caps the level at III.
	edit := url.Values{"csrf": {admin.csrf()}, "industry": {"C2710"}, "version": {"2024 测试版"}, "source": {"手工算例，非官方"}}
	for code, v := range map[string][]string{"A1": {"0.2", "0.25", "5", "6", "12"}, "A2": {"0.2", "0.75", "0.3", "0.5", "0.8"},
		"B1": {"0.8", "0.5", "95", "90", "80"}, "B2": {"0.8", "0.5", "", "", ""}} {
		for i, f := range []string{"gw", "w", "b0", "b1", "b2"} {
			edit.Set(f+"."+code, v[i])
		}
	}
	edit.Set("lim.A1", "1")
	if !strings.Contains(admin.page("/indicator-sets"), `name="b1.A1" size="6" inputmode="decimal" value="8"`) {
		t.Error("the sets page does not offer the benchmark for editing")
	}
	bad := url.Values{}
	for k, v := range edit {
		bad[k] = v
	}
	bad.Set("w.A2", "七成")
	if r := admin.postForm("/indicator-sets", bad); r.status != 422 || !strings.Contains(r.body, "评价指标体系有误") {
		t.Errorf("not a number: %d %.1000s", r.status, r.body)
	}
	consEdit := url.Values{}
	for k, v := range edit {
		consEdit[k] = v
	}
	consEdit.Set("csrf", cons.csrf())
	if r := cons.postForm("/indicator-sets", consEdit); r.status != 409 {
		t.Errorf("a consultant edits a set: %d", r.status)
	}
	if r := admin.postForm("/indicator-sets", edit); r.status != http.StatusSeeOther {
		t.Fatalf("edit: %d %.1000s", r.status, r.body)
	}
	if page := reg.page(auditPath); !strings.Contains(page, `id="level-after">Ⅲ级（国内清洁生产一般水平）<`) || !strings.Contains(page, "5 / 6 / 12") {
		t.Errorf("after the edit the audit is not capped at III")
	}
}

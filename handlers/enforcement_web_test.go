package handlers_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit"
)

// TestOfficesPage: the admin marks a regulator office as enforcement on
// /organisations with a button (nobody types its id) and unmarks it; the
// office's regulator may then record site checks; others may not mark.
func TestOfficesPage(t *testing.T) {
	w := newWorld(t)
	e := w.e
	zhifa := e.org(w.sys, cpaudit.OrgRegulator, "河北省生态环境保护综合执法总队", "")
	enforcer := e.user(w.sys, "wang@zhifa.hebei.gov.cn", cpaudit.RoleRegulator, zhifa.ID)

	b := e.browser()
	b.mustLogin("hebei", "admin@hebei.gov.cn")
	r := b.get("/organisations")
	if r.status != 200 || !strings.Contains(r.body, `id="office-`+zhifa.ID+`"`) || !strings.Contains(r.body, "河北省生态环境保护综合执法总队") ||
		!strings.Contains(r.body, "标为执法部门") || !strings.Contains(r.body, `action="/organisations/`+zhifa.ID+`/enforcement"`) {
		t.Fatalf("offices page: %d %s", r.status, r.body)
	}
	if !strings.Contains(b.page("/"), `id="nav-organisations"`) {
		t.Error("the admin's navigation does not offer the offices page")
	}
	csrf := loginCSRFField.FindStringSubmatch(r.body)[1]
	check := map[string]any{"date": cpaudit.DateIn(time.Now(), cpaudit.ChinaLocation()), "finding": "现场检查：废水处理设施运行正常", "outcome": "compliant"}
	checks := "/api/v1/enterprises/" + w.entID + "/site-checks"
	if st, body := e.postJSON(checks, enforcer, check, nil); st != 409 || refusalCode(t, st, body) != string(cpaudit.CodeSiteCheckNotAllowed) {
		t.Fatalf("before the mark: %d %s", st, body)
	}
	mark := "/organisations/" + zhifa.ID + "/enforcement"
	if r := b.postForm(mark, url.Values{"csrf": {csrf}, "enforcement": {"true"}}); r.status != 303 {
		t.Fatalf("mark: %d %s", r.status, r.body)
	}
	if r := b.get("/organisations"); !strings.Contains(r.body, "取消执法标记") {
		t.Errorf("the page does not show the mark")
	}
	if st, body := e.postJSON(checks, enforcer, check, nil); st != 201 {
		t.Errorf("after the mark: %d %s", st, body)
	}
	// Refusals re-render the page in Chinese; an enterprise is no office.
	for _, tc := range []struct {
		name, path string
		form       url.Values
		status     int
		text       string
	}{
		{"an enterprise", "/organisations/" + w.entID + "/enforcement", url.Values{"enforcement": {"true"}}, 422, "只有监管部门可以标记为执法部门"},
		{"no choice", mark, url.Values{}, 400, ""},
	} {
		tc.form.Set("csrf", csrf)
		r := b.postForm(tc.path, tc.form)
		if r.status != tc.status || !strings.Contains(r.body, `id="office-error"`) || !strings.Contains(r.body, tc.text) {
			t.Errorf("%s: %d %s", tc.name, r.status, r.body)
		}
	}
	if r := b.postForm(mark, url.Values{"csrf": {csrf}, "enforcement": {"false"}}); r.status != 303 {
		t.Fatalf("unmark: %d", r.status)
	}
	if r := b.get("/organisations"); !strings.Contains(r.body, "标为执法部门") || strings.Contains(r.body, "取消执法标记") {
		t.Errorf("the page still shows the mark")
	}
	if st, _ := e.postJSON(checks, enforcer, check, nil); st != 409 {
		t.Errorf("after unmarking: %d", st)
	}

	reg := e.browser()
	reg.mustLogin("hebei", "chen@hebei.gov.cn")
	if r := reg.get("/organisations"); r.status != 409 || strings.Contains(r.body, "综合执法总队") {
		t.Errorf("a regulator reads the offices page: %d", r.status)
	}
	rc := loginCSRFField.FindStringSubmatch(reg.page("/"))[1]
	if r := reg.postForm(mark, url.Values{"csrf": {rc}, "enforcement": {"true"}}); r.status != 409 {
		t.Errorf("a regulator marks: %d", r.status)
	}
	other := e.browser()
	other.mustLogin("beijing", "admin@beijing.gov.cn")
	oc := loginCSRFField.FindStringSubmatch(other.page("/"))[1]
	if r := other.postForm(mark, url.Values{"csrf": {oc}, "enforcement": {"true"}}); r.status != 404 {
		t.Errorf("another tenant's admin marks: %d", r.status)
	}
	if r := other.get("/organisations"); r.status != 200 || strings.Contains(r.body, "综合执法总队") {
		t.Errorf("another tenant's offices page: %d", r.status)
	}
}

// TestEnforcementPage: the whole queue on a page, each item with its
// reasons, its resumption precondition and its history — the milestone,
// the site check — oldest first; others than admins and regulators 409.
func TestEnforcementPage(t *testing.T) {
	w := newWorld(t)
	e := w.e
	today := cpaudit.DateIn(time.Now(), cpaudit.ChinaLocation())
	if st, body := e.postJSON("/api/v1/audits/"+w.auditID+"/milestones", w.admin, map[string]any{"obligation": "register", "date": today, "note": "已在平台注册"}, nil); st != 201 {
		t.Fatalf("milestone: %d %s", st, body)
	}
	if st, body := e.postJSON("/api/v1/enterprises/"+w.entID+"/site-checks", w.admin,
		map[string]any{"date": today, "finding": "企业停产，设备已封存", "outcome": "rectification_ordered"}, nil); st != 201 {
		t.Fatalf("site check: %d %s", st, body)
	}
	b := e.browser()
	b.mustLogin("hebei", "admin@hebei.gov.cn")
	if r := b.get("/enforcement"); r.status != 200 || !strings.Contains(r.body, `id="no-enforcement"`) {
		t.Errorf("empty queue: %d", r.status)
	}
	if st, body, _ := e.do("PATCH", "/api/v1/organisations/"+w.entID, w.admin, jsonBody(map[string]any{"status": "stopped"}), "application/json"); st != 200 {
		t.Fatalf("stop: %d %s", st, body)
	}
	for _, who := range []string{"admin@hebei.gov.cn", "chen@hebei.gov.cn"} {
		u := e.browser()
		u.mustLogin("hebei", who)
		r := u.get("/enforcement")
		if r.status != 200 || strings.Count(r.body, `class="enforcement-item"`) != 1 {
			t.Fatalf("%s: %d %s", who, r.status, r.body)
		}
		for _, want := range []string{"石家庄化工有限公司", "停产", "未满足（审核未完成或未达到目标水平）", "审核已完成：否",
			"2 条记录", today + "</span> 注册并选择审核方式：已在平台注册", today + "</span> 现场检查：责令整改：企业停产，设备已封存",
			`href="/enterprises/` + w.entID + `/site-checks"`, `href="/enforcement.xlsx"`} {
			if !strings.Contains(r.body, want) {
				t.Errorf("%s: the page lacks %q", who, want)
			}
		}
		if strings.Index(r.body, "注册并选择审核方式：") > strings.Index(r.body, "现场检查：责令整改") {
			t.Errorf("%s: history not oldest first", who)
		}
	}
	if r := b.get("/enforcement?region=130200"); r.status != 200 || strings.Contains(r.body, "石家庄化工有限公司") ||
		!strings.Contains(r.body, `href="/enforcement.xlsx?region=130200"`) {
		t.Errorf("region filter: %d", r.status)
	}
	if !strings.Contains(b.page("/dashboard"), `href="/enforcement"`) {
		t.Error("the dashboard does not link to the whole queue")
	}
	cons := e.browser()
	cons.mustLogin("hebei", "zhang@lvyuan.cn")
	if r := cons.get("/enforcement"); r.status != 409 || strings.Contains(r.body, "石家庄化工有限公司") {
		t.Errorf("consultant: %d", r.status)
	}
}

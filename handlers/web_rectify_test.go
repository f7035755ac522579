package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/sheet"
)

// xlsxOf reads an .xlsx download as text rows.
func xlsxOf(t *testing.T, r response) sheet.Table {
	t.Helper()
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/vnd.openxmlformats-officedocument.spreadsheetml") {
		t.Fatalf("not an .xlsx: %d %s %.200s", r.status, r.header.Get("Content-Type"), r.body)
	}
	tab, err := sheet.Read(context.Background(), bytes.NewReader([]byte(r.body)), sheet.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// TestRectificationRoles is the table of who raises, answers, verifies
// and sees a rectification order through the API: the audit's consultant
// and enterprise answer, a regulator or an admin verifies, an expert
// raises; the rival firm's consultant sees nothing (404); and the issue's
// bad input — an answer to a closed order 409, a due date in the past
// 422, a finding on an audit out of reach 404, another firm's evaluation
// asked by a consultant 404.
func TestRectificationRoles(t *testing.T) {
	w := newWorld(t)
	e := w.e
	enterprise := e.user(w.sys, "wang@sjzhg.cn", cpaudit.RoleEnterprise, w.entID)
	expert := e.user(w.sys, "zhao@expert.cn", cpaudit.RoleExpert, "")
	rivalFirm := e.org(w.sys, cpaudit.OrgConsultancy, "蓝天咨询", "91130100MA0CYYYY2")
	rival := e.user(w.sys, "li@lantian.cn", cpaudit.RoleConsultant, rivalFirm.ID)
	publisher := e.user(w.sys, "pub@cpc.cn", cpaudit.RolePublisher, "")
	newOrder := func() string {
		var f findingJSON
		if st, raw := e.postJSON("/api/v1/findings", w.regulator, map[string]any{"audit_id": w.auditID, "category": "missing_content",
			"severity": "minor", "description": "缺少三年能耗数据", "rectification_due": "2099-12-31"}, &f); st != 201 {
			t.Fatalf("order: %d %s", st, raw)
		}
		return f.ID
	}
	type role struct {
		name  string
		token string
	}
	roles := []role{{"admin", w.admin}, {"regulator", w.regulator}, {"expert", expert}, {"consultant", w.consultant},
		{"enterprise", enterprise}, {"rival consultant", rival}, {"publisher", publisher}}
	for _, tc := range []struct {
		action string
		want   map[string]int // by role name; the state before is set up per action
	}{
		{"raise", map[string]int{"admin": 201, "regulator": 201, "expert": 201, "consultant": 409, "enterprise": 409, "rival consultant": 404, "publisher": 404}},
		{"see", map[string]int{"admin": 200, "regulator": 200, "expert": 200, "consultant": 200, "enterprise": 200, "rival consultant": 404, "publisher": 404}},
		{"answer", map[string]int{"admin": 409, "regulator": 409, "expert": 409, "consultant": 200, "enterprise": 200, "rival consultant": 404, "publisher": 404}},
		{"return", map[string]int{"admin": 200, "regulator": 200, "expert": 409, "consultant": 409, "enterprise": 409, "rival consultant": 404, "publisher": 404}},
		{"close", map[string]int{"admin": 200, "regulator": 200, "expert": 409, "consultant": 409, "enterprise": 409, "rival consultant": 404, "publisher": 404}},
	} {
		for _, r := range roles {
			var st int
			var raw []byte
			switch tc.action {
			case "raise":
				st, raw = e.postJSON("/api/v1/findings", r.token, map[string]any{"audit_id": w.auditID, "category": "other", "severity": "minor",
					"description": "报告格式不规范"}, nil)
			case "see":
				st, raw, _ = e.do("GET", "/api/v1/findings/"+newOrder(), r.token, nil, "")
			case "answer":
				st, raw = e.postJSON("/api/v1/findings/"+newOrder()+"/answer", r.token, map[string]any{"text": "已补充能耗台账"}, nil)
			case "return", "close":
				id := newOrder()
				if st, raw := e.postJSON("/api/v1/findings/"+id+"/answer", w.consultant, map[string]any{"text": "已补充"}, nil); st != 200 {
					t.Fatalf("answer: %d %s", st, raw)
				}
				st, raw = e.postJSON("/api/v1/findings/"+id+"/"+tc.action, r.token, map[string]any{"reason": "数据仍不完整", "comment": "已核实"}, nil)
			}
			if st != tc.want[r.name] {
				t.Errorf("%s by %s: %d %s, want %d", tc.action, r.name, st, raw, tc.want[r.name])
			}
		}
	}

	// Bad input.
	id := newOrder()
	if st, raw := e.postJSON("/api/v1/findings/"+id+"/close", w.regulator, map[string]any{"comment": "现场核实"}, nil); st != 200 {
		t.Fatalf("close: %d %s", st, raw)
	}
	if st, raw := e.postJSON("/api/v1/findings/"+id+"/answer", w.consultant, map[string]any{"text": "再次答复"}, nil); st != 409 || refusalCode(t, st, raw) != "finding_closed" {
		t.Errorf("answer to a closed order: %d %s", st, raw)
	}
	if st, raw := e.postJSON("/api/v1/findings", w.regulator, map[string]any{"audit_id": w.auditID, "category": "other", "severity": "minor",
		"description": "过期", "rectification_due": "2001-01-01"}, nil); st != 422 || refusalCode(t, st, raw) != "finding_due_in_past" {
		t.Errorf("due in the past: %d %s", st, raw)
	}
	if st, raw := e.postJSON("/api/v1/findings", w.regulator, map[string]any{"audit_id": w.otherAuditID, "category": "other", "severity": "minor",
		"description": "别的租户"}, nil); st != 404 {
		t.Errorf("an audit of another tenant: %d %s", st, raw)
	}
	if st, raw, _ := e.do("GET", "/api/v1/consultancies/"+rivalFirm.ID+"/evaluation", w.consultant, nil, ""); st != 404 {
		t.Errorf("another firm's evaluation to a consultant: %d %s", st, raw)
	}
	if st, _, _ := e.do("GET", "/api/v1/consultancies/"+w.consID+"/evaluation?quarter=4", w.consultant, nil, ""); st != 200 {
		t.Errorf("the firm's own evaluation for a quarter: %d", st)
	}
}

// TestRectificationPages: the orders list and its .xlsx, the
// notifications page with the navigation's unread count and the forms
// that mark them read, the firm's evaluation page with its weights, the
// ranking for regulators (404 to a consultant), the weights an admin
// sets (a regulator may not), all in Chinese.
func TestRectificationPages(t *testing.T) {
	w := newWorld(t)
	e := w.e
	e.user(w.sys, "wang@sjzhg.cn", cpaudit.RoleEnterprise, w.entID)
	var f findingJSON
	if st, raw := e.postJSON("/api/v1/findings", w.regulator, map[string]any{"audit_id": w.auditID, "category": "untrue_evidence",
		"severity": "major", "description": "设备铭牌照片与现场不符", "rectification_due": "2099-06-30"}, &f); st != 201 {
		t.Fatalf("order: %d %s", st, raw)
	}
	reg, cons, ent, admin := e.browser(), e.browser(), e.browser(), e.browser()
	reg.mustLogin("hebei", "chen@hebei.gov.cn")
	cons.mustLogin("hebei", "zhang@lvyuan.cn")
	ent.mustLogin("hebei", "wang@sjzhg.cn")
	admin.mustLogin("hebei", "admin@hebei.gov.cn")

	// The orders: listed to the regulator and the parties, exported.
	for _, b := range []*browser{reg, cons, ent} {
		page := b.page("/orders")
		if !strings.Contains(page, `id="order-`+f.ID+`"`) || !strings.Contains(page, "佐证材料不属实") || !strings.Contains(page, "石家庄化工有限公司") {
			t.Errorf("the orders page lacks the order: %.300s", page)
		}
	}
	if page := reg.page("/orders?overdue=true"); !strings.Contains(page, `id="no-orders"`) {
		t.Error("an order due in 2099 listed as overdue")
	}
	tab := xlsxOf(t, reg.get("/orders.xlsx"))
	if len(tab.Rows) != 1 || tab.Header[1] != "企业" || fmt.Sprint(tab.Rows[0][:6]) != fmt.Sprint([]string{f.ID, "石家庄化工有限公司", "佐证材料不属实", "严重", "待整改", "2099-06-30"}) {
		t.Errorf("orders.xlsx: %v %v", tab.Header, tab.Rows)
	}
	if page := reg.page("/dashboard"); !strings.Contains(page, `id="n-orders-open"`) {
		t.Error("the dashboard does not count the open orders")
	}

	// Notifications: the consultant's badge counts one; the page names the
	// order; marking it read clears the badge.
	home := cons.page("/")
	if !strings.Contains(home, `id="unread-count">1<`) {
		t.Errorf("the consultant's navigation lacks the unread count")
	}
	page := cons.page("/notifications")
	if !strings.Contains(page, "新的审核问题") || !strings.Contains(page, "/audits/"+w.auditID+"#finding-"+f.ID) || !strings.Contains(page, "1 条未读") {
		t.Errorf("notifications page: %.600s", page)
	}
	if strings.Contains(reg.page("/notifications"), "新的审核问题") {
		t.Error("the recorder is told of its own finding")
	}
	if r := cons.postForm("/notifications/read", url.Values{"csrf": {cons.csrf()}}); r.status != http.StatusSeeOther {
		t.Errorf("mark read: %d", r.status)
	}
	if strings.Contains(cons.page("/"), `id="unread-count"`) {
		t.Error("the badge stays after marking all read")
	}
	if r := cons.postForm("/notifications/read", url.Values{}); r.status == http.StatusSeeOther || r.status < 400 {
		t.Errorf("marking read without the CSRF token: %d", r.status)
	}

	// The firm's evaluation: its own, vetoed (the regulator recorded an
	// untrue_evidence finding), the finding named, the weights shown.
	evPath := "/consultancies/" + w.consID + "/evaluation"
	page = cons.page(evPath)
	for _, want := range []string{`id="eval-score" class="score">80<`, "不合格", `id="eval-veto"`, "设备铭牌照片与现场不符", `id="w-major">−20<`, "专家评审占比"} {
		if !strings.Contains(page, want) {
			t.Errorf("the evaluation page lacks %q", want)
		}
	}
	rivalFirm := e.org(w.sys, cpaudit.OrgConsultancy, "蓝天咨询", "91130100MA0CYYYY2")
	if r := cons.get("/consultancies/" + rivalFirm.ID + "/evaluation"); r.status != 404 {
		t.Errorf("another firm's evaluation to a consultant: %d", r.status)
	}
	if r := cons.get("/evaluations"); r.status != 404 {
		t.Errorf("the ranking to a consultant: %d", r.status)
	}
	if !strings.Contains(cons.page("/"), `href="`+evPath+`"`) {
		t.Error("the consultant's navigation lacks its evaluation")
	}

	// The ranking: 蓝天 (nothing against it, 100) above the vetoed 绿源.
	page = reg.page("/evaluations")
	i, j := strings.Index(page, `id="rank-`+rivalFirm.ID+`"`), strings.Index(page, `id="rank-`+w.consID+`"`)
	if i < 0 || j < 0 || i > j || !strings.Contains(page, "一票否决") || strings.Contains(page, `id="weights-form"`) {
		t.Errorf("ranking: 蓝天 at %d, 绿源 at %d", i, j)
	}
	tab = xlsxOf(t, reg.get("/evaluations.xlsx?year=2026"))
	if len(tab.Rows) != 2 || tab.Rows[0][1] != "蓝天咨询" || tab.Rows[1][1] != "绿源环保咨询" || tab.Rows[1][3] != "不合格" || tab.Rows[1][4] != "佐证材料不属实" {
		t.Errorf("ranking .xlsx: %v", tab.Rows)
	}
	// The weights: the regulator may not set them, the admin may; bad
	// values are refused in Chinese.
	form := url.Values{"minor": {"5"}, "major": {"10"}, "overdue": {"10"}, "late": {"5"}, "reopened": {"5"}, "obligation_late": {"5"},
		"confirmed_flag": {"0"}, "review_share": {"40"}, "pass_mark": {"60"}, "review_days": {"15"}}
	if r := reg.postForm("/evaluations/weights", withValues(form, "csrf", reg.csrf())); r.status != 409 || !strings.Contains(r.body, "只有管理员可以设置咨询机构评价的权重。") {
		t.Errorf("a regulator sets weights: %d", r.status)
	}
	if r := admin.postForm("/evaluations/weights", withValues(withValues(form, "csrf", admin.csrf()), "review_share", "120")); r.status != 422 || !strings.Contains(r.body, "评价权重“review_share”须为 0 至 100 之间的整数。") {
		t.Errorf("a bad weight: %d %.300s", r.status, r.body)
	}
	if r := admin.postForm("/evaluations/weights", withValues(form, "csrf", admin.csrf())); r.status != http.StatusSeeOther {
		t.Errorf("the admin sets weights: %d %.300s", r.status, r.body)
	}
	if page := cons.page(evPath); !strings.Contains(page, `id="eval-score" class="score">90<`) || !strings.Contains(page, `id="w-major">−10<`) {
		t.Error("the evaluation does not follow the tenant's weights")
	}
	if page := admin.page("/evaluations"); !strings.Contains(page, `id="weights-form"`) {
		t.Error("the admin is not offered the weights form")
	}
}

package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/sheet"
)

// TestSiteCheckAPI: an admin marks the enforcement office; its regulator
// uploads a photo through POST /api/v1/documents and records a site check
// naming it; a regulator of another office and a consultant may not
// record; the checks are read per reach and show in the queue's history.
func TestSiteCheckAPI(t *testing.T) {
	w := newWorld(t)
	e := w.e
	zhifa := e.org(w.sys, cpaudit.OrgRegulator, "河北省生态环境保护综合执法总队", "")
	enforcer := e.user(w.sys, "wang@zhifa.hebei.gov.cn", cpaudit.RoleRegulator, zhifa.ID)
	mark := "/api/v1/organisations/" + zhifa.ID + "/enforcement"
	for _, tc := range []struct {
		name, token, path string
		body              map[string]any
		status            int
		code              cpaudit.Code
	}{
		{"regulator marks", w.regulator, mark, map[string]any{"enforcement": true}, 409, cpaudit.CodeEnforcementOfficeNotAllowed},
		{"no field", w.admin, mark, map[string]any{}, 400, cpaudit.CodeFieldRequired},
		{"an enterprise", w.admin, "/api/v1/organisations/" + w.entID + "/enforcement", map[string]any{"enforcement": true}, 422, cpaudit.CodeEnforcementOfficeNotRegulator},
		{"another tenant", w.otherAdmin, mark, map[string]any{"enforcement": true}, 404, ""},
		{"admin marks", w.admin, mark, map[string]any{"enforcement": true}, 200, ""},
	} {
		st, body, _ := e.do("PUT", tc.path, tc.token, jsonBody(tc.body), "application/json")
		if st != tc.status || (tc.code != "" && refusalCode(t, st, body) != string(tc.code)) {
			t.Errorf("%s: %d %s", tc.name, st, body)
		}
	}

	st, photo := e.upload(enforcer, [][2]string{{"kind", "other"}, {"audit_id", w.auditID}, {"title", "现场检查照片"}}, "现场.txt", []byte("废水排放口现场照片"))
	if st != 201 {
		t.Fatalf("the enforcer uploads a photo: %d %v", st, photo)
	}
	checks := "/api/v1/enterprises/" + w.entID + "/site-checks"
	check := map[string]any{"audit_id": w.auditID, "date": "2026-01-05", "finding": "废水处理设施停运", "outcome": "rectification_ordered",
		"document_ids": []string{photo["id"].(string)}}
	for _, tc := range []struct {
		name, token string
		body        map[string]any
		status      int
		code        cpaudit.Code
	}{
		{"province regulator (not enforcement)", w.regulator, check, 409, cpaudit.CodeSiteCheckNotAllowed},
		{"consultant", w.consultant, check, 404, ""},
		{"another tenant", w.otherAdmin, check, 404, ""},
		{"unknown outcome", enforcer, map[string]any{"date": "2026-01-05", "finding": "停产", "outcome": "罚款"}, 422, cpaudit.CodeSiteCheckOutcomeUnknown},
		{"unknown photo", enforcer, map[string]any{"date": "2026-01-05", "finding": "停产", "outcome": "compliant", "document_ids": []string{"d-nothing"}}, 422, cpaudit.CodeSiteCheckDocumentUnknown},
		{"enforcer", enforcer, check, 201, ""},
	} {
		st, body := e.postJSON(checks, tc.token, tc.body, nil)
		if st != tc.status || (tc.code != "" && refusalCode(t, st, body) != string(tc.code)) {
			t.Errorf("%s: %d %s", tc.name, st, body)
		}
	}
	var list struct {
		SiteChecks []struct {
			Finding     string   `json:"finding"`
			DocumentIDs []string `json:"document_ids"`
			RecordedBy  string   `json:"recorded_by"`
		} `json:"site_checks"`
	}
	for _, token := range []string{w.admin, w.regulator, enforcer} {
		if st := e.getJSON(checks, token, &list); st != 200 || len(list.SiteChecks) != 1 || list.SiteChecks[0].RecordedBy != "wang@zhifa.hebei.gov.cn" ||
			len(list.SiteChecks[0].DocumentIDs) != 1 {
			t.Errorf("read: %d %+v", st, list)
		}
	}
	for _, token := range []string{w.consultant, w.otherAdmin} {
		if st := e.getJSON(checks, token, nil); st != 404 {
			t.Errorf("read out of reach: %d", st)
		}
	}
	// The stopped enterprise in the queue: its check in the history, its
	// precondition for resuming not met.
	if st, body, _ := e.do("PATCH", "/api/v1/organisations/"+w.entID, w.admin, jsonBody(map[string]any{"status": "stopped"}), "application/json"); st != 200 {
		t.Fatalf("stop: %d %s", st, body)
	}
	var q struct {
		Items []struct {
			AuditID    string `json:"audit_id"`
			Resumption *struct {
				Met bool `json:"met"`
			} `json:"resumption"`
			History []struct{ Kind, What string } `json:"history"`
		} `json:"items"`
	}
	if st := e.getJSON("/api/v1/enforcement", enforcer, &q); st != 200 || len(q.Items) != 1 || q.Items[0].Resumption == nil || q.Items[0].Resumption.Met ||
		len(q.Items[0].History) != 1 || q.Items[0].History[0].What != "rectification_ordered" {
		t.Errorf("queue: %d %+v", st, q)
	}

	// The dashboard shows the precondition; the export the check too.
	b := e.browser()
	b.mustLogin("hebei", "admin@hebei.gov.cn")
	if page := b.page("/dashboard"); !strings.Contains(page, "未满足（审核未完成或未达到目标水平）") {
		t.Error("the dashboard does not show the resumption precondition")
	}
	if !strings.Contains(b.page("/dashboard"), `href="/enterprises/`+w.entID+`/site-checks"`) {
		t.Error("the dashboard does not link to the site checks")
	}

	// The web page: the enforcer records a check with the form, the
	// province regulator reads without the form, a consultant gets 404.
	zf := e.browser()
	zf.mustLogin("hebei", "wang@zhifa.hebei.gov.cn")
	page := "/enterprises/" + w.entID + "/site-checks"
	r := zf.get(page)
	if r.status != 200 || !strings.Contains(r.body, `id="site-check-form"`) || !strings.Contains(r.body, "废水处理设施停运") {
		t.Fatalf("enforcer page: %d", r.status)
	}
	// The photos are offered as boxes to tick, by title: nobody types an id.
	if !strings.Contains(r.body, `type="checkbox" name="document_ids" value="`+photo["id"].(string)+`"> 现场检查照片`) {
		t.Error("the form does not offer the enforcer's uploaded photo to tick")
	}
	csrf := loginCSRFField.FindStringSubmatch(r.body)[1]
	if r := zf.postForm(page, url.Values{"csrf": {csrf}, "date": {"2026-01-06"}, "finding": {"复查：已恢复运行"}, "outcome": {"罚款"}}); r.status != 422 ||
		!strings.Contains(r.body, `id="sitecheck-error"`) {
		t.Errorf("bad outcome: %d", r.status)
	}
	if r := zf.postForm(page, url.Values{"csrf": {csrf}, "date": {"2026-01-06"}, "finding": {"复查：已恢复运行"}, "outcome": {"compliant"},
		"document_ids": {photo["id"].(string)}}); r.status != 303 {
		t.Errorf("record by form: %d %s", r.status, r.body)
	}
	reg := e.browser()
	reg.mustLogin("hebei", "chen@hebei.gov.cn")
	if r := reg.get(page); r.status != 200 || strings.Contains(r.body, `id="site-check-form"`) || strings.Count(r.body, `class="site-check-row"`) != 2 ||
		!strings.Contains(r.body, "未发现问题") {
		t.Errorf("regulator page: %d", r.status)
	}
	cons := e.browser()
	cons.mustLogin("hebei", "zhang@lvyuan.cn")
	if r := cons.get(page); r.status != 404 {
		t.Errorf("consultant page: %d", r.status)
	}

	x := b.get("/enforcement.xlsx")
	tab, err := sheet.Read(context.Background(), bytes.NewReader([]byte(x.body)), sheet.Limits{})
	if err != nil || len(tab.Rows) != 1 {
		t.Fatalf("export: %v %d rows", err, len(tab.Rows))
	}
	if row := tab.Rows[0]; fmt.Sprint(row[7]) != "未满足（审核未完成或未达到目标水平）" || fmt.Sprint(row[8]) != "2026-01-05 责令整改：废水处理设施停运\n2026-01-06 未发现问题：复查：已恢复运行" {
		t.Errorf("export row %q", row)
	}
}

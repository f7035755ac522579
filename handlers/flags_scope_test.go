package handlers_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/cpaudit/cpaudit"
)

// scopeWorld is newWorld with flags spread over three audits and two
// consultancies: the consultant's audit shares a photo with a self-audit
// of 唐山钢铁 (flag ab), which shares a nameplate with an audit run by a
// second consultancy (flag bc).
type scopeWorld struct {
	*world
	cons2, audit2, audit3 string
	ab, bc                string
}

func newScopeWorld(t *testing.T) scopeWorld {
	w := newWorld(t)
	e := w.e
	other, audit2 := w.enterpriseOf(1, "唐山钢铁有限公司")
	sys := w.sys
	cons2 := e.org(sys, cpaudit.OrgConsultancy, "蓝天环境咨询", "91130100MA0CCCCC3")
	ent3 := e.org(sys, cpaudit.OrgEnterprise, "保定纸业有限公司", "91130600MA0DDDDD4")
	au3, err := e.store.CreateAudit(context.Background(), sys, ent3.ID, cons2.ID)
	if err != nil {
		t.Fatal(err)
	}
	in := func(audit string) [][2]string { return [][2]string{{"kind", "evidence"}, {"audit_id", audit}} }
	photo := []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00 锅炉房照片 0001")
	plate := []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00 设备铭牌照片 0042")
	a := e.uploadText(w.consultant, in(w.auditID), "锅炉房.jpg", photo)
	b := e.uploadText(other, in(audit2), "锅炉.jpg", photo)
	b2 := e.uploadText(other, in(audit2), "铭牌.jpg", plate)
	c := e.uploadText(w.admin, in(au3.ID), "铭牌2.jpg", plate)
	e.process()
	sw := scopeWorld{world: w, cons2: cons2.ID, audit2: audit2, audit3: au3.ID}
	for _, f := range e.flags(w.regulator, "").Flags {
		switch {
		case slices.Contains(f.DocumentIDs, a):
			sw.ab = f.ID
		case slices.Contains(f.DocumentIDs, c):
			sw.bc = f.ID
		}
		if !slices.Contains(f.DocumentIDs, b) && !slices.Contains(f.DocumentIDs, b2) {
			t.Errorf("flag %+v", f)
		}
	}
	if sw.ab == "" || sw.bc == "" {
		t.Fatalf("flags %+v", e.flags(w.regulator, ""))
	}
	return sw
}

func ids(fl flagList) []string {
	var out []string
	for _, f := range fl.Flags {
		out = append(out, f.ID)
	}
	return out
}

// TestFlagsPerAuditAndConsultancy: GET /api/v1/flags by audit, by
// consultancy, by review status, sorted by score or by date, in pages;
// naming what the caller may not see is 404, as for a document.
func TestFlagsPerAuditAndConsultancy(t *testing.T) {
	w := newScopeWorld(t)
	e := w.e
	b, _ := json.Marshal(map[string]string{"decision": "confirm", "reason": "两家企业使用同一张锅炉房照片。"})
	if status, body, _ := e.do("POST", "/api/v1/flags/"+w.ab+"/review", w.regulator, strings.NewReader(string(b)), "application/json"); status != 200 {
		t.Fatalf("review: %d %s", status, body)
	}
	for _, c := range []struct {
		query string
		want  []string
	}{
		{"", []string{w.ab, w.bc}}, // equal scores: by id
		{"?sort=score", []string{w.ab, w.bc}},
		{"?sort=date", []string{w.bc, w.ab}}, // bc was raised last
		{"?audit_id=" + w.auditID, []string{w.ab}},
		{"?audit_id=" + w.audit2, []string{w.ab, w.bc}},
		{"?audit_id=" + w.audit3, []string{w.bc}},
		{"?consultancy_id=" + w.consID, []string{w.ab}},
		{"?consultancy_id=" + w.cons2, []string{w.bc}},
		{"?status=confirmed", []string{w.ab}},
		{"?status=open", []string{w.bc}},
		{"?status=dismissed", nil},
		{"?status=open&audit_id=" + w.auditID, nil},
		{"?kind=duplicate_file&consultancy_id=" + w.cons2 + "&sort=date", []string{w.bc}},
		{"?kind=duplicate_text&audit_id=" + w.audit2, nil},
	} {
		if got := ids(e.flags(w.regulator, c.query)); !slices.Equal(got, c.want) {
			t.Errorf("flags%s: %v, want %v", c.query, got, c.want)
		}
	}
	// Pages carry the total.
	var page flagList
	if status := e.getJSON("/api/v1/flags?sort=date&limit=1&offset=1", w.regulator, &page); status != 200 ||
		page.Total != 2 || len(page.Flags) != 1 || page.Flags[0].ID != w.ab {
		t.Errorf("second page: %d %+v", status, page)
	}
	// The consultant reads neither flag (each involves another enterprise's
	// document), sees its own consultancy's list empty, and cannot name
	// another's audit or consultancy.
	if got := ids(e.flags(w.consultant, "?consultancy_id="+w.consID)); got != nil {
		t.Errorf("the consultant sees %v", got)
	}
	for _, c := range []struct {
		token, query string
		status       int
	}{
		{w.consultant, "?audit_id=" + w.audit3, 404},
		{w.consultant, "?consultancy_id=" + w.cons2, 404},
		{w.regulator, "?consultancy_id=" + w.entID, 404}, // an enterprise, not a consultancy
		{w.regulator, "?audit_id=anope", 404},
		{w.otherAdmin, "?audit_id=" + w.auditID, 404}, // another tenant
		{w.otherAdmin, "?consultancy_id=" + w.consID, 404},
		{w.regulator, "?status=closed", 400},
		{w.regulator, "?sort=oldest", 400},
		{w.regulator, "?limit=0", 400},
	} {
		status, body, h := e.do("GET", "/api/v1/flags"+c.query, c.token, nil, "")
		if status != c.status {
			t.Errorf("flags%s: %d %s, want %d", c.query, status, body, c.status)
			continue
		}
		problemOf(t, status, body, h)
	}
}

// TestFlagsPageFilters: the web list takes the same filters, offers the
// consultancies and statuses, and /flags?audit_id=X (the link from an
// audit) lists that audit's flags.
func TestFlagsPageFilters(t *testing.T) {
	w := newScopeWorld(t)
	b := w.e.browser()
	b.mustLogin("hebei", "chen@hebei.gov.cn")
	all := b.page("/flags")
	for _, want := range []string{`id="flag-status"`, `id="flag-consultancy"`, "绿源环保咨询", "蓝天环境咨询", `id="flag-sort"`, "共 2 条"} {
		if !strings.Contains(all, want) {
			t.Errorf("/flags lacks %s", want)
		}
	}
	for _, c := range []struct {
		query      string
		total      string
		has, hasnt []string
	}{
		{"?audit_id=" + w.auditID, "共 1 条", []string{w.ab, `name="audit_id" value="` + w.auditID + `"`}, []string{w.bc}},
		{"?consultancy_id=" + w.cons2, "共 1 条", []string{w.bc}, []string{w.ab}},
		{"?status=dismissed", "没有问题线索", nil, []string{w.ab, w.bc}},
		{"?sort=date&kind=duplicate_file", "共 2 条", []string{w.ab, w.bc, `value="date" selected`}, nil},
	} {
		body := b.page("/flags" + c.query)
		if !strings.Contains(body, c.total) {
			t.Errorf("/flags%s: no %q", c.query, c.total)
		}
		for _, s := range c.has {
			if !strings.Contains(body, s) {
				t.Errorf("/flags%s lacks %s", c.query, s)
			}
		}
		for _, s := range c.hasnt {
			if strings.Contains(body, s) {
				t.Errorf("/flags%s shows %s", c.query, s)
			}
		}
	}
	// Pages keep the filters.
	first := b.page("/flags?sort=date&limit=1")
	if !strings.Contains(first, w.bc) || strings.Contains(first, w.ab) || strings.Contains(first, `id="flags-prev"`) ||
		!strings.Contains(first, `href="/flags?limit=1&amp;offset=1&amp;sort=date" id="flags-next"`) {
		t.Errorf("first page: %s", first)
	}
	if second := b.page("/flags?sort=date&limit=1&offset=1"); !strings.Contains(second, w.ab) || !strings.Contains(second, `id="flags-prev"`) ||
		strings.Contains(second, `id="flags-next"`) {
		t.Errorf("second page: %s", second)
	}
	if r := b.get("/flags?status=closed"); r.status != 400 {
		t.Errorf("bad status: %d", r.status)
	}
	// A consultant sees only its own consultancy in the select.
	c := w.e.browser()
	c.mustLogin("hebei", "zhang@lvyuan.cn")
	if body := c.page("/flags"); !strings.Contains(body, "绿源环保咨询") || strings.Contains(body, "蓝天环境咨询") {
		t.Error("the consultant's consultancy select")
	}
	if r := c.get("/flags?audit_id=" + w.audit3); r.status != 404 {
		t.Errorf("another consultancy's audit: %d", r.status)
	}
}

package handlers_test

import (
	"html"
	"strings"
	"testing"

	"github.com/cpaudit/cpaudit"
)

type guidelineNoticesJSON struct {
	Notices []struct {
		Guideline          guidelineJSON
		Industries         []string
		PreviousDocumentID string `json:"previous_document_id"`
	}
}

// TestGuidelineNotices (issue 22, item 5): the library publishes a second
// C27 version superseding the first. The regulators and consultancies
// with audits in C27 (the hebei province office and 绿源, whose audit is
// of C2710; Beijing's consultancy, the library being every tenant's) see
// it, on GET /api/v1/guideline-notices and on their home page, with the
// link to the comparison against the version it supersedes; the
// consultancy of a C3110 audit, a consultancy of no audit, the Tangshan
// office (whose region holds only the C3110 audit), an enterprise and the
// publishers see nothing.
func TestGuidelineNotices(t *testing.T) {
	lw := newLibraryWorld(t)
	e := lw.e
	ctx := t.Context()
	sys := lw.sys
	tsEnt, err := e.store.CreateOrganisation(ctx, sys, cpaudit.Organisation{Kind: cpaudit.OrgEnterprise, Name: "唐山钢铁集团",
		CreditCode: "91130200MA0EEEEE5" + string(cpaudit.CreditCodeCheck("91130200MA0EEEEE5")), Industry: "C3110", Region: "130203"})
	if err != nil {
		t.Fatal(err)
	}
	huabei := e.org(sys, cpaudit.OrgConsultancy, "华北咨询", "91130200MA0DDDDD4")
	if _, err := e.store.CreateAudit(ctx, sys, tsEnt.ID, huabei.ID); err != nil {
		t.Fatal(err)
	}
	idle := e.org(sys, cpaudit.OrgConsultancy, "闲置咨询", "91130200MA0GGGGG7")
	tsOffice, err := e.store.CreateOrganisation(ctx, sys, cpaudit.Organisation{Kind: cpaudit.OrgRegulator, Name: "唐山市生态环境局", Region: "130200"})
	if err != nil {
		t.Fatal(err)
	}
	huabeiConsultant := e.user(sys, "wang@huabei.cn", cpaudit.RoleConsultant, huabei.ID)
	idleConsultant := e.user(sys, "zhao@idle.cn", cpaudit.RoleConsultant, idle.ID)
	tangshan := e.user(sys, "li@ts.gov.cn", cpaudit.RoleRegulator, tsOffice.ID)

	v1Doc := e.uploadText(lw.libPublisher, [][2]string{{"kind", "guideline"}, {"title", "化学原料制造业清洁生产审核指南"}}, "化工指南2025.txt",
		[]byte("化学原料制造业清洁生产审核指南（2025年版）。企业应开展能源审计。废水排放应达到国家标准。"))
	v2Doc := e.uploadText(lw.libPublisher, [][2]string{{"kind", "guideline"}, {"title", "化学原料制造业清洁生产审核指南"}}, "化工指南2026.txt",
		[]byte("化学原料制造业清洁生产审核指南（2026年版）。企业应开展能源审计。挥发性有机物应全面收集处理。"))
	e.process()
	facts := map[string]any{"document_id": v1Doc, "issuing_body": "河北省生态环境厅", "effective_date": "2025-03-01", "industries": []string{"C27"}}
	var v1, v2 guidelineJSON
	if status, body := e.postJSON("/api/v1/guidelines", lw.libPublisher, facts, &v1); status != 201 {
		t.Fatalf("v1: %d %s", status, body)
	}
	if status, body := e.postJSON("/api/v1/guidelines/"+v1.ID+"/publish", lw.libPublisher, nil, nil); status != 200 {
		t.Fatalf("publish v1: %d %s", status, body)
	}
	facts["document_id"], facts["supersedes"], facts["effective_date"] = v2Doc, v1.ID, "2026-01-01"
	if status, body := e.postJSON("/api/v1/guidelines", lw.libPublisher, facts, &v2); status != 201 {
		t.Fatalf("v2: %d %s", status, body)
	}
	if status, body := e.postJSON("/api/v1/guidelines/"+v2.ID+"/publish", lw.libPublisher, nil, nil); status != 200 {
		t.Fatalf("publish v2: %d %s", status, body)
	}

	compare := html.EscapeString("/compare?a=" + v1Doc + "&b=" + v2Doc)
	for who, c := range map[string]struct{ token, tenant, email string }{
		"hebei regulator":    {lw.regulator, "hebei", "chen@hebei.gov.cn"},
		"hebei consultant":   {lw.consultant, "hebei", "zhang@lvyuan.cn"},
		"beijing consultant": {lw.otherConsultant, "beijing", "liu@bj.cn"},
	} {
		var ns guidelineNoticesJSON
		if status := e.getJSON("/api/v1/guideline-notices", c.token, &ns); status != 200 || len(ns.Notices) != 1 {
			t.Errorf("%s: notices %d %+v, want the second version", who, status, ns)
			continue
		}
		n := ns.Notices[0]
		if n.Guideline.ID != v2.ID || n.Guideline.State != "published" || !n.Guideline.Library || n.PreviousDocumentID != v1Doc ||
			strings.Join(n.Industries, ",") != "C2710" {
			t.Errorf("%s: notice %+v", who, n)
		}
		b := e.browser()
		b.mustLogin(c.tenant, c.email)
		home := b.page("/")
		if !strings.Contains(home, `id="q-guideline-notices"`) || !strings.Contains(home, `href="/guidelines/`+v2.ID+`"`) ||
			!strings.Contains(home, `class="notice-compare" href="`+compare+`"`) || strings.Contains(home, `href="/guidelines/`+v1.ID+`"`) {
			t.Errorf("%s's home page: %.3000s", who, home)
		}
		// The link opens the two versions side by side.
		if p := b.page(html.UnescapeString(compare)); !strings.Contains(p, "挥发性有机物应全面收集处理") || !strings.Contains(p, "废水排放应达到国家标准") {
			t.Errorf("%s: the comparison page: %.2000s", who, p)
		}
	}
	for who, c := range map[string]struct{ token, tenant, email string }{
		"consultancy of a C3110 audit": {huabeiConsultant, "hebei", "wang@huabei.cn"},
		"consultancy of no audit":      {idleConsultant, "hebei", "zhao@idle.cn"},
		"Tangshan office":              {tangshan, "hebei", "li@ts.gov.cn"},
		"beijing enterprise":           {lw.beijingEnterprise, "beijing", "boss@bjyr.cn"},
		"hebei publisher":              {lw.hebeiPublisher, "hebei", "pub@hebei.gov.cn"},
		"library publisher":            {lw.libPublisher, "guides", "pub@guides.cn"},
	} {
		var ns guidelineNoticesJSON
		if status := e.getJSON("/api/v1/guideline-notices", c.token, &ns); status != 200 || ns.Notices == nil || len(ns.Notices) != 0 {
			t.Errorf("%s: notices %d %+v, want none", who, status, ns)
		}
		b := e.browser()
		b.mustLogin(c.tenant, c.email)
		if home := b.page("/"); strings.Contains(home, `id="q-guideline-notices"`) {
			t.Errorf("%s's home page has guideline notices", who)
		}
	}
}

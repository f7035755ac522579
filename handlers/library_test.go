package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/cpaudit/cpaudit"
)

// libraryWorld is newWorld (hebei and beijing) plus the guideline
// library, with a publisher and an admin of its own.
type libraryWorld struct {
	*world
	lib                cpaudit.Actor
	libPublisher       string
	libAdmin           string
	hebei              cpaudit.Actor
	hebeiPublisher     string
	beijingEnterprise  string
	beijingEnterpriseA string // its audit
}

func newLibraryWorld(t *testing.T) *libraryWorld {
	w := newWorld(t)
	e := w.e
	ctx := context.Background()
	tn, err := e.store.CreateLibrary(ctx, "guides", "清洁生产审核指南库")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.CreateLibrary(ctx, "guides2", "第二个指南库"); cpaudit.ErrorCode(err) != cpaudit.CodeLibraryExists {
		t.Fatalf("second library: %v, want %s", err, cpaudit.CodeLibraryExists)
	}
	lw := &libraryWorld{world: w, lib: cpaudit.SystemActor(tn.ID)}
	lw.libPublisher = e.user(lw.lib, "pub@guides.cn", cpaudit.RolePublisher, "")
	lw.libAdmin = e.user(lw.lib, "admin@guides.cn", cpaudit.RoleAdmin, "")
	hb, err := e.store.TenantBySlug(ctx, "hebei")
	if err != nil {
		t.Fatal(err)
	}
	lw.hebei = cpaudit.SystemActor(hb.ID)
	lw.hebeiPublisher = e.user(lw.hebei, "pub@hebei.gov.cn", cpaudit.RolePublisher, "")
	bj, err := e.store.TenantBySlug(ctx, "beijing")
	if err != nil {
		t.Fatal(err)
	}
	lw.beijingEnterprise = e.user(cpaudit.SystemActor(bj.ID), "boss@bjyr.cn", cpaudit.RoleEnterprise, w.otherEntID)
	return lw
}

func (e *testEnv) searchIDs(token, query string) (int, []string) {
	e.t.Helper()
	var res struct {
		Total int
		Hits  []struct {
			DocumentID string `json:"document_id"`
		}
	}
	if status := e.getJSON("/api/v1/search?"+query, token, &res); status != 200 {
		e.t.Fatalf("search %s: %d", query, status)
	}
	var ids []string
	for _, h := range res.Hits {
		ids = append(ids, h.DocumentID)
	}
	return res.Total, sorted(ids...)
}

// TestLibraryGuidelines: a guideline the library's publisher uploads is
// found by search and read (metadata, bytes, text) in every tenant by
// every role; a tenant's local guideline only in its own; the library's
// other documents in no tenant; and the library reads nothing of any
// tenant.
func TestLibraryGuidelines(t *testing.T) {
	lw := newLibraryWorld(t)
	e := lw.e
	guideBytes := []byte("印染行业清洁生产审核指南：底线要求一，企业应开展能源审计。共享指南词。")
	libGuide := e.uploadText(lw.libPublisher, [][2]string{{"kind", "guideline"}, {"title", "印染行业审核指南"}}, "印染指南.txt", guideBytes)
	libOther := e.uploadText(lw.libAdmin, [][2]string{{"kind", "other"}}, "内部说明.txt", []byte("指南库内部说明，不是指南。共享指南词。"))
	local := e.uploadText(lw.hebeiPublisher, [][2]string{{"kind", "guideline"}}, "河北地方指南.txt", []byte("河北地方指南：共享指南词。"))
	e.process()

	q := "q=" + url.QueryEscape("共享指南词")
	tenantReaders := map[string]string{
		"hebei admin": lw.admin, "hebei regulator": lw.regulator, "hebei consultant": lw.consultant, "hebei publisher": lw.hebeiPublisher,
		"beijing admin": lw.otherAdmin, "beijing consultant": lw.otherConsultant, "beijing enterprise": lw.beijingEnterprise,
	}
	for who, token := range tenantReaders {
		want := []string{libGuide}
		if strings.HasPrefix(who, "hebei") {
			want = sorted(libGuide, local)
		}
		for _, query := range []string{q, q + "&kind=guideline", q + "&sort=date", q + "&limit=1", q + "&limit=1&offset=1"} {
			total, ids := e.searchIDs(token, query)
			wantIDs := want
			if strings.Contains(query, "limit=1") {
				wantIDs = nil // one of them, checked below
			}
			if total != len(want) || (wantIDs != nil && strings.Join(ids, ",") != strings.Join(wantIDs, ",")) {
				t.Errorf("%s: search %s: %d %v, want %d %v", who, query, total, ids, len(want), wantIDs)
			}
		}
		// The two pages of one hit each are the two documents.
		if len(want) == 2 {
			_, p1 := e.searchIDs(token, q+"&limit=1")
			_, p2 := e.searchIDs(token, q+"&limit=1&offset=1")
			if len(p1) != 1 || len(p2) != 1 || strings.Join(sorted(p1[0], p2[0]), ",") != strings.Join(want, ",") {
				t.Errorf("%s: pages %v %v, want %v", who, p1, p2, want)
			}
		}
		for _, query := range []string{q + "&kind=report", q + "&audit_id=" + lw.auditID} {
			if total, ids := e.searchIDs(token, query); total != 0 && !strings.HasPrefix(who, "hebei") {
				t.Errorf("%s: search %s: %d %v, want none", who, query, total, ids)
			}
		}
		for _, path := range []string{"", "/content", "/text"} {
			status, body, _ := e.do("GET", "/api/v1/documents/"+libGuide+path, token, nil, "")
			if status != 200 {
				t.Errorf("%s: GET library guideline%s: %d %s", who, path, status, body)
			}
			if path == "/content" && string(body) != string(guideBytes) {
				t.Errorf("%s: content %q", who, body)
			}
			if path == "/text" && !strings.Contains(string(body), "底线要求") {
				t.Errorf("%s: text %s", who, body)
			}
			if status, body, _ := e.do("GET", "/api/v1/documents/"+libOther+path, token, nil, ""); status != 404 {
				t.Errorf("%s: GET library's other document%s: %d %s", who, path, status, body)
			}
		}
		// Changing a library guideline is no tenant's business.
		if status, _, _ := e.do("DELETE", "/api/v1/documents/"+libGuide, token, nil, ""); status != 404 {
			t.Errorf("%s: DELETE library guideline: %d, want 404", who, status)
		}
		body, ct := multipartBody(t, nil, "改.txt", []byte("篡改的指南"))
		if status, _, _ := e.do("POST", "/api/v1/documents/"+libGuide+"/versions", token, body, ct); status != 404 {
			t.Errorf("%s: new version of a library guideline: %d, want 404", who, status)
		}
		if strings.HasPrefix(who, "beijing") {
			if status, _, _ := e.do("GET", "/api/v1/documents/"+local, token, nil, ""); status != 404 {
				t.Errorf("%s: hebei's local guideline: %d, want 404", who, status)
			}
		}
	}
	var meta struct {
		Versions []any `json:"versions"`
	}
	if e.getJSON("/api/v1/documents/"+libGuide, lw.consultant, &meta); len(meta.Versions) != 1 {
		t.Errorf("library guideline changed: %+v", meta)
	}

	// The library reads nothing of any tenant, not even their guidelines.
	for who, token := range map[string]string{"library publisher": lw.libPublisher, "library admin": lw.libAdmin} {
		for _, id := range []string{local, lw.otherDocID} {
			for _, path := range []string{"", "/content", "/text"} {
				if status, body, _ := e.do("GET", "/api/v1/documents/"+id+path, token, nil, ""); status != 404 {
					t.Errorf("%s: GET tenant document %s%s: %d %s", who, id, path, status, body)
				}
			}
		}
		want := []string{libGuide}
		if who == "library admin" {
			want = sorted(libGuide, libOther)
		}
		if total, ids := e.searchIDs(token, q); total != len(want) || strings.Join(ids, ",") != strings.Join(want, ",") {
			t.Errorf("%s: search: %d %v, want %v", who, total, ids, want)
		}
	}
	// A tenant reading a library guideline leaves its trace in its own
	// log, not in the library's.
	var log struct {
		Entries []struct{ Action string } `json:"entries"`
	}
	e.getJSON("/api/v1/documents/"+libGuide+"/log", lw.libAdmin, &log)
	for _, en := range log.Entries {
		if en.Action == "document.download" {
			t.Errorf("the library's log holds a tenant's download: %+v", log)
		}
	}
}

// TestLibraryGuidelineIsCommonText: a passage of a library guideline
// quoted in two enterprises' reports is no duplicate_text in any tenant,
// whether the reports were analysed before the guideline (their flag
// loses the passage) or after; a passage copied between the reports,
// not in the guideline, still is.
func TestLibraryGuidelineIsCommonText(t *testing.T) {
	lw := newLibraryWorld(t)
	e := lw.e
	guideText := "印染企业应在审核报告中说明：定型机废气收集处理设施的运行情况，染色工序单位产品取水量与行业先进值的差距，以及中水回用率是否达到百分之四十的底线要求，并提出相应的改进方案和时间安排。"

	// hebei: two enterprises quote the guideline and share a copied
	// paragraph, before the guideline is published.
	a, aAudit := lw.enterpriseOf(1, "唐山印染有限公司")
	b, bAudit := lw.enterpriseOf(2, "邯郸印染有限公司")
	ra := e.uploadText(a, [][2]string{{"kind", "report"}, {"audit_id", aAudit}}, "甲报告.txt",
		[]byte(prose(50, pools[0], 700)+guideText+prose(51, pools[0], 700)+copied("唐山印染有限公司", "12000")+prose(52, pools[0], 300)))
	rb := e.uploadText(b, [][2]string{{"kind", "report"}, {"audit_id", bAudit}}, "乙报告.txt",
		[]byte(prose(53, pools[1], 700)+guideText+prose(54, pools[1], 700)+copied("邯郸印染有限公司", "9800")+prose(55, pools[1], 300)))
	e.process()
	passages := func(token string) (pairs [][2]string, texts []string) {
		fl := e.flags(token, "?kind=duplicate_text")
		for _, f := range fl.Flags {
			var d struct{ Passages []passageJSON }
			json.Unmarshal(f.Detail, &d)
			for _, p := range d.Passages {
				texts = append(texts, p.Text)
			}
		}
		return fl.pairs(), texts
	}
	if pairs, texts := passages(lw.admin); len(pairs) != 1 || len(texts) != 2 {
		t.Fatalf("before the guideline: pairs %v, passages %q; want the quote and the copy", pairs, texts)
	}

	e.uploadText(lw.libPublisher, [][2]string{{"kind", "guideline"}}, "印染指南.txt", []byte("印染行业清洁生产审核指南。"+guideText))
	e.process()
	pairs, texts := passages(lw.admin)
	if !samePairs(pairs, [][2]string{sortedPair(ra, rb)}) || len(texts) != 1 || !strings.Contains(texts[0], "中水回用系统") || strings.Contains(texts[0], "定型机") {
		t.Errorf("after the guideline: pairs %v, passages %q; want only the copied paragraph", pairs, texts)
	}

	// beijing: two enterprises quote it after it was published.
	bj, err := e.store.TenantBySlug(context.Background(), "beijing")
	if err != nil {
		t.Fatal(err)
	}
	bjAdmin := cpaudit.SystemActor(bj.ID)
	var reports []string
	for i, name := range []string{"北京第一印染厂", "北京第二印染厂"} {
		ent := e.org(bjAdmin, cpaudit.OrgEnterprise, name, fmt.Sprintf("911101080000%05d", 10+i))
		au, err := e.store.CreateAudit(context.Background(), bjAdmin, ent.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		tok := e.user(bjAdmin, fmt.Sprintf("boss%d@bj.cn", i), cpaudit.RoleEnterprise, ent.ID)
		reports = append(reports, e.uploadText(tok, [][2]string{{"kind", "report"}, {"audit_id", au.ID}}, "报告.txt",
			[]byte(prose(uint64(60+i), pools[2+i], 800)+guideText+prose(uint64(70+i), pools[2+i], 800))))
	}
	e.process()
	if pairs, texts := passages(lw.otherAdmin); len(pairs) != 0 {
		t.Errorf("beijing: pairs %v, passages %q; want none", pairs, texts)
	}
	// Compare still shows the quoted text: it leaves nothing out.
	var cmp struct{ Passages []passageJSON }
	if e.getJSON("/api/v1/compare?a="+reports[0]+"&b="+reports[1], lw.otherAdmin, &cmp); len(cmp.Passages) != 1 {
		t.Errorf("compare: %+v", cmp)
	}
	// The library flags nothing and holds nothing of the tenants.
	if pairs, _ := passages(lw.libAdmin); len(pairs) != 0 {
		t.Errorf("library flags: %v", pairs)
	}
}

// TestLibraryGuidelineCompare: a consultant compares its audit report with
// a library guideline (API and page) and the report's quotation of the
// guideline is the common passage; a Beijing user finds the guideline on
// its search page with kind=guideline but cannot compare it with hebei's
// report; the library's publisher cannot compare its guideline with the
// report, nor find the report in its search.
func TestLibraryGuidelineCompare(t *testing.T) {
	lw := newLibraryWorld(t)
	e := lw.e
	quote := "印刷企业应使用低挥发性有机物含量的油墨和清洗剂，废气收集率不低于百分之九十，并建立挥发性有机物管理台账。"
	guide := e.uploadText(lw.libPublisher, [][2]string{{"kind", "guideline"}, {"title", "印刷行业清洁生产审核指南"}}, "印刷指南.txt",
		[]byte("印刷行业清洁生产审核指南。第二章 底线要求。"+quote+"第三章 附则。"))
	report := e.uploadText(lw.consultant, [][2]string{{"kind", "report"}, {"audit_id", lw.auditID}}, "审核报告.txt",
		[]byte(prose(80, pools[0], 600)+quote+prose(81, pools[0], 600)))
	e.process()

	var cmp struct{ Passages []passageJSON }
	if status := e.getJSON("/api/v1/compare?a="+report+"&b="+guide, lw.consultant, &cmp); status != 200 || len(cmp.Passages) != 1 ||
		!strings.Contains(cmp.Passages[0].Text, "低挥发性有机物含量的油墨") {
		t.Errorf("consultant compares report and library guideline: %d %+v", status, cmp)
	}
	c := e.browser()
	c.mustLogin("hebei", "zhang@lvyuan.cn")
	if p := c.page("/compare?a=" + report + "&b=" + guide); !strings.Contains(p, "印刷行业清洁生产审核指南") || !strings.Contains(p, "低挥发性有机物含量的油墨") {
		t.Errorf("compare page: %.2000s", p)
	}
	for who, token := range map[string]string{"beijing admin": lw.otherAdmin, "library publisher": lw.libPublisher, "library admin": lw.libAdmin} {
		for _, q := range []string{"a=" + report + "&b=" + guide, "a=" + guide + "&b=" + report} {
			if status, body, _ := e.do("GET", "/api/v1/compare?"+q, token, nil, ""); status != 404 {
				t.Errorf("%s compares hebei's report with the guideline (%s): %d %s", who, q, status, body)
			}
		}
	}
	q := "q=" + url.QueryEscape("低挥发性有机物含量的油墨")
	for who, token := range map[string]string{"library publisher": lw.libPublisher, "beijing admin": lw.otherAdmin} {
		if total, ids := e.searchIDs(token, q); total != 1 || ids[0] != guide {
			t.Errorf("%s: search %d %v, want the guideline only", who, total, ids)
		}
	}
	// Search is a query, not a lookup: the library's users asking for the
	// report's own words, or for the hebei audit, find nothing of it.
	own := "q=" + url.QueryEscape(string([]rune(prose(80, pools[0], 600))[100:130]))
	for who, token := range map[string]string{"library publisher": lw.libPublisher, "library admin": lw.libAdmin} {
		for _, query := range []string{own, own + "&audit_id=" + lw.auditID, q + "&audit_id=" + lw.auditID, q + "&kind=report",
			q + "&enterprise_id=" + lw.entID, q + "&consultancy_id=" + lw.consID} {
			if total, ids := e.searchIDs(token, query); total != 0 {
				t.Errorf("%s: search %s: %d %v, want nothing", who, query, total, ids)
			}
		}
	}
	if total, _ := e.searchIDs(lw.consultant, own); total != 1 {
		t.Errorf("consultant: its report's own words: %d hits", total)
	}
	if total, ids := e.searchIDs(lw.consultant, q); total != 2 {
		t.Errorf("consultant: search %d %v, want the report and the guideline", total, ids)
	}
	bj := e.browser()
	bj.mustLogin("beijing", "admin@beijing.gov.cn")
	if p := bj.page("/search?" + q + "&kind=guideline"); !strings.Contains(p, "/documents/"+guide) || strings.Contains(p, report) {
		t.Errorf("beijing search page: %.3000s", p)
	}
}

package handlers_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/cpaudit/cpaudit"
)

type searchAnswer struct {
	Total int `json:"total"`
	Hits  []struct {
		DocumentID string   `json:"document_id"`
		Title      string   `json:"title"`
		Score      float64  `json:"score"`
		Fragments  []string `json:"fragments"`
		Version    int      `json:"version"`
	} `json:"hits"`
}

// search runs GET /api/v1/search and fails the test on an error status.
func (e *testEnv) search(token string, params url.Values) searchAnswer {
	e.t.Helper()
	var ans searchAnswer
	if status, body, _ := e.do("GET", "/api/v1/search?"+params.Encode(), token, nil, ""); status != 200 {
		e.t.Fatalf("search %s: %d %s", params.Encode(), status, body)
	} else if err := json.Unmarshal(body, &ans); err != nil {
		e.t.Fatalf("search %s: %v", params.Encode(), err)
	}
	if ans.Total < len(ans.Hits) {
		e.t.Errorf("search %s: total %d < %d hits", params.Encode(), ans.Total, len(ans.Hits))
	}
	return ans
}

func (a searchAnswer) ids() []string {
	var ids []string
	for _, h := range a.Hits {
		ids = append(ids, h.DocumentID)
	}
	slices.Sort(ids)
	return ids
}

// uploadText uploads content as a document and returns its id.
func (e *testEnv) uploadText(token string, fields [][2]string, filename string, content []byte) string {
	e.t.Helper()
	status, doc := e.upload(token, fields, filename, content)
	if status != 201 {
		e.t.Fatalf("upload %s: %d %v", filename, status, doc)
	}
	return doc["id"].(string)
}

func sorted(ids ...string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

func TestSearchSemantics(t *testing.T) {
	w := newWorld(t)
	e := w.e
	inAudit := [][2]string{{"kind", "report"}, {"audit_id", w.auditID}, {"step", "12"}}
	d1 := e.uploadText(w.consultant, inAudit, "报告.txt", []byte("本企业实施清洁生产方案后，全年节水\n量达到一万二千吨。"))
	gbk, err := simplifiedchinese.GBK.NewEncoder().String("废水回用率提高到百分之八十，节水量１２０００吨/年。")
	if err != nil {
		t.Fatal(err)
	}
	d2 := e.uploadText(w.consultant, [][2]string{{"kind", "evidence"}, {"audit_id", w.auditID}, {"step", "30"}}, "台账.txt", []byte(gbk))
	d3 := e.uploadText(w.consultant, inAudit, "summary.txt", []byte("Cleaner Production Audit of 石家庄化工. <script>alert(1)</script> 节水"))
	d4 := e.uploadText(w.admin, [][2]string{{"kind", "guideline"}}, "指南.txt", []byte("印染行业清洁生产评价指标体系"))
	e.process()

	for _, c := range []struct {
		q    string
		want []string
	}{
		{"节", sorted(d1, d2, d3)},
		{"清洁生产", sorted(d1, d4)},
		{"节水量", sorted(d1, d2)}, // d1's is broken by a line break
		{"12000", sorted(d2)},   // full-width digits in a GBK file
		{"１２０００吨", sorted(d2)},
		{"节水量 一万", sorted(d1)},
		{"节水量 -一万", sorted(d2)},
		{"cleaner production", sorted(d3)},
		{`"CLEANER PRODUCTION audit"`, sorted(d3)},
		{`"production cleaner"`, nil},
		{"石家庄化工", sorted(d3)},
		{"不存在的短语", nil},
		{"<script>", sorted(d3)},
	} {
		ans := e.search(w.admin, url.Values{"q": {c.q}})
		if got := ans.ids(); !slices.Equal(got, c.want) || ans.Total != len(c.want) {
			t.Errorf("q=%q: total %d, ids %v; want %v", c.q, ans.Total, got, c.want)
		}
	}

	// Fragments: escaped text, matches in <mark>.
	ans := e.search(w.admin, url.Values{"q": {"节水"}})
	for _, h := range ans.Hits {
		if len(h.Fragments) == 0 || !strings.Contains(strings.Join(h.Fragments, ""), "<mark>节水</mark>") {
			t.Errorf("%s: fragments %q", h.DocumentID, h.Fragments)
		}
		if h.DocumentID == d3 && (strings.Contains(h.Fragments[0], "<script>") || !strings.Contains(h.Fragments[0], "&lt;script&gt;")) {
			t.Errorf("fragment not escaped: %q", h.Fragments[0])
		}
		if h.Title == "" || h.Version != 1 {
			t.Errorf("hit %+v", h)
		}
	}

	// Filters.
	for _, c := range []struct {
		params url.Values
		want   []string
	}{
		{url.Values{"q": {"清洁"}, "kind": {"guideline"}}, sorted(d4)},
		{url.Values{"q": {"清洁"}, "audit_id": {w.auditID}}, sorted(d1)},
		{url.Values{"q": {"节"}, "enterprise_id": {w.entID}}, sorted(d1, d2, d3)},
		{url.Values{"q": {"节"}, "consultancy_id": {w.consID}}, sorted(d1, d2, d3)},
		{url.Values{"q": {"节"}, "step": {"30"}}, sorted(d2)},
		{url.Values{"q": {"节"}, "phase": {"P3"}}, sorted(d1, d3)},
		{url.Values{"q": {"节"}, "industry": {"C2710"}}, sorted(d1, d2, d3)},
		{url.Values{"q": {"节"}, "region": {"130000"}}, sorted(d1, d2, d3)},
		{url.Values{"q": {"节"}, "region": {"130200"}}, nil},
		{url.Values{"q": {"节"}, "from": {"2000-01-01"}, "to": {"2099-12-31"}}, sorted(d1, d2, d3)},
		{url.Values{"q": {"节"}, "to": {"2000-01-01"}}, nil},
		{url.Values{"q": {"节"}, "audit_id": {w.otherAuditID}}, nil}, // another tenant's audit: nothing, not an error
	} {
		ans := e.search(w.admin, c.params)
		if got := ans.ids(); !slices.Equal(got, c.want) || ans.Total != len(c.want) {
			t.Errorf("%s: total %d, ids %v; want %v", c.params.Encode(), ans.Total, got, c.want)
		}
	}

	// Paging and sorting by date: newest first, pages that add up.
	byDate := e.search(w.admin, url.Values{"q": {"节"}, "sort": {"date"}})
	if got := []string{byDate.Hits[0].DocumentID, byDate.Hits[1].DocumentID, byDate.Hits[2].DocumentID}; !slices.Equal(got, []string{d3, d2, d1}) {
		t.Errorf("by date: %v, want %v", got, []string{d3, d2, d1})
	}
	var paged []string
	for off := 0; off < 3; off++ {
		p := e.search(w.admin, url.Values{"q": {"节"}, "limit": {"1"}, "offset": {fmt.Sprint(off)}})
		if p.Total != 3 || len(p.Hits) != 1 {
			t.Fatalf("page %d: %+v", off, p)
		}
		paged = append(paged, p.Hits[0].DocumentID)
	}
	if slices.Sort(paged); !slices.Equal(paged, sorted(d1, d2, d3)) {
		t.Errorf("pages %v", paged)
	}
}

func TestSearchBadParameters(t *testing.T) {
	w := newWorld(t)
	for _, q := range []string{
		"", "q=", "q=%20%20", "q=a&limit=0", "q=a&limit=101", "q=a&limit=x", "q=a&offset=-1", "q=a&kind=memo",
		"q=a&step=36", "q=a&step=0", "q=a&phase=P8", "q=a&from=2026-13-01", "q=a&to=2999-12-31", "q=a&from=1000-01-01", "q=a&to=yesterday", "q=a&sort=size",
		"q=a&industry=27", "q=a&region=13", "q=%22%22", "q=-%E8%8A%82", "q=a&audit_id=" + strings.Repeat("x", 100),
	} {
		status, body, h := w.e.do("GET", "/api/v1/search?"+q, w.admin, nil, "")
		if status != 400 {
			t.Errorf("%s: %d %s, want 400", q, status, body)
			continue
		}
		problemOf(t, status, body, h)
	}
	if status, _, _ := w.e.do("GET", "/api/v1/search?q=a", "", nil, ""); status != 401 {
		t.Errorf("without a token: %d", status)
	}
}

// TestSearchVisibility: a search counts only what the caller may open.
func TestSearchVisibility(t *testing.T) {
	w := newWorld(t)
	e := w.e
	ctx := t.Context()
	tn, _ := e.store.TenantBySlug(ctx, "hebei")
	admin := cpaudit.SystemActor(tn.ID)

	// A second firm with its own audit of an enterprise in another city.
	ent2, err := e.store.CreateOrganisation(ctx, admin, cpaudit.Organisation{Kind: cpaudit.OrgEnterprise, Name: "唐山钢铁有限公司",
		CreditCode: "91130200MA0CCCCC3" + string(cpaudit.CreditCodeCheck("91130200MA0CCCCC3")), Industry: "C3110", Region: "130203"})
	if err != nil {
		t.Fatal(err)
	}
	cons2 := e.org(admin, cpaudit.OrgConsultancy, "蓝天咨询", "91130200MA0DDDDD4")
	au2, err := e.store.CreateAudit(ctx, admin, ent2.ID, cons2.ID)
	if err != nil {
		t.Fatal(err)
	}
	rival := e.user(admin, "wang@lantian.cn", cpaudit.RoleConsultant, cons2.ID)
	owner := e.user(admin, "boss@sjz-chem.cn", cpaudit.RoleEnterprise, w.entID)

	mine := e.uploadText(w.consultant, [][2]string{{"kind", "report"}, {"audit_id", w.auditID}}, "a.txt", []byte("节水量一万吨"))
	theirs := e.uploadText(rival, [][2]string{{"kind", "report"}, {"audit_id", au2.ID}}, "b.txt", []byte("节水量两万吨"))
	guide := e.uploadText(w.admin, [][2]string{{"kind", "guideline"}}, "c.txt", []byte("节水量计算方法"))
	e.process()

	// Regulators bounded by region: Shijiazhuang (130100) sees its own
	// city's audit, Tangshan (130200) the other, the province both.
	city := func(region, email string) string {
		o, err := e.store.CreateOrganisation(ctx, admin, cpaudit.Organisation{Kind: cpaudit.OrgRegulator, Name: region + "生态环境局", Region: region})
		if err != nil {
			t.Fatal(err)
		}
		return e.user(admin, email, cpaudit.RoleRegulator, o.ID)
	}
	sjz, ts, prov := city("130100", "sjz@hebei.gov.cn"), city("130200", "ts@hebei.gov.cn"), city("130000", "prov@hebei.gov.cn")

	for _, c := range []struct {
		who   string
		token string
		want  []string
	}{
		{"admin", w.admin, sorted(mine, theirs, guide)},
		{"regulator without region", w.regulator, sorted(mine, theirs, guide)},
		{"consultant", w.consultant, sorted(mine, guide)},
		{"rival consultant", rival, sorted(theirs, guide)},
		{"enterprise", owner, sorted(mine, guide)},
		{"city regulator 130100", sjz, sorted(mine, guide)},
		{"city regulator 130200", ts, sorted(theirs, guide)},
		{"provincial regulator", prov, sorted(mine, theirs, guide)},
		{"another tenant's consultant", w.otherConsultant, nil},
	} {
		ans := e.search(c.token, url.Values{"q": {"节水量"}})
		if got := ans.ids(); !slices.Equal(got, c.want) || ans.Total != len(c.want) {
			t.Errorf("%s: total %d, ids %v; want %v", c.who, ans.Total, got, c.want)
		}
		// The rule is the one that guards opening a document.
		for _, id := range []string{mine, theirs} {
			status := e.getJSON("/api/v1/documents/"+id, c.token, nil)
			if can := slices.Contains(c.want, id); can != (status == 200) {
				t.Errorf("%s: GET %s = %d, but search says visible=%v", c.who, id, status, can)
			}
		}
	}
	// The same bounds hold for the audits themselves.
	for _, c := range []struct {
		token  string
		audit  string
		status int
	}{
		{sjz, w.auditID, 200}, {sjz, au2.ID, 404}, {ts, w.auditID, 404}, {ts, au2.ID, 200}, {prov, w.auditID, 200}, {prov, au2.ID, 200},
	} {
		if status := e.getJSON("/api/v1/audits/"+c.audit, c.token, nil); status != c.status {
			t.Errorf("GET audit %s: %d, want %d", c.audit, status, c.status)
		}
	}
	// The other tenant's document is never found from here.
	if ans := e.search(w.admin, url.Values{"q": {"北京"}}); ans.Total != 0 {
		t.Errorf("hebei finds beijing's document: %+v", ans)
	}
}

func TestSearchFollowsNewVersionsAndStatus(t *testing.T) {
	w := newWorld(t)
	e := w.e
	var st cpaudit.SearchStatus
	id := e.uploadText(w.consultant, [][2]string{{"kind", "report"}, {"audit_id", w.auditID}}, "a.txt", []byte("旧方案：更换节能电机"))
	e.uploadText(w.consultant, [][2]string{{"kind", "evidence"}, {"audit_id", w.auditID}}, "b.txt", []byte("电表读数"))
	if status := e.getJSON("/api/v1/status", w.consultant, &st); status != 200 || st.IndexPending != 2 {
		t.Fatalf("status after upload: %d %+v", status, st)
	}
	// Each tenant counts its own: beijing has the one document of newWorld.
	if e.getJSON("/api/v1/status", w.otherAdmin, &st); st.IndexPending != 1 {
		t.Errorf("beijing status %+v", st)
	}
	e.process()
	if e.getJSON("/api/v1/status", w.consultant, &st); st.IndexPending != 0 || st.AnalysisPending != 0 {
		t.Fatalf("status after processing: %+v", st)
	}
	if ans := e.search(w.consultant, url.Values{"q": {"节能电机"}}); ans.Total != 1 {
		t.Fatalf("first version: %+v", ans)
	}
	body, ct := multipartBody(t, nil, "a2.txt", []byte("新方案：余热回收发电"))
	if status, b, _ := e.do("POST", "/api/v1/documents/"+id+"/versions", w.consultant, body, ct); status != 201 {
		t.Fatalf("new version: %d %s", status, b)
	}
	// Until the new text is extracted, the old one stays searchable.
	if ans := e.search(w.consultant, url.Values{"q": {"节能电机"}}); ans.Total != 1 {
		t.Errorf("while the new version waits: %+v", ans)
	}
	e.process()
	if ans := e.search(w.consultant, url.Values{"q": {"节能电机"}}); ans.Total != 0 {
		t.Errorf("old text still found: %+v", ans)
	}
	if ans := e.search(w.consultant, url.Values{"q": {"余热回收"}}); ans.Total != 1 || ans.Hits[0].Version != 2 {
		t.Errorf("new text: %+v", ans)
	}
}

func TestDeleteDocumentLeavesSearch(t *testing.T) {
	w := newWorld(t)
	e := w.e
	id := e.uploadText(w.consultant, [][2]string{{"kind", "report"}, {"audit_id", w.auditID}}, "a.txt", []byte("拟删除的报告：脱硫脱硝改造"))
	keep := e.uploadText(w.consultant, [][2]string{{"kind", "report"}, {"audit_id", w.auditID}}, "b.txt", []byte("保留的报告：脱硫脱硝改造"))
	e.process()
	if ans := e.search(w.regulator, url.Values{"q": {"脱硫脱硝"}}); ans.Total != 2 {
		t.Fatalf("before: %+v", ans)
	}
	// A regulator may read it but not delete it; another tenant cannot see it.
	if status, _, _ := e.do("DELETE", "/api/v1/documents/"+id, w.regulator, nil, ""); status != 409 {
		t.Errorf("regulator delete: %d, want 409", status)
	}
	if status, _, _ := e.do("DELETE", "/api/v1/documents/"+id, w.otherAdmin, nil, ""); status != 404 {
		t.Errorf("other tenant delete: %d, want 404", status)
	}
	if status, b, _ := e.do("DELETE", "/api/v1/documents/"+id, w.consultant, nil, ""); status != 204 {
		t.Fatalf("delete: %d %s", status, b)
	}
	if status, _, _ := e.do("DELETE", "/api/v1/documents/"+id, w.consultant, nil, ""); status != 404 {
		t.Errorf("second delete: %d, want 404", status)
	}
	for _, path := range []string{"/api/v1/documents/" + id, "/api/v1/documents/" + id + "/content", "/api/v1/documents/" + id + "/text"} {
		if status := e.getJSON(path, w.admin, nil); status != 404 {
			t.Errorf("GET %s after delete: %d", path, status)
		}
	}
	// Neither hit nor counted from the moment DELETE answers, though the
	// index still holds it: it has a recheck job, and searches ask the
	// database about such documents.
	for _, tok := range []string{w.regulator, w.admin, w.consultant} {
		if ans := e.search(tok, url.Values{"q": {"脱硫脱硝"}}); ans.Total != 1 || len(ans.Hits) != 1 || ans.Hits[0].DocumentID != keep {
			t.Errorf("right after delete: %+v", ans)
		}
		if ans := e.search(tok, url.Values{"q": {"拟删除"}}); ans.Total != 0 || len(ans.Hits) != 0 {
			t.Errorf("its own words right after delete: %+v", ans)
		}
	}
	var st cpaudit.SearchStatus
	if e.getJSON("/api/v1/status", w.admin, &st); st.IndexPending != 1 {
		t.Errorf("status after delete: %+v", st)
	}
	e.process()
	if ans := e.search(w.regulator, url.Values{"q": {"脱硫脱硝"}}); ans.Total != 1 || ans.Hits[0].DocumentID != keep {
		t.Errorf("after indexing: %+v", ans)
	}
	var list struct{ Total int }
	if e.getJSON("/api/v1/documents", w.admin, &list); list.Total != 1 {
		t.Errorf("list after delete: %d", list.Total)
	}
}

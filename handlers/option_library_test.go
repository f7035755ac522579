package handlers_test

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/cpaudit/cpaudit"
)

// libWorld is the hebei world (绿源's audit of 石家庄化工, C2710, 130100)
// plus a Tangshan audit (C2720, 130200) run by another firm, 华北咨询, a
// Tangshan office, an expert and the Shijiazhuang enterprise's user.
type libWorld struct {
	*world
	cons2, ts, expert, entUser string
	tsAudit                    string
}

func newLibWorld(t *testing.T) *libWorld {
	w := newWorld(t)
	e := w.e
	ctx := t.Context()
	lw := &libWorld{world: w}
	tsEnt, err := e.store.CreateOrganisation(ctx, w.sys, cpaudit.Organisation{Kind: cpaudit.OrgEnterprise, Name: "唐山制药有限公司",
		CreditCode: "91130200MA0EEEEE5" + string(cpaudit.CreditCodeCheck("91130200MA0EEEEE5")), Industry: "C2720", Region: "130203"})
	if err != nil {
		t.Fatal(err)
	}
	cons2 := e.org(w.sys, cpaudit.OrgConsultancy, "华北咨询", "91130200MA0DDDDD4")
	au, err := e.store.CreateAudit(ctx, w.sys, tsEnt.ID, cons2.ID)
	if err != nil {
		t.Fatal(err)
	}
	lw.tsAudit = au.ID
	lw.cons2 = e.user(w.sys, "wang@huabei.cn", cpaudit.RoleConsultant, cons2.ID)
	office, err := e.store.CreateOrganisation(ctx, w.sys, cpaudit.Organisation{Kind: cpaudit.OrgRegulator, Name: "唐山市生态环境局", Region: "130200"})
	if err != nil {
		t.Fatal(err)
	}
	lw.ts = e.user(w.sys, "li@ts.gov.cn", cpaudit.RoleRegulator, office.ID)
	lw.expert = e.user(w.sys, "sun@expert.cn", cpaudit.RoleExpert, "")
	lw.entUser = e.user(w.sys, "boss@sjzhg.cn", cpaudit.RoleEnterprise, w.entID)
	return lw
}

// option posts an option of an audit and returns its id.
func (lw *libWorld) option(token, auditID string, o map[string]any) string {
	lw.e.t.Helper()
	var got struct{ ID string }
	if status, body := lw.e.postJSON("/api/v1/audits/"+auditID+"/options", token, o, &got); status != 201 {
		lw.e.t.Fatalf("option: %d %s", status, body)
	}
	return got.ID
}

type libAnswer struct {
	Options []cpaudit.LibraryOption
}

func (lw *libWorld) library(token, query string) (libAnswer, string) {
	lw.e.t.Helper()
	status, body, _ := lw.e.do("GET", "/api/v1/option-library"+query, token, nil, "")
	if status != 200 {
		lw.e.t.Fatalf("library%s: %d %s", query, status, body)
	}
	var a libAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		lw.e.t.Fatal(err)
	}
	return a, string(body)
}

func codesOf(a libAnswer) []string {
	var out []string
	for _, o := range a.Options {
		out = append(out, o.Code)
	}
	return out
}

func (lw *libWorld) recommend(method, token, id string, body any) (int, string) {
	lw.e.t.Helper()
	b, _ := json.Marshal(body)
	status, got, _ := lw.e.do(method, "/api/v1/option-library/"+id+"/recommendation", token, bytes.NewReader(b), "application/json")
	var p struct{ Code string }
	json.Unmarshal(got, &p)
	return status, p.Code
}

// TestOptionLibraryRights is issue 20 item 4 through the API: who sees
// which options with which names and links, who recommends, and that a
// recommendation shows the option to every user of the tenant without
// the enterprise's name unless the regulator publishes it.
func TestOptionLibraryRights(t *testing.T) {
	lw := newLibWorld(t)
	// 20 万元 for 4 t COD a year: 5 万元/t; 10 万元 a year pays back in 2.
	invoice := lw.e.uploadText(lw.consultant, [][2]string{{"kind", "evidence"}, {"audit_id", lw.auditID}, {"title", "回用设备发票"}},
		"发票.txt", []byte("石家庄化工有限公司 回用设备发票"))
	f1 := lw.option(lw.consultant, lw.auditID, map[string]any{"code": "F1", "name": "废水深度处理回用", "category": "high_cost",
		"status": "implemented", "figures": map[string]float64{"investment": 200000, "benefit": 100000, "cod": 4}, "document_ids": []string{invoice}})
	f2 := lw.option(lw.consultant, lw.auditID, map[string]any{"code": "F2", "name": "车间节水改造", "category": "low_cost",
		"figures": map[string]float64{"investment": 10000, "cod": 1}})
	lw.option(lw.cons2, lw.tsAudit, map[string]any{"code": "T1", "name": "发酵尾气VOCs治理", "category": "high_cost",
		"status": "verified", "figures": map[string]float64{"investment": 100000, "cod": 1, "vocs": 2}})

	// Reach: each sees the counted options of the audits it reads.
	if a, _ := lw.library(lw.consultant, "?per=cod"); !sameCodes(codesOf(a), "F1") || !a.Options[0].Readable ||
		a.Options[0].AuditID != lw.auditID || a.Options[0].EnterpriseName != "石家庄化工有限公司" ||
		*a.Options[0].CostPerUnit != 50000 || *a.Options[0].PaybackYears != 2 || !sameCodes(a.Options[0].DocumentIDs, invoice) {
		t.Errorf("绿源: %+v", a)
	}
	if a, body := lw.library(lw.cons2, "?per=cod"); !sameCodes(codesOf(a), "T1") || strings.Contains(body, "石家庄") {
		t.Errorf("华北咨询: %s", body)
	}
	if a, _ := lw.library(lw.regulator, "?per=cod"); !sameCodes(codesOf(a), "F1", "T1") {
		t.Errorf("province, by cost: %v", codesOf(a))
	}
	if a, _ := lw.library(lw.regulator, "?industry=C2720"); !sameCodes(codesOf(a), "T1") {
		t.Errorf("province, C2720: %v", codesOf(a))
	}
	if a, _ := lw.library(lw.ts, ""); !sameCodes(codesOf(a), "T1") {
		t.Errorf("Tangshan office: %v", codesOf(a))
	}

	// Who recommends: out of reach is 404 whatever the role; in reach
	// but not a regulator is 409; a proposed option is not recommended.
	for _, c := range []struct {
		who, token, id string
		status         int
		code           string
	}{
		{"another firm", lw.cons2, f1, 404, "not_found"},
		{"the Tangshan office", lw.ts, f1, 404, "not_found"},
		{"another tenant", lw.otherAdmin, f1, 404, "not_found"},
		{"nowhere", lw.regulator, "o0nowhere", 404, "not_found"},
		{"its own consultant", lw.consultant, f1, 409, "option_recommend_not_allowed"},
		{"its enterprise", lw.entUser, f1, 409, "option_recommend_not_allowed"},
		{"an expert", lw.expert, f1, 409, "option_recommend_not_allowed"},
		{"a proposed option", lw.regulator, f2, 409, "option_recommend_not_counted"},
	} {
		for _, m := range []string{"PUT", "DELETE"} {
			if m == "DELETE" && c.code == "option_recommend_not_counted" {
				continue
			}
			if status, code := lw.recommend(m, c.token, c.id, map[string]any{"note": "推广"}); status != c.status || code != c.code {
				t.Errorf("%s %s: %d %s, want %d %s", m, c.who, status, code, c.status, c.code)
			}
		}
	}
	if status, code := lw.recommend("PUT", lw.regulator, f1, map[string]any{"note": strings.Repeat("长", 1001)}); status != 400 || code != "text_too_long" {
		t.Errorf("long note: %d %s", status, code)
	}

	// Recommended without the name: another firm sees the figures and the
	// note, not the audit, the enterprise, the evidence or the regulator.
	if status, code := lw.recommend("PUT", lw.regulator, f1, map[string]any{"note": "化工行业废水回用的推荐方案"}); status != 200 {
		t.Fatalf("recommend: %d %s", status, code)
	}
	a, body := lw.library(lw.cons2, "?per=cod")
	if !sameCodes(codesOf(a), "F1", "T1") {
		t.Fatalf("华北咨询 after the recommendation: %s", body)
	}
	if o := a.Options[0]; o.Readable || o.AuditID != "" || o.EnterpriseName != "" || o.Recommendation == nil ||
		o.Recommendation.Note != "化工行业废水回用的推荐方案" || o.Recommendation.By != "" || *o.CostPerUnit != 50000 {
		t.Errorf("recommended option as another firm sees it: %+v", o)
	}
	for _, s := range []string{"石家庄", lw.auditID, lw.entID, "chen@hebei.gov.cn", invoice} {
		if strings.Contains(body, s) {
			t.Errorf("another firm's library shows %q", s)
		}
	}
	if a, _ := lw.library(lw.entUser, ""); !sameCodes(codesOf(a), "F1") || !a.Options[0].Readable || a.Options[0].AuditID != lw.auditID {
		t.Errorf("its own enterprise: %+v", a)
	}
	if a, _ := lw.library(lw.ts, "?recommended=true"); !sameCodes(codesOf(a), "F1") || a.Options[0].Readable {
		t.Errorf("Tangshan office, recommended: %+v", a)
	}
	if a, _ := lw.library(lw.regulator, "?recommended=true"); !sameCodes(codesOf(a), "F1") || a.Options[0].Recommendation.By != "chen@hebei.gov.cn" {
		t.Errorf("province, recommended: %+v", a)
	}
	if _, body := lw.library(lw.otherConsultant, ""); strings.Contains(body, "F1") || strings.Contains(body, "废水深度处理回用") {
		t.Errorf("another tenant sees hebei's recommendation: %s", body)
	}

	// Published: the name, still not the audit.
	if status, _ := lw.recommend("PUT", lw.regulator, f1, map[string]any{"note": "化工行业废水回用的推荐方案", "publish_name": true}); status != 200 {
		t.Fatalf("publish: %d", status)
	}
	if a, _ := lw.library(lw.cons2, "?recommended=true"); len(a.Options) != 1 || a.Options[0].EnterpriseName != "石家庄化工有限公司" || a.Options[0].AuditID != "" {
		t.Errorf("published: %+v", a)
	}

	// Taken back: gone from another firm's library again; both logged.
	if status, _ := lw.recommend("DELETE", lw.regulator, f1, nil); status != 204 {
		t.Errorf("unmark: %d", status)
	}
	if a, _ := lw.library(lw.cons2, ""); !sameCodes(codesOf(a), "T1") {
		t.Errorf("after unmarking: %v", codesOf(a))
	}
	tn, err := lw.e.store.TenantBySlug(t.Context(), "hebei")
	if err != nil {
		t.Fatal(err)
	}
	log, err := lw.e.store.ObjectLog(t.Context(), cpaudit.SystemActor(tn.ID), "audit", lw.auditID, 50)
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, l := range log {
		if strings.HasPrefix(l.Action, "option.") && strings.Contains(l.Action, "recommend") && l.Email == "chen@hebei.gov.cn" {
			n[l.Action]++
		}
	}
	if n["option.recommend"] != 2 || n["option.unrecommend"] != 1 {
		t.Errorf("logged %v", n)
	}

	// Bad filters are 400 with their codes.
	for q, code := range map[string]string{"?per=investment": "ranking_per_invalid", "?sort=cost": "sort_invalid",
		"?per=cod&sort=newest": "sort_invalid", "?industry=化工": "industry_invalid", "?recommended=yes": "audit_filter_invalid"} {
		status, body, _ := lw.e.do("GET", "/api/v1/option-library"+q, lw.regulator, nil, "")
		if status != 400 || !strings.Contains(string(body), code) {
			t.Errorf("%s: %d %s", q, status, body)
		}
	}
}

// TestOptionLibraryPage is the page: a regulator recommends from the row,
// another firm's consultant sees the option without the name, both in
// Chinese.
func TestOptionLibraryPage(t *testing.T) {
	lw := newLibWorld(t)
	f1 := lw.option(lw.consultant, lw.auditID, map[string]any{"code": "F1", "name": "废水深度处理回用", "category": "high_cost",
		"status": "implemented", "figures": map[string]float64{"investment": 200000, "cod": 4}})
	reg := lw.e.browser()
	reg.mustLogin("hebei", "chen@hebei.gov.cn")
	page := reg.get("/option-library?per=cod")
	if page.status != 200 || !strings.Contains(page.body, "技术成果库") || !strings.Contains(page.body, "lib-form-"+f1) ||
		!strings.Contains(page.body, "/audits/"+lw.auditID) || !strings.Contains(page.body, ">5<") {
		t.Fatalf("regulator's page: %d %s", page.status, page.body)
	}
	r := reg.postForm("/option-library/"+f1+"/recommendation", url.Values{"csrf": {reg.csrf()}, "action": {"recommend"},
		"note": {"推荐在化工行业推广"}, "back": {"per=cod"}})
	if r.status != 303 || r.header.Get("Location") != "/option-library?per=cod#lib-"+f1 {
		t.Fatalf("recommend: %d %s", r.status, r.header.Get("Location"))
	}
	if page := reg.get("/option-library?per=cod"); !strings.Contains(page.body, "推荐在化工行业推广") || !strings.Contains(page.body, "lib-unmark-"+f1) {
		t.Fatalf("after recommending: %s", page.body)
	}
	cons := lw.e.browser()
	cons.mustLogin("hebei", "wang@huabei.cn")
	page = cons.get("/option-library?recommended=true")
	if !strings.Contains(page.body, "废水深度处理回用") || !strings.Contains(page.body, "企业名称未公开") ||
		strings.Contains(page.body, "石家庄") || strings.Contains(page.body, lw.auditID) || strings.Contains(page.body, "lib-form-") {
		t.Errorf("another firm's page: %s", page.body)
	}
	if !strings.Contains(page.body, `id="nav-library"`) {
		t.Errorf("no navigation link")
	}
	// A consultant's post is refused in Chinese, its option unchanged.
	own := lw.e.browser()
	own.mustLogin("hebei", "zhang@lvyuan.cn")
	r = own.postForm("/option-library/"+f1+"/recommendation", url.Values{"csrf": {own.csrf()}, "action": {"unmark"}})
	if r.status != 409 || !strings.Contains(r.body, "只有生态环境主管部门") {
		t.Errorf("consultant unmarks: %d %s", r.status, r.body)
	}
	if r := cons.postForm("/option-library/"+f1+"/recommendation", url.Values{"csrf": {cons.csrf()}, "action": {"unmark"}}); r.status != 404 {
		t.Errorf("another firm unmarks: %d", r.status)
	}
}

// sameCodes reports whether got is want.
func sameCodes(got []string, want ...string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

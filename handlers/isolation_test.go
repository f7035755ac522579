package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers"
)

// idOfSegment says which kind of thing an {id} names, by the path segment
// before it.
var idOfSegment = map[string]string{
	"documents": "document", "audits": "audit", "organisations": "enterprise", "consultancies": "consultancy",
	"batches": "batch", "tokens": "token", "imports": "import", "flags": "flag", "campaigns": "campaign",
	"experts": "expert", "assignments": "assignment", "findings": "finding", "enterprises": "enterprise", "guidelines": "guideline", "sources": "screening_source",
	"option-library": "option",
}

// otherVars fills the path variables that are not ids.
var otherVars = map[string]string{"n": "1", "version": "1", "action": "submit", "side": "a"}

// notTenantData lists the routes whose path variables name nothing of a
// tenant's, with why.
var notTenantData = map[string]string{
	"PUT /api/v1/steps/{n}/expected": "{n} is a step number, 1..35 in every tenant; the caller sets its own tenant's list",
}

// idQueries are the routes that name things by id in their query rather
// than their path, with that query ({document} and so on as in ids): the
// walk calls them like the routes with ids in their paths.
var idQueries = map[string]string{
	"GET /api/v1/compare": "a={document}&b={document}",
	"GET /compare":        "a={document}&b={document}",
}

// victimMarkers are words only the victim tenant's things contain.
var victimMarkers = []string{"石家庄", "绿源", "唐山", "河北秘密", "河北第一批"}

// TestEveryRouteIsolatesTenants walks the router and calls every route
// that names something by id with the ids of another tenant's things, by
// API token (that tenant's admin and consultant) and by browser session
// (its admin): the answer is always 404, never the data, and nothing
// changes. A route added later that takes an id fails here until this
// test knows what its id names.
func TestEveryRouteIsolatesTenants(t *testing.T) {
	w := newWorld(t)
	e := w.e
	ids := victimThings(t, w)

	b := e.browser()
	b.mustLogin("beijing", "admin@beijing.gov.cn")
	tried := walkIDRoutes(t, e, ids, attacker{tokens: []string{w.otherAdmin, w.otherConsultant}, strict: w.otherAdmin, browser: b})
	if tried < 40 {
		t.Errorf("only %d routes with ids tried: the walk lost routes", tried)
	}
	t.Logf("%d routes with ids tried", tried)
	checkVictimIntact(t, w, ids)
}

// attacker is who walks the routes with the victim's ids: by API token
// and, if browser is set, by its logged-in session.
type attacker struct {
	tokens []string
	// strict is a token (an admin's) that must get 404 even where a
	// refusal before the id is looked at (the role, a field) would
	// otherwise do, as long as an id that exists nowhere gets the same.
	strict  string
	browser *browser
	// readable lists the routes ("GET /api/v1/documents/{id}") that may
	// answer the victim's thing by design; they are not walked.
	readable map[string]bool
}

// walkIDRoutes calls every route that names something by id with ids, as
// a: the answer is 404, never the victim's data. It returns how many
// routes it tried. A route added later whose id this test cannot fill
// fails here.
func walkIDRoutes(t *testing.T, e *testEnv, ids map[string]string, a attacker) int {
	t.Helper()
	csrf := ""
	if a.browser != nil {
		csrf = a.browser.csrf()
	}
	tried := 0
	for _, rt := range handlers.Routes(e.handler) {
		method, tmpl := rt[0], rt[1]
		query, byQuery := idQueries[method+" "+tmpl]
		if !strings.Contains(tmpl, "{") && !byQuery || a.readable[method+" "+tmpl] {
			continue
		}
		if _, ok := notTenantData[method+" "+tmpl]; ok {
			continue
		}
		path, err := fillRoute(tmpl, ids)
		if err != "" {
			t.Errorf("%s %s: %s", method, tmpl, err)
			continue
		}
		nowhere, _ := fillRoute(tmpl, nil)
		if byQuery {
			path += "?" + fillQuery(query, ids)
			nowhere += "?" + fillQuery(query, nil)
		}
		if path == nowhere {
			continue // none of the victim's ids goes in: nothing to try
		}
		tried++
		if strings.HasPrefix(tmpl, "/api/") {
			for _, token := range a.tokens {
				body, ct := apiBody(t, method, tmpl, ids)
				status, got, h := e.do(method, path, token, body, ct)
				checkNoVictimData(t, method+" "+path, string(got))
				if status == http.StatusNotFound {
					problemOf(t, status, got, h)
					continue
				}
				// Refused before the id was looked at (the caller's role, a
				// field): fine only if an id that exists nowhere gets the
				// very same answer, so nothing tells the two apart.
				body, ct = apiBody(t, method, tmpl, ids)
				status2, got2, _ := e.do(method, nowhere, token, body, ct)
				if token == a.strict || status < 400 || status != status2 || !bytes.Equal(got, got2) {
					t.Errorf("API %s %s: %d %s, want 404 (an id that exists nowhere: %d %s)", method, path, status, got, status2, got2)
				}
			}
			continue
		}
		if a.browser == nil {
			continue
		}
		r := webCall(a.browser, method, path, tmpl, csrf)
		checkNoVictimData(t, method+" "+path, r.body)
		if r.status != http.StatusNotFound {
			t.Errorf("web %s %s: %d, want 404", method, path, r.status)
		}
	}
	return tried
}

// victimThings makes one of every kind of thing in the world's first
// tenant (hebei) and returns their ids by kind.
func victimThings(t *testing.T, w *world) map[string]string {
	t.Helper()
	e := w.e
	ids := map[string]string{"audit": w.auditID, "enterprise": w.entID, "consultancy": w.consID}
	ids["document"] = e.uploadText(w.consultant, [][2]string{{"kind", "report"}, {"audit_id", w.auditID}, {"title", "河北秘密报告"}},
		"河北秘密报告.txt", []byte("河北秘密报告：石家庄化工有限公司的清洁生产审核"))
	var batch, token struct{ ID string }
	if status, body := e.postJSON("/api/v1/batches", w.admin, map[string]any{"year": 2026, "number": 1, "name": "河北第一批"}, &batch); status != 201 {
		t.Fatalf("batch: %d %s", status, body)
	}
	ids["batch"] = batch.ID
	var campaign struct{ ID string }
	if status, body := e.postJSON("/api/v1/campaigns", w.admin, map[string]any{"name": "河北第一批抽查", "stage": "assessment", "size": 1}, &campaign); status != 201 {
		t.Fatalf("campaign: %d %s", status, body)
	}
	ids["campaign"] = campaign.ID
	// An expert of the pool, drawn to review the campaign's audit.
	tn, err := e.store.TenantBySlug(context.Background(), "hebei")
	if err != nil {
		t.Fatal(err)
	}
	e.user(cpaudit.SystemActor(tn.ID), "expert@hebei-pool.cn", cpaudit.RoleExpert, "")
	expert, err := e.store.UserByEmail(context.Background(), tn.ID, "expert@hebei-pool.cn")
	if err != nil {
		t.Fatal(err)
	}
	ids["expert"] = expert.ID
	var drawn struct{ Assignments []struct{ ID string } }
	if status, body := e.postJSON("/api/v1/campaigns/"+campaign.ID+"/assignments", w.admin, map[string]any{"per_audit": 1}, &drawn); status != 201 {
		t.Fatalf("assignments: %d %s", status, body)
	}
	ids["assignment"] = drawn.Assignments[0].ID
	// A finding with the veto, so the consultancy's evaluation has
	// something to leak.
	var finding struct{ ID string }
	if status, body := e.postJSON("/api/v1/findings", w.regulator, map[string]any{"audit_id": w.auditID, "category": "fake_report",
		"severity": "major", "description": "河北秘密问题：虚假报告", "document_ids": []string{ids["document"]}}, &finding); status != 201 {
		t.Fatalf("finding: %d %s", status, body)
	}
	ids["finding"] = finding.ID
	if status, body := e.postJSON("/api/v1/tokens", w.admin, map[string]string{"name": "河北脚本"}, &token); status != 201 {
		t.Fatalf("token: %d %s", status, body)
	}
	ids["token"] = token.ID
	sheet := importSheet(t, [][]any{importHeader, {"唐山坏代码公司", "91350100M000100Y40", "C2520", "130104"}})
	body, ct := multipartBody(t, nil, "企业名单.xlsx", sheet)
	status, got, _ := e.do("POST", "/api/v1/enterprises/import", w.admin, body, ct)
	var imp struct{ ID string }
	if status != 200 || json.Unmarshal(got, &imp) != nil || imp.ID == "" {
		t.Fatalf("import: %d %s", status, got)
	}
	ids["import"] = imp.ID
	// Screening source data, imported by the admin.
	body, ct = multipartBody(t, [][2]string{{"name", "河北秘密源数据"}}, "源数据.csv", []byte(sourceCSV()))
	status, got, _ = e.do("POST", "/api/v1/screening/sources", w.admin, body, ct)
	var src struct{ ID string }
	if status != 201 || json.Unmarshal(got, &src) != nil || src.ID == "" {
		t.Fatalf("screening source: %d %s", status, got)
	}
	ids["screening_source"] = src.ID
	// A flag: the same file in two enterprises' audits.
	other, otherAudit := w.enterpriseOf(1, "唐山钢铁有限公司")
	photo := []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00 唐山 设备铭牌照片")
	e.uploadText(w.consultant, [][2]string{{"kind", "evidence"}, {"audit_id", w.auditID}}, "铭牌.jpg", photo)
	e.uploadText(other, [][2]string{{"kind", "evidence"}, {"audit_id", otherAudit}}, "照片.jpg", photo)
	e.process()
	fl := e.flags(w.regulator, "?kind=duplicate_file")
	if len(fl.Flags) != 1 {
		t.Fatalf("want 1 flag, got %+v", fl)
	}
	ids["flag"] = fl.Flags[0].ID
	// A draft guideline version registered by the admin: read by the
	// tenant's admins and its author alone.
	guide := e.uploadText(w.admin, [][2]string{{"kind", "guideline"}, {"title", "涂装行业指南草稿"}}, "涂装指南草稿.txt", []byte("涂装行业清洁生产审核指南草稿"))
	var gl struct{ ID string }
	if status, body := e.postJSON("/api/v1/guidelines", w.admin, map[string]any{"document_id": guide, "issuing_body": "河北省生态环境厅",
		"effective_date": "2026-05-01", "industries": []string{"C27"}}, &gl); status != 201 {
		t.Fatalf("guideline: %d %s", status, body)
	}
	ids["guideline"] = gl.ID
	// An implemented option of the audit, in the options library but
	// recommended by nobody: only who may read the audit sees it.
	var opt struct{ ID string }
	if status, body := e.postJSON("/api/v1/audits/"+w.auditID+"/options", w.consultant, map[string]any{"code": "F9", "name": "河北秘密方案",
		"category": "high_cost", "status": "implemented", "figures": map[string]float64{"investment": 200000, "cod": 4}}, &opt); status != 201 {
		t.Fatalf("option: %d %s", status, body)
	}
	ids["option"] = opt.ID
	return ids
}

// routesLast lists the server's routes (method, path template), those
// that last says must come last (they end the session or remove things
// the others need) at the end.
func routesLast(e *testEnv, last func(method, tmpl string) bool) [][2]string {
	routes := handlers.Routes(e.handler)
	slices.SortStableFunc(routes, func(x, y [2]string) int {
		lx, ly := last(x[0], x[1]), last(y[0], y[1])
		switch {
		case lx == ly:
			return 0
		case lx:
			return 1
		}
		return -1
	})
	return routes
}

// fillRoute puts ids and values into a path template, or says why not; an
// id of a kind missing from ids is one that exists nowhere.
func fillRoute(tmpl string, ids map[string]string) (string, string) {
	segs := strings.Split(tmpl, "/")
	for i, s := range segs {
		if !strings.HasPrefix(s, "{") {
			continue
		}
		name, _, _ := strings.Cut(strings.Trim(s, "{}"), ":")
		if kind, ok := strings.CutSuffix(name, "_id"); ok {
			// {assignment_id}: a second id, named by its kind.
			segs[i] = "x0nowhere"
			if id, ok := ids[kind]; ok {
				segs[i] = id
			}
			continue
		}
		if name != "id" {
			v, ok := otherVars[name]
			if !ok {
				return "", "path variable {" + name + "} unknown to this test: add it to otherVars or notTenantData"
			}
			segs[i] = v
			continue
		}
		kind, ok := idOfSegment[segs[i-1]]
		if !ok {
			return "", "an id of /" + segs[i-1] + "/ unknown to this test: add it to idOfSegment"
		}
		segs[i] = "x0nowhere"
		if id, ok := ids[kind]; ok {
			segs[i] = id
		}
	}
	return strings.Join(segs, "/"), ""
}

// fillQuery puts ids into a query of idQueries; an id of a kind missing
// from ids is one that exists nowhere.
func fillQuery(q string, ids map[string]string) string {
	for _, kind := range []string{"document", "audit", "enterprise", "consultancy", "batch", "flag", "finding"} {
		id, ok := ids[kind]
		if !ok {
			id = "x0nowhere"
		}
		q = strings.ReplaceAll(q, "{"+kind+"}", id)
	}
	return q
}

// apiBody is a request body that would pass validation in the victim's
// own tenant, so that the answer comes from the id, not from a bad body.
func apiBody(t *testing.T, method, tmpl string, ids map[string]string) (io.Reader, string) {
	switch {
	case method == "GET" || method == "DELETE":
		return nil, ""
	case strings.HasSuffix(tmpl, "/versions"):
		return multipartBody(t, nil, "入侵.txt", []byte("入侵"))
	}
	b, _ := json.Marshal(map[string]any{
		"reason": "入侵", "name": "入侵者", "decision": "dismiss", "email": "intruder@bj.cn", "role": "consultant",
		"batch_id": ids["batch"], "code": "F1", "consultancy_id": "", "category": "low_cost",
		"text": "入侵", "comment": "入侵",
	})
	return bytes.NewReader(b), "application/json"
}

// webCall calls a web route as the browser would: pages by GET, forms by
// POST with the session's CSRF token, uploads as upload.js sends them.
func webCall(b *browser, method, path, tmpl, csrf string) response {
	switch {
	case method == "GET":
		return b.get(path)
	case strings.HasSuffix(tmpl, "/versions"):
		return b.postUpload(path, csrf, nil, "入侵.txt", []byte("入侵"))
	}
	return b.postForm(path, url.Values{"csrf": {csrf}, "reason": {"入侵"}, "name": {"入侵者"}, "decision": {"dismiss"}})
}

func checkNoVictimData(t *testing.T, call, body string) {
	t.Helper()
	for _, m := range victimMarkers {
		if strings.Contains(body, m) {
			t.Errorf("%s shows the other tenant's %q", call, m)
		}
	}
}

// checkVictimIntact checks that none of the calls changed the victim's
// things.
func checkVictimIntact(t *testing.T, w *world, ids map[string]string) {
	t.Helper()
	var doc struct {
		Title    string
		Versions []any
	}
	if status := w.e.getJSON("/api/v1/documents/"+ids["document"], w.admin, &doc); status != 200 || doc.Title != "河北秘密报告" || len(doc.Versions) != 1 {
		t.Errorf("document after the intrusions: %d %+v", status, doc)
	}
	var batch struct{ Name string }
	if w.e.getJSON("/api/v1/batches/"+ids["batch"], w.admin, &batch); batch.Name != "河北第一批" {
		t.Errorf("batch after the intrusions: %+v", batch)
	}
	var org struct{ Name string }
	if w.e.getJSON("/api/v1/organisations/"+ids["enterprise"], w.admin, &org); org.Name != "石家庄化工有限公司" {
		t.Errorf("enterprise after the intrusions: %+v", org)
	}
	var tokens struct{ Tokens []struct{ ID string } }
	w.e.getJSON("/api/v1/tokens", w.admin, &tokens)
	found := false
	for _, tk := range tokens.Tokens {
		found = found || tk.ID == ids["token"]
	}
	if !found {
		t.Errorf("the token was revoked by another tenant: %+v", tokens)
	}
	fl := w.e.flags(w.regulator, "?kind=duplicate_file")
	if len(fl.Flags) != 1 {
		t.Errorf("flags after the intrusions: %+v", fl)
	}
	var as struct {
		State    string
		ExpertID string `json:"expert_id"`
	}
	if status := w.e.getJSON("/api/v1/assignments/"+ids["assignment"], w.admin, &as); status != 200 || as.State != "assigned" || as.ExpertID != ids["expert"] {
		t.Errorf("assignment after the intrusions: %d %+v", status, as)
	}
}

// TestEveryRouteIsolatesLibrary: the guideline library is a tenant like
// the others. Its admin and publisher get 404 on every id-taking route
// with a tenant's ids; tenant users get 404 on every route with the
// library's other documents and tokens, and on every route that would
// change or reveal more of a library guideline than its document, bytes
// and text, which every tenant reads by design.
func TestEveryRouteIsolatesLibrary(t *testing.T) {
	lw := newLibraryWorld(t)
	e := lw.e
	ids := victimThings(t, lw.world)

	// (a) The library's users against a tenant's things.
	lib := e.browser()
	lib.mustLogin("guides", "admin@guides.cn")
	tried := walkIDRoutes(t, e, ids, attacker{tokens: []string{lw.libAdmin, lw.libPublisher}, strict: lw.libAdmin, browser: lib})
	t.Logf("library users: %d routes with ids tried", tried)
	checkVictimIntact(t, lw.world, ids)

	// (b) Tenant users against the library's things.
	guide := e.uploadText(lw.libPublisher, [][2]string{{"kind", "guideline"}, {"title", "绿源行业审核指南"}}, "指南.txt", []byte("绿源行业清洁生产审核指南"))
	other := e.uploadText(lw.libAdmin, [][2]string{{"kind", "other"}, {"title", "河北秘密说明"}}, "说明.txt", []byte("指南库内部说明：河北秘密"))
	var token struct{ ID string }
	if status, body := e.postJSON("/api/v1/tokens", lw.libAdmin, map[string]string{"name": "指南库脚本"}, &token); status != 201 {
		t.Fatalf("library token: %d %s", status, body)
	}
	e.process()
	tenantUsers := []string{lw.admin, lw.hebeiPublisher, lw.otherAdmin, lw.otherConsultant}
	b := e.browser()
	b.mustLogin("beijing", "admin@beijing.gov.cn")
	walkIDRoutes(t, e, map[string]string{"document": other, "token": token.ID}, attacker{tokens: tenantUsers, strict: lw.otherAdmin, browser: b})
	readable := map[string]bool{}
	for _, p := range []string{"/api/v1/documents/{id}", "/api/v1/documents/{id}/content", "/api/v1/documents/{id}/text",
		"/api/v1/documents/{id}/versions/{version}/content", "/api/v1/documents/{id}/versions/{version}/text",
		"/documents/{id}", "/documents/{id}/content", "/documents/{id}/text",
		"/documents/{id}/versions/{version}/content", "/documents/{id}/versions/{version}/text",
		"/api/v1/compare", "/compare"} {
		readable["GET "+p] = true
	}
	// The guideline's own words are shown on the readable routes only.
	walkIDRoutes(t, e, map[string]string{"document": guide}, attacker{tokens: tenantUsers, strict: lw.otherAdmin, browser: b, readable: readable})

	// Nothing of the library changed.
	for _, id := range []string{guide, other} {
		var doc struct {
			Title    string
			Versions []any
		}
		if status := e.getJSON("/api/v1/documents/"+id, lw.libAdmin, &doc); status != 200 || len(doc.Versions) != 1 {
			t.Errorf("library document %s after the intrusions: %d %+v", id, status, doc)
		}
	}
}

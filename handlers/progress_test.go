package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/sheet"
)

// dashWorld is a tenant with a province office, a Tangshan office, one
// consultancy and five enterprises in three cities, each audited in a
// batch whose registration and disclosure were due in 2020 (so every
// audit is overdue until it moves), and another tenant with an audit.
type dashWorld struct {
	*testEnv
	admin, province, tangshan, consultant, enterprise, stranger string // API tokens
	provinceEmail                                               string
	audits                                                      []string // by enterprise, in order
	strangerAudit                                               string
}

func newDashWorld(t *testing.T) *dashWorld {
	e := newTestEnv(t)
	a := e.tenant("hebei")
	ctx := context.Background()
	mk := func(o cpaudit.Organisation) cpaudit.Organisation {
		o, err := e.store.CreateOrganisation(ctx, a, o)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	w := &dashWorld{testEnv: e, provinceEmail: "chen@hebei.gov.cn"}
	province := mk(cpaudit.Organisation{Kind: cpaudit.OrgRegulator, Name: "河北省生态环境厅", Region: "130000"})
	tangshan := mk(cpaudit.Organisation{Kind: cpaudit.OrgRegulator, Name: "唐山市生态环境局", Region: "130200"})
	cons := e.org(a, cpaudit.OrgConsultancy, "绿源环保咨询", "91110000600037341")
	w.admin = e.user(a, "admin@hebei.gov.cn", cpaudit.RoleAdmin, "")
	w.province = e.user(a, w.provinceEmail, cpaudit.RoleRegulator, province.ID)
	w.tangshan = e.user(a, "li@ts.gov.cn", cpaudit.RoleRegulator, tangshan.ID)
	w.consultant = e.user(a, "zhang@lvyuan.cn", cpaudit.RoleConsultant, cons.ID)

	var batch cpaudit.Batch
	if st, body := e.postJSON("/api/v1/batches", w.admin, map[string]any{"year": 2020, "number": 1, "name": "2020年第一批<b>",
		"obligations": map[string]string{"register": "2020-01-31", "disclose": "2020-02-28", "apply_assessment": "2099-06-30"}}, &batch); st != 201 {
		t.Fatalf("batch: %d %s", st, body)
	}
	for i, ent := range []struct{ name, region, industry string }{
		{"石家庄甲化工有限公司", "130102", "C2614"},
		{"石家庄乙制药有限公司", "130104", "C2710"},
		{"<script>alert(1)</script>有限公司", "130105", "C2710"},
		{"唐山钢铁有限公司", "130203", "C3120"},
		{"保定印染有限公司", "130602", "C1713"},
	} {
		first17 := fmt.Sprintf("91130100MA0E0000%d", i)
		o := mk(cpaudit.Organisation{Kind: cpaudit.OrgEnterprise, Name: ent.name, Region: ent.region, Industry: ent.industry,
			CreditCode: first17 + string(cpaudit.CreditCodeCheck(first17))})
		in := map[string]any{"enterprise_id": o.ID, "batch_id": batch.ID}
		if i < 3 {
			in["consultancy_id"] = cons.ID
		}
		var au cpaudit.Audit
		if st, body := e.postJSON("/api/v1/audits", w.admin, in, &au); st != 201 {
			t.Fatalf("audit: %d %s", st, body)
		}
		w.audits = append(w.audits, au.ID)
		if i == 0 {
			w.enterprise = e.user(a, "wang@jia.cn", cpaudit.RoleEnterprise, o.ID)
		}
	}
	// The first audit moves: a step is submitted and accepted, so it has
	// registered; the second discloses.
	if st, body := e.postJSON("/api/v1/audits/"+w.audits[0]+"/steps/1/submit", w.consultant, map[string]any{}, nil); st != 200 {
		t.Fatalf("submit: %d %s", st, body)
	}
	if st, body := e.postJSON("/api/v1/audits/"+w.audits[0]+"/steps/1/accept", w.province, map[string]any{}, nil); st != 200 {
		t.Fatalf("accept: %d %s", st, body)
	}
	if st, body := e.postJSON("/api/v1/audits/"+w.audits[1]+"/milestones", w.province,
		map[string]any{"obligation": "disclose", "date": "2026-01-05", "note": "已公开"}, nil); st != 201 {
		t.Fatalf("milestone: %d %s", st, body)
	}

	other := e.tenant("tianjin")
	ent := e.org(other, cpaudit.OrgEnterprise, "天津某化工", "91120000MA0F00001")
	au, err := e.store.CreateAudit(ctx, other, ent.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	w.strangerAudit = au.ID
	w.stranger = e.user(other, "reg@tj.gov.cn", cpaudit.RoleRegulator, "")
	return w
}

type auditList struct {
	Audits []cpaudit.AuditRow `json:"audits"`
	Total  int                `json:"total"`
}

func (w *dashWorld) list(token, query string) auditList {
	w.t.Helper()
	var l auditList
	if st := w.getJSON("/api/v1/audits?"+query, token, &l); st != 200 {
		w.t.Fatalf("GET /api/v1/audits?%s: %d", query, st)
	}
	return l
}

func TestAuditListVisibility(t *testing.T) {
	w := newDashWorld(t)
	for _, c := range []struct {
		name, token, query string
		want               int
	}{
		{"province", w.province, "", 5},
		{"province, Shijiazhuang", w.province, "region=130100", 3},
		{"province, one county", w.province, "region=130104", 1},
		{"Tangshan office", w.tangshan, "", 1},
		{"Tangshan office asking for Shijiazhuang", w.tangshan, "region=130100", 0},
		{"consultant", w.consultant, "", 3},
		{"enterprise", w.enterprise, "", 1},
		{"another tenant", w.stranger, "", 1},
		{"overdue on disclosure", w.province, "overdue=disclose", 4},
		{"overdue on registration", w.province, "overdue=register", 4},
		{"overdue on anything", w.province, "overdue=true", 5},
		{"industry division", w.province, "industry=C27", 2},
		{"phase", w.province, "phase=P1", 5},
	} {
		if got := w.list(c.token, c.query).Total; got != c.want {
			t.Errorf("%s: %d audits, want %d", c.name, got, c.want)
		}
	}
	// Other regions' and tenants' audits answer 404, as if absent.
	for _, c := range []struct{ token, id string }{{w.tangshan, w.audits[0]}, {w.province, w.strangerAudit}, {w.stranger, w.audits[3]}} {
		if st := w.getJSON("/api/v1/audits/"+c.id+"/deadlines", c.token, nil); st != 404 {
			t.Errorf("deadlines of %s: %d, want 404", c.id, st)
		}
		st, body := w.postJSON("/api/v1/audits/"+c.id+"/milestones", c.token, map[string]any{"obligation": "disclose", "date": "2026-01-05"}, nil)
		if st != 404 {
			t.Errorf("milestone on %s: %d %s, want 404", c.id, st, body)
		}
	}
	for _, q := range []string{"region=13", "phase=P9", "overdue=soon", "stalled=x", "industry=27"} {
		st, body, h := w.do("GET", "/api/v1/audits?"+q, w.province, nil, "")
		if st != 400 {
			t.Errorf("%s: %d", q, st)
		}
		problemOf(t, st, body, h)
	}
	var notices struct{ Total int }
	w.getJSON("/api/v1/notices", w.tangshan, &notices)
	if notices.Total != 2 { // registration and disclosure of the Tangshan audit
		t.Errorf("Tangshan office has %d notices, want 2", notices.Total)
	}
	var overdue struct {
		Overdue []cpaudit.OverdueRow
		Total   int
	}
	w.getJSON("/api/v1/overdue?overdue=disclose", w.province, &overdue)
	if overdue.Total != 4 || overdue.Overdue[0].DaysOverdue < 365 {
		t.Errorf("overdue list %+v", overdue)
	}
}

func TestMilestoneAPI(t *testing.T) {
	w := newDashWorld(t)
	path := "/api/v1/audits/" + w.audits[3] + "/milestones"
	for _, c := range []struct {
		name  string
		token string
		in    map[string]any
		want  int
	}{
		{"consultant may not", w.consultant, map[string]any{"obligation": "disclose", "date": "2026-01-05"}, 404}, // not its audit
		{"assessment before the gate", w.tangshan, map[string]any{"obligation": "assessment_done", "date": "2026-01-05", "result": "pass"}, 409},
		{"derived obligation", w.tangshan, map[string]any{"obligation": "apply_assessment", "date": "2026-01-05"}, 422},
		{"bad date", w.tangshan, map[string]any{"obligation": "disclose", "date": "5 January"}, 400},
		{"disclose", w.tangshan, map[string]any{"obligation": "disclose", "date": "2026-01-05"}, 201},
		{"disclose again", w.tangshan, map[string]any{"obligation": "disclose", "date": "2026-01-06"}, 409},
	} {
		st, body := w.postJSON(path, c.token, c.in, nil)
		if st != c.want {
			t.Errorf("%s: %d %s, want %d", c.name, st, body, c.want)
		}
		if st >= 400 {
			problemOf(t, st, body, http.Header{"Content-Type": {"application/problem+json"}})
		}
	}
	st, body := w.postJSON("/api/v1/audits/"+w.audits[0]+"/milestones", w.consultant, map[string]any{"obligation": "disclose", "date": "2026-01-05"}, nil)
	if st != 409 {
		t.Errorf("the audit's own consultant records a milestone: %d %s, want 409", st, body)
	}
	if got := w.list(w.province, "overdue=disclose").Total; got != 3 {
		t.Errorf("after disclosure, %d audits overdue on it, want 3", got)
	}
}

var (
	chartLinkRE = regexp.MustCompile(`(?s)<a href="([^"]+)" class="chart-link">.*?class="chart-value">(\d+)</text>`)
	numberRE    = regexp.MustCompile(`<a class="dash-number" id="[^"]+" href="([^"]+)"><span class="value">(\d+)</span>`)
	auditTotal  = regexp.MustCompile(`id="audit-total">共 (\d+) 条<`)
	orderTotal  = regexp.MustCompile(`id="orders-total">共 (\d+) 条<`)
)

// TestDashboardClickThrough follows every number of the regulator's
// dashboard to its list, which must hold exactly that many audits.
func TestDashboardClickThrough(t *testing.T) {
	w := newDashWorld(t)
	b := w.browser()
	b.mustLogin("hebei", w.provinceEmail)
	page := b.page("/dashboard")
	for _, want := range []string{`<svg class="chart" id="chart-phase"`, `<title id="chart-city-t">按设区市</title>`,
		"石家庄市", "唐山市", "石家庄市长安区", "保定市竞秀区", "2020年第一批&lt;b&gt;"} {
		if !strings.Contains(page, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	if strings.Contains(page, "2020年第一批<b>") {
		t.Error("a batch name is not escaped")
	}
	links := append(chartLinkRE.FindAllStringSubmatch(page, -1), numberRE.FindAllStringSubmatch(page, -1)...)
	if len(links) < 20 {
		t.Fatalf("only %d linked numbers on the dashboard", len(links))
	}
	for _, m := range links {
		href, want := html.UnescapeString(m[1]), m[2]
		list := b.page(href)
		total, row := auditTotal, `class="audit-row"`
		if strings.HasPrefix(href, "/orders") { // rectification orders, not audits
			total, row = orderTotal, `class="order-row`
		}
		got := total.FindStringSubmatch(list)
		if got == nil || got[1] != want {
			t.Errorf("%s: dashboard says %s, the list %v", href, want, got)
		}
		if n, _ := strconv.Atoi(want); strings.Count(list, row) != n {
			t.Errorf("%s: %d rows, want %s", href, strings.Count(list, `class="audit-row"`), want)
		}
	}
	if strings.Contains(b.page("/audits"), "<script>alert(1)</script>") {
		t.Error("an enterprise name is not escaped in the list")
	}

	// The API gives the same numbers, each the total of its list.
	var d cpaudit.Dashboard
	if st := w.getJSON("/api/v1/dashboard", w.province, &d); st != 200 {
		t.Fatal(st)
	}
	for _, c := range d.ByCounty {
		if got := w.list(w.province, "region="+c.Key).Total; got != c.Count {
			t.Errorf("county %s: %d, list %d", c.Key, c.Count, got)
		}
	}
	if d.Total != 5 || d.OverdueAudits != 5 || len(d.ByCity) != 3 {
		t.Errorf("dashboard %+v", d)
	}
	// Tangshan's office sees one city only.
	w.getJSON("/api/v1/dashboard", w.tangshan, &d)
	if d.Total != 1 || len(d.ByCity) != 1 || d.ByCity[0].Key != "130200" {
		t.Errorf("Tangshan's dashboard %+v", d)
	}
}

func TestListExport(t *testing.T) {
	w := newDashWorld(t)
	b := w.browser()
	b.mustLogin("hebei", w.provinceEmail)
	for _, c := range []struct {
		path, name string
		rows       int
	}{
		{"/audits.xlsx?overdue=register", "审核列表", 4},
		{"/audits?format=xlsx&region=130100", "审核列表", 3},
		{"/overdue?format=xlsx", "逾期清单", 8},
		{"/overdue.xlsx?overdue=disclose", "逾期清单", 4},
	} {
		r := b.get(c.path)
		if r.status != 200 || r.header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
			t.Fatalf("%s: %d %s", c.path, r.status, r.header.Get("Content-Type"))
		}
		if cd := r.header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") ||
			!strings.Contains(cd, "filename*=utf-8''"+url.PathEscape(c.name)) {
			t.Errorf("%s: Content-Disposition %q", c.path, cd)
		}
		tab, err := sheet.Read(context.Background(), bytes.NewReader([]byte(r.body)), sheet.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if len(tab.Rows) != c.rows {
			t.Errorf("%s: %d rows, want %d", c.path, len(tab.Rows), c.rows)
		}
		if strings.HasPrefix(c.path, "/audits") && (tab.Header[1] != "企业" || !strings.Contains(fmt.Sprint(tab.Rows), "有限公司")) {
			t.Errorf("%s: header %v", c.path, tab.Header)
		}
	}
	// The list page links to the export with its filters.
	if page := b.page("/audits?phase=P1&region=130100"); !strings.Contains(page, `href="/audits.xlsx?phase=P1&amp;region=130100"`) {
		t.Error("the list does not link to its export with the same filters")
	}
}

// TestDashboardRoles: a consultancy sees its audits and what is due next,
// an enterprise its own audit's progress; neither gets the regional charts.
func TestDashboardRoles(t *testing.T) {
	w := newDashWorld(t)
	cons := w.browser()
	cons.mustLogin("hebei", "zhang@lvyuan.cn")
	page := cons.page("/dashboard")
	if !strings.Contains(page, `id="upcoming"`) || strings.Contains(page, `id="chart-city"`) || strings.Contains(page, "唐山钢铁") {
		t.Error("the consultant's dashboard shows the wrong things")
	}
	if m := numberRE.FindStringSubmatch(page); m == nil || m[2] != "3" {
		t.Errorf("the consultant's total: %v", m)
	}
	ent := w.browser()
	ent.mustLogin("hebei", "wang@jia.cn")
	page = ent.page("/dashboard?lang=en")
	for _, want := range []string{`id="own-progress"`, `aria-label="石家庄甲化工有限公司: 1/35"`, "Due next"} {
		if !strings.Contains(page, want) {
			t.Errorf("the enterprise's dashboard lacks %q", want)
		}
	}
}

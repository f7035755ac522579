package handlers_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers"
	"github.com/cpaudit/cpaudit/sheet"
)

// rightsFile is the role × route table of TestEveryRouteKeepsRights: one
// line per route (method, path template), one column per role of the
// walk, and a note. A cell says what the route answers when the role
// calls it with ids of its own tenant that are outside its rights:
//
//	404         the thing is out of reach (never 403, which would tell it exists)
//	409:code    a documented refusal: the thing may be read but not acted on
//	403:code    the role may not use the route at all, whatever the id
//	200 (2xx)   readable by design (the note says why)
//	list        a route without ids: as this role its body never holds
//	            the other party's things
//	-           nothing of the other party's goes in (a write without ids, a
//	            page with no data); the note says why
//
// Set RIGHTS_RECORD=1 to rewrite the table from what the server answers,
// then read the diff: every 2xx on an id is a leak unless the note
// explains it.
const rightsFile = "testdata/rights.tsv"

// rightsRoles are the columns of the table, in order.
var rightsRoles = []string{"consultant", "enterprise", "regulator", "publisher", "expert"}

type rightsRow struct {
	cells []string
	note  string
}

func readRights(t *testing.T) map[string]rightsRow {
	t.Helper()
	f, err := os.Open(rightsFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows := map[string]rightsRow{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) < 2+len(rightsRoles) {
			t.Fatalf("%s:%d: %d columns, want %d and a note", rightsFile, n, len(cols), 2+len(rightsRoles))
		}
		key := cols[0] + " " + cols[1]
		if _, dup := rows[key]; dup {
			t.Errorf("%s:%d: %s twice", rightsFile, n, key)
		}
		r := rightsRow{cells: cols[2 : 2+len(rightsRoles)]}
		if len(cols) > 2+len(rightsRoles) {
			r.note = cols[2+len(rightsRoles)]
		}
		rows[key] = r
	}
	return rows
}

// rightsActor is a user of the victim's own tenant walking the routes
// with things outside its rights.
type rightsActor struct {
	role, email, token string
	browser            *browser
	csrf               string
	// outside are the ids (by kind) of things out of the actor's reach
	// that the walk puts in the paths.
	outside map[string]string
	// secret are strings no answer to this actor may hold: the ids and
	// words of what it may not read.
	secret []string
}

// rightsWorld is the world's hebei tenant with one of every thing of the
// Shijiazhuang enterprise's audit (consultancy 绿源), and a user of each
// role that has no business with them: a consultant of another
// consultancy, the user of a Tangshan enterprise, a regulator of the
// Tangshan office (130200), a publisher and an expert not drawn.
func rightsWorld(t *testing.T) (*world, map[string]string, []*rightsActor) {
	w := newWorld(t)
	e := w.e
	ctx := t.Context()
	ids := victimThings(t, w)
	sys := w.sys
	tsEnt, err := e.store.CreateOrganisation(ctx, sys, cpaudit.Organisation{Kind: cpaudit.OrgEnterprise, Name: "唐山钢铁集团",
		CreditCode: "91130200MA0EEEEE5" + string(cpaudit.CreditCodeCheck("91130200MA0EEEEE5")), Industry: "C3110", Region: "130203"})
	if err != nil {
		t.Fatal(err)
	}
	cons2 := e.org(sys, cpaudit.OrgConsultancy, "华北咨询", "91130200MA0DDDDD4")
	if _, err := e.store.CreateAudit(ctx, sys, tsEnt.ID, cons2.ID); err != nil {
		t.Fatal(err)
	}
	tsOffice, err := e.store.CreateOrganisation(ctx, sys, cpaudit.Organisation{Kind: cpaudit.OrgRegulator, Name: "唐山市生态环境局", Region: "130200"})
	if err != nil {
		t.Fatal(err)
	}
	pub := e.org(sys, cpaudit.OrgPublisher, "清洁生产中心", "")
	// The batch lists a Shijiazhuang audit, so a Tangshan office has no
	// business changing it.
	sjz := e.org(sys, cpaudit.OrgEnterprise, "石家庄制药厂", "91130100MA0FFFFF6")
	if _, err := e.store.StartAudit(ctx, sys, cpaudit.NewAudit{EnterpriseID: sjz.ID, ConsultancyID: w.consID, BatchID: ids["batch"]}); err != nil {
		t.Fatal(err)
	}

	// What every one of them may not read of the Shijiazhuang audit.
	common := map[string]string{}
	for _, k := range []string{"audit", "document", "finding", "flag", "assignment", "token", "import", "guideline", "screening_source", "option"} {
		common[k] = ids[k]
	}
	with := func(extra ...string) map[string]string {
		m := map[string]string{}
		for k, v := range common {
			m[k] = v
		}
		for _, k := range extra {
			m[k] = ids[k]
		}
		return m
	}
	// Kinds that some roles read by design (an organisation's card, a
	// batch, a campaign, the expert pool) go in the paths but are not
	// secrets of the bodies.
	all := []string{"enterprise", "consultancy", "batch", "campaign", "expert"}
	actors := []*rightsActor{
		{role: "consultant", email: "wang@huabei.cn", token: e.user(sys, "wang@huabei.cn", cpaudit.RoleConsultant, cons2.ID), outside: with(all...)},
		{role: "enterprise", email: "boss@ts-group.cn", token: e.user(sys, "boss@ts-group.cn", cpaudit.RoleEnterprise, tsEnt.ID), outside: with(all...)},
		{role: "regulator", email: "li@ts.gov.cn", token: e.user(sys, "li@ts.gov.cn", cpaudit.RoleRegulator, tsOffice.ID), outside: with(all...)},
		{role: "publisher", email: "pub@cpc.cn", token: e.user(sys, "pub@cpc.cn", cpaudit.RolePublisher, pub.ID), outside: with(all...)},
		{role: "expert", email: "sun@expert.cn", token: e.user(sys, "sun@expert.cn", cpaudit.RoleExpert, ""), outside: with(all...)},
	}
	for _, a := range actors {
		a.secret = []string{"河北秘密", ids["audit"], ids["document"], ids["finding"], ids["assignment"], ids["token"], ids["guideline"], ids["option"]}
		switch a.role {
		case "expert":
			// An expert reads everything in the tenant (docs/architecture.md)
			// but another expert's assignment and the admin's token.
			a.secret = []string{ids["assignment"], ids["token"]}
		case "regulator":
			// Regulators read every organisation of the tenant.
		default:
			a.secret = append(a.secret, ids["enterprise"], "石家庄")
		}
		a.browser = e.browser()
		a.browser.mustLogin("hebei", a.email)
		a.csrf = a.browser.csrf()
	}
	e.process()
	return w, ids, actors
}

// TestEveryRouteKeepsRights walks every route of the router as each role
// of the victim's own tenant with ids outside that role's rights and
// checks each answer against the table testdata/rights.tsv; a route the
// table does not know fails. Routes without ids are called (GET) as each
// role and must not show the other party's things.
func TestEveryRouteKeepsRights(t *testing.T) {
	w, ids, actors := rightsWorld(t)
	e := w.e
	// The lists do show the things to whom may read them, so an empty
	// answer below is the rights at work, not a list that is always empty.
	for _, c := range []struct{ path, id string }{
		{"/api/v1/search?q=河北秘密", ids["document"]}, {"/api/v1/documents?audit_id=" + ids["audit"], ids["document"]},
		{"/api/v1/findings", ids["finding"]}, {"/api/v1/flags", ids["flag"]}, {"/api/v1/audits", ids["audit"]},
		{"/api/v1/documents/" + ids["document"] + "/similar", ""}, {"/api/v1/consultancies/" + ids["consultancy"] + "/evaluation", ids["finding"]},
	} {
		if status, body, _ := e.do("GET", c.path, w.admin, nil, ""); status != 200 || !strings.Contains(string(body), c.id) {
			t.Errorf("admin %s: %d %s, want %s in it", c.path, status, body, c.id)
		}
	}
	record := os.Getenv("RIGHTS_RECORD") != ""
	table := map[string]rightsRow{}
	if !record {
		table = readRights(t)
	}
	var out strings.Builder
	seen := map[string]bool{}
	for _, rt := range handlers.Routes(e.handler) {
		method, tmpl := rt[0], rt[1]
		key := method + " " + tmpl
		seen[key] = true
		row, known := table[key]
		if !record && !known {
			t.Errorf("%s: no line in %s: say what each role gets", key, rightsFile)
			continue
		}
		got := make([]string, len(actors))
		for i, a := range actors {
			want := ""
			if known {
				want = row.cells[i]
			}
			got[i] = rightsCall(t, e, a, method, tmpl, want)
			if known && got[i] != want && !(want == "list" && got[i] == "list") {
				t.Errorf("%s as %s: %s, table says %s", key, a.role, got[i], want)
			}
		}
		fmt.Fprintf(&out, "%s\t%s\t%s\t%s\n", method, tmpl, strings.Join(got, "\t"), row.note)
	}
	for key := range table {
		if !seen[key] {
			t.Errorf("%s: in %s but no such route", key, rightsFile)
		}
	}
	checkVictimIntact(t, w, ids)
	if record {
		if err := os.WriteFile(rightsFile+".new", []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// rightsCall calls one route as a and says what it answered in the
// table's terms.
func rightsCall(t *testing.T, e *testEnv, a *rightsActor, method, tmpl, want string) string {
	t.Helper()
	api := strings.HasPrefix(tmpl, "/api/")
	if w, ok := bodyWrites[method+" "+tmpl]; ok {
		return rightsWrite(t, e, a, method, tmpl, w)
	}
	if !strings.Contains(tmpl, "{") {
		if method != "GET" || want == "-" {
			return "-"
		}
		for _, q := range append([]string{""}, listQueries[tmpl]...) {
			path := tmpl
			if q != "" {
				for k, id := range a.outside {
					q = strings.ReplaceAll(q, "{"+k+"}", id)
				}
				path += "?" + q
			}
			var body string
			var h http.Header
			if api {
				_, b, hh := e.do(method, path, a.token, nil, "")
				body, h = string(b), hh
			} else {
				r := a.browser.get(path)
				body, h = r.body, r.header
			}
			if strings.HasPrefix(h.Get("Content-Type"), "application/vnd.openxmlformats-officedocument.spreadsheetml") {
				tab, err := sheet.Read(t.Context(), strings.NewReader(body), sheet.Limits{})
				if err != nil {
					t.Errorf("%s: %v", path, err)
				}
				body = fmt.Sprint(tab.Header, tab.Rows)
			}
			for _, s := range a.secret {
				if strings.Contains(body, s) && !strings.Contains(path, s) {
					t.Errorf("LEAK %s %s as %s shows %q", method, path, a.role, s)
				}
			}
		}
		return "list"
	}
	if _, ok := notTenantData[method+" "+tmpl]; ok {
		return "-"
	}
	path, err := fillRoute(tmpl, a.outside)
	if err != "" {
		t.Errorf("%s %s: %s", method, tmpl, err)
		return "?"
	}
	if nowhere, _ := fillRoute(tmpl, nil); path == nowhere {
		return "-"
	}
	readable := strings.HasPrefix(want, "2")
	var status int
	var body []byte
	var h http.Header
	if api {
		b, ct := apiBody(t, method, tmpl, a.outside)
		status, body, h = e.do(method, path, a.token, b, ct)
	} else {
		r := webCall(a.browser, method, path, tmpl, a.csrf)
		status, body, h = r.status, []byte(r.body), r.header
	}
	if !readable {
		for _, s := range a.secret {
			if strings.Contains(string(body), s) && !strings.Contains(path, s) {
				t.Errorf("LEAK %s %s as %s: %d shows %q", method, path, a.role, status, s)
			}
		}
	}
	got := strconv.Itoa(status)
	if status >= 400 && status != http.StatusNotFound && !readableKind(a.role, pathKind(tmpl)) {
		// Refused before the id was looked at (the role, a field): fine
		// only if an id that exists nowhere gets the very same answer, so
		// the refusal does not tell that the thing exists.
		nowhere, _ := fillRoute(tmpl, nil)
		var status2 int
		var body2 []byte
		if api {
			b, ct := apiBody(t, method, tmpl, a.outside)
			status2, body2, _ = e.do(method, nowhere, a.token, b, ct)
		} else {
			r := webCall(a.browser, method, nowhere, tmpl, a.csrf)
			status2, body2 = r.status, []byte(r.body)
		}
		if status2 != status || (api && !bytes.Equal(body, body2)) {
			t.Errorf("LEAK %s %s as %s: %d %s, but an id that exists nowhere gets %d %s", method, path, a.role, status, body, status2, body2)
		}
	}
	if api && status >= 400 {
		problemOf(t, status, body, h)
		var p struct{ Code string }
		json.Unmarshal(body, &p)
		if status != http.StatusNotFound && p.Code != "" {
			got += ":" + p.Code
		}
	}
	return got
}

// readableByRole lists the kinds of things a role reads by design even
// when they are not its own (docs/architecture.md, "Inside a tenant"):
// every user reads the batches; regulators every organisation and the
// expert pool; experts everything but tokens, imports and other experts'
// assignments. A refusal of an action on such a thing may say more than
// 404.
var readableByRole = map[string][]string{
	"consultant": {"batch"},
	"enterprise": {"batch"},
	"publisher":  {"batch"},
	"regulator":  {"batch", "enterprise", "consultancy", "expert"},
	"expert":     {"batch", "enterprise", "consultancy", "expert", "audit", "document", "finding", "flag", "campaign", "option"},
}

func readableKind(role, kind string) bool {
	for _, k := range readableByRole[role] {
		if k == kind {
			return true
		}
	}
	return false
}

// pathKind is the kind of thing a route's {id} names.
func pathKind(tmpl string) string {
	segs := strings.Split(tmpl, "/")
	for i, s := range segs {
		if s == "{id}" && i > 0 {
			return idOfSegment[segs[i-1]]
		}
	}
	return ""
}

// listQueries are the filters a list or aggregate route is also called
// with, the other party's ids put in ({audit} and so on): a filter naming
// something out of reach narrows to nothing, it never widens.
var listQueries = map[string][]string{
	"/api/v1/search":          {"q=河北秘密", "q=石家庄化工", "q=清洁生产&audit_id={audit}"},
	"/search":                 {"q=河北秘密", "q=清洁生产&audit_id={audit}"},
	"/api/v1/documents":       {"audit_id={audit}", "kind=report"},
	"/documents":              {"audit_id={audit}"},
	"/api/v1/compare":         {"a={document}&b={document}"},
	"/compare":                {"a={document}&b={document}"},
	"/api/v1/audits":          {"consultancy={consultancy}", "region=130100", "batch={batch}"},
	"/audits":                 {"consultancy={consultancy}", "region=130100"},
	"/audits.xlsx":            {"region=130100", "consultancy={consultancy}"},
	"/api/v1/findings":        {"audit_id={audit}", "state=open"},
	"/api/v1/flags":           {"kind=duplicate_file", "audit_id={audit}"},
	"/flags":                  {"kind=duplicate_file"},
	"/api/v1/results":         {"group_by=consultancy", "group_by=batch", "group_by=region&region=130100"},
	"/results":                {"group_by=consultancy"},
	"/api/v1/results/ranking": {"region=130100"},
	"/api/v1/option-library":  {"per=cod", "industry=C27&sort=payback", "recommended=true"},
	"/option-library":         {"per=cod"},
	"/api/v1/dashboard":       {"region=130100", "batch={batch}", "consultancy={consultancy}"},
	"/dashboard":              {"region=130100"},
	"/api/v1/overdue":         {"region=130100", "batch={batch}"},
	"/overdue":                {"region=130100"},
	"/overdue.xlsx":           {"region=130100"},
	"/api/v1/enforcement":     {"region=130100"},
	"/enforcement.xlsx":       {"region=130100"},
	"/api/v1/assignments":     {"campaign_id={campaign}"},
	"/api/v1/notices":         {""},
	"/enterprises":            {"region=130100"},
	"/enterprises.xlsx":       {"region=130100"},
	"/api/v1/enterprises":     {"region=130100"},
}

// bodyWrites are the routes without ids in their paths that take ids in
// their bodies: the body names the other party's things ({audit} and so
// on), as a JSON document or, for uploads, the fields of a multipart form.
var bodyWrites = map[string]bodyWrite{
	"POST /api/v1/documents": {form: [][2]string{{"kind", "evidence"}, {"audit_id", "{audit}"}, {"title", "入侵证据"}}, kind: "audit"},
	"POST /upload":           {form: [][2]string{{"kind", "evidence"}, {"audit_id", "{audit}"}, {"title", "入侵证据"}}, kind: "audit"},
	"POST /api/v1/findings": {json: `{"audit_id":"{audit}","category":"fake_report","severity":"major",` +
		`"description":"入侵问题","document_ids":["{document}"]}`, kind: "audit"},
	"POST /api/v1/audits":    {json: `{"enterprise_id":"{enterprise}","consultancy_id":"{consultancy}"}`, kind: "enterprise"},
	"POST /api/v1/users":     {json: `{"email":"intruder@hebei.cn","role":"consultant","password":"入侵者的长密码abc123","org_id":"{consultancy}"}`, kind: "consultancy"},
	"POST /api/v1/campaigns": {json: `{"name":"入侵抽查","stage":"assessment","size":1,"consultancy_id":"{consultancy}","batch_id":"{batch}"}`, kind: "consultancy"},
	"POST /api/v1/batches":   {json: `{"year":2027,"number":9,"name":"入侵批次"}`},
}

type bodyWrite struct {
	json string
	form [][2]string
	// kind is what the body names first; a role that reads such things
	// by design may be told more than 404.
	kind string
}

func (bw bodyWrite) fill(ids map[string]string) (string, [][2]string) {
	fill := func(v string) string {
		for k, id := range ids {
			v = strings.ReplaceAll(v, "{"+k+"}", id)
		}
		for strings.Contains(v, "{") && strings.Contains(v, "}") {
			i := strings.Index(v, "{")
			j := strings.Index(v[i:], "}")
			if j < 0 || strings.ContainsAny(v[i:i+j], `"`+":") {
				break
			}
			v = v[:i] + "x0nowhere" + v[i+j+1:]
		}
		return v
	}
	var form [][2]string
	for _, f := range bw.form {
		form = append(form, [2]string{f[0], fill(f[1])})
	}
	return fill(bw.json), form
}

// rightsWrite sends a write whose body names the other party's things and
// says what it answered; a refusal other than 404 must be the same when
// the ids exist nowhere.
func rightsWrite(t *testing.T, e *testEnv, a *rightsActor, method, tmpl string, bw bodyWrite) string {
	t.Helper()
	if bw.json == "" && bw.form == nil {
		return "-"
	}
	send := func(ids map[string]string) (int, []byte, http.Header) {
		js, form := bw.fill(ids)
		if !strings.HasPrefix(tmpl, "/api/") {
			r := a.browser.postUpload(tmpl, a.csrf, form, "入侵.txt", []byte("入侵"))
			return r.status, []byte(r.body), r.header
		}
		if form != nil {
			b, ct := multipartBody(t, form, "入侵.txt", []byte("入侵"))
			return e.do(method, tmpl, a.token, b, ct)
		}
		return e.do(method, tmpl, a.token, strings.NewReader(js), "application/json")
	}
	status, body, h := send(a.outside)
	for _, s := range a.secret {
		if strings.Contains(string(body), s) {
			t.Errorf("LEAK %s %s as %s: %d shows %q", method, tmpl, a.role, status, s)
		}
	}
	got := strconv.Itoa(status)
	if status >= 400 && status != http.StatusNotFound && !readableKind(a.role, bw.kind) {
		status2, body2, _ := send(nil)
		if status2 != status || !bytes.Equal(body, body2) {
			t.Errorf("LEAK %s %s as %s: %d %s, but ids that exist nowhere get %d %s", method, tmpl, a.role, status, body, status2, body2)
		}
	}
	if strings.HasPrefix(tmpl, "/api/") && status >= 400 {
		problemOf(t, status, body, h)
		var p struct{ Code string }
		json.Unmarshal(body, &p)
		if status != http.StatusNotFound && p.Code != "" {
			got += ":" + p.Code
		}
	}
	return got
}

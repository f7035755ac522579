package handlers_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/cpaudit/cpaudit"
)

// orgWorld adds a batch and a city office (Shijiazhuang, 130100) to the
// step world.
type orgWorld struct {
	*stepWorld
	sys      cpaudit.Actor
	city     string // a regulator token of the 130100 office
	batch    string
	batchOld string
}

func newOrgWorld(t *testing.T) *orgWorld {
	w := &orgWorld{stepWorld: newStepWorld(t)}
	tn, err := w.e.store.TenantBySlug(context.Background(), "hebei")
	if err != nil {
		t.Fatal(err)
	}
	w.sys = cpaudit.SystemActor(tn.ID)
	office, err := w.e.store.CreateOrganisation(context.Background(), w.sys, cpaudit.Organisation{Kind: cpaudit.OrgRegulator, Name: "保定市生态环境局", Region: "130600"})
	if err != nil {
		t.Fatal(err)
	}
	w.city = w.e.user(w.sys, "sun@bd.gov.cn", cpaudit.RoleRegulator, office.ID)
	for i, dst := range []*string{&w.batchOld, &w.batch} {
		var b struct{ ID string }
		status, body := w.e.postJSON("/api/v1/batches", w.admin, map[string]any{"year": 2026 + i, "number": 1, "name": fmt.Sprintf("%d年第一批", 2026+i)}, &b)
		if status != 201 {
			t.Fatalf("batch: %d %s", status, body)
		}
		*dst = b.ID
	}
	return w
}

func (w *orgWorld) send(t *testing.T, method, path, token string, in any) (int, []byte) {
	t.Helper()
	b, _ := json.Marshal(in)
	status, body, _ := w.e.do(method, path, token, bytes.NewReader(b), "application/json")
	return status, body
}

func TestEnterprisesAPI(t *testing.T) {
	w := newOrgWorld(t)
	// The contract's body still works, and the profile fields are accepted.
	var ent cpaudit.Organisation
	status, body := w.e.postJSON("/api/v1/enterprises", w.admin, map[string]string{
		"name": "保定<script>印染</script>", "credit_code": "91130600MA0DYYYY1" + string(cpaudit.CreditCodeCheck("91130600MA0DYYYY1")),
		"industry": "C1713", "region": "130602", "address": "保定市竞秀区", "permit_number": "91130600MA0DYYYY1X001P", "status": "停产"}, &ent)
	if status != 201 || ent.ID == "" || ent.Status != cpaudit.StatusStopped || ent.Address != "保定市竞秀区" {
		t.Fatalf("create: %d %s", status, body)
	}
	status, body = w.e.postJSON("/api/v1/enterprises", w.admin, map[string]string{
		"name": "x", "credit_code": "91130600MA0DYYYY1" + string(cpaudit.CreditCodeCheck("91130600MA0DYYYY1")), "industry": "C1713", "region": "130602", "status": "gone"}, nil)
	if status != 422 {
		t.Fatalf("bad status: %d %s", status, body)
	}

	list := func(token, query string) (int, []string, int) {
		t.Helper()
		var out struct {
			Enterprises []cpaudit.Organisation
			Total       int
		}
		status := w.e.getJSON("/api/v1/enterprises"+query, token, &out)
		var names []string
		for _, o := range out.Enterprises {
			names = append(names, o.Name)
		}
		return status, names, out.Total
	}
	for _, tc := range []struct {
		name, token, query string
		status             int
		want               []string
	}{
		{"admin", w.admin, "", 200, []string{"保定<script>印染</script>", "石家庄化工有限公司"}},
		{"expert", w.expert, "", 200, []string{"保定<script>印染</script>", "石家庄化工有限公司"}},
		{"city office sees its region", w.city, "", 200, []string{"保定<script>印染</script>"}},
		{"consultant sees its audits' enterprises", w.consultant, "", 200, []string{"石家庄化工有限公司"}},
		{"other consultancy sees none", w.rival, "", 200, nil},
		{"enterprise sees itself", w.enterprise, "", 200, []string{"石家庄化工有限公司"}},
		{"region filter", w.admin, "?region=130100", 200, []string{"石家庄化工有限公司"}},
		{"industry filter", w.admin, "?industry=C17", 200, []string{"保定<script>印染</script>"}},
		{"name filter", w.admin, "?q=" + "%E5%8C%96%E5%B7%A5", 200, []string{"石家庄化工有限公司"}},
		{"paging", w.admin, "?limit=1&offset=1", 200, []string{"石家庄化工有限公司"}},
		{"bad region", w.admin, "?region=13", 400, nil},
		{"bad limit", w.admin, "?limit=0", 400, nil},
		{"other tenant", w.otherAdmin, "?q=%E4%BF%9D%E5%AE%9A", 200, nil},
	} {
		status, names, _ := list(tc.token, tc.query)
		if status != tc.status || strings.Join(names, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%s: %d %v, want %d %v", tc.name, status, names, tc.status, tc.want)
		}
	}

	// PATCH: who may.
	patch := map[string]any{"address": "石家庄市桥西区", "status": "stopped"}
	for _, tc := range []struct {
		name, token, id string
		body            any
		want            int
	}{
		{"consultant (cannot read the enterprise)", w.consultant, w.entID, patch, 404},
		{"consultant, its own firm", w.consultant, w.consID, map[string]any{"address": "石家庄市"}, 409},
		{"enterprise, itself", w.enterprise, w.entID, patch, 409},
		{"expert", w.expert, w.entID, patch, 409},
		{"city office outside its region", w.city, w.entID, patch, 409},
		{"other tenant", w.otherAdmin, w.entID, patch, 404},
		{"unknown", w.admin, "o-nope", patch, 404},
		{"bad industry", w.admin, w.entID, map[string]any{"industry": "化工"}, 422},
		{"bad json", w.admin, w.entID, "[", 400},
		{"regulator", w.regulator, w.entID, patch, 200},
		{"city office inside its region", w.city, ent.ID, map[string]any{"name": "保定印染有限公司"}, 200},
	} {
		status, body := w.send(t, "PATCH", "/api/v1/organisations/"+tc.id, tc.token, tc.body)
		if status != tc.want {
			t.Errorf("patch %s: %d %s, want %d", tc.name, status, body, tc.want)
		}
	}
	var got cpaudit.Organisation
	if w.e.getJSON("/api/v1/organisations/"+w.entID, w.enterprise, &got); got.Address != "石家庄市桥西区" || got.Status != cpaudit.StatusStopped {
		t.Fatalf("after patch: %+v", got)
	}

	// Staff.
	staff := map[string]string{"name": "张工", "certificate": "QJ-2024-0001", "qualification": "清洁生产审核师", "valid_until": "2028-12-31"}
	for _, tc := range []struct {
		name, token, id string
		body            any
		want            int
	}{
		{"rival consultancy", w.rival, w.consID, staff, 404},
		{"enterprise", w.enterprise, w.consID, staff, 404},
		{"expert", w.expert, w.consID, staff, 409},
		{"other tenant", w.otherAdmin, w.consID, staff, 404},
		{"not a consultancy", w.admin, w.entID, staff, 404},
		{"no certificate", w.consultant, w.consID, map[string]string{"name": "张工"}, 400},
		{"own consultant", w.consultant, w.consID, staff, 201},
		{"same certificate", w.regulator, w.consID, staff, 409},
	} {
		status, body := w.e.postJSON("/api/v1/consultancies/"+tc.id+"/staff", tc.token, tc.body, nil)
		if status != tc.want {
			t.Errorf("staff %s: %d %s, want %d", tc.name, status, body, tc.want)
		}
	}
	var st struct{ Staff []cpaudit.Staff }
	if status := w.e.getJSON("/api/v1/consultancies/"+w.consID+"/staff", w.regulator, &st); status != 200 || len(st.Staff) != 1 || st.Staff[0].Name != "张工" {
		t.Fatalf("staff list: %d %+v", status, st)
	}
	if status := w.e.getJSON("/api/v1/consultancies/"+w.consID+"/staff", w.rival, nil); status != 404 {
		t.Fatalf("rival reads staff: %d", status)
	}
}

// importSheet builds an .xlsx with excelize, as a user's spreadsheet
// program would.
func importSheet(t *testing.T, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func creditCode(first17 string) string { return first17 + string(cpaudit.CreditCodeCheck(first17)) }

var importHeader = []any{"企业名称", "统一社会信用代码", "行业代码", "行政区划代码", "地址", "排污许可证编号", "生产状态"}

func TestImportEnterprisesAPI(t *testing.T) {
	w := newOrgWorld(t)
	good := creditCode("91130100MA0CAAA01")
	data := importSheet(t, [][]any{
		importHeader,
		{"石家庄焦化有限公司", good, "C2520", "130104", "石家庄市长安区", "", "正常生产"},
		{"石家庄化工股份有限公司", "91350100M000100Y43", "C2710", "130100", "", "", "停产"}, // updates the world's enterprise
		{"坏代码公司", good[:17] + "0", "C2520", "130104"},
		{"重复公司", good, "C2520", "130104"},
	})
	if good[17] == '0' {
		t.Fatal("pick another code")
	}
	post := func(token string, fields [][2]string, content []byte) (int, []byte) {
		t.Helper()
		body, ct := multipartBody(t, fields, "企业名单.xlsx", content)
		status, b, _ := w.e.do("POST", "/api/v1/enterprises/import", token, body, ct)
		return status, b
	}
	for _, tc := range []struct {
		name, token string
		want        int
	}{
		{"consultant", w.consultant, 409},
		{"enterprise", w.enterprise, 409},
		{"expert", w.expert, 409},
		{"publisher", w.publisher, 409},
	} {
		if status, body := post(tc.token, nil, data); status != tc.want {
			t.Errorf("%s imports: %d %s", tc.name, status, body)
		}
	}
	if status, body := post(w.admin, [][2]string{{"batch_id", "b-nope"}}, data); status != 404 {
		t.Errorf("unknown batch: %d %s", status, body)
	}
	if status, body := post(w.otherAdmin, [][2]string{{"batch_id", w.batch}}, data); status != 404 {
		t.Errorf("another tenant's batch: %d %s", status, body)
	}

	status, body := post(w.regulator, [][2]string{{"batch_id", w.batch}, {"consultancy_id", w.consID}}, data)
	var res cpaudit.ImportResult
	if status != 200 || json.Unmarshal(body, &res) != nil {
		t.Fatalf("import: %d %s", status, body)
	}
	if res.Created != 1 || res.Updated != 1 || res.AuditsCreated != 2 || len(res.Rejected) != 2 ||
		res.Rejected[0].Row != 4 || res.Rejected[0].Column != "统一社会信用代码" || res.Rejected[1].Row != 5 {
		t.Fatalf("result %s", body)
	}
	var ent cpaudit.Organisation
	if w.e.getJSON("/api/v1/organisations/"+w.entID, w.admin, &ent); ent.Name != "石家庄化工股份有限公司" || ent.Status != cpaudit.StatusStopped {
		t.Fatalf("updated enterprise %+v", ent)
	}

	// The rejected rows come back as a sheet, to the importer only.
	status, xlsx, h := w.e.do("GET", "/api/v1/enterprises/imports/"+res.ID+"/rejected", w.regulator, nil, "")
	if status != 200 || !strings.Contains(h.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("report: %d %s", status, h)
	}
	f, err := excelize.OpenReader(bytes.NewReader(xlsx))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows(f.GetSheetList()[0])
	if len(rows) != 3 || rows[1][0] != "4" || rows[1][1] != "统一社会信用代码" {
		t.Fatalf("report rows %q", rows)
	}
	for _, tok := range []string{w.consultant, w.city, w.otherAdmin} {
		if status, _, _ := w.e.do("GET", "/api/v1/enterprises/imports/"+res.ID+"/rejected", tok, nil, ""); status != 404 {
			t.Errorf("someone else reads the report: %d", status)
		}
	}

	// The template: Chinese header with English notes and a valid example row.
	status, tpl, h := w.e.do("GET", "/api/v1/enterprises/import-template", w.consultant, nil, "")
	if status != 200 || !strings.Contains(h.Get("Content-Disposition"), "attachment") {
		t.Fatalf("template: %d %v", status, h)
	}
	tf, err := excelize.OpenReader(bytes.NewReader(tpl))
	if err != nil {
		t.Fatal(err)
	}
	sheetName := tf.GetSheetList()[0]
	trows, _ := tf.GetRows(sheetName)
	comments, _ := tf.GetComments(sheetName)
	if len(trows) != 2 || trows[0][0] != "企业名称" || len(comments) != len(cpaudit.ImportColumns) {
		t.Fatalf("template rows %q, %d comments", trows, len(comments))
	}
	// Importing the template as it is creates its example enterprise.
	status, body = post(w.admin, nil, tpl)
	if status != 200 || !strings.Contains(string(body), `"created":1`) {
		t.Fatalf("template import: %d %s", status, body)
	}

	// Hostile and wrong files get a clear 4xx.
	var bomb bytes.Buffer
	zw := zip.NewWriter(&bomb)
	zf, _ := zw.Create("xl/worksheets/sheet1.xml")
	zero := make([]byte, 1<<20)
	for range 200 {
		zf.Write(zero)
	}
	zw.Close()
	for _, tc := range []struct {
		name    string
		content []byte
		want    int
	}{
		{"csv", []byte("企业名称,统一社会信用代码\n甲,1\n"), 400},
		{"zip bomb", bomb.Bytes(), 413},
		{"no required column", importSheet(t, [][]any{{"企业名称", "地址"}, {"甲", "乙"}}), 400},
		{"too large", bytes.Repeat([]byte("x"), 11<<20), 413},
	} {
		status, body := post(w.admin, nil, tc.content)
		if status != tc.want {
			t.Errorf("%s: %d %s, want %d", tc.name, status, body, tc.want)
		}
	}
	status, b, hdr := w.e.do("POST", "/api/v1/enterprises/import", w.admin, strings.NewReader("{}"), "application/json")
	if status != 400 {
		t.Errorf("not multipart: %d", status)
	}
	problemOf(t, status, b, hdr)
}

// TestImportCutOff: a sheet whose body breaks off is the client's 400,
// not a server error.
func TestImportCutOff(t *testing.T) {
	w := newWorld(t)
	sheet := importSheet(t, [][]any{importHeader, {"石家庄焦化有限公司", "91130104MA0CCCCC1", "C2520", "130104"}})
	body, ct := multipartBody(t, nil, "企业名单.xlsx", sheet)
	whole, _ := io.ReadAll(body)
	status, got, h := w.e.do("POST", "/api/v1/enterprises/import", w.admin, bytes.NewReader(whole[:len(whole)/2]), ct)
	if status != 400 || !strings.Contains(problemOf(t, status, got, h), "cut off") {
		t.Errorf("half a sheet: %d %s", status, got)
	}
}

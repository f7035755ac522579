package handlers_test

import (
	"bytes"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// postImport sends the import form as a browser sends it: the CSRF token
// as the form's first field, then the batch and the file.
func (b *browser) postImport(csrf string, fields [][2]string, content []byte) response {
	b.t.Helper()
	all := append([][2]string{{"csrf", csrf}}, fields...)
	body, ct := multipartBody(b.t, all, "企业名单.xlsx", content)
	req, err := http.NewRequest("POST", b.e.srv.URL+"/enterprises/import", body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	return b.do(req)
}

func TestEnterprisePages(t *testing.T) {
	w := newOrgWorld(t)
	w.e.postJSON("/api/v1/enterprises", w.admin, map[string]string{
		"name": "保定<script>alert(1)</script>印染", "credit_code": creditCode("91130600MA0DYYYY1"),
		"industry": "C1713", "region": "130602", "address": "保定市竞秀区", "status": "stopped"}, nil)

	reg := w.e.browser()
	reg.mustLogin("hebei", "chen@hebei.gov.cn")
	body := reg.page("/enterprises")
	for _, want := range []string{"石家庄化工有限公司", "91350100M000100Y43", "C2710", "130100", "保定市竞秀区", "停产",
		"保定&lt;script&gt;alert(1)&lt;/script&gt;印染", `href="/enterprises"`, `id="import-link"`, "共 2 家"} {
		if !strings.Contains(body, want) {
			t.Errorf("enterprise list lacks %q", want)
		}
	}
	if strings.Contains(body, "<script>alert") {
		t.Fatal("a name is rendered unescaped")
	}
	if body := reg.page("/enterprises?region=130600&lang=en"); !strings.Contains(body, "Enterprises") || strings.Contains(body, "石家庄化工有限公司") ||
		!strings.Contains(body, "Stopped") {
		t.Errorf("filtered English list: %s", body)
	}
	if body := reg.page("/enterprises?limit=1&lang=zh"); !strings.Contains(body, `rel="next"`) {
		t.Errorf("no next page link")
	}
	if r := reg.get("/enterprises?region=xx"); r.status != 400 {
		t.Errorf("bad region: %d", r.status)
	}

	// The consultant sees its audit's enterprise only, and no import.
	cons := w.e.browser()
	cons.mustLogin("hebei", "zhang@lvyuan.cn")
	body = cons.page("/enterprises")
	if !strings.Contains(body, "石家庄化工有限公司") || strings.Contains(body, "印染") || strings.Contains(body, `id="import-link"`) {
		t.Errorf("consultant's list: %s", body)
	}
	body = cons.page("/enterprises/import")
	if strings.Contains(body, `id="import-form"`) || !strings.Contains(body, "只有管理员") {
		t.Errorf("consultant's import page offers the form")
	}
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no csrf token on the page")
	}
	data := importSheet(t, [][]any{importHeader, {"新企业", creditCode("91130100MA0CAAA01"), "C2520", "130104"}})
	if r := cons.postImport(m[1], nil, data); r.status != 409 || !strings.Contains(r.body, "import-error") {
		t.Errorf("consultant imports: %d", r.status)
	}

	// The regulator imports through the form and sees the rejected row.
	body = reg.page("/enterprises/import")
	for _, want := range []string{`id="import-form"`, `enctype="multipart/form-data"`, "2027年第一批", "绿源环保咨询", `href="/enterprises/import-template.xlsx"`} {
		if !strings.Contains(body, want) {
			t.Errorf("import page lacks %q", want)
		}
	}
	csrf := csrfField.FindStringSubmatch(body)[1]
	data = importSheet(t, [][]any{importHeader,
		{"石家庄<b>焦化</b>有限公司", creditCode("91130100MA0CAAA01"), "C2520", "130104", "长安区", "", "正常生产"},
		{"坏行业公司", creditCode("91130100MA0CAAA02"), "化工", "130104"},
	})
	if r := reg.postImport("wrong", nil, data); r.status != 400 {
		t.Errorf("import with a bad csrf token: %d", r.status)
	}
	if r := w.e.browser().postImport(csrf, nil, data); r.status != http.StatusSeeOther && r.status != 401 {
		t.Errorf("import without a session: %d", r.status)
	}
	r := reg.postImport(csrf, [][2]string{{"batch_id", w.batch}, {"consultancy_id", w.consID}}, data)
	if r.status != 200 {
		t.Fatalf("import: %d %s", r.status, r.body)
	}
	for _, want := range []string{`id="created">1<`, `id="updated">0<`, `id="audits-created">1<`, `id="rejected-count">1<`,
		`<td class="num">3</td>`, "行业代码", "化工", `id="rejected-link"`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("result lacks %q", want)
		}
	}
	link := regexp.MustCompile(`href="(/enterprises/imports/[^"]+/rejected\.xlsx)"`).FindStringSubmatch(r.body)
	if link == nil {
		t.Fatal("no rejected-rows link")
	}
	x := reg.get(link[1])
	if x.status != 200 || !strings.Contains(x.header.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("rejected rows: %d", x.status)
	}
	f, err := excelize.OpenReader(bytes.NewReader([]byte(x.body)))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows(f.GetSheetList()[0])
	if len(rows) != 2 || rows[1][0] != "3" {
		t.Fatalf("rejected sheet %q", rows)
	}
	if x := cons.get(link[1]); x.status != 404 {
		t.Errorf("another user downloads the report: %d", x.status)
	}
	if body := reg.page("/enterprises?q=" + "%E7%84%A6%E5%8C%96"); !strings.Contains(body, "石家庄&lt;b&gt;焦化&lt;/b&gt;有限公司") {
		t.Errorf("imported enterprise not listed escaped")
	}

	// A file that is not a workbook is refused on the page, in Chinese context.
	r = reg.postImport(csrf, nil, []byte("名称,代码\n"))
	if r.status != 400 || !strings.Contains(r.body, `id="import-error"`) || !strings.Contains(r.body, `id="import-form"`) {
		t.Errorf("csv: %d", r.status)
	}
	if t2 := reg.get("/enterprises/import-template.xlsx"); t2.status != 200 || !strings.Contains(t2.header.Get("Content-Type"), "spreadsheetml") {
		t.Errorf("template: %d", t2.status)
	}
	// Another tenant's import report is unknown.
	other := w.e.browser()
	other.mustLogin("beijing", "admin@beijing.gov.cn")
	if x := other.get(link[1]); x.status != 404 {
		t.Errorf("other tenant reads the report: %d", x.status)
	}
}

// TestEnterprisesExport downloads the filtered enterprise list as .xlsx
// and reads it back: the filter holds, the Chinese text and the status
// name survive, and the consultant's export holds only what it may see.
func TestEnterprisesExport(t *testing.T) {
	w := newOrgWorld(t)
	w.e.postJSON("/api/v1/enterprises", w.admin, map[string]string{
		"name": "保定市白洋淀印染有限公司", "credit_code": creditCode("91130600MA0DYYYY1"),
		"industry": "C1713", "region": "130602", "address": "保定市竞秀区", "status": "stopped"}, nil)
	reg := w.e.browser()
	reg.mustLogin("hebei", "chen@hebei.gov.cn")
	if body := reg.page("/enterprises?region=130600"); !strings.Contains(body, `href="/enterprises.xlsx?region=130600"`) {
		t.Fatalf("the list does not link its export with its filter")
	}
	rows := func(b *browser, path string) [][]string {
		t.Helper()
		r := b.get(path)
		if r.status != 200 || !strings.Contains(r.header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("GET %s: %d %v", path, r.status, r.header)
		}
		f, err := excelize.OpenReader(strings.NewReader(r.body))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		all, err := f.GetRows(f.GetSheetList()[0])
		if err != nil {
			t.Fatal(err)
		}
		return all
	}
	got := rows(reg, "/enterprises.xlsx?region=130600")
	if len(got) != 2 || got[0][0] != "企业名称" || got[1][0] != "保定市白洋淀印染有限公司" || got[1][4] != "保定市竞秀区" || got[1][6] != "停产" {
		t.Errorf("filtered export: %q", got)
	}
	if got := rows(reg, "/enterprises.xlsx"); len(got) != 3 {
		t.Errorf("whole export has %d rows, want header + 2", len(got))
	}
	cons := w.e.browser()
	cons.mustLogin("hebei", "zhang@lvyuan.cn")
	if got := rows(cons, "/enterprises.xlsx"); len(got) != 2 || got[1][0] != "石家庄化工有限公司" {
		t.Errorf("consultant's export: %q", got)
	}
	if r := reg.get("/enterprises.xlsx?region=xx"); r.status != 400 {
		t.Errorf("bad region: %d", r.status)
	}
}

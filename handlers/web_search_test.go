package handlers_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/cpaudit/cpaudit"
)

func TestSearchPage(t *testing.T) {
	w := newWorld(t)
	e := w.e
	inAudit := [][2]string{{"kind", "report"}, {"audit_id", w.auditID}, {"step", "12"}}
	report := e.uploadText(w.consultant, inAudit, "报告.txt", []byte("全年节水\n量达到一万二千吨。<script>alert(1)</script>"))
	e.uploadText(w.consultant, [][2]string{{"kind", "evidence"}, {"audit_id", w.auditID}, {"step", "30"}}, "台账.txt", []byte("节水量台账"))
	// A document of another firm's audit, which zhang may not read.
	tn, _ := e.store.TenantBySlug(t.Context(), "hebei")
	admin := cpaudit.SystemActor(tn.ID)
	rivalFirm := e.org(admin, cpaudit.OrgConsultancy, "蓝天咨询", "91130200MA0DDDDD4")
	au, err := e.store.CreateAudit(t.Context(), admin, w.entID, rivalFirm.ID)
	if err != nil {
		t.Fatal(err)
	}
	rival := e.user(admin, "wang@lantian.cn", cpaudit.RoleConsultant, rivalFirm.ID)
	e.uploadText(rival, [][2]string{{"kind", "report"}, {"audit_id", au.ID}}, "蓝天.txt", []byte("蓝天的节水量报告"))
	e.process()

	b := e.browser()
	b.mustLogin("hebei", "zhang@lvyuan.cn")

	// The empty form, also for a blank q.
	var body string
	for _, path := range []string{"/search", "/search?q=+"} {
		body = b.page(path)
		if !strings.Contains(body, `id="search-form"`) || strings.Contains(body, `id="search-total"`) ||
			strings.Contains(body, `id="search-error"`) || !strings.Contains(body, "全文检索") {
			t.Fatalf("empty search page %s: %s", path, body)
		}
	}

	// A phrase broken by a line break in the file is found; zhang sees 2
	// of the 3 documents containing it; fragments are escaped and marked.
	body = b.page("/search?q=" + url.QueryEscape("节水量"))
	if !strings.Contains(body, "共找到 2 份文档") {
		t.Errorf("total: %s", body)
	}
	if strings.Contains(body, "蓝天") {
		t.Error("another firm's document is shown")
	}
	if !strings.Contains(body, "<mark>节水量</mark>") {
		t.Error("no highlighted fragment")
	}
	if strings.Contains(body, "<script>alert") || !strings.Contains(body, "&lt;script&gt;") {
		t.Error("fragment not escaped")
	}
	link := regexp.MustCompile(`href="(/documents/` + report + `/versions/1/text\?q=[^"#]+#m1)"`).FindStringSubmatch(body)
	if link == nil {
		t.Fatalf("no link to the text at the match: %s", body)
	}

	// Filters narrow, and the form keeps them.
	body = b.page("/search?q=" + url.QueryEscape("节水量") + "&step=30")
	if !strings.Contains(body, "共找到 1 份文档") || !strings.Contains(body, `<option value="30" selected>`) {
		t.Errorf("step filter: %s", body)
	}
	body = b.page("/search?q=" + url.QueryEscape("节水量") + "&phase=P3")
	if !strings.Contains(body, "共找到 1 份文档") || !strings.Contains(body, `<option value="P3" selected>`) {
		t.Errorf("phase filter")
	}
	if body := b.page("/search?q=" + url.QueryEscape("不存在的内容")); !strings.Contains(body, `id="no-hits"`) {
		t.Error("no empty state")
	}

	// Paging keeps the query and the filters (an empty one is dropped).
	body = b.page("/search?q=" + url.QueryEscape("节水") + "&limit=1&kind=&audit_id=" + w.auditID + "&sort=date")
	want := `href="/search?audit_id=` + w.auditID + `&amp;limit=1&amp;offset=1&amp;q=` + url.QueryEscape("节水") + `&amp;sort=date"`
	if !strings.Contains(body, `id="next"`) || !strings.Contains(body, want) {
		t.Errorf("pager, want %s: %s", want, body)
	}

	// A bad parameter: 400 with the reason, on the page.
	if r := b.get("/search?q=x&step=99"); r.status != 400 || !strings.Contains(r.body, `id="search-error"`) || !strings.Contains(r.body, "step") {
		t.Errorf("bad step: %d", r.status)
	}

	// English.
	if body := b.page("/search?lang=en&q=" + url.QueryEscape("节水量")); !strings.Contains(body, "2 documents found") {
		t.Error("no English total")
	}

	// The text page marks every match, the first with id m1, across the
	// line break of the original file.
	body = b.page(strings.ReplaceAll(link[1], "&amp;", "&"))
	if !strings.Contains(body, `全年<mark id="m1">节水量</mark>达到`) || strings.Contains(body, `id="m2"`) {
		t.Errorf("text page marks: %s", body)
	}
	// A query the index refuses just shows the text unmarked.
	body = b.page("/documents/" + report + "/versions/1/text?q=" + url.QueryEscape("-节水"))
	if strings.Contains(body, "<mark") || !strings.Contains(body, "全年节水量") {
		t.Errorf("bad q on the text page: %s", body)
	}
	if strings.Contains(body, "<script>alert") {
		t.Error("text page not escaped")
	}
	// Another tenant's browser cannot search this tenant.
	other := e.browser()
	other.mustLogin("beijing", "liu@bj.cn")
	if body := other.page("/search?q=" + url.QueryEscape("节水量")); !strings.Contains(body, "共找到 0 份文档") {
		t.Error("beijing finds hebei's documents")
	}
}

package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// postSource sends the screening upload form as a browser sends it.
func (b *browser) postSource(csrf, filename string, content []byte) response {
	b.t.Helper()
	body, ct := multipartBody(b.t, [][2]string{{"csrf", csrf}, {"name", "2026年污染源普查"}}, filename, content)
	req, err := http.NewRequest("POST", b.e.srv.URL+"/screening", body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	return b.do(req)
}

// TestScreeningPages: a regulator imports source data on the page, screens
// it, sees why each candidate was selected and makes the batch; a file
// with wrong rows shows each row and why; other roles are not offered it.
func TestScreeningPages(t *testing.T) {
	w := newWorld(t)
	reg := w.e.browser()
	reg.mustLogin("hebei", "chen@hebei.gov.cn")
	home := reg.page("/")
	if !strings.Contains(home, `id="nav-screening"`) {
		t.Fatal("a regulator's navigation lacks screening")
	}
	csrf := reg.formToken("/screening")

	bad := sourceCSV() + ccode("91130100MA0A00007") + ",标识错有限公司,130104,C2520,超标,,\n"
	r := reg.postSource(csrf, "源数据.csv", []byte(bad))
	if r.status != 422 || !strings.Contains(r.body, "未知的标识“超标”") || !strings.Contains(r.body, "<td class=\"num\">5</td>") ||
		!strings.Contains(r.body, "整份文件未导入") {
		t.Fatalf("wrong rows: %d %.2000s", r.status, r.body)
	}

	r = reg.postSource(csrf, "源数据.csv", []byte(sourceCSV()))
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/screening/sources/") {
		t.Fatalf("import: %d %s %.600s", r.status, r.header.Get("Location"), r.body)
	}
	srcPage := r.header.Get("Location")
	page := reg.page(srcPage)
	if !strings.Contains(page, `id="source-rows">3<`) || strings.Contains(page, `id="candidates"`) {
		t.Fatalf("source page before screening: %.1500s", page)
	}
	q := url.Values{"cod": {"10"}, "energy_tce": {"50000"}, "flag": {"energy_intensive"}}
	page = reg.page(srcPage + "?" + q.Encode())
	for _, want := range []string{`id="candidate-count">2<`, "石家庄化工有限公司", "排放超标：cod 15.5 t &gt; 10 t", "标识：高耗能", "能耗超限：energy 90000 tce &gt; 50000 tce"} {
		if !strings.Contains(page, want) {
			t.Errorf("candidates lack %q", want)
		}
	}
	if strings.Contains(page, "沧州机械有限公司") {
		t.Error("an enterprise no rule selected is a candidate")
	}
	if r := reg.get(srcPage + "?cod=很多"); r.status != 400 || !strings.Contains(r.body, "不是非负数") {
		t.Errorf("a threshold that is no number: %d", r.status)
	}

	form := withValues(q, "csrf", csrf, "year", "2026", "number", "7", "name", "2026年第七批（筛选）")
	form["credit_code"] = []string{ccode("91130200MA0A00002")}
	r = reg.postForm(srcPage+"/batch", form)
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/batches/") {
		t.Fatalf("batch: %d %.800s", r.status, r.body)
	}
	batch := reg.page(r.header.Get("Location"))
	if !strings.Contains(batch, `id="batch-listings"`) || !strings.Contains(batch, "唐山钢铁有限公司</a>") || !strings.Contains(batch, "能耗超限：energy 90000 tce &gt; 50000 tce") {
		t.Errorf("the batch page lacks its enterprise: %s", batch[strings.Index(batch, "<main>"):])
	}
	// The same number again: the page says why, nothing is made.
	if r := reg.postForm(srcPage+"/batch", form); r.status != 409 || !strings.Contains(r.body, `id="screening-error"`) {
		t.Errorf("taken number: %d", r.status)
	}

	cons := w.e.browser()
	cons.mustLogin("hebei", "zhang@lvyuan.cn")
	if strings.Contains(cons.page("/"), "nav-screening") {
		t.Error("a consultant is offered screening")
	}
	if r := cons.get(srcPage); r.status != 404 {
		t.Errorf("a consultant reads the source page: %d", r.status)
	}
	if page := cons.page("/screening"); !strings.Contains(page, "只有管理员或监管人员可以导入源数据") {
		t.Error("the consultant's screening page offers the form")
	}
}

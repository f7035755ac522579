package handlers_test

import (
	"html"
	"regexp"
	"strings"
	"testing"
)

// TestComparePage: two documents side by side through the real router:
// the shared passage highlighted and numbered, a similarity, Chinese
// labels; the document page's pickers lead there; who may not read either
// document gets 404, whatever its role or tenant.
func TestComparePage(t *testing.T) {
	sw := newSimilarWorld(t)
	w, e := sw.world, sw.world.e
	admin := e.browser()
	admin.mustLogin("hebei", "admin@hebei.gov.cn")

	body := admin.page("/compare?a=" + sw.orig + "&b=" + sw.dup)
	for _, want := range []string{"文本对比", "相似度", "相同段落", `id="m1"`, `class="shared"`, "石家庄审核报告.txt", "唐山审核报告.txt", "左右互换"} {
		if !strings.Contains(body, want) {
			t.Errorf("compare page lacks %q", want)
		}
	}
	if !regexp.MustCompile(`id="compare-similarity">\d+\.\d%<`).MatchString(body) {
		t.Errorf("no similarity percentage")
	}
	// The copy's own first part is only on the right.
	if !strings.Contains(body, "<ins>") {
		t.Errorf("no insertion marked")
	}

	// Pickers: the document page links to the picker and, from the
	// similar list, straight to the comparison with the other document.
	doc := admin.page("/documents/" + sw.orig)
	if !strings.Contains(doc, `href="/compare?a=`+sw.orig+`"`) {
		t.Errorf("document page has no compare picker link")
	}
	if !strings.Contains(doc, `href="/compare?a=`+sw.orig+`&amp;b=`+sw.dup+`"`) {
		t.Errorf("similar list has no compare link to the copy")
	}
	picker := admin.page("/compare?a=" + sw.orig)
	if !strings.Contains(picker, "选择与《石家庄审核报告.txt》对比的文本") ||
		!strings.Contains(picker, html.EscapeString("/compare?a="+sw.orig+"&b="+sw.dup)) {
		t.Errorf("picker lacks the similar document")
	}

	for _, tc := range []struct {
		name, tenant, email string
		status              int
	}{
		{"admin", "hebei", "admin@hebei.gov.cn", 200},
		{"regulator", "hebei", "chen@hebei.gov.cn", 200},
		{"consultant: may not read the other enterprise's copy", "hebei", "zhang@lvyuan.cn", 404},
		{"the copy's enterprise: may not read the original", "hebei", "boss1@ent1.cn", 404},
		{"unrelated enterprise", "hebei", "boss2@ent2.cn", 404},
		{"other tenant's admin", "beijing", "admin@beijing.gov.cn", 404},
	} {
		b := e.browser()
		b.mustLogin(tc.tenant, tc.email)
		r := b.get("/compare?a=" + sw.orig + "&b=" + sw.dup)
		if r.status != tc.status {
			t.Errorf("%s: %d, want %d", tc.name, r.status, tc.status)
		}
		if tc.status == 404 && (strings.Contains(r.body, "唐山审核报告") || strings.Contains(r.body, "石家庄审核报告")) {
			t.Errorf("%s: a 404 shows a title", tc.name)
		}
	}
	// The consultant may compare its own two uploads.
	c := e.browser()
	c.mustLogin("hebei", "zhang@lvyuan.cn")
	if r := c.get("/compare?a=" + sw.orig + "&b=" + sw.again); r.status != 200 {
		t.Errorf("consultant, own documents: %d", r.status)
	}
	if r := c.get("/compare?a=" + sw.orig); r.status != 200 || strings.Contains(r.body, "唐山") {
		t.Errorf("consultant's picker: %d, offers the unreadable copy: %v", r.status, strings.Contains(r.body, "唐山"))
	}
	for _, q := range []string{"?a=d_nosuch&b=" + sw.dup, "?a=" + sw.orig + "&b=" + w.otherDocID, "?a=" + sw.orig + "&av=9&b=" + sw.dup, "?a=" + sw.orig + "&av=x&b=" + sw.dup} {
		if r := admin.get("/compare" + q); r.status != 404 {
			t.Errorf("%s: %d, want 404", q, r.status)
		}
	}
	if r := admin.get("/compare"); r.status != 400 || !strings.Contains(r.body, "请指定要比对的两份文档") {
		t.Errorf("no ids: %d", r.status)
	}
}

// TestCompareVersionsAndEscaping: two versions of one document, whose
// hostile text and title come back escaped, with the change marked.
func TestCompareVersionsAndEscaping(t *testing.T) {
	w := newWorld(t)
	e := w.e
	base := prose(21, pools[0], 400)
	v1 := base + "<script>alert(1)</script>节水量12000吨/年。" + prose(22, pools[0], 300)
	id := e.uploadText(w.consultant, [][2]string{{"kind", "report"}, {"audit_id", w.auditID}, {"title", `<img src=x onerror=alert(1)>报告`}}, "报告.txt", []byte(v1))
	v2 := strings.Replace(v1, "12000", "15000", 1)
	body, ct := multipartBody(t, nil, "报告.txt", []byte(v2))
	if status, b, _ := e.do("POST", "/api/v1/documents/"+id+"/versions", w.consultant, body, ct); status != 201 {
		t.Fatalf("new version: %d %s", status, b)
	}
	e.process()
	b := e.browser()
	b.mustLogin("hebei", "zhang@lvyuan.cn")
	doc := b.page("/documents/" + id)
	link := `/compare?a=` + id + `&amp;av=1&amp;b=` + id
	if !strings.Contains(doc, link) || !strings.Contains(doc, "与当前版本对比") {
		t.Fatalf("versions table has no compare link")
	}
	page := b.page(html.UnescapeString(link))
	if strings.Contains(page, "<script>alert") || strings.Contains(page, "<img src=x") {
		t.Errorf("hostile text or title rendered unescaped")
	}
	if !strings.Contains(page, "&lt;script&gt;") || !strings.Contains(page, "&lt;img src=x") {
		t.Errorf("hostile text not shown escaped")
	}
	if !strings.Contains(page, "v1</span>") || !strings.Contains(page, "v2</span>") {
		t.Errorf("versions not labelled")
	}
	if !regexp.MustCompile(`<del>[^<]*2[^<]*</del>`).MatchString(page) || !regexp.MustCompile(`<ins>[^<]*5[^<]*</ins>`).MatchString(page) {
		t.Errorf("changed figure not marked at character level")
	}
	if strings.Contains(page, "<del>"+string([]rune(base)[:10])) {
		t.Errorf("unchanged text marked")
	}
}

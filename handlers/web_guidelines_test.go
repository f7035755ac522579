package handlers_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestGuidelinePages: the library's publisher registers a version on the
// page (a missing industry shows the reason in Chinese, 422), publishes it,
// registers and publishes its next version, whose page links to the
// comparison; a consultant of a tenant lists both and opens the
// comparison, and never the library's drafts.
func TestGuidelinePages(t *testing.T) {
	lw := newLibraryWorld(t)
	e := lw.e
	v1Doc := e.uploadText(lw.libPublisher, [][2]string{{"kind", "guideline"}, {"title", "涂装行业清洁生产审核指南（2025）"}}, "涂装2025.txt",
		[]byte("涂装行业清洁生产审核指南。第一章 总则。企业应核算单位产品综合能耗，开展能源审计与物料平衡分析。第二章 底线要求。涂料使用量应逐月记录。"))
	v2Doc := e.uploadText(lw.libPublisher, [][2]string{{"kind", "guideline"}, {"title", "涂装行业清洁生产审核指南（2026）"}}, "涂装2026.txt",
		[]byte("涂装行业清洁生产审核指南。第一章 总则。企业应核算单位产品综合能耗，开展能源审计与物料平衡分析。第二章 底线要求。低挥发性有机物含量涂料替代比例应达到百分之八十。"))
	e.process()

	pub := e.browser()
	pub.mustLogin("guides", "pub@guides.cn")
	page := pub.page("/guidelines")
	if !strings.Contains(page, `id="guideline-form"`) || !strings.Contains(page, v1Doc) || !strings.Contains(page, "登记指南版本") {
		t.Fatalf("the publisher's page has no form with its document: %.2000s", page)
	}
	form := url.Values{"csrf": {pub.formToken("/guidelines")}, "document_id": {v1Doc}, "issuing_body": {"河北省生态环境厅"},
		"effective_date": {"2025-03-01"}, "industries": {""}}
	r := pub.postForm("/guidelines", form)
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "请至少填写一个适用行业") {
		t.Fatalf("no industry: %d %.1500s", r.status, r.body)
	}
	form.Set("industries", "C33，C34")
	r = pub.postForm("/guidelines", form)
	v1Path := r.header.Get("Location")
	if r.status != http.StatusSeeOther || !strings.HasPrefix(v1Path, "/guidelines/gl") {
		t.Fatalf("create: %d %q %.600s", r.status, v1Path, r.body)
	}
	if p := pub.page(v1Path); !strings.Contains(p, "草稿") || !strings.Contains(p, `id="publish-submit"`) || !strings.Contains(p, "C33 C34") {
		t.Errorf("draft page: %.2000s", p)
	}
	consultant := e.browser()
	consultant.mustLogin("hebei", "zhang@lvyuan.cn")
	if r := consultant.get(v1Path); r.status != 404 {
		t.Errorf("a tenant's consultant reads the library's draft: %d", r.status)
	}
	if r := pub.postForm(v1Path+"/publish", url.Values{"csrf": {pub.formToken(v1Path)}}); r.status != http.StatusSeeOther {
		t.Fatalf("publish: %d %.600s", r.status, r.body)
	}
	if p := pub.page(v1Path); !strings.Contains(p, "现行") || strings.Contains(p, `id="publish-submit"`) || !strings.Contains(p, `id="g-new-version"`) {
		t.Errorf("published page: %.2000s", p)
	}
	v1ID := strings.TrimPrefix(v1Path, "/guidelines/")
	if p := pub.page("/guidelines?supersedes=" + v1ID); !strings.Contains(p, `value="`+v1ID+`"`) {
		t.Errorf("the new version's form does not carry what it supersedes: %.2000s", p)
	}
	form = url.Values{"csrf": {pub.formToken("/guidelines")}, "document_id": {v2Doc}, "issuing_body": {"河北省生态环境厅"},
		"effective_date": {"2026-01-01"}, "industries": {"C33 C27"}, "supersedes": {v1ID}}
	r = pub.postForm("/guidelines", form)
	v2Path := r.header.Get("Location")
	if r.status != http.StatusSeeOther {
		t.Fatalf("create v2: %d %.600s", r.status, r.body)
	}
	pub.postForm(v2Path+"/publish", url.Values{"csrf": {pub.formToken(v2Path)}})
	compare := "/compare?a=" + v1Doc + "&amp;b=" + v2Doc
	if p := pub.page(v2Path); !strings.Contains(p, compare) || !strings.Contains(p, "与上一版对比变化") {
		t.Errorf("v2 page has no comparison link %s: %.2000s", compare, p)
	}

	list := consultant.page("/guidelines?industry=C3311")
	for _, want := range []string{v1ID, strings.TrimPrefix(v2Path, "/guidelines/"), "已被替代", "现行", "指南库"} {
		if !strings.Contains(list, want) {
			t.Errorf("consultant's list lacks %q: %.2000s", want, list)
		}
	}
	if strings.Contains(list, `id="guideline-form"`) {
		t.Errorf("a consultant is offered the form")
	}
	if p := consultant.page(v2Path); !strings.Contains(p, compare) {
		t.Errorf("consultant's v2 page: %.2000s", p)
	}
	if p := consultant.page(html.UnescapeString(compare)); !strings.Contains(p, "低挥发性有机物含量涂料") {
		t.Errorf("comparison page: %.2000s", p)
	}

	// Notices: the new version applies to C27, the industry of the hebei
	// audit, so its consultancy and regulator see it on their home pages
	// with the comparison, and so does Beijing's consultancy, whose audit
	// is of C2710 too (the library is every tenant's); the first version
	// (C33, C34) is no one's notice, and a publisher gets none.
	v2ID := strings.TrimPrefix(v2Path, "/guidelines/")
	reg := e.browser()
	reg.mustLogin("hebei", "chen@hebei.gov.cn")
	bj := e.browser()
	bj.mustLogin("beijing", "liu@bj.cn")
	for who, b := range map[string]*browser{"consultant": consultant, "regulator": reg, "beijing consultant": bj} {
		home := b.page("/")
		if !strings.Contains(home, `id="q-guideline-notices"`) || !strings.Contains(home, "/guidelines/"+v2ID) || !strings.Contains(home, compare) ||
			strings.Contains(home, "/guidelines/"+v1ID+`"`) {
			t.Errorf("%s's home page: %.3000s", who, home)
		}
	}
	if home := pub.page("/"); strings.Contains(home, `id="q-guideline-notices"`) {
		t.Errorf("the publisher's home page has notices")
	}
}

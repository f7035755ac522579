package handlers_test

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// similarList is the answer of GET /api/v1/documents/{id}/similar.
type similarList struct {
	Documents []struct {
		DocumentID string  `json:"document_id"`
		Similarity float64 `json:"similarity"`
	} `json:"documents"`
}

func (e *testEnv) similar(token, id, query string) (int, similarList, []byte) {
	e.t.Helper()
	status, body, _ := e.do("GET", "/api/v1/documents/"+url.PathEscape(id)+"/similar"+query, token, nil, "")
	var l similarList
	if status == 200 {
		if err := json.Unmarshal(body, &l); err != nil || l.Documents == nil {
			e.t.Fatalf("similar %s: %s (%v)", id, body, err)
		}
	}
	return status, l, body
}

// similarWorld is a report, its near-copy by another enterprise, its own
// enterprise's second upload of it and an unrelated report, analysed.
type similarWorld struct {
	world                       *world
	other, third                string // the other enterprises' users
	orig, dup, again, unrelated string
}

func newSimilarWorld(t *testing.T) similarWorld {
	w := newWorld(t)
	e := w.e
	sw := similarWorld{world: w}
	var otherAudit, thirdAudit string
	sw.other, otherAudit = w.enterpriseOf(1, "唐山钢铁有限公司")
	sw.third, thirdAudit = w.enterpriseOf(2, "邯郸印染有限公司")
	inAudit := [][2]string{{"kind", "report"}, {"audit_id", w.auditID}}
	a1, a2 := prose(1, pools[0], 3000), prose(2, pools[0], 3000)
	sw.orig = e.uploadText(w.consultant, inAudit, "石家庄审核报告.txt", []byte(a1+a2))
	// Another enterprise copied the first half; the same enterprise
	// uploaded the whole report again with a new ending.
	sw.dup = e.uploadText(sw.other, [][2]string{{"kind", "report"}, {"audit_id", otherAudit}}, "唐山审核报告.txt", []byte(prose(3, pools[1], 2000)+a1))
	sw.again = e.uploadText(w.consultant, inAudit, "石家庄审核报告终稿.txt", []byte(a1+a2+prose(4, pools[0], 600)))
	sw.unrelated = e.uploadText(sw.third, [][2]string{{"kind", "report"}, {"audit_id", thirdAudit}}, "邯郸报告.txt", []byte(prose(5, pools[2], 5000)))
	e.process()
	return sw
}

// TestSimilarDocumentsAPI: a report's near-copy by another enterprise and
// its own enterprise's second upload are listed, most similar first, an
// unrelated report is not; each caller sees only what it may read, a
// document it may not read is 404, and a bad limit is 400 with its code.
func TestSimilarDocumentsAPI(t *testing.T) {
	sw := newSimilarWorld(t)
	w, e := sw.world, sw.world.e
	other, third := sw.other, sw.third
	orig, dup, again, unrelated := sw.orig, sw.dup, sw.again, sw.unrelated

	ids := func(l similarList) []string {
		var out []string
		for _, d := range l.Documents {
			out = append(out, d.DocumentID)
			if d.Similarity <= 0 || d.Similarity > 1 {
				t.Errorf("similarity %v of %s", d.Similarity, d.DocumentID)
			}
		}
		return out
	}
	for _, tc := range []struct {
		name, token, doc string
		want             []string
	}{
		{"admin", w.admin, orig, []string{again, dup}},
		{"regulator", w.regulator, orig, []string{again, dup}},
		{"consultant: not the other enterprise's", w.consultant, orig, []string{again}},
		{"other enterprise: not the original", other, dup, nil},
		{"unrelated", w.admin, unrelated, nil},
		{"admin, from the copy", w.admin, dup, []string{orig, again}},
	} {
		status, l, body := e.similar(tc.token, tc.doc, "")
		if status != 200 {
			t.Errorf("%s: %d %s", tc.name, status, body)
			continue
		}
		if got := ids(l); !equalStrings(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	if _, l, _ := e.similar(w.admin, orig, "?limit=1"); !equalStrings(ids(l), []string{again}) {
		t.Errorf("limit=1: %v", ids(l))
	}
	// Outside the caller's reach, deleted, or of another tenant: 404.
	for _, tc := range []struct{ name, token, doc string }{
		{"other enterprise", other, orig},
		{"third enterprise", third, dup},
		{"other tenant", w.otherAdmin, orig},
		{"no such document", w.admin, "d_nosuch"},
	} {
		if status, _, body := e.similar(tc.token, tc.doc, ""); status != 404 {
			t.Errorf("%s: %d %s, want 404", tc.name, status, body)
		}
	}
	if status, b, _ := e.do("DELETE", "/api/v1/documents/"+dup, other, nil, ""); status != 204 {
		t.Fatalf("delete: %d %s", status, b)
	}
	if _, l, _ := e.similar(w.admin, orig, ""); !equalStrings(ids(l), []string{again}) {
		t.Errorf("after the copy was deleted: %v", ids(l))
	}
	if status, _, body := e.similar(w.admin, dup, ""); status != 404 {
		t.Errorf("deleted document: %d %s, want 404", status, body)
	}
	for _, q := range []string{"?limit=0", "?limit=51", "?limit=abc", "?limit=-1"} {
		status, _, body := e.similar(w.admin, orig, q)
		if status != 400 || refusalCode(t, status, body) != "number_range" {
			t.Errorf("%s: %d %s, want 400 number_range", q, status, body)
		}
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestSimilarDocumentsPage: the document page lists the similar documents
// the user may read under 相似文档, by title with a link and a percentage,
// never by a bare id; a document with none says so.
func TestSimilarDocumentsPage(t *testing.T) {
	sw := newSimilarWorld(t)
	e := sw.world.e
	section := func(body string) string {
		t.Helper()
		i := strings.Index(body, `<section class="card" id="similar">`)
		if i < 0 {
			t.Fatalf("no similar section in the page")
		}
		j := strings.Index(body[i:], "</section>")
		return body[i : i+j]
	}
	linked := func(sec, id, title string) bool {
		return strings.Contains(sec, `<a href="/documents/`+id+`">`+title+`</a>`)
	}
	// Outside href attributes (links to the document and to the compare
	// page), no document id shows.
	hrefs := regexp.MustCompile(`href="[^"]*"`)
	noBareIDs := func(sec string, ids ...string) {
		t.Helper()
		for _, id := range ids {
			if strings.Contains(hrefs.ReplaceAllString(sec, ""), id) {
				t.Errorf("the similar section shows the id %s: %s", id, sec)
			}
		}
	}

	b := e.browser()
	b.mustLogin("hebei", "admin@hebei.gov.cn")
	sec := section(b.page("/documents/" + sw.orig))
	if !strings.Contains(sec, "相似文档") || !strings.Contains(sec, "相似度") {
		t.Errorf("section not in Chinese: %s", sec)
	}
	if !linked(sec, sw.again, "石家庄审核报告终稿.txt") || !linked(sec, sw.dup, "唐山审核报告.txt") || strings.Contains(sec, "邯郸") {
		t.Errorf("admin's similar documents: %s", sec)
	}
	if strings.Index(sec, "终稿") > strings.Index(sec, "唐山") {
		t.Errorf("not most similar first: %s", sec)
	}
	if !strings.Contains(sec, "唐山审核报告.txt</a> <span class=\"badge\">同行业</span>") {
		t.Errorf("the copy's enterprise is of the same industry (C2710): %s", sec)
	}
	if !regexp.MustCompile(`\d+\.\d%`).MatchString(sec) {
		t.Errorf("no percentage: %s", sec)
	}
	noBareIDs(sec, sw.again, sw.dup, sw.orig)
	if sec := section(b.page("/documents/" + sw.unrelated)); !strings.Contains(sec, "暂无相似文档") {
		t.Errorf("unrelated report: %s", sec)
	}

	c := e.browser()
	c.mustLogin("hebei", "zhang@lvyuan.cn")
	sec = section(c.page("/documents/" + sw.orig))
	if !linked(sec, sw.again, "石家庄审核报告终稿.txt") || strings.Contains(sec, sw.dup) || strings.Contains(sec, "唐山") {
		t.Errorf("consultant's similar documents: %s", sec)
	}
}

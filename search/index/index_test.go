package index

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit"
)

func openTest(t *testing.T) (*Index, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "index")
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix, dir
}

// putCorpus indexes texts as documents d0, d1, … in batches.
func putCorpus(t *testing.T, ix *Index, texts []string) {
	t.Helper()
	var batch []Doc
	for i, text := range texts {
		batch = append(batch, Doc{ID: fmt.Sprintf("d%d", i), Kind: "report", Text: text})
		if len(batch) == 64 || i == len(texts)-1 {
			if err := ix.Put(batch...); err != nil {
				t.Fatal(err)
			}
			batch = batch[:0]
		}
	}
}

func count(t *testing.T, ix *Index, q string) int {
	t.Helper()
	res, err := ix.Search(context.Background(), Query{Q: q, AllowAll: true})
	if err != nil {
		t.Fatalf("Search(%q): %v", q, err)
	}
	return res.Total
}

// checkCounts compares Total with the brute-force count for each query.
func checkCounts(t *testing.T, ix *Index, texts []string, queries []string) {
	t.Helper()
	folded := foldAll(texts)
	wrong := 0
	for _, q := range queries {
		terms, err := ParseQuery(q)
		if err != nil {
			t.Fatalf("ParseQuery(%q): %v", q, err)
		}
		want := bruteCountFolded(folded, terms)
		if got := count(t, ix, q); got != want {
			wrong++
			if wrong <= 20 {
				t.Errorf("query %q (terms %+v): Total %d, brute force %d", q, terms, got, want)
			}
		}
	}
	if wrong > 0 {
		t.Errorf("%d of %d queries counted wrong", wrong, len(queries))
	}
}

func TestSearchCountsExactly(t *testing.T) {
	texts := testCorpus(300)
	ix, _ := openTest(t)
	putCorpus(t, ix, texts)

	r := rand.New(rand.NewPCG(7, 7))
	var queries []string
	for range 300 {
		queries = append(queries, randomSubstring(r, texts, 8))
	}
	for range 40 { // longer phrases
		queries = append(queries, randomSubstring(r, texts, 30))
	}
	queries = append(queries,
		"生产生产", "生产生产生产", "产生产", "000", "0000", "00000", "aaaa", "aaa", "aa", "a", "0",
		"清洁生产审核", "审核审核", "印染印染印染印染", "不存在的短语", "龘", "zz", "qqqq",
		`"ISO 14001"`, `"iso 1400"`, `"co., ltd."`, "cod", "COD", "Cod", "cOd12", "pm2.5", "bod5",
		"，", "。", "、", "&", "<", ">", "吨/年", "无/低费方案", `"华北印染有限公司 "`,
	)
	checkCounts(t, ix, texts, queries)
}

func TestSearchMultiTermAndExclusion(t *testing.T) {
	texts := testCorpus(300)
	ix, _ := openTest(t)
	putCorpus(t, ix, texts)

	r := rand.New(rand.NewPCG(8, 8))
	var queries []string
	for range 150 {
		parts := []string{randomSubstring(r, texts, 6)}
		for range 1 + r.IntN(3) {
			p := randomSubstring(r, texts, 6)
			if r.IntN(2) == 0 {
				p = "-" + p
			}
			parts = append(parts, p)
		}
		queries = append(queries, strings.Join(parts, " "))
	}
	queries = append(queries, "生产 -审核", "印染 造纸 制药", "cod -COD12", "氨氮 －二氧化硫", "印染　造纸")
	checkCounts(t, ix, texts, queries)
}

func TestSearchFoldsCaseAndWidth(t *testing.T) {
	ix, _ := openTest(t)
	docs := []Doc{
		{ID: "upper", Text: "出水COD12mg/L"},
		{ID: "lower", Text: "出水cod12 mg/L"},
		{ID: "title", Text: "Cod 是化学需氧量"},
		{ID: "none", Text: "出水氨氮达标"},
		{ID: "iso", Text: "通过 ISO 14001 认证"},
	}
	if err := ix.Put(docs...); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]int{
		"COD":         3,
		"cod":         3,
		"cOD12":       2,
		"ＣＯＤ１２":       2, // full width, folded like the text was
		"ｃｏｄ":         3,
		`"iso 14001"`: 1,
		`＂ISO　14001＂`: 1, // full-width quotes and space
		"iso 14001":   1, // two terms
		"14001 -iso":  0,
		"出水 -氨氮":      2,
		"出水 -cod":     1,
		"出水 -达标":      2,
	} {
		if got := count(t, ix, q); got != want {
			t.Errorf("%q: Total %d, want %d", q, got, want)
		}
	}
}

func TestSearchOneCharacter(t *testing.T) {
	ix, _ := openTest(t)
	if err := ix.Put(
		Doc{ID: "a", Text: "水"},
		Doc{ID: "b", Text: "节水"},
		Doc{ID: "c", Text: "水量"},
		Doc{ID: "d", Text: "电量"},
		Doc{ID: "e", Text: ""},
	); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]int{"水": 3, "量": 2, "节": 1, "火": 0, "节水": 1, "水量": 1, "节水量": 0} {
		if got := count(t, ix, q); got != want {
			t.Errorf("%q: Total %d, want %d", q, got, want)
		}
	}
}

// Each distinct rune of a text is a term of its own (gramField): runes of
// GB2312 and ASCII are numbered through a pooled array, others (Korean,
// Greek with accents, a rune beyond the BMP) through a map, and the
// array must be clean for the next document.
func TestSearchOneRuneOfEveryKind(t *testing.T) {
	ix, _ := openTest(t)
	texts := []string{"清洁생산ά𝔸a", "洁", "생", "𝔸𝔸", "", "ΆB", "审核审核", "x"}
	putCorpus(t, ix, texts)
	checkCounts(t, ix, texts, []string{"清", "洁", "生", "생", "산", "ά", "Ά", "𝔸", "a", "A", "b", "审", "核", "x", "y", "é",
		"洁 생", "𝔸 -a", "审 -x", "ά 洁"})
}

func TestSearchFiltersAndVisibility(t *testing.T) {
	ix, _ := openTest(t)
	day := func(d int) time.Time { return time.Date(2026, 3, d, 9, 0, 0, 0, time.UTC) }
	docs := []Doc{
		{ID: "r1", Kind: "report", AuditID: "au1", EnterpriseID: "e1", ConsultancyID: "c1", OrgID: "c1", CreatedByID: "u1", Step: 5, UploadedAt: day(1), Industry: "印染", Region: "130100", Text: "节水方案甲"},
		{ID: "r2", Kind: "report", AuditID: "au2", EnterpriseID: "e2", ConsultancyID: "c2", OrgID: "c2", CreatedByID: "u2", Step: 5, UploadedAt: day(2), Industry: "造纸", Region: "130200", Text: "节水方案乙"},
		{ID: "v1", Kind: "evidence", AuditID: "au1", EnterpriseID: "e1", ConsultancyID: "c1", OrgID: "e1", CreatedByID: "u3", Step: 12, UploadedAt: day(3), Industry: "印染", Region: "130100", Text: "节水方案丙"},
		{ID: "g1", Kind: "guideline", OrgID: "p1", CreatedByID: "u4", UploadedAt: day(4), Text: "节水方案指南"},
		{ID: "o1", Kind: "other", OrgID: "c1", CreatedByID: "u5", UploadedAt: day(5), Text: "节水方案其他"},
	}
	if err := ix.Put(docs...); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ids := func(q Query) []string {
		t.Helper()
		q.Q, q.Limit = "节水方案", 100
		res, err := ix.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, h := range res.Hits {
			out = append(out, h.ID)
		}
		if res.Total != len(out) {
			t.Errorf("%+v: Total %d, %d hits", q, res.Total, len(out))
		}
		slices.Sort(out)
		return out
	}
	all := Query{AllowAll: true}
	for _, c := range []struct {
		name string
		q    Query
		want []string
	}{
		{"everything", all, []string{"g1", "o1", "r1", "r2", "v1"}},
		{"kind", Query{AllowAll: true, Kind: "report"}, []string{"r1", "r2"}},
		{"audit", Query{AllowAll: true, AuditID: "au1"}, []string{"r1", "v1"}},
		{"enterprise", Query{AllowAll: true, EnterpriseID: "e2"}, []string{"r2"}},
		{"consultancy", Query{AllowAll: true, ConsultancyID: "c1"}, []string{"r1", "v1"}},
		{"industry", Query{AllowAll: true, Industry: "印染"}, []string{"r1", "v1"}},
		{"region", Query{AllowAll: true, Region: "130200"}, []string{"r2"}},
		{"step", Query{AllowAll: true, Step: 12}, []string{"v1"}},
		{"dates", Query{AllowAll: true, From: day(2), To: day(4)}, []string{"r2", "v1"}},
		{"from", Query{AllowAll: true, From: day(4)}, []string{"g1", "o1"}},
		{"two filters", Query{AllowAll: true, Kind: "report", Industry: "印染"}, []string{"r1"}},
		{"nothing allowed", Query{}, nil},
		// a consultant of firm c1: its audits, its firm's uploads, guidelines
		{"consultant c1", Query{AllowKinds: []string{"guideline"}, AllowOrgIDs: []string{"c1"}, AllowAuditIDs: []string{"au1"}},
			[]string{"g1", "o1", "r1", "v1"}},
		// the other firm never sees c1's hits
		{"consultant c2", Query{AllowKinds: []string{"guideline"}, AllowOrgIDs: []string{"c2"}, AllowAuditIDs: []string{"au2"}},
			[]string{"g1", "r2"}},
		{"consultant c2 filtering on c1's audit", Query{AllowKinds: []string{"guideline"}, AllowOrgIDs: []string{"c2"}, AllowAuditIDs: []string{"au2"}, AuditID: "au1"},
			nil},
		{"enterprise e1", Query{AllowKinds: []string{"guideline"}, AllowOrgIDs: []string{"e1"}, AllowAuditIDs: []string{"au1"}},
			[]string{"g1", "r1", "v1"}},
		{"own uploads only", Query{AllowUserID: "u5"}, []string{"o1"}},
	} {
		if got := ids(c.q); !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}

	// Sorting by date: newest first.
	res, err := ix.Search(ctx, Query{Q: "节水", AllowAll: true, SortByDate: true})
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, h := range res.Hits {
		order = append(order, h.ID)
	}
	if want := []string{"o1", "g1", "v1", "r2", "r1"}; !slices.Equal(order, want) {
		t.Errorf("by date: %v, want %v", order, want)
	}
}

func TestSearchRelevance(t *testing.T) {
	ix, _ := openTest(t)
	if err := ix.Put(
		Doc{ID: "once", Text: "本厂印染废水经处理后回用。其余为生活用水。"},
		Doc{ID: "thrice", Text: "印染废水多。印染废水处理。印染废水回用。"},
		Doc{ID: "none", Text: "造纸废水"},
	); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"印染废水", "印染", "染废", "印染废"} { // one character does not rank
		res, err := ix.Search(context.Background(), Query{Q: q, AllowAll: true})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 2 || res.Hits[0].ID != "thrice" || res.Hits[0].Score <= res.Hits[1].Score {
			t.Errorf("%q: %+v, want thrice before once", q, res)
		}
	}
}

func TestSearchPaging(t *testing.T) {
	texts := testCorpus(300)
	ix, _ := openTest(t)
	putCorpus(t, ix, texts)
	for _, q := range []Query{
		{Q: "生产", AllowAll: true, Limit: 7},
		{Q: "生", AllowAll: true, Limit: 9}, // one rune: every score ties
		{Q: "生产", AllowAll: true, Limit: 7, SortByDate: true},
		{Q: "生产 -审核小组", AllowAll: true, Limit: 5, Kind: "report"},
	} {
		checkPages(t, ix, texts, q)
	}
}

// checkPages pages through q and checks that Total stays the brute-force
// count and that the pages hold every match once, in a stable order.
func checkPages(t *testing.T, ix *Index, texts []string, q Query) {
	t.Helper()
	terms, err := ParseQuery(q.Q)
	if err != nil {
		t.Fatal(err)
	}
	want := bruteCount(texts, terms)
	if want < 3*q.Limit {
		t.Fatalf("%q: corpus too small for this test: %d", q.Q, want)
	}
	all, err := ix.Search(context.Background(), Query{Q: q.Q, AllowAll: true, Limit: MaxLimit, SortByDate: q.SortByDate, Kind: q.Kind})
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	seen := map[string]bool{}
	for q.Offset = 0; q.Offset < want+10; q.Offset += q.Limit {
		res, err := ix.Search(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != want {
			t.Fatalf("offset %d: Total %d, want %d", q.Offset, res.Total, want)
		}
		if wantHits := min(q.Limit, max(0, want-q.Offset)); len(res.Hits) != wantHits {
			t.Fatalf("offset %d: %d hits, want %d", q.Offset, len(res.Hits), wantHits)
		}
		for _, h := range res.Hits {
			if seen[h.ID] {
				t.Fatalf("offset %d: %s seen on an earlier page", q.Offset, h.ID)
			}
			seen[h.ID] = true
			order = append(order, h.ID)
		}
	}
	if len(seen) != want {
		t.Errorf("%q: pages held %d documents, want %d", q.Q, len(seen), want)
	}
	var allIDs []string
	for _, h := range all.Hits {
		allIDs = append(allIDs, h.ID)
	}
	if all.Total != want || !slices.Equal(order, allIDs) {
		t.Errorf("%q: pages %v differ from one page %v (Total %d)", q.Q, order, allIDs, all.Total)
	}
}

func TestReplaceDeleteReopen(t *testing.T) {
	ix, dir := openTest(t)
	if err := ix.Put(Doc{ID: "x", Text: "旧版本的报告"}, Doc{ID: "y", Text: "另一份报告"}); err != nil {
		t.Fatal(err)
	}
	if got := count(t, ix, "旧版本"); got != 1 {
		t.Fatalf("before replace: %d", got)
	}
	if err := ix.Put(Doc{ID: "x", Text: "新版本的报告"}); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]int{"旧版本": 0, "新版本": 1, "报告": 2} {
		if got := count(t, ix, q); got != want {
			t.Errorf("after replace, %q: %d, want %d", q, got, want)
		}
	}
	if err := ix.Delete("y", "never-indexed"); err != nil {
		t.Fatal(err)
	}
	if got := count(t, ix, "报告"); got != 1 {
		t.Errorf("after delete: %d, want 1", got)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}

	ix2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ix2.Close()
	if n, err := ix2.DocCount(); err != nil || n != 1 {
		t.Errorf("DocCount after reopen: %d, %v", n, err)
	}
	for q, want := range map[string]int{"旧版本": 0, "新版本": 1, "报告": 1, "另一份": 0} {
		if got := count(t, ix2, q); got != want {
			t.Errorf("after reopen, %q: %d, want %d", q, got, want)
		}
	}
}

func TestSearchLargeCorpusAfterMerges(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	// Many small batches make scorch merge segments; counts must survive.
	texts := testCorpus(600)
	ix, _ := openTest(t)
	for i := 0; i < len(texts); i += 4 {
		var batch []Doc
		for k, text := range texts[i:min(i+4, len(texts))] {
			batch = append(batch, Doc{ID: fmt.Sprintf("d%d", i+k), Text: text})
		}
		if err := ix.Put(batch...); err != nil {
			t.Fatal(err)
		}
	}
	r := rand.New(rand.NewPCG(9, 9))
	var queries []string
	for range 100 {
		queries = append(queries, randomSubstring(r, texts, 8))
	}
	checkCounts(t, ix, texts, queries)
}

func TestParseQuery(t *testing.T) {
	for q, want := range map[string][]Term{
		"清洁生产":             {{Text: "清洁生产"}},
		"  清洁  生产 ":        {{Text: "清洁"}, {Text: "生产"}},
		"清洁　生产":            {{Text: "清洁"}, {Text: "生产"}},
		`"清洁 生产"`:          {{Text: "清洁生产"}}, // as normalised text has it
		`"COD 12" -氨氮`:     {{Text: "cod 12"}, {Text: "氨氮", Exclude: true}},
		`-"so2 排放" 废气`:     {{Text: "so2 排放", Exclude: true}, {Text: "废气"}},
		"“无/低费 方案”":        {{Text: "无/低费方案"}},
		"ＣＯＤ１２":            {{Text: "cod12"}},
		"－氨氮 废水":           {{Text: "氨氮", Exclude: true}, {Text: "废水"}},
		"a-b":              {{Text: "a-b"}},
		"- 废水":             {{Text: "-"}, {Text: "废水"}},
		`"unterminated 短语`: {{Text: "unterminated 短语"}},
		`x""y`:             {{Text: "x"}, {Text: "y"}},
	} {
		got, err := ParseQuery(q)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("ParseQuery(%q) = %+v, %v; want %+v", q, got, err, want)
		}
	}
	for _, q := range []string{"", "   ", `""`, "-废水", "-a -b", strings.Repeat("水", MaxQueryRunes+1),
		strings.Repeat("水 ", MaxTerms+1)} {
		if _, err := ParseQuery(q); !cpaudit.IsKind(err, cpaudit.KindInvalid) {
			t.Errorf("ParseQuery(%.20q): %v, want an invalid error", q, err)
		}
	}
	ix, _ := openTest(t)
	for _, q := range []Query{{Q: ""}, {Q: "水", Limit: -1}, {Q: "水", Limit: MaxLimit + 1}, {Q: "水", Offset: -1}} {
		q.AllowAll = true
		if _, err := ix.Search(context.Background(), q); !cpaudit.IsKind(err, cpaudit.KindInvalid) {
			t.Errorf("Search(%+v): %v, want an invalid error", q, err)
		}
	}
}

func TestSearchCancelled(t *testing.T) {
	texts := testCorpus(50)
	ix, _ := openTest(t)
	putCorpus(t, ix, texts)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ix.Search(ctx, Query{Q: "生产", AllowAll: true}); err == nil {
		t.Error("a cancelled search succeeded")
	}
}

// TestSearchExhaustiveSmallAlphabet checks every string of up to six runes
// over a small alphabet against texts made of the same runes, so that
// every parity, overlap, repeat and text boundary is exercised.
func TestSearchExhaustiveSmallAlphabet(t *testing.T) {
	alphabet := []rune("ab生 ")
	r := rand.New(rand.NewPCG(11, 11))
	var texts []string
	for range 80 {
		rs := make([]rune, 1+r.IntN(60))
		for i := range rs {
			rs[i] = alphabet[r.IntN(len(alphabet))]
		}
		texts = append(texts, normalize(string(rs)))
	}
	ix, _ := openTest(t)
	putCorpus(t, ix, texts)
	var queries []string
	var gen func(prefix []rune)
	gen = func(prefix []rune) {
		if len(prefix) > 0 && prefix[0] != ' ' && prefix[len(prefix)-1] != ' ' {
			queries = append(queries, `"`+string(prefix)+`"`)
		}
		if len(prefix) == 6 {
			return
		}
		for _, c := range alphabet {
			gen(append(prefix, c))
		}
	}
	gen(nil)
	// Longer strings need runs of several tiles: random ones, and pieces
	// of the texts.
	for range 2000 {
		rs := make([]rune, 7+r.IntN(10))
		for i := range rs {
			rs[i] = alphabet[r.IntN(2)] // a and b only: many matches
		}
		queries = append(queries, string(rs))
	}
	for range 1000 {
		queries = append(queries, randomSubstring(r, texts, 20))
	}
	checkCounts(t, ix, texts, queries)
}

func TestOpenRefusesOtherFormat(t *testing.T) {
	ix, dir := openTest(t)
	if err := ix.b.SetInternal([]byte(formatKey), []byte("cpaudit-grams-0")); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir); !cpaudit.IsKind(err, cpaudit.KindConflict) {
		t.Errorf("Open of another format: %v, want a conflict", err)
	}
}

func TestSearchAbsentOneRuneWithFilters(t *testing.T) {
	// A term no document holds must match nothing, whatever surrounds it:
	// bleve's BooleanQuery drops a clause that cannot match, which must
	// never turn a query into "everything the filter allows".
	ix, _ := openTest(t)
	if err := ix.Put(Doc{ID: "a", Kind: "report", Text: "节水"}, Doc{ID: "b", Kind: "report", Text: "节电"}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []Query{
		{Q: "龘", AllowAll: true, Kind: "report"},
		{Q: "龘 -节", AllowAll: true},
		{Q: "龘龘 -节", AllowAll: true},
		{Q: "龘 节", AllowAll: true},
		{Q: "龘", AllowKinds: []string{"report"}},
	} {
		res, err := ix.Search(context.Background(), q)
		if err != nil || res.Total != 0 {
			t.Errorf("%+v: %+v, %v; want nothing", q, res, err)
		}
	}
}

package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cpaudit/cpaudit"
)

// flagList is the answer of GET /api/v1/flags.
type flagList struct {
	Total int `json:"total"`
	Flags []struct {
		ID          string          `json:"id"`
		Kind        string          `json:"kind"`
		Score       float64         `json:"score"`
		DocumentIDs []string        `json:"document_ids"`
		Detail      json.RawMessage `json:"detail"`
	} `json:"flags"`
}

func (e *testEnv) flags(token, query string) flagList {
	e.t.Helper()
	var fl flagList
	status, body, _ := e.do("GET", "/api/v1/flags"+query, token, nil, "")
	if status != 200 {
		e.t.Fatalf("GET /api/v1/flags%s: %d %s", query, status, body)
	}
	if err := json.Unmarshal(body, &fl); err != nil {
		e.t.Fatal(err)
	}
	if fl.Total != len(fl.Flags) || fl.Flags == nil {
		e.t.Errorf("flags%s: total %d, %d flags", query, fl.Total, len(fl.Flags))
	}
	return fl
}

// pairs lists the flagged document pairs, each sorted, for comparison.
func (fl flagList) pairs() [][2]string {
	var out [][2]string
	for _, f := range fl.Flags {
		ids := slices.Clone(f.DocumentIDs)
		slices.Sort(ids)
		out = append(out, [2]string{ids[0], ids[1]})
	}
	slices.SortFunc(out, func(x, y [2]string) int { return strings.Compare(x[0]+x[1], y[0]+y[1]) })
	return out
}

// enterpriseOf adds an enterprise with a self-audit and a user of its own
// who uploads into it; it returns the user's token and the audit's id.
func (w *world) enterpriseOf(n int, name string) (token, auditID string) {
	e := w.e
	ctx := context.Background()
	admin := w.sys
	ent := e.org(admin, cpaudit.OrgEnterprise, name, fmt.Sprintf("911301000000%05d", n))
	au, err := e.store.CreateAudit(ctx, admin, ent.ID, "")
	if err != nil {
		e.t.Fatal(err)
	}
	return e.user(admin, fmt.Sprintf("boss%d@ent%d.cn", n, n), cpaudit.RoleEnterprise, ent.ID), au.ID
}

// prose writes n runes of sentences drawn from pool, reproducibly; texts
// from disjoint pools share nothing by chance.
func prose(seed uint64, pool string, n int) string {
	rs := []rune(pool)
	rng := rand.New(rand.NewPCG(seed, 11))
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i%19 == 18 {
			b.WriteString("，")
			continue
		}
		b.WriteRune(rs[rng.IntN(len(rs))])
	}
	b.WriteString("。")
	return b.String()
}

// Disjoint pools of characters, one per enterprise's own writing.
var pools = []string{
	"企业生产工艺设备能源消耗管理制度环境保护标准监测分析评价指标体系原材料",
	"审核小组成立培训宣传动员预评估现状调查问题识别方案产生筛选可行实施持续",
	"锅炉窑炉电机风机泵阀门管道仓库车间厂房道路绿化照明空调变压器配电柜",
	"春夏秋冬东南西北山川河流湖海森林草原天空云雨雪霜露星月日光影声色香味",
	"甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥金木火土一二三四五六七八",
	"红橙黄绿青蓝紫黑白灰棕粉银铜铁铝锌锡铅镍钛钢砖瓦石砂土泥灰浆胶漆油脂",
}

// copied is a paragraph of about 90 characters, written into one
// enterprise's report and copied into another's with a changed name and
// a changed figure.
func copied(company, figure string) string {
	return "为进一步提高水资源利用效率，" + company + "于2025年投资45万元建设中水回用系统，将生产废水经过混凝沉淀、砂滤和超滤处理后回用于循环冷却水补水，年节约新鲜水" +
		figure + "吨，减少废水排放量约百分之三十，取得了显著的环境效益和经济效益。"
}

// common is a passage that many reports quote (from a law or template).
const common = "企业应当按照《清洁生产审核办法》的规定，建立清洁生产审核领导小组和工作小组，明确职责分工，制定审核工作计划，开展宣传培训，全面调查企业生产现状，识别清洁生产潜力，提出并实施清洁生产方案。"

func runes(s string) int { return utf8.RuneCountInString(s) }

func TestDuplicateFileFlag(t *testing.T) {
	w := newWorld(t)
	e := w.e
	other, otherAudit := w.enterpriseOf(1, "唐山钢铁有限公司")
	photo := []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00 设备铭牌照片 serial 0042")
	mine := e.uploadText(w.consultant, [][2]string{{"kind", "evidence"}, {"audit_id", w.auditID}}, "铭牌.jpg", photo)
	again := e.uploadText(w.consultant, [][2]string{{"kind", "evidence"}, {"audit_id", w.auditID}}, "铭牌2.jpg", photo)
	// One's own new version with the same bytes is no flag either.
	body, ct := multipartBody(t, nil, "铭牌.jpg", photo)
	if status, b, _ := e.do("POST", "/api/v1/documents/"+mine+"/versions", w.consultant, body, ct); status != 201 {
		t.Fatalf("new version: %d %s", status, b)
	}
	theirs := e.uploadText(other, [][2]string{{"kind", "evidence"}, {"audit_id", otherAudit}}, "照片.jpg", photo)
	unrelated := e.uploadText(other, [][2]string{{"kind", "evidence"}, {"audit_id", otherAudit}}, "别的.jpg", []byte("另一张照片"))
	// A guideline with the same bytes belongs to no enterprise.
	e.uploadText(w.admin, [][2]string{{"kind", "guideline"}}, "指南.jpg", photo)
	e.process()

	fl := e.flags(w.admin, "?kind=duplicate_file")
	if got, want := fl.pairs(), [][2]string{sortedPair(mine, theirs), sortedPair(again, theirs)}; !samePairs(got, want) {
		t.Fatalf("duplicate_file pairs %v, want %v", got, want)
	}
	for _, f := range fl.Flags {
		var d struct {
			Files []struct {
				SHA256   string `json:"sha256"`
				AVersion int    `json:"a_version"`
				BVersion int    `json:"b_version"`
			} `json:"files"`
		}
		if err := json.Unmarshal(f.Detail, &d); err != nil || len(d.Files) == 0 || len(d.Files[0].SHA256) != 64 || f.Score != 1 {
			t.Errorf("flag %+v: detail %s", f, f.Detail)
		}
	}
	if fl := e.flags(w.admin, "?document_id="+unrelated); len(fl.Flags) != 0 {
		t.Errorf("unrelated document flagged: %+v", fl)
	}
	// The same evidence is no duplicate_text.
	if fl := e.flags(w.admin, "?kind=duplicate_text"); len(fl.Flags) != 0 {
		t.Errorf("duplicate_text: %+v", fl)
	}
}

func sortedPair(a, b string) [2]string {
	if a > b {
		a, b = b, a
	}
	return [2]string{a, b}
}

func samePairs(got, want [][2]string) bool {
	slices.SortFunc(want, func(x, y [2]string) int { return strings.Compare(x[0]+x[1], y[0]+y[1]) })
	return slices.Equal(got, want)
}

type passageJSON struct {
	AStart int    `json:"a_start"`
	AEnd   int    `json:"a_end"`
	BStart int    `json:"b_start"`
	BEnd   int    `json:"b_end"`
	Text   string `json:"text"`
	BText  string `json:"b_text"`
}

func TestDuplicateTextFlag(t *testing.T) {
	w := newWorld(t)
	e := w.e
	other, otherAudit := w.enterpriseOf(1, "唐山钢铁有限公司")
	third, thirdAudit := w.enterpriseOf(2, "邯郸印染有限公司")
	inAudit := [][2]string{{"kind", "report"}, {"audit_id", w.auditID}}

	// A long original report with the paragraph, and another enterprise's
	// long report into which it was copied, name and figure changed.
	a1, a2 := prose(1, pools[0], 4000), prose(2, pools[0], 3000)
	original := a1 + copied("石家庄化工有限公司", "12000") + a2
	b1, b2 := prose(3, pools[1], 1500), prose(4, pools[1], 5000)
	copy := b1 + copied("唐山钢铁有限公司", "13500") + b2
	orig := e.uploadText(w.consultant, inAudit, "审核报告.txt", []byte(original))
	dup := e.uploadText(other, [][2]string{{"kind", "report"}, {"audit_id", otherAudit}}, "审核报告.txt", []byte(copy))
	// Unrelated reports of a third enterprise, and the first enterprise's
	// own second document and new version holding the same paragraph.
	e.uploadText(third, [][2]string{{"kind", "report"}, {"audit_id", thirdAudit}}, "报告.txt", []byte(prose(5, pools[2], 6000)))
	own := e.uploadText(w.consultant, inAudit, "终稿.txt", []byte(prose(6, pools[0], 500)+copied("石家庄化工有限公司", "12000")))
	body, ct := multipartBody(t, nil, "审核报告v2.txt", []byte(original+prose(7, pools[0], 200)))
	if status, b, _ := e.do("POST", "/api/v1/documents/"+orig+"/versions", w.consultant, body, ct); status != 201 {
		t.Fatalf("new version: %d %s", status, b)
	}

	var st cpaudit.SearchStatus
	if e.getJSON("/api/v1/status", w.admin, &st); st.AnalysisPending != 4 {
		t.Errorf("before processing: %+v", st)
	}
	e.process()
	if e.getJSON("/api/v1/status", w.admin, &st); st.AnalysisPending != 0 || st.IndexPending != 0 {
		t.Errorf("after processing: %+v", st)
	}

	fl := e.flags(w.regulator, "?kind=duplicate_text")
	if got := fl.pairs(); !samePairs(got, [][2]string{sortedPair(orig, dup), sortedPair(own, dup)}) {
		t.Fatalf("pairs %v, want (orig, dup) and (own, dup)", got)
	}
	var f = fl.Flags[0]
	for _, x := range fl.Flags {
		if slices.Contains(x.DocumentIDs, orig) {
			f = x
		}
	}
	if f.DocumentIDs[0] != orig || f.DocumentIDs[1] != dup {
		t.Fatalf("document_ids %v, want the older first", f.DocumentIDs)
	}
	var d struct{ Passages []passageJSON }
	if err := json.Unmarshal(f.Detail, &d); err != nil || len(d.Passages) != 1 {
		t.Fatalf("detail %s", f.Detail)
	}
	p := d.Passages[0]
	// The whole paragraph but its final full stop, in both texts.
	pa, pb := copied("石家庄化工有限公司", "12000"), copied("唐山钢铁有限公司", "13500")
	want := passageJSON{AStart: runes(a1), AEnd: runes(a1) + runes(pa) - 1, BStart: runes(b1), BEnd: runes(b1) + runes(pb) - 1}
	if p.AStart != want.AStart || p.AEnd != want.AEnd || p.BStart != want.BStart || p.BEnd != want.BEnd {
		t.Errorf("passage a [%d,%d) b [%d,%d), want a [%d,%d) b [%d,%d)", p.AStart, p.AEnd, p.BStart, p.BEnd,
			want.AStart, want.AEnd, want.BStart, want.BEnd)
	}
	if !strings.Contains(p.Text, "石家庄化工有限公司") || !strings.Contains(p.BText, "唐山钢铁有限公司13500") && !strings.Contains(p.BText, "唐山钢铁有限公司") {
		t.Errorf("passage text %q / %q", p.Text, p.BText)
	}
	// The score is the share of the newer (copying) report: one paragraph
	// of about 6,600 characters.
	if f.Score < 0.005 || f.Score > 0.03 {
		t.Errorf("score %.4f", f.Score)
	}
	// The offsets point into the texts the API serves.
	var ta, tb cpaudit.ExtractedText
	e.getJSON("/api/v1/documents/"+orig+"/text", w.admin, &ta)
	e.getJSON("/api/v1/documents/"+dup+"/text", w.admin, &tb)
	if got := string([]rune(ta.Text)[p.AStart:p.AEnd]); got != p.Text {
		t.Errorf("a text at the offsets %q, detail %q", got, p.Text)
	}
	if got := string([]rune(tb.Text)[p.BStart:p.BEnd]); got != p.BText {
		t.Errorf("b text at the offsets %q, detail %q", got, p.BText)
	}

	// Compare shows the same passage.
	var cmp struct {
		Similarity float64
		Passages   []passageJSON
	}
	if status := e.getJSON("/api/v1/compare?a="+orig+"&b="+dup, w.admin, &cmp); status != 200 || len(cmp.Passages) != 1 ||
		cmp.Passages[0].AStart != p.AStart || cmp.Passages[0].BEnd != p.BEnd || cmp.Similarity <= 0 || cmp.Similarity > 0.05 {
		t.Errorf("compare: %d %+v", status, cmp)
	}

	// Who sees the flag: those who may read both documents.
	for _, c := range []struct {
		who   string
		token string
		n     int
	}{
		{"admin", w.admin, 2},
		{"regulator", w.regulator, 2},
		{"consultant of the original", w.consultant, 0},
		{"the copying enterprise", other, 0},
		{"an unrelated enterprise", third, 0},
		{"another tenant", w.otherAdmin, 0},
	} {
		if fl := e.flags(c.token, ""); len(fl.Flags) != c.n {
			t.Errorf("%s sees %d flags, want %d", c.who, len(fl.Flags), c.n)
		}
	}
	if fl := e.flags(w.consultant, "?document_id="+orig); len(fl.Flags) != 0 {
		t.Errorf("consultant, by document: %+v", fl)
	}
	if fl := e.flags(w.admin, "?document_id="+orig+"&kind=duplicate_text"); len(fl.Flags) != 1 {
		t.Errorf("by document: %+v", fl)
	}
	// Compare needs both documents readable.
	for _, c := range []struct{ token, q string }{
		{w.consultant, "a=" + orig + "&b=" + dup},
		{other, "a=" + orig + "&b=" + dup},
		{w.otherAdmin, "a=" + orig + "&b=" + dup},
		{w.admin, "a=" + orig + "&b=" + w.otherDocID},
		{w.admin, "a=nope&b=" + dup},
	} {
		status, b, h := e.do("GET", "/api/v1/compare?"+c.q, c.token, nil, "")
		if status != 404 {
			t.Errorf("compare %s: %d %s", c.q, status, b)
			continue
		}
		problemOf(t, status, b, h)
	}
	// A deleted document's flags disappear with it.
	if status, b, _ := e.do("DELETE", "/api/v1/documents/"+own, w.consultant, nil, ""); status != 204 {
		t.Fatalf("delete: %d %s", status, b)
	}
	e.process()
	if fl := e.flags(w.admin, ""); len(fl.Flags) != 1 || !slices.Contains(fl.Flags[0].DocumentIDs, orig) {
		t.Errorf("after delete: %+v", fl.pairs())
	}
}

func TestDuplicateTextBoilerplate(t *testing.T) {
	w := newWorld(t)
	e := w.e
	// Five enterprises quote the same passage; two of them also share a
	// copied paragraph. Only the copied paragraph is a flag.
	type ent struct{ token, audit string }
	ents := []ent{{w.consultant, w.auditID}}
	for i := 1; i < 5; i++ {
		tok, au := w.enterpriseOf(i, fmt.Sprintf("第%d化工厂", i))
		ents = append(ents, ent{tok, au})
	}
	var docs []string
	for i, en := range ents {
		text := prose(uint64(10+i), pools[i], 800) + common + prose(uint64(20+i), pools[i], 800)
		switch i {
		case 0:
			text += copied("第零化工厂", "12000") + prose(30, pools[0], 300)
		case 1:
			text += copied("第一化工厂", "9800") + prose(31, pools[1], 300)
		}
		docs = append(docs, e.uploadText(en.token, [][2]string{{"kind", "report"}, {"audit_id", en.audit}}, "报告.txt", []byte(text)))
		e.process()
		// Until the fifth enterprise quotes it, the passage is suspicious
		// between every two of them: i+1 enterprises make (i+1)i/2 pairs.
		if n, want := len(e.flags(w.admin, "").Flags), (i+1)*i/2; i < 4 && n != want {
			t.Errorf("after %d reports: %d flags, want %d", i+1, n, want)
		}
	}
	// A guideline passage quoted by two other enterprises' reports,
	// analysed before the guideline itself was uploaded: the flag raised
	// then goes once the guideline is analysed.
	g1, ga1 := w.enterpriseOf(7, "甲厂")
	g2, ga2 := w.enterpriseOf(8, "乙厂")
	guideText := "企业应在审核报告中说明：清洁生产方案实施后，应对方案的环境效益和经济效益进行汇总分析，计算全部方案的节能量、节水量、污染物削减量和经济效益，并与审核目标进行比较，说明目标的完成情况。"
	q1 := e.uploadText(g1, [][2]string{{"kind", "report"}, {"audit_id", ga1}}, "甲.txt", []byte(prose(40, pools[4], 600)+guideText+prose(41, pools[4], 600)))
	q2 := e.uploadText(g2, [][2]string{{"kind", "report"}, {"audit_id", ga2}}, "乙.txt", []byte(prose(42, pools[5], 600)+guideText+prose(43, pools[5], 600)))
	e.process()
	if fl := e.flags(w.admin, "?document_id="+q1); len(fl.Flags) != 1 {
		t.Errorf("before the guideline: %+v", fl.pairs())
	}
	e.uploadText(w.admin, [][2]string{{"kind", "guideline"}}, "审核指南.txt", []byte("清洁生产审核指南。"+guideText))
	e.process()

	fl := e.flags(w.admin, "")
	if got := fl.pairs(); !samePairs(got, [][2]string{sortedPair(docs[0], docs[1])}) {
		t.Fatalf("pairs %v, want only the copied paragraph between the first two", got)
	}
	var d struct{ Passages []passageJSON }
	json.Unmarshal(fl.Flags[0].Detail, &d)
	if len(d.Passages) != 1 || strings.Contains(d.Passages[0].Text, "清洁生产审核办法") || !strings.Contains(d.Passages[0].Text, "中水回用") {
		t.Errorf("passages %+v", d.Passages)
	}
	// Compare still shows the common text: it leaves nothing out.
	var cmp struct{ Passages []passageJSON }
	if e.getJSON("/api/v1/compare?a="+q1+"&b="+q2, w.admin, &cmp); len(cmp.Passages) != 1 {
		t.Errorf("compare of the guideline quotes: %+v", cmp)
	}
	var st cpaudit.SearchStatus
	if e.getJSON("/api/v1/status", w.admin, &st); st.AnalysisPending != 0 {
		t.Errorf("status %+v", st)
	}
}

func TestFlagsBadParameters(t *testing.T) {
	w := newWorld(t)
	for _, q := range []string{"/api/v1/flags?kind=copy", "/api/v1/flags?limit=0", "/api/v1/flags?offset=-1",
		"/api/v1/compare", "/api/v1/compare?a=" + w.otherDocID} {
		status, b, h := w.e.do("GET", q, w.admin, nil, "")
		if status != 400 {
			t.Errorf("%s: %d %s", q, status, b)
			continue
		}
		problemOf(t, status, b, h)
	}
	for _, k := range []string{"duplicate_file", "duplicate_text", "duplicate_image", "inconsistent_figure", "foreign_name"} {
		if fl := w.e.flags(w.admin, "?kind="+k); len(fl.Flags) != 0 {
			t.Errorf("%s: %+v", k, fl)
		}
	}
	if status, _, _ := w.e.do("GET", "/api/v1/flags", "", nil, ""); status != 401 {
		t.Errorf("without a token: %d", status)
	}
}

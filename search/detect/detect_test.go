package detect_test

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cpaudit/cpaudit/search/detect"
)

// filler writes n runes of sentences drawn from pool, reproducibly, so
// that texts built from disjoint pools share nothing by chance.
func filler(seed uint64, pool string, n int) string {
	rs := []rune(pool)
	rng := rand.New(rand.NewPCG(seed, 7))
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i%17 == 16 {
			b.WriteString("，")
			continue
		}
		b.WriteRune(rs[rng.IntN(len(rs))])
	}
	b.WriteString("。")
	return b.String()
}

const (
	poolA = "企业生产工艺设备能源消耗水资源管理制度环境保护污染物排放标准监测数据分析评价指标体系原材料"
	poolB = "审核小组成立培训宣传动员预评估现状调查问题识别方案产生筛选可行性实施持续清洁计划编写报告验收"
)

// paragraph is a copied passage of about 90 characters with a company name
// and a figure in the middle, as written for two enterprises.
func paragraph(company, figure string) string {
	return "为进一步提高水资源利用效率，" + company + "于2025年投资45万元建设中水回用系统，将生产废水经过混凝沉淀、砂滤和超滤处理后回用于循环冷却水补水，年节约新鲜水" +
		figure + "吨，减少废水排放量约百分之三十，取得了显著的环境效益和经济效益。"
}

// everyNth replaces every nth rune of s with r: rewritten throughout.
func everyNth(s string, n int, r rune) string {
	rs := []rune(s)
	for i := n - 1; i < len(rs); i += n {
		rs[i] = r
	}
	return string(rs)
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }

func TestMatch(t *testing.T) {
	c := detect.Defaults()
	pa := paragraph("石家庄化工有限公司", "12000")
	pb := paragraph("唐山钢铁集团", "13500")
	longA1, longA2 := filler(1, poolA, 3000), filler(2, poolA, 2000)
	longB1, longB2 := filler(3, poolB, 500), filler(4, poolB, 4000)
	type want struct{ aStart, aEnd, bStart, bEnd int }
	for _, tc := range []struct {
		name string
		a, b string
		want []want
	}{
		{
			name: "exact copy inside long reports",
			a:    longA1 + pa + longA2, b: longB1 + pa + longB2,
			want: []want{{runeLen(longA1), runeLen(longA1) + runeLen(pa) - 1, runeLen(longB1), runeLen(longB1) + runeLen(pa) - 1}},
		},
		{
			name: "a changed name and a changed figure",
			a:    longA1 + pa + longA2, b: longB1 + pb + longB2,
			want: []want{{runeLen(longA1), runeLen(longA1) + runeLen(pa) - 1, runeLen(longB1), runeLen(longB1) + runeLen(pb) - 1}},
		},
		{
			name: "punctuation and spacing changed",
			a:    longA1 + pa + longA2, b: longB1 + strings.ReplaceAll(strings.ReplaceAll(pa, "，", ","), "、", " ") + longB2,
			want: []want{{runeLen(longA1), runeLen(longA1) + runeLen(pa) - 1, runeLen(longB1), runeLen(longB1) + runeLen(pa) - 1}},
		},
		{
			name: "unrelated reports",
			a:    longA1 + longA2, b: longB1 + longB2,
		},
		{
			name: "only a short sentence shared",
			a:    longA1 + "年节约新鲜水12000吨，减少废水排放。" + longA2, b: longB1 + "年节约新鲜水12000吨，减少废水排放。" + longB2,
		},
		{
			name: "too heavily rewritten",
			a:    longA1 + pa + longA2,
			b:    longB1 + everyNth(pa, 7, '某') + longB2,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ta, tb := detect.Prepare(tc.a), detect.Prepare(tc.b)
			seeds := detect.Seeds(detect.Fingerprints(ta, c), detect.Fingerprints(tb, c), c)
			res := detect.Match(ta, tb, seeds, c)
			if len(res.Passages) != len(tc.want) {
				t.Fatalf("%d passages, want %d: %+v", len(res.Passages), len(tc.want), res.Passages)
			}
			// Promising may be true without a passage (any shared seed is
			// worth an extension), never false with one.
			if len(tc.want) > 0 && !detect.Promising(seeds, c) {
				t.Errorf("Promising = false with %d passages", len(tc.want))
			}
			ra, rb := []rune(tc.a), []rune(tc.b)
			for i, w := range tc.want {
				p := res.Passages[i]
				if p.AStart != w.aStart || p.AEnd != w.aEnd || p.BStart != w.bStart || p.BEnd != w.bEnd {
					t.Errorf("passage %d: a [%d,%d) b [%d,%d), want a [%d,%d) b [%d,%d)", i,
						p.AStart, p.AEnd, p.BStart, p.BEnd, w.aStart, w.aEnd, w.bStart, w.bEnd)
				}
				if p.Text != string(ra[p.AStart:p.AEnd]) || p.BText != string(rb[p.BStart:p.BEnd]) {
					t.Errorf("passage %d text %q / %q", i, p.Text, p.BText)
				}
			}
			if len(tc.want) > 0 {
				// The newer text's share covered is about the paragraph's.
				share := float64(res.CoveredB) / float64(tb.Len())
				if share <= 0 || share > 0.05 {
					t.Errorf("covered share of b %.3f", share)
				}
			}
		})
	}
}

func TestFingerprints(t *testing.T) {
	c := detect.Defaults()
	text := filler(9, poolA, 1000)
	t1, t2 := detect.Prepare(text), detect.Prepare(text)
	f1, f2 := detect.Fingerprints(t1, c), detect.Fingerprints(t2, c)
	if len(f1) == 0 || len(f1) != len(f2) {
		t.Fatalf("%d and %d fingerprints", len(f1), len(f2))
	}
	// About 2/(w+1) of the k-grams are kept.
	if density := float64(len(f1)) / float64(t1.Len()); density < 0.15 || density > 0.30 {
		t.Errorf("density %.3f", density)
	}
	for i := range f1 {
		if f1[i] != f2[i] || int64(f1[i].Hash) < 0 {
			t.Fatalf("fingerprint %d: %v %v", i, f1[i], f2[i])
		}
		if i > 0 && f1[i].Pos <= f1[i-1].Pos {
			t.Fatalf("fingerprints out of order at %d", i)
		}
	}
	// Any shared stretch of K+Window-1 significant runes gives a common
	// fingerprint.
	r := []rune(text)
	for start := 0; start+40 < len(r); start += 37 {
		piece := string(r[start : start+c.K+c.Window+3]) // a comma may be inside
		other := filler(10, poolB, 200) + piece + filler(11, poolB, 200)
		if seeds := detect.Seeds(f1, detect.Fingerprints(detect.Prepare(other), c), c); len(seeds) == 0 {
			t.Errorf("no common fingerprint for %q", piece)
		}
	}
	if fp := detect.Fingerprints(detect.Prepare("短文本"), c); fp != nil {
		t.Errorf("short text: %v", fp)
	}
}

func TestCompare(t *testing.T) {
	c := detect.Defaults()
	a := filler(1, poolA, 400) + paragraph("石家庄化工有限公司", "12000") + filler(2, poolA, 400)
	b := filler(3, poolB, 100) + paragraph("唐山钢铁集团", "13500")
	got := detect.Compare(a, b, c)
	if len(got.Passages) != 1 || got.Similarity <= 0.1 || got.Similarity >= 0.5 {
		t.Errorf("compare: %+v", got)
	}
	if same := detect.Compare(a, a, c); same.Similarity < 0.99 {
		t.Errorf("a text with itself: %.3f", same.Similarity)
	}
	if none := detect.Compare(a, "", c); none.Similarity != 0 || len(none.Passages) != 0 || none.Passages == nil {
		t.Errorf("against nothing: %+v", none)
	}
}

// TestLoneSeeds: a fingerprint or two left at the edge of common text
// (the rest of it being boilerplate, removed from the seeds) do not make
// a passage, even though the texts agree around them for long.
func TestLoneSeeds(t *testing.T) {
	c := detect.Defaults()
	shared := filler(20, poolB, 120)
	a, b := filler(21, poolA, 300)+shared+filler(22, poolA, 300), filler(23, poolA, 200)+shared+filler(24, poolA, 200)
	ta, tb := detect.Prepare(a), detect.Prepare(b)
	all := detect.Seeds(detect.Fingerprints(ta, c), detect.Fingerprints(tb, c), c)
	if len(all) < 2*c.MinSeeds {
		t.Fatalf("only %d seeds", len(all))
	}
	if res := detect.Match(ta, tb, all, c); len(res.Passages) != 1 {
		t.Fatalf("all seeds: %+v", res.Passages)
	}
	for n := 1; n < c.MinSeeds; n++ {
		if res := detect.Match(ta, tb, all[:n], c); len(res.Passages) != 0 {
			t.Errorf("%d seeds made %+v", n, res.Passages)
		}
		if detect.Promising(all[:n], c) {
			t.Errorf("%d seeds are promising", n)
		}
	}
}

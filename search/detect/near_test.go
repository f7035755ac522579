package detect_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/cpaudit/cpaudit/search/detect"
)

// TestMatchFigureSentences: two reports end with the sentence listing the
// options they carried out, in the same wording with other options and
// other figures: no passage, though the wording around the figures is
// longer than the minimum. A short copy followed in both reports by a
// numbered heading (a digit after a line break, not a figure of the
// sentence) is still found.
func TestMatchFigureSentences(t *testing.T) {
	a := filler(1, poolA, 900) + "本轮审核实施的清洁生产方案及其效果如下。F1喷涂线VOCs收集年经济效益2.3万元、节电量12.5万kWh/年。" +
		"F2清污分流改造投资15.1万元、节水量3200吨/年、COD削减量1.2吨/年。"
	b := filler(3, poolB, 700) + "本轮审核实施的清洁生产方案及其效果如下。F1喷涂线VOCs收集年经济效益8.6万元、节水量5600吨/年。" +
		"F2冷凝水回收投资22.6万元、节水量1800吨/年、COD削减量0.7吨/年。"
	if got := shared(t, a, b); len(got) != 0 {
		t.Errorf("figure sentences with other figures: %q", got)
	}
	short := "审核小组对全厂的用水情况进行了全面的调查与测试，绘制了全厂水平衡图和用水现状分析表。"
	got := shared(t, filler(1, poolA, 900)+short+"\n3.2 审核重点的确定\n"+filler(2, poolA, 900),
		filler(3, poolB, 700)+short+"\n4.1 预评估\n"+filler(4, poolB, 700))
	if len(got) != 1 {
		t.Errorf("short copy before a numbered heading: %q", got)
	}
}

// TestMatchNear: MatchNear finds what Match finds against the whole
// other text: preparing only the part around a short copy's seeds, and
// the whole text when a passage runs past that part.
func TestMatchNear(t *testing.T) {
	c := detect.Defaults()
	short := "审核小组对全厂的用水情况进行了全面的调查与测试，绘制了全厂水平衡图和用水现状分析表。"
	long := filler(9, poolA+poolB, 6000)
	for _, tc := range []struct {
		name      string
		a, b      string
		keep      int // seeds kept, by a's offset (0: all)
		wantWhole bool
	}{
		{"short copy", filler(1, poolA, 20000) + short + filler(2, poolA, 20000), filler(3, poolB, 30000) + short + filler(4, poolB, 20000), 0, false},
		{"copy longer than the part prepared", filler(1, poolA, 20000) + long + filler(2, poolA, 2000), filler(3, poolB, 15000) + long + filler(4, poolB, 30000), 40, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ta, tb := detect.Prepare(tc.a), detect.Prepare(tc.b)
			seeds := detect.Seeds(detect.Fingerprints(ta, c), detect.Fingerprints(tb, c), c)
			if tc.keep > 0 {
				slices.SortFunc(seeds, func(x, y [2]int) int { return x[0] - y[0] })
				seeds = seeds[:tc.keep]
			}
			want := detect.Match(ta, tb, seeds, c)
			got, n, whole := detect.MatchNear(ta, tc.b, seeds, c)
			if whole != tc.wantWhole {
				t.Errorf("whole = %v, want %v", whole, tc.wantWhole)
			}
			if whole && n != tb.Len() {
				t.Errorf("Len = %d, want %d", n, tb.Len())
			}
			if len(want.Passages) == 0 || !slices.Equal(got.Passages, want.Passages) || got.CoveredA != want.CoveredA || got.CoveredB != want.CoveredB {
				t.Errorf("MatchNear: %d passages, covered %d/%d; Match: %d passages, covered %d/%d",
					len(got.Passages), got.CoveredA, got.CoveredB, len(want.Passages), want.CoveredA, want.CoveredB)
			}
			for _, p := range got.Passages {
				if !strings.Contains(tc.b, p.BText) || []rune(tc.b)[p.BStart] != []rune(p.BText)[0] {
					t.Errorf("passage %d-%d of b is not its text %q", p.BStart, p.BEnd, p.BText)
				}
			}
		})
	}
}

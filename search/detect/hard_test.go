package detect_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cpaudit/cpaudit/search/detect"
)

// sentences are real sentences of a report, of 9 to 28 significant
// characters: a passage whose order is changed in a copy.
var sentences = []string{
	"企业现有职工三百二十人。",
	"主要产品为焦炭和煤焦油及粗苯。",
	"生产废水经处理后全部回用于熄焦工序。",
	"锅炉烟气采用石灰石石膏法脱硫。",
	"厂区设有一座日处理能力为八百立方米的污水处理站。",
	"审核小组由总经理任组长。",
	"各车间主任和技术骨干为成员。",
	"审核重点确定为炼焦车间。",
	"该车间能耗占全厂总能耗的百分之六十以上。",
	"通过物料平衡发现蒸汽冷凝水未回收利用。",
}

func shared(t *testing.T, a, b string) []string {
	t.Helper()
	c := detect.Defaults()
	ta, tb := detect.Prepare(a), detect.Prepare(b)
	seeds := detect.Seeds(detect.Fingerprints(ta, c), detect.Fingerprints(tb, c), c)
	res := detect.Match(ta, tb, seeds, c)
	var out []string
	for _, p := range res.Passages {
		out = append(out, p.Text)
	}
	return out
}

// TestMatchReordered: a passage whose sentences were put in another order
// is found piece by piece, most of it.
func TestMatchReordered(t *testing.T) {
	block := strings.Join(sentences, "")
	rng := rand.New(rand.NewPCG(1, 2))
	perm := rng.Perm(len(sentences))
	var re strings.Builder
	for _, i := range perm {
		re.WriteString(sentences[i])
	}
	a := filler(1, poolA, 1500) + block + filler(2, poolA, 1500)
	b := filler(3, poolB, 800) + re.String() + filler(4, poolB, 1200)
	got := shared(t, a, b)
	n := 0
	for _, p := range got {
		n += runeLen(p)
		if !strings.Contains(block, p) {
			t.Errorf("passage %q is not of the block", p)
		}
	}
	if n < runeLen(block)*3/4 {
		t.Errorf("found %d of the block's %d runes: %q", n, runeLen(block), got)
	}
}

// TestMatchParaphrase: words swapped for synonyms every dozen characters
// or so; the passage is found whole.
func TestMatchParaphrase(t *testing.T) {
	p := "为进一步提高水资源利用效率，企业于2025年投资建设中水回用系统，将生产废水经过混凝沉淀和超滤处理后回用于循环冷却水补水，减少废水排放量约百分之三十，取得了显著的环境效益和经济效益。"
	q := strings.NewReplacer("进一步", "更进一步", "提高", "提升", "建设", "建成", "经过", "经", "回用于", "用于", "减少", "降低", "显著", "明显").Replace(p)
	got := shared(t, filler(1, poolA, 1000)+p+filler(2, poolA, 800), filler(3, poolB, 600)+q+filler(4, poolB, 900))
	if len(got) != 1 || runeLen(got[0]) < runeLen(p)*9/10 {
		t.Errorf("paraphrase: %q", got)
	}
}

// TestMatchShortAndFillIn: a sentence of 39 significant characters copied
// is found; the same fill-in sentences with every figure changed are not.
func TestMatchShortAndFillIn(t *testing.T) {
	short := "审核小组对全厂的用水情况进行了全面的调查与测试，绘制了全厂水平衡图和用水现状分析表。"
	if got := shared(t, filler(1, poolA, 900)+short+filler(2, poolA, 900), filler(3, poolB, 700)+short+filler(4, poolB, 700)); len(got) != 1 {
		t.Errorf("short copy: %q", got)
	}
	fill := func(x, y, z string) string {
		return "二〇二五年全厂综合能源消费量为" + x + "吨标准煤，单位产品综合能耗按照统计口径核算为" + y + "千克标准煤每吨，新鲜水取用总量经计量仪表统计为" + z + "立方米。"
	}
	if got := shared(t, filler(1, poolA, 900)+fill("12345", "156", "880000")+filler(2, poolA, 900),
		filler(3, poolB, 700)+fill("9876", "143", "650000")+filler(4, poolB, 700)); len(got) != 0 {
		t.Errorf("fill-in template with other figures: %q", got)
	}
	// One figure changed in a copied paragraph is still a copy.
	if got := shared(t, filler(1, poolA, 900)+fill("12345", "156", "880000")+filler(2, poolA, 900),
		filler(3, poolB, 700)+fill("12345", "156", "650000")+filler(4, poolB, 700)); len(got) != 1 {
		t.Errorf("copy with one figure changed: %q", got)
	}
}

// TestForPairForms: a table header two evidence forms share is no passage
// between forms, though it would be one between two reports.
func TestForPairForms(t *testing.T) {
	header := "清洁生产方案实施效果汇总表：方案编号、方案名称、投资（万元）、节水量（吨/年）、节电量（万千瓦时/年）、化学需氧量削减量（吨/年）"
	c := detect.Defaults()
	a := filler(1, poolA, 600) + header + filler(2, poolA, 600)
	b := filler(3, poolB, 600) + header + filler(4, poolB, 600)
	ta, tb := detect.Prepare(a), detect.Prepare(b)
	seeds := detect.Seeds(detect.Fingerprints(ta, c), detect.Fingerprints(tb, c), c)
	if got := detect.Match(ta, tb, seeds, c.ForPair(true)); len(got.Passages) != 1 {
		t.Errorf("between reports: %d passages, want 1", len(got.Passages))
	}
	if got := detect.Match(ta, tb, seeds, c.ForPair(false)); len(got.Passages) != 0 {
		t.Errorf("between forms: %+v", got.Passages)
	}
}

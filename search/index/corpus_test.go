package index

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// A small deterministic corpus of report-like text: Chinese prose with
// figures, units, Latin words in mixed case, punctuation, spaces, table
// rows, and runs of repeated characters that stress the position check.

var (
	words = []string{
		"清洁生产", "审核", "节水量", "万元", "吨/年", "COD", "cod", "Cod", "氨氮", "二氧化硫",
		"印染", "造纸", "制药", "废水", "回用", "能耗", "标准煤", "工艺", "设备", "改造",
		"生产", "产生", "生产生产", "中水", "锅炉", "脱硫", "pH", "PM2.5", "ISO 14001", "BOD5",
		"方案", "实施", "效益", "企业", "审核小组", "预审核", "无/低费方案", "中/高费方案",
		"的", "了", "和", "在", "是", "对", "按", "及",
	}
	places = []string{"河北省", "石家庄市", "保定", "唐山", "沧州", "浙江绍兴", "江苏苏州"}
	firms  = []string{"华北印染有限公司", "冀中造纸股份公司", "恒瑞制药", "绿源环保咨询", "Greenway Consulting Co., Ltd."}
	puncts = []string{"，", "。", "；", "：", "、", "（", "）", ",", ".", "%", " ", "《", "》", "<", ">", "&", "\""}
)

// genText returns one document's text, not yet normalised.
func genText(r *rand.Rand, sentences int) string {
	var b strings.Builder
	for range sentences {
		switch r.IntN(10) {
		case 0: // a table row
			fmt.Fprintf(&b, "%s | %d | %.2f | %s\n", words[r.IntN(len(words))], r.IntN(1000), r.Float64()*100, words[r.IntN(len(words))])
		case 1: // repeats
			b.WriteString(strings.Repeat(words[r.IntN(len(words))], 1+r.IntN(4)))
			b.WriteString(strings.Repeat("0", r.IntN(6)))
			b.WriteString(strings.Repeat("a", r.IntN(5)))
		default:
			fmt.Fprintf(&b, "%s%s", places[r.IntN(len(places))], firms[r.IntN(len(firms))])
			for range 3 + r.IntN(8) {
				b.WriteString(words[r.IntN(len(words))])
				if r.IntN(4) == 0 {
					fmt.Fprintf(&b, "%d", r.IntN(100000))
				}
				if r.IntN(3) == 0 {
					b.WriteString(puncts[r.IntN(len(puncts))])
				}
				if r.IntN(8) == 0 {
					b.WriteString("\n") // a line break inside a sentence
				}
			}
			b.WriteString("。")
		}
	}
	return b.String()
}

// testCorpus returns n normalised texts, the same every run.
func testCorpus(n int) []string {
	r := rand.New(rand.NewPCG(2026, 3))
	texts := make([]string, n)
	for i := range texts {
		texts[i] = normalize(genText(r, 1+r.IntN(40)))
	}
	return texts
}

// bruteCount is the truth: how many texts contain, case folded, every
// term not excluded and no excluded one.
func bruteCount(texts []string, terms []Term) int {
	return bruteCountFolded(foldAll(texts), terms)
}

func foldAll(texts []string) []string {
	folded := make([]string, len(texts))
	for i, t := range texts {
		folded[i] = foldString(t)
	}
	return folded
}

func bruteCountFolded(folded []string, terms []Term) int {
	n := 0
	for _, t := range folded {
		if bruteMatch(t, terms) {
			n++
		}
	}
	return n
}

func bruteMatch(folded string, terms []Term) bool {
	for _, q := range terms {
		if strings.Contains(folded, q.Text) == q.Exclude {
			return false
		}
	}
	return true
}

// randomSubstring returns a substring of 1..maxRunes runes of one of the
// texts, as typed: quoted when it holds a space.
func randomSubstring(r *rand.Rand, texts []string, maxRunes int) string {
	for {
		rs := []rune(texts[r.IntN(len(texts))])
		if len(rs) == 0 {
			continue
		}
		n := 1 + r.IntN(maxRunes)
		i := r.IntN(len(rs))
		s := strings.TrimSpace(string(rs[i:min(len(rs), i+n)]))
		if s == "" || strings.ContainsAny(s, `"“”＂`) {
			continue
		}
		if strings.Contains(s, " ") {
			return `"` + s + `"`
		}
		return s
	}
}

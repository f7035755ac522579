package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// The generated tenant: n enterprises, each with one report of about
// chars characters and a few photos, and a ground truth of what was
// copied between whom. Everything is drawn from the seed, so two runs
// with the same flags generate the same bytes.
//
// A report is original prose (random words of a private vocabulary mixed
// with common cleaner-production terms, figures with units), interleaved
// with:
//   - guideline passages: text of two guideline documents (laws, the
//     letter template), 3 to 6 of them in every report;
//   - common passages: text found in 6 to 12 enterprises' reports (more
//     than the boilerplate threshold of 5) and in no guideline;
//   - planted copies: a passage of 50 to 400 significant characters put
//     in two chosen enterprises' reports, in the second with a light edit
//     (the enterprise's name replaced, a figure changed, or 1 to 3
//     characters changed), or none.
// Texts use no whitespace and no full-width ASCII, so extraction's
// normalisation leaves them as generated and the planted offsets hold.

// domainWords are frequent in real reports; they make chance k-gram
// collisions between unrelated reports likelier, as real text does.
var domainWords = strings.Fields(`清洁生产 审核 节能 降耗 减污 增效 企业 生产 工艺 设备 废水 回用 循环 冷却水 蒸汽 锅炉
	电耗 能耗 水耗 物耗 排放 污染物 化学需氧量 氨氮 二氧化硫 氮氧化物 挥发性有机物 固体废物 危险废物 方案 实施
	投资 效益 万元 评估 预审核 持续 管理 培训 考核 指标 车间 工段 原料 产品 包装 运输 储存 监测 在线`)

type plant struct {
	a, b       int    // enterprises: the passage is in both reports
	text       string // as in a's report
	bText      string // as in b's, edited
	edit       string
	aOff, bOff int // rune offsets in the reports
	aEnd, bEnd int
}

type corpus struct {
	seed      uint64
	n, chars  int
	names     []string   // enterprise names
	vocab     []string   // private words
	guideline []string   // passages of the guideline documents
	common    [][]string // per enterprise, the common passages in its report
	plants    []plant
	byEnt     [][]int // per enterprise, its plants
	figCases  map[int]*figCase
}

func newCorpus(seed uint64, n, chars, copyPairs int) *corpus {
	c := &corpus{seed: seed, n: n, chars: chars}
	rng := rand.New(rand.NewPCG(seed, 1))
	for range 4000 {
		c.vocab = append(c.vocab, randomWord(rng, 2+rng.IntN(3)))
	}
	cities := []string{"石家庄", "唐山", "保定", "邯郸", "邢台", "沧州", "廊坊", "衡水", "承德", "张家口", "秦皇岛"}
	trades := []string{"化工", "钢铁", "纸业", "印染", "制药", "水泥", "焦化", "玻璃", "铸造", "电镀"}
	for i := range n {
		c.names = append(c.names, fmt.Sprintf("%s%s%s%s有限公司", cities[i%len(cities)], randomWord(rng, 2), trades[(i/len(cities))%len(trades)], numberWord(i)))
	}
	for range 40 {
		c.guideline = append(c.guideline, c.prose(rng, 80+rng.IntN(220), ""))
	}
	c.common = make([][]string, n)
	for range max(1, n*3/100) {
		p := c.prose(rng, 80+rng.IntN(220), "")
		for _, e := range rng.Perm(n)[:min(n, 6+rng.IntN(7))] {
			c.common[e] = append(c.common[e], p)
		}
	}
	// Figures are planned from a stream of their own, so that the text and
	// the photos stay as they were before figures were planted.
	c.figCases = planFigures(seed, n)
	c.byEnt = make([][]int, n)
	for range copyPairs {
		a, b := rng.IntN(n), rng.IntN(n-1)
		if b >= a {
			b++
		}
		for range 1 + rng.IntN(3) {
			p := plant{a: a, b: b}
			p.text, p.bText, p.edit = c.copied(rng, a, b)
			c.byEnt[a] = append(c.byEnt[a], len(c.plants))
			c.byEnt[b] = append(c.byEnt[b], len(c.plants))
			c.plants = append(c.plants, p)
		}
	}
	return c
}

// numberWord spells i in Chinese digits, to keep names apart.
func numberWord(i int) string {
	const d = "零一二三四五六七八九"
	ds := []rune(d)
	s := ""
	for {
		s = string(ds[i%10]) + s
		if i /= 10; i == 0 {
			return s
		}
	}
}

func randomWord(rng *rand.Rand, n int) string {
	rs := make([]rune, n)
	for i := range rs {
		rs[i] = rune(0x4e00 + rng.IntN(0x9fa5-0x4e00))
	}
	return string(rs)
}

// prose writes about n runes of sentences; name, if given, appears in
// some of them.
func (c *corpus) prose(rng *rand.Rand, n int, name string) string {
	var b strings.Builder
	runes := 0
	for runes < n {
		words := 6 + rng.IntN(12)
		for w := range words {
			var s string
			switch x := rng.Float64(); {
			case x < 0.22:
				s = domainWords[rng.IntN(len(domainWords))]
			case x < 0.24 && name != "":
				s = name
			case x < 0.27:
				s = figure(rng)
			default:
				s = c.vocab[rng.IntN(len(c.vocab))]
			}
			b.WriteString(s)
			runes += len([]rune(s))
			if w < words-1 && rng.IntN(5) == 0 {
				b.WriteString("、")
				runes++
			}
		}
		b.WriteString("。")
		runes++
	}
	return b.String()
}

func figure(rng *rand.Rand) string {
	units := []string{"吨/年", "万元", "万kWh", "tce", "千克", "立方米/日"}
	labels := []string{"节水量", "投资", "节电", "节能量", "削减COD", "减少固废", "回用水量"}
	return fmt.Sprintf("%s%d%s", labels[rng.IntN(len(labels))], 10+rng.IntN(99990), units[rng.IntN(len(units))])
}

// copied makes a passage of a's and its lightly edited copy in b's
// report: at least 50 significant characters.
func (c *corpus) copied(rng *rand.Rand, a, b int) (string, string, string) {
	n := 50 + rng.IntN(351)
	for {
		var text string
		edit := []string{"exact", "name", "figure", "chars"}[rng.IntN(4)]
		switch edit {
		case "name":
			// a's name in the middle, as in a report copied and renamed.
			half := c.prose(rng, n/2, "")
			text = half + c.names[a] + c.prose(rng, n-n/2, "")
		case "figure":
			text = c.prose(rng, n/2, "") + figure(rng) + c.prose(rng, n-n/2, "")
		default:
			text = c.prose(rng, n, "")
		}
		if significant(text) < 50 {
			continue
		}
		rs := []rune(text)
		switch edit {
		case "name":
			return text, strings.Replace(text, c.names[a], c.names[b], 1), edit
		case "figure":
			// change the digits of the figure: one more digit
			out := []rune{}
			done := false
			for i, r := range rs {
				out = append(out, r)
				if !done && r >= '0' && r <= '9' && (i+1 == len(rs) || rs[i+1] < '0' || rs[i+1] > '9') {
					out = append(out, '5')
					done = true
				}
			}
			return text, string(out), edit
		case "chars":
			out := append([]rune(nil), rs...)
			for range 1 + rng.IntN(3) {
				i := rng.IntN(len(out))
				if isSig(out[i]) {
					out[i] = rune(0x4e00 + rng.IntN(0x9fa5-0x4e00))
				}
			}
			return text, string(out), edit
		}
		return text, text, edit
	}
}

// report writes enterprise e's report and records where its plants are.
func (c *corpus) report(e int) string {
	rng := rand.New(rand.NewPCG(c.seed, uint64(e)+1000))
	type insert struct {
		text  string
		plant int // -1 for boilerplate
	}
	var ins []insert
	for _, i := range rng.Perm(len(c.guideline))[:3+rng.IntN(4)] {
		ins = append(ins, insert{c.guideline[i], -1})
	}
	for _, p := range c.common[e] {
		ins = append(ins, insert{p, -1})
	}
	for _, i := range c.byEnt[e] {
		ins = append(ins, insert{"", i})
	}
	rng.Shuffle(len(ins), func(i, j int) { ins[i], ins[j] = ins[j], ins[i] })
	// Original prose between and around the inserts.
	gap := max(200, c.chars/(len(ins)+1))
	var b strings.Builder
	runes := 0
	write := func(s string) {
		b.WriteString(s)
		runes += len([]rune(s))
	}
	write(c.names[e] + "清洁生产审核报告。")
	for _, x := range ins {
		write(c.prose(rng, gap, c.names[e]))
		if x.plant < 0 {
			write(x.text)
			continue
		}
		p := &c.plants[x.plant]
		if p.a == e {
			p.aOff = runes
			write(p.text)
			p.aEnd = runes
		} else {
			p.bOff = runes
			write(p.bText)
			p.bEnd = runes
		}
	}
	write(c.prose(rng, max(200, c.chars-runes), c.names[e]))
	if fc := c.figCases[e]; fc != nil {
		write(fc.reportText())
	}
	return b.String()
}

func isSig(r rune) bool {
	return r >= 0x4e00 && r <= 0x9fff || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
}

func significant(s string) int {
	n := 0
	for _, r := range s {
		if isSig(r) {
			n++
		}
	}
	return n
}

package main

import (
	"embed"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/cpaudit/cpaudit/search/extract"
)

// The hard corpus (-hard): reports made of real Chinese written by
// people, and copies that are hard to find or easy to find wrongly.
//
// The text comes from testdata/ (see testdata/SOURCES.md: the Chinese
// translations of PostgreSQL's messages and two Chinese READMEs of Go
// modules, under permissive licences), cut into clauses at punctuation.
// Clauses are dealt out so that no two reports share one by design: most
// clauses are used once, in one planted passage, template or boilerplate
// passage; a report's own prose is made of short real clauses (fewer than
// 25 significant characters, which several reports may share by chance,
// as real reports share common phrases) and of new clauses spliced from
// fragments of 2 to 6 characters of real ones (the character and
// word distribution of real text, no sentence copied). Reports are shaped
// like audit reports: the 7 chapters of an audit, numbered sections,
// tables of figures and sentences with figures.
//
// Planted copies, between enterprises not served by the same consultancy,
// one category each (hardCategories): exact; paraphrased (words swapped
// for synonyms); reordered (the sentences of a passage in another order);
// split (a passage cut in 2-3 pieces put in different places of the
// copy); short (36-49 significant characters, just under the former
// 50-character minimum). Negatives: near misses (a fill-in paragraph of
// the same clauses with different figures in two reports of different
// consultancies); boilerplate (guideline passages in every report, common
// passages in 6-12 reports); a consultancy's template text, passages put in
// 2-4 of its clients' reports with the client's name, which must be flagged
// template_text and not duplicate_text.

//go:embed testdata/*.txt
var zhText embed.FS

// hardCategories are the planted copies' categories, in report order.
var hardCategories = []string{"exact", "paraphrase", "reordered", "split", "short"}

// synonyms swap a word of real documentation prose for a synonym, as a
// paraphrase does.
var synonyms = [][2]string{
	{"使用", "采用"}, {"可以", "能够"}, {"如果", "倘若"}, {"无法", "不能"}, {"指定", "设定"}, {"当前", "目前"},
	{"创建", "建立"}, {"删除", "移除"}, {"修改", "更改"}, {"检查", "核查"}, {"执行", "运行"}, {"必须", "务必"},
	{"显示", "展示"}, {"包含", "含有"}, {"允许", "准许"}, {"所有", "全部"}, {"例如", "比如"}, {"但是", "不过"},
	{"因此", "所以"}, {"通过", "经由"}, {"设置", "配置"}, {"错误", "差错"}, {"信息", "讯息"}, {"用户", "使用者"},
	{"数据", "资料"}, {"需要", "需"}, {"获取", "取得"}, {"发生", "出现"}, {"提供", "给出"}, {"已经", "已"},
	{"进行", "开展"}, {"方式", "方法"}, {"服务器", "服务端"}, {"请求", "申请"}, {"文件", "文档"}, {"选项", "选择项"},
	{"以及", "及"}, {"相同", "一样"}, {"不同", "相异"}, {"操作", "处理"}, {"时候", "时"}, {"自动", "自行"},
}

var synReplacer = func() *strings.Replacer {
	var args []string
	for _, s := range synonyms {
		args = append(args, s[0], s[1])
	}
	return strings.NewReplacer(args...)
}()

// piece is one stretch of a planted item in both reports: rune offsets.
type piece struct {
	aOff, aEnd, bOff, bEnd int
	aText, bText           string
}

// hplant is a planted item between enterprises a and b: a copy
// (duplicate_text), or a template of a's and b's consultancy
// (template_text).
type hplant struct {
	cat    string // a hardCategories entry, or "template"
	a, b   int
	pieces []piece
	sig    int // significant characters on a's side
}

// region is a stretch of one report that is not a copy: a near miss,
// boilerplate or template text, for naming where a false flag comes from.
type region struct {
	what     string
	off, end int
}

type hardCorpus struct {
	seed         uint64
	n, chars     int
	names        []string
	firm         []int // consultancy of each enterprise, -1 for a self-audit
	firms        int
	shortClauses []string // short clauses reports may share
	frags        []string // fragments of clauses for new clauses
	reserved     []string // clauses used once
	next         int
	used         []bool
	reused       int // reserved clauses dealt more than once (the pool ran out)
	guideline    []string
	common       [][]string
	plants       []*hplant
	byEnt        [][]*hplant
	nearMiss     []nearMiss
	nearByEnt    map[int][]int
	templates    [][]string // per consultancy, its template passages ("%s" for the client's name)
	tmplClients  [][]int    // per consultancy, the clients that use its templates
	regions      map[int][]region
	sources      string
}

// nearMiss is a fill-in paragraph: clauses each followed by a figure.
type nearMiss struct {
	clauses []string
	units   []string
	a, b    int
}

// loadClauses reads testdata/*.txt and cuts it into normalised clauses.
func loadClauses() ([]string, string, error) {
	files, err := zhText.ReadDir("testdata")
	if err != nil {
		return nil, "", err
	}
	seen := map[string]bool{}
	var out []string
	var names []string
	for _, f := range files {
		b, err := zhText.ReadFile("testdata/" + f.Name())
		if err != nil {
			return nil, "", err
		}
		names = append(names, f.Name())
		for _, line := range strings.Split(string(b), "\n") {
			line = extract.Normalize(line)
			for _, c := range strings.FieldsFunc(line, func(r rune) bool { return strings.ContainsRune(",.;:!?，。；：！？、 ", r) }) {
				c = strings.Trim(c, "\"'()（）“”《》[]<>")
				if significant(c) < 6 || seen[c] || hanShare(c) < 0.6 || extract.Normalize(c) != c {
					continue
				}
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	return out, strings.Join(names, ", "), nil
}

func hanShare(s string) float64 {
	han, all := 0, 0
	for _, r := range s {
		all++
		if r >= 0x4e00 && r <= 0x9fff {
			han++
		}
	}
	return float64(han) / float64(max(1, all))
}

func newHardCorpus(seed uint64, n, chars, perCat int) (*hardCorpus, error) {
	clauses, sources, err := loadClauses()
	if err != nil {
		return nil, err
	}
	c := &hardCorpus{seed: seed, n: n, chars: chars, sources: sources, nearByEnt: map[int][]int{}, regions: map[int][]region{}}
	rng := rand.New(rand.NewPCG(seed, 7))
	rng.Shuffle(len(clauses), func(i, j int) { clauses[i], clauses[j] = clauses[j], clauses[i] })
	for _, cl := range clauses {
		rs := []rune(cl)
		for i := 0; i+2 <= len(rs); {
			k := min(len(rs)-i, 2+rng.IntN(5))
			c.frags = append(c.frags, string(rs[i:i+k]))
			i += k
		}
		switch sig := significant(cl); {
		case sig < 25 && rng.IntN(3) == 0:
			c.shortClauses = append(c.shortClauses, cl)
		default:
			c.reserved = append(c.reserved, cl)
		}
	}
	cities := []string{"石家庄", "唐山", "保定", "邯郸", "邢台", "沧州", "廊坊", "衡水", "承德", "张家口", "秦皇岛"}
	trades := []string{"化工", "钢铁", "纸业", "印染", "制药", "水泥", "焦化", "玻璃", "铸造", "电镀"}
	c.firms = max(2, n/10)
	for i := range n {
		c.names = append(c.names, fmt.Sprintf("%s%s%s%s有限公司", cities[i%len(cities)], c.frag(rng), trades[(i/len(cities))%len(trades)], numberWord(i)))
		f := -1
		if rng.IntN(4) != 0 {
			f = rng.IntN(c.firms)
		}
		c.firm = append(c.firm, f)
	}
	for range 40 {
		c.guideline = append(c.guideline, c.passage(rng, 80+rng.IntN(160)))
	}
	c.common = make([][]string, n)
	for range max(1, n*3/100) {
		p := c.passage(rng, 80+rng.IntN(160))
		for _, e := range rng.Perm(n)[:min(n, 6+rng.IntN(7))] {
			c.common[e] = append(c.common[e], p)
		}
	}
	c.byEnt = make([][]*hplant, n)
	// Copies between enterprises of different consultancies.
	pair := func() (int, int) {
		for {
			a, b := rng.IntN(n), rng.IntN(n)
			if a != b && (c.firm[a] < 0 || c.firm[a] != c.firm[b]) {
				return a, b
			}
		}
	}
	for _, cat := range hardCategories {
		for range perCat {
			a, b := pair()
			c.addPlant(c.copyOf(rng, cat, a, b))
		}
	}
	for range perCat {
		a, b := pair()
		nm := nearMiss{a: a, b: b}
		for range 3 + rng.IntN(2) {
			nm.clauses = append(nm.clauses, c.clauseBetween(rng, 14, 24))
			nm.units = append(nm.units, []string{"吨", "万元", "吨标准煤", "立方米", "万kWh", "%"}[rng.IntN(6)])
		}
		c.nearByEnt[a] = append(c.nearByEnt[a], len(c.nearMiss))
		c.nearByEnt[b] = append(c.nearByEnt[b], len(c.nearMiss))
		c.nearMiss = append(c.nearMiss, nm)
	}
	// Each consultancy's template: 2-3 passages, in 2-4 of its clients'
	// reports.
	c.templates = make([][]string, c.firms)
	c.tmplClients = make([][]int, c.firms)
	for f := range c.firms {
		var clients []int
		for e, ef := range c.firm {
			if ef == f {
				clients = append(clients, e)
			}
		}
		if len(clients) < 2 {
			continue
		}
		rng.Shuffle(len(clients), func(i, j int) { clients[i], clients[j] = clients[j], clients[i] })
		c.tmplClients[f] = clients[:min(len(clients), 2+rng.IntN(3))]
		for range 2 {
			c.templates[f] = append(c.templates[f], "%s"+c.passage(rng, 80+rng.IntN(120)))
		}
		for i, a := range c.tmplClients[f] {
			for _, b := range c.tmplClients[f][i+1:] {
				for range c.templates[f] {
					c.addPlant(&hplant{cat: "template", a: a, b: b})
				}
			}
		}
	}
	return c, nil
}

func (c *hardCorpus) addPlant(p *hplant) {
	c.byEnt[p.a] = append(c.byEnt[p.a], p)
	if p.b != p.a {
		c.byEnt[p.b] = append(c.byEnt[p.b], p)
	}
	c.plants = append(c.plants, p)
}

// clause deals the next unused reserved clause.
func (c *hardCorpus) clause() string {
	return c.take(func(string) bool { return true })
}

// take deals the first unused reserved clause for which ok holds; when
// none is left, it starts using them again, and counts it (printed: the
// corpus is then too small for the sizes asked).
func (c *hardCorpus) take(ok func(string) bool) string {
	if c.used == nil {
		c.used = make([]bool, len(c.reserved))
	}
	for range 2 {
		for i := c.next; i < len(c.reserved); i++ {
			if !c.used[i] && ok(c.reserved[i]) {
				c.used[i] = true
				for c.next < len(c.reserved) && c.used[c.next] {
					c.next++
				}
				return c.reserved[i]
			}
		}
		c.reused++
		c.used = make([]bool, len(c.reserved))
		c.next = 0
	}
	return c.reserved[0]
}

// clauseBetween deals a reserved clause of lo..hi significant characters.
func (c *hardCorpus) clauseBetween(rng *rand.Rand, lo, hi int) string {
	return c.take(func(cl string) bool { s := significant(cl); return s >= lo && s <= hi })
}

func (c *hardCorpus) frag(rng *rand.Rand) string { return c.frags[rng.IntN(len(c.frags))] }

// passage deals clauses into sentences of about sig significant
// characters.
func (c *hardCorpus) passage(rng *rand.Rand, sig int) string {
	var b strings.Builder
	n := 0
	for n < sig {
		cl := c.clause()
		b.WriteString(cl)
		n += significant(cl)
		if n >= sig || rng.IntN(3) == 0 {
			b.WriteString("。")
		} else {
			b.WriteString(",")
		}
	}
	return b.String()
}

// copyOf plants a copy of category cat from a's report into b's.
func (c *hardCorpus) copyOf(rng *rand.Rand, cat string, a, b int) *hplant {
	p := &hplant{cat: cat, a: a, b: b}
	switch cat {
	case "exact":
		t := c.passage(rng, 60+rng.IntN(240))
		p.pieces = []piece{{aText: t, bText: t}}
	case "paraphrase":
		// Clauses holding words with synonyms, every one swapped: about
		// one word in 10 to 25 characters.
		var b strings.Builder
		n, swaps := 0, 0
		want := 80 + rng.IntN(200)
		for n < want {
			cl := c.take(func(cl string) bool { return synReplacer.Replace(cl) != cl })
			b.WriteString(cl)
			b.WriteString([]string{",", "。"}[rng.IntN(2)])
			n += significant(cl)
			swaps += countSwaps(cl)
		}
		t := b.String()
		p.pieces = []piece{{aText: t, bText: synReplacer.Replace(t)}}
	case "reordered":
		var ss []string
		for n := 0; n < 80+rng.IntN(120); {
			s := c.clauseBetween(rng, 8, 30) + "。"
			ss = append(ss, s)
			n += significant(s)
		}
		perm := rng.Perm(len(ss))
		for slices.IsSorted(perm) {
			perm = rng.Perm(len(ss))
		}
		for _, i := range perm {
			// a's order is ss; b's is ss permuted: the piece of sentence i
			// is at i in a and at its place in perm in b (report fills
			// offsets).
			p.pieces = append(p.pieces, piece{aText: ss[i], bText: ss[i]})
		}
		// pieces in b's order; a's order recorded by aOrder below
		p.pieces = reorderA(p.pieces, perm)
	case "split":
		for range 2 + rng.IntN(2) {
			t := c.passage(rng, 32+rng.IntN(40))
			p.pieces = append(p.pieces, piece{aText: t, bText: t})
		}
	case "short":
		for {
			t := c.passage(rng, 30)
			if s := significant(t); s >= 36 && s <= 49 {
				p.pieces = []piece{{aText: t, bText: t}}
				break
			}
		}
	}
	for _, pc := range p.pieces {
		p.sig += significant(pc.aText)
	}
	return p
}

// reorderA returns the pieces in a's order (sentence order); the b order
// is kept in bRank for the report to follow.
func reorderA(pieces []piece, perm []int) []piece {
	out := make([]piece, len(pieces))
	for k, i := range perm {
		out[i] = pieces[k]
		out[i].bOff = k // the rank in b, replaced by the offset when written
	}
	return out
}

func countSwaps(s string) int {
	n := 0
	for _, sy := range synonyms {
		n += strings.Count(s, sy[0])
	}
	return n
}

// figureText is a figure as a report writes it.
func figureText(rng *rand.Rand) string {
	if rng.IntN(2) == 0 {
		return fmt.Sprintf("%d", 10+rng.IntN(99990))
	}
	return fmt.Sprintf("%d.%d", 1+rng.IntN(9999), rng.IntN(100))
}

var chapters = []string{"筹划与组织", "预审核", "审核", "方案的产生和筛选", "可行性分析", "方案实施", "持续清洁生产"}

var chapterNumbers = []string{"一", "二", "三", "四", "五", "六", "七"}

// report writes enterprise e's report, recording where its planted items
// and its regions are.
func (c *hardCorpus) report(e int) string {
	rng := rand.New(rand.NewPCG(c.seed, uint64(e)+5000))
	type insert struct {
		text  string
		what  string  // region kind: guideline, common, near miss, template
		plant *hplant // a copy: this enterprise's side
		piece int
	}
	var ins []insert
	for _, i := range rng.Perm(len(c.guideline))[:3+rng.IntN(4)] {
		ins = append(ins, insert{text: c.guideline[i], what: "boilerplate (guideline)"})
	}
	for _, p := range c.common[e] {
		ins = append(ins, insert{text: p, what: "boilerplate (common)"})
	}
	for _, i := range c.nearByEnt[e] {
		nm := c.nearMiss[i]
		var b strings.Builder
		for k, cl := range nm.clauses {
			b.WriteString(cl)
			b.WriteString("为")
			b.WriteString(figureText(rng))
			b.WriteString(nm.units[k])
			b.WriteString(",")
		}
		ins = append(ins, insert{text: strings.TrimSuffix(b.String(), ",") + "。", what: "near miss"})
	}
	for _, p := range c.byEnt[e] {
		if p.cat == "template" {
			continue // below, once per template passage
		}
		if p.cat == "split" && p.b == e {
			for k := range p.pieces {
				ins = append(ins, insert{plant: p, piece: k})
			}
			continue
		}
		ins = append(ins, insert{plant: p, piece: -1})
	}
	if f := c.firm[e]; f >= 0 && slices.Contains(c.tmplClients[f], e) {
		for k, t := range c.templates[f] {
			ins = append(ins, insert{text: fmt.Sprintf(t, c.names[e]), what: "template", piece: k})
		}
	}
	rng.Shuffle(len(ins), func(i, j int) { ins[i], ins[j] = ins[j], ins[i] })

	var b strings.Builder
	runes := 0
	write := func(s string) {
		b.WriteString(s)
		runes += len([]rune(s))
	}
	perChapter := (len(ins) + len(chapters) - 1) / len(chapters)
	paraLen := max(120, c.chars/(len(chapters)*4))
	write(c.names[e] + "清洁生产审核报告。")
	k := 0
	for ch, title := range chapters {
		write(fmt.Sprintf("第%s章%s。", chapterNumbers[ch], title))
		for sec := 1; sec <= 3; sec++ {
			write(fmt.Sprintf("%d.%d%s。", ch+1, sec, c.heading(rng)))
			write(c.prose(rng, paraLen, c.names[e]))
			if sec == 2 {
				write(c.table(rng, ch+1))
			}
			for j := 0; j < perChapter && k < len(ins) && (sec == 3 || j < perChapter/2); j++ {
				x := ins[k]
				k++
				start := runes
				switch {
				case x.plant == nil:
					write(x.text)
					c.regions[e] = append(c.regions[e], region{x.what, start, runes})
					if x.what == "template" {
						c.markTemplate(e, x.piece, start, runes, x.text)
					}
				default:
					c.writePlant(e, x.plant, x.piece, write, &runes)
				}
				write(c.prose(rng, paraLen/3, c.names[e]))
			}
		}
	}
	for ; k < len(ins); k++ { // none are left, but to be safe
		x := ins[k]
		start := runes
		if x.plant == nil {
			write(x.text)
			c.regions[e] = append(c.regions[e], region{x.what, start, runes})
			if x.what == "template" {
				c.markTemplate(e, x.piece, start, runes, x.text)
			}
		} else {
			c.writePlant(e, x.plant, x.piece, write, &runes)
		}
	}
	return b.String()
}

// writePlant writes e's side of plant p (piece k of a split copy on b's
// side, or all of it) and records the offsets.
func (c *hardCorpus) writePlant(e int, p *hplant, k int, write func(string), runes *int) {
	switch {
	case p.a == e && p.cat == "reordered":
		for i := range p.pieces {
			p.pieces[i].aOff = *runes
			write(p.pieces[i].aText)
			p.pieces[i].aEnd = *runes
		}
	case p.b == e && p.cat == "reordered":
		order := make([]int, len(p.pieces)) // order[rank] = piece
		for i, pc := range p.pieces {
			order[pc.bOff] = i
		}
		for _, i := range order {
			start := *runes
			write(p.pieces[i].bText)
			p.pieces[i].bOff, p.pieces[i].bEnd = start, *runes
		}
	case p.a == e:
		for i := range p.pieces {
			p.pieces[i].aOff = *runes
			write(p.pieces[i].aText)
			p.pieces[i].aEnd = *runes
		}
	case k >= 0:
		p.pieces[k].bOff = *runes
		write(p.pieces[k].bText)
		p.pieces[k].bEnd = *runes
	default:
		for i := range p.pieces {
			p.pieces[i].bOff = *runes
			write(p.pieces[i].bText)
			p.pieces[i].bEnd = *runes
		}
	}
}

// markTemplate records where e's copy of template passage k is in the
// template plants between e and its consultancy's other clients.
func (c *hardCorpus) markTemplate(e, k, off, end int, text string) {
	for _, p := range c.byEnt[e] {
		if p.cat != "template" {
			continue
		}
		// the plants of a pair come one per template passage, in order
		idx := 0
		for _, q := range c.byEnt[e] {
			if q == p {
				break
			}
			if q.cat == "template" && q.a == p.a && q.b == p.b {
				idx++
			}
		}
		if idx != k {
			continue
		}
		if len(p.pieces) == 0 {
			p.pieces = []piece{{}}
		}
		if p.a == e {
			p.pieces[0].aOff, p.pieces[0].aEnd, p.pieces[0].aText = off, end, text
			p.sig = significant(text)
		} else {
			p.pieces[0].bOff, p.pieces[0].bEnd, p.pieces[0].bText = off, end, text
		}
	}
}

// heading is a section title: two or three fragments.
func (c *hardCorpus) heading(rng *rand.Rand) string {
	s := ""
	for range 2 + rng.IntN(2) {
		s += c.frag(rng)
	}
	return s
}

// prose writes about n significant characters of sentences: short real
// clauses and new clauses spliced from fragments, some with a figure, the
// enterprise's name now and then.
func (c *hardCorpus) prose(rng *rand.Rand, n int, name string) string {
	var b strings.Builder
	sig := 0
	for sig < n {
		var cl string
		switch x := rng.Float64(); {
		case x < 0.15:
			cl = c.shortClauses[rng.IntN(len(c.shortClauses))]
		case x < 0.18:
			cl = name
		default:
			for range 2 + rng.IntN(3) {
				cl += c.frag(rng)
			}
			if rng.IntN(5) == 0 {
				cl += "为" + figureText(rng) + []string{"吨", "万元", "吨标准煤", "立方米", "万kWh", "%"}[rng.IntN(6)]
			}
		}
		b.WriteString(cl)
		sig += significant(cl)
		if rng.IntN(3) == 0 {
			b.WriteString("。")
		} else {
			b.WriteString(",")
		}
	}
	return b.String()
}

// table writes a table of figures as extracted text: its title, a header
// row and 3-6 rows, cells separated by |.
func (c *hardCorpus) table(rng *rand.Rand, chapter int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "表%d-%d%s|", chapter, 1+rng.IntN(5), c.heading(rng))
	b.WriteString("项目|单位|2023年|2024年|2025年|")
	for range 3 + rng.IntN(4) {
		fmt.Fprintf(&b, "%s|%s|%s|%s|%s|", c.frag(rng), []string{"吨", "万元", "tce", "m3", "万kWh", "%"}[rng.IntN(6)],
			figureText(rng), figureText(rng), figureText(rng))
	}
	return b.String()
}

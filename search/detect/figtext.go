package detect

import (
	"slices"
	"strings"

	"github.com/cpaudit/cpaudit"
)

// Key figures in prose. TextFigures reads "节水量12000吨/年", "投资45万元",
// "年节约标煤 1,230.5 tce", "削减COD 3.2t/a" from an extracted text: a
// label naming the quantity, at most a few linking characters (为, 约,
// 达到, 削减, 排放量…), a number, and a unit the quantity can have. The
// unit is required: "COD 35.5 mg/L" is a concentration, "投资回收期2年" a
// time, and a figure followed by /t or % (an intensity, a rate) is left
// out. Figures written before their label ("12000吨的节水量") are not read:
// the order label-number is what reports use for key figures, and reading
// both ways pairs numbers with the wrong labels.

// figLabel is a word naming a quantity.
type figLabel struct {
	text    string
	q       cpaudit.Quantity
	measure cpaudit.Measure
	year    bool // the label says a year: 年效益, 年节水
	coal    bool // names standard coal: a plain 吨 is then tce
}

var figLabels = func() []figLabel {
	s, u := cpaudit.MeasureSaving, cpaudit.MeasureUse
	ls := []figLabel{
		{text: "投资", q: cpaudit.QtyInvestment}, {text: "投资额", q: cpaudit.QtyInvestment},
		{text: "总投资", q: cpaudit.QtyInvestment}, {text: "投入资金", q: cpaudit.QtyInvestment},
		{text: "经济效益", q: cpaudit.QtyBenefit}, {text: "年经济效益", q: cpaudit.QtyBenefit, year: true},
		{text: "年效益", q: cpaudit.QtyBenefit, year: true}, {text: "效益", q: cpaudit.QtyBenefit},
		{text: "年收益", q: cpaudit.QtyBenefit, year: true}, {text: "节约资金", q: cpaudit.QtyBenefit},
		{text: "节约费用", q: cpaudit.QtyBenefit}, {text: "节省费用", q: cpaudit.QtyBenefit},
		{text: "节水量", q: cpaudit.QtyWater, measure: s}, {text: "节水", q: cpaudit.QtyWater, measure: s},
		{text: "节约用水", q: cpaudit.QtyWater, measure: s}, {text: "节约新鲜水", q: cpaudit.QtyWater, measure: s},
		{text: "节约新水", q: cpaudit.QtyWater, measure: s}, {text: "新鲜水用量", q: cpaudit.QtyWater, measure: u},
		{text: "新鲜水消耗量", q: cpaudit.QtyWater, measure: u}, {text: "用水量", q: cpaudit.QtyWater, measure: u},
		{text: "取水量", q: cpaudit.QtyWater, measure: u}, {text: "新水用量", q: cpaudit.QtyWater, measure: u},
		{text: "节电量", q: cpaudit.QtyElectricity, measure: s}, {text: "节电", q: cpaudit.QtyElectricity, measure: s},
		{text: "节约用电", q: cpaudit.QtyElectricity, measure: s}, {text: "节约电", q: cpaudit.QtyElectricity, measure: s},
		{text: "用电量", q: cpaudit.QtyElectricity, measure: u}, {text: "耗电量", q: cpaudit.QtyElectricity, measure: u},
		{text: "节能量", q: cpaudit.QtyEnergy, measure: s}, {text: "节能", q: cpaudit.QtyEnergy, measure: s},
		{text: "节约标煤", q: cpaudit.QtyEnergy, measure: s, coal: true}, {text: "节约标准煤", q: cpaudit.QtyEnergy, measure: s, coal: true},
		{text: "标煤", q: cpaudit.QtyEnergy, coal: true}, {text: "标准煤", q: cpaudit.QtyEnergy, coal: true},
		{text: "综合能耗", q: cpaudit.QtyEnergy, measure: u}, {text: "能源消费量", q: cpaudit.QtyEnergy, measure: u},
		{text: "COD", q: cpaudit.QtyCOD}, {text: "CODcr", q: cpaudit.QtyCOD}, {text: "CODCr", q: cpaudit.QtyCOD},
		{text: "化学需氧量", q: cpaudit.QtyCOD},
		{text: "氨氮", q: cpaudit.QtyAmmonia}, {text: "NH3-N", q: cpaudit.QtyAmmonia}, {text: "NH₃-N", q: cpaudit.QtyAmmonia},
		{text: "SO2", q: cpaudit.QtySO2}, {text: "SO₂", q: cpaudit.QtySO2}, {text: "二氧化硫", q: cpaudit.QtySO2},
		{text: "NOx", q: cpaudit.QtyNOx}, {text: "NOX", q: cpaudit.QtyNOx}, {text: "氮氧化物", q: cpaudit.QtyNOx},
		{text: "VOCs", q: cpaudit.QtyVOCs}, {text: "VOCS", q: cpaudit.QtyVOCs}, {text: "挥发性有机物", q: cpaudit.QtyVOCs},
		{text: "固体废物", q: cpaudit.QtySolidWaste}, {text: "固废", q: cpaudit.QtySolidWaste},
		{text: "固体废弃物", q: cpaudit.QtySolidWaste}, {text: "一般固废", q: cpaudit.QtySolidWaste},
		{text: "CO2", q: cpaudit.QtyCO2}, {text: "CO₂", q: cpaudit.QtyCO2}, {text: "二氧化碳", q: cpaudit.QtyCO2},
	}
	// Longest first, so 节水量 wins over 节水 and 年效益 over 效益.
	slices.SortStableFunc(ls, func(a, b figLabel) int { return len([]rune(b.text)) - len([]rune(a.text)) })
	return ls
}()

// labelsByFirst indexes figLabels by their first rune, longest first, so
// that a text is scanned with one map lookup per character.
var labelsByFirst = func() map[rune][]figLabel {
	m := map[rune][]figLabel{}
	for _, l := range figLabels {
		r := []rune(l.text)[0]
		m[r] = append(m[r], l)
	}
	return m
}()

// linkRunes may stand between a label and its number ("节水量达到",
// "COD排放量为", "投资共计"); anything else (浓度, 回收期, another word)
// breaks the link.
const linkRunes = "量为约达到共计合了是可实现年均每近超过逾减少削减降低排放产生使用消耗用节约省总额:：= "

// maxLink bounds the linking characters.
const maxLink = 8

// saving and use words, looked for in the few characters before a label
// and between it and its number, when the label itself says neither.
var (
	savingWords = []string{"削减", "减少", "减排", "降低", "节约", "节省", "少排"}
	useWords    = []string{"排放量", "产生量", "用量", "消耗", "使用量", "排放", "产生"}
)

// MaxFigures caps the figures kept for one document.
const MaxFigures = 2000

// TextFigures returns the key figures of an extracted text, each with its
// rune offset, sentence and option context (see figContext).
func TextFigures(text string) []cpaudit.Figure {
	rs := []rune(foldString(text)) // rune for rune: offsets stay those of text
	var out []cpaudit.Figure
	for i := 0; i < len(rs) && len(out) < MaxFigures; i++ {
		l, ok := labelAt(rs, i)
		if !ok {
			continue
		}
		f, end, ok := figureAfter(rs, i, l)
		if !ok {
			continue
		}
		out = append(out, f)
		i = end - 1
	}
	return out
}

// labelAt returns the longest label at rs[i:], unless it is inside a
// Latin word (the COD of CODE) or a longer Latin token.
func labelAt(rs []rune, i int) (figLabel, bool) {
	for _, l := range labelsByFirst[rs[i]] {
		if !hasPrefixRunes(rs[i:], l.text) {
			continue
		}
		n := len([]rune(l.text))
		if isLatin(rs[i]) && i > 0 && (isLatin(rs[i-1]) || isDigit(rs[i-1])) {
			return figLabel{}, false
		}
		if isLatin(rs[i+n-1]) && i+n < len(rs) && isLatin(rs[i+n]) {
			continue
		}
		return l, true
	}
	return figLabel{}, false
}

// figureAfter reads the link, number, unit and period after the label l
// at rs[i:], and returns the figure and where it ends.
func figureAfter(rs []rune, i int, l figLabel) (cpaudit.Figure, int, bool) {
	j := i + len([]rune(l.text))
	linkStart := j
	for j < len(rs) && j-linkStart < maxLink && strings.ContainsRune(linkRunes, rs[j]) {
		j++
	}
	num, k, ok := scanNumber(rs, j)
	if !ok {
		return cpaudit.Figure{}, 0, false
	}
	kinds := unitsFor(l.q)
	if l.coal {
		kinds |= uMass
	}
	factor, k, ok := scanUnit(rs, k, kinds)
	if !ok {
		return cpaudit.Figure{}, 0, false
	}
	period, k := scanPeriod(rs, k)
	if k < len(rs) && (rs[k] == '/' || rs[k] == '%' || rs[k] == '％') {
		return cpaudit.Figure{}, 0, false // an intensity or a rate
	}
	link := string(rs[linkStart:j])
	before := clauseBefore(rs, i, 6)
	f := cpaudit.Figure{
		Quantity: l.q, Value: num * factor, Unit: l.q.CanonicalUnit(), Raw: strings.TrimSpace(string(rs[j:k])),
		Period: period, Measure: l.measure, Offset: i,
	}
	if f.Measure == "" && l.q != cpaudit.QtyInvestment && l.q != cpaudit.QtyBenefit {
		switch {
		case containsAny(before, savingWords) || containsAny(link, savingWords):
			f.Measure = cpaudit.MeasureSaving
		case containsAny(link, useWords) || containsAny(before, useWords):
			f.Measure = cpaudit.MeasureUse
		}
	}
	if f.Period == cpaudit.PeriodUnstated {
		switch {
		case strings.Contains(before, "累计"):
			f.Period = cpaudit.PeriodCumulative
		case l.year || strings.Contains(link, "年") || strings.HasSuffix(before, "年") || strings.HasSuffix(before, "每年"):
			f.Period = cpaudit.PeriodYear
		}
	}
	if l.q == cpaudit.QtyInvestment {
		f.Period = cpaudit.PeriodUnstated // one-off by nature
	}
	s, e := sentenceAround(rs, i, i+1)
	f.Near = clip(rs[s:e], i-s, 160)
	ctx, ok := figContext(rs[s:i])
	if !ok {
		return cpaudit.Figure{}, 0, false
	}
	f.Context = ctx
	return f, k, true
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// clauseBefore is up to n runes before i, back to a clause break.
func clauseBefore(rs []rune, i, n int) string {
	s := i
	for s > 0 && i-s < n && !isClauseBreak(rs[s-1]) {
		s--
	}
	return string(rs[s:i])
}

func isSentenceBreak(r rune) bool { return strings.ContainsRune("。；;！!？?\n", r) }

func isClauseBreak(r rune) bool { return isSentenceBreak(r) || strings.ContainsRune("，,、：:", r) }

// clip returns at most n runes of rs around position at.
func clip(rs []rune, at, n int) string {
	if len(rs) <= n {
		return string(rs)
	}
	s := max(0, min(at-n/2, len(rs)-n))
	return string(rs[s : s+n])
}

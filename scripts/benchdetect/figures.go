package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/sheet"
)

// Planted figure contradictions, for inconsistent_figure. For about a
// fifth of the enterprises the report ends with the options it carried
// out, each with a few key figures ("方案一中水回用改造投资45.6万元、
// 节水量12000吨/年。"), and the enterprise uploads into its audit an
// evidence file that states the same options' figures in a table (an
// .xlsx, or a .docx table for a third of them). For half of those (a
// tenth of all enterprises) one or two of the evidence's figures
// contradict the report by 7-60%; every other figure agrees: exactly,
// within the 5% tolerance (0.5-4% off), or in another unit (元 for 万元,
// kWh for 万kWh, m³ for 吨 of water, 千克 for 吨 of COD, kgce for tce);
// a quarter of the quantities, contradicting or not, are given in the
// other unit. The truth is per enterprise, option and quantity.

// plantedFigure is one figure of one option, as the report states it and
// as the evidence does, in the report's unit.
type plantedFigure struct {
	q        figQuantity
	report   float64
	evidence float64
	how      string // contradicts, exact, within, converted
}

// plantedOption is option o+1 of its case (方案一 or F1 for the first).
type plantedOption struct {
	name     string
	figures  []plantedFigure
	evidence []string // the evidence's cells for figQuantities, "" when not stated
}

// figCase is one enterprise's options and evidence.
type figCase struct {
	ent      int
	fStyle   bool // codes F1, F2 instead of 方案一, 方案二
	docx     bool // the evidence is a .docx table, else an .xlsx
	options  []plantedOption
	converts map[string]bool // quantities the evidence gives in its other unit
}

// figQuantity is a key figure as the generator writes it: its label, the
// report's unit and format, and the evidence's other unit.
type figQuantity struct {
	q            cpaudit.Quantity
	label        string // in the report, before the number
	unit         string // in the report, after the number
	header       string // the evidence's column, in the report's unit
	otherHeader  string // the evidence's column in the other unit
	otherFactor  float64
	lo, hi, prec float64 // range and rounding of report values
}

var figQuantities = []figQuantity{
	{cpaudit.QtyInvestment, "投资", "万元", "投资（万元）", "投资（元）", 1e4, 5, 500, 0.01},
	{cpaudit.QtyWater, "节水量", "吨/年", "节水量（吨/年）", "节水量（m³/年）", 1, 1000, 50000, 1},
	{cpaudit.QtyElectricity, "节电量", "万kWh/年", "节电量（万kWh/年）", "节电量（kWh/年）", 1e4, 1, 200, 0.1},
	{cpaudit.QtyCOD, "COD削减量", "吨/年", "COD削减量（吨/年）", "COD削减量（千克/年）", 1e3, 0.5, 50, 0.01},
	{cpaudit.QtyEnergy, "节能量", "tce/年", "节能量（tce/年）", "节能量（kgce/年）", 1e3, 50, 5000, 1},
	{cpaudit.QtyBenefit, "年经济效益", "万元", "年经济效益（万元）", "年经济效益（元）", 1e4, 2, 300, 0.1},
}

var optionNames = []string{"中水回用改造", "电机变频改造", "冷凝水回收", "锅炉烟气余热利用", "空压机节能改造", "照明节能改造",
	"清污分流改造", "原料仓密闭改造", "喷涂线VOCs收集", "循环水系统改造", "蒸汽管网保温", "污泥干化处理"}

// planFigures chooses the enterprises with figures and what their
// evidence says: n/10 with contradictions, n/10 that agree.
func planFigures(seed uint64, n int) map[int]*figCase {
	rng := rand.New(rand.NewPCG(seed, 3))
	out := map[int]*figCase{}
	perm := rng.Perm(n)
	k := max(1, n/10)
	for i, e := range perm[:min(n, 2*k)] {
		out[e] = newFigCase(rng, e, i < k)
	}
	return out
}

func newFigCase(rng *rand.Rand, e int, contradict bool) *figCase {
	fc := &figCase{ent: e, fStyle: rng.IntN(2) == 0, docx: rng.IntN(3) == 0, converts: map[string]bool{}}
	for _, q := range figQuantities {
		if rng.IntN(4) == 0 {
			fc.converts[q.label] = true
		}
	}
	names := rng.Perm(len(optionNames))
	for o := range 1 + rng.IntN(3) {
		op := plantedOption{name: optionNames[names[o]]}
		for _, qi := range rng.Perm(len(figQuantities))[:2+rng.IntN(3)] {
			q := figQuantities[qi]
			v := round(q.lo+(q.hi-q.lo)*rng.Float64(), q.prec)
			f := plantedFigure{q: q, report: v, evidence: v, how: "exact"}
			switch {
			case fc.converts[q.label]:
				f.how = "converted"
			case rng.IntN(2) == 0:
				f.how = "within"
				f.evidence = evidenceOff(rng, q, v, 0.005, 0.04)
			}
			op.figures = append(op.figures, f)
		}
		fc.options = append(fc.options, op)
	}
	if contradict {
		// One or two figures of the evidence are not what the report says.
		var all []*plantedFigure
		for o := range fc.options {
			for i := range fc.options[o].figures {
				all = append(all, &fc.options[o].figures[i])
			}
		}
		for _, i := range rng.Perm(len(all))[:min(len(all), 1+rng.IntN(2))] {
			f := all[i]
			f.how = "contradicts"
			if fc.converts[f.q.label] {
				f.how = "contradicts, converted"
			}
			f.evidence = evidenceOff(rng, f.q, f.report, 0.07, 0.6)
		}
	}
	for o := range fc.options {
		op := &fc.options[o]
		op.evidence = make([]string, len(figQuantities))
		for _, f := range op.figures {
			qi := slices.IndexFunc(figQuantities, func(q figQuantity) bool { return q.label == f.q.label })
			v := f.evidence
			if fc.converts[f.q.label] {
				v = round(v*f.q.otherFactor, 0.001)
			}
			op.evidence[qi] = strconv.FormatFloat(v, 'f', -1, 64)
		}
	}
	return fc
}

// evidenceOff is a value for the evidence whose relative difference from
// the report's v (|a-b| / max(|a|,|b|), as search/detect measures it) lies
// between lo and hi, up or down, written with one more decimal than the
// report's, the difference checked after rounding.
func evidenceOff(rng *rand.Rand, q figQuantity, v, lo, hi float64) float64 {
	for {
		d := lo + (hi-lo)*rng.Float64()
		// Up by d of the larger value, or down by d of v.
		w := v / (1 - d)
		if rng.IntN(2) == 0 {
			w = v * (1 - d)
		}
		w = round(w, q.prec/10)
		if rd := math.Abs(w-v) / math.Max(w, v); rd >= lo && rd <= hi {
			return w
		}
	}
}

func round(v, prec float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(float64(int64(v/prec+0.5))*prec, 'f', 3, 64), 64)
	return r
}

// code is how the case writes option o, in the report and in the
// evidence alike.
func (fc *figCase) code(o int) string {
	if fc.fStyle {
		return "F" + strconv.Itoa(o)
	}
	return "方案" + string([]rune("一二三四五")[o-1])
}

// normCode is the option code as search/detect normalises it (F1, 方案1).
func (fc *figCase) normCode(o int) string {
	if fc.fStyle {
		return "F" + strconv.Itoa(o)
	}
	return "方案" + strconv.Itoa(o)
}

// reportText is the paragraph that closes the case's report: one sentence
// per option, its figures in the report's units. Only CJK punctuation
// and ASCII, so extraction leaves it as written.
func (fc *figCase) reportText() string {
	var b strings.Builder
	b.WriteString("本轮审核实施的清洁生产方案及其效果如下。")
	for o, op := range fc.options {
		b.WriteString(fc.code(o+1) + op.name)
		for i, f := range op.figures {
			if i > 0 {
				b.WriteString("、")
			}
			b.WriteString(f.q.label + strconv.FormatFloat(f.report, 'f', -1, 64) + f.q.unit)
		}
		b.WriteString("。")
	}
	return b.String()
}

// evidenceTable is the evidence's table: a header row naming the
// quantities the case states, one row per option.
func (fc *figCase) evidenceTable() (header []string, rows [][]string) {
	header = []string{"方案编号", "方案名称"}
	var cols []int
	for qi, q := range figQuantities {
		stated := false
		for _, op := range fc.options {
			stated = stated || op.evidence[qi] != ""
		}
		if !stated {
			continue
		}
		cols = append(cols, qi)
		if fc.converts[q.label] {
			header = append(header, q.otherHeader)
		} else {
			header = append(header, q.header)
		}
	}
	for o, op := range fc.options {
		row := []string{fc.code(o + 1), op.name}
		for _, qi := range cols {
			row = append(row, op.evidence[qi])
		}
		rows = append(rows, row)
	}
	return header, rows
}

// evidenceFile is the case's evidence: name, content type and bytes.
func (fc *figCase) evidenceFile() (string, string, []byte, error) {
	header, rows := fc.evidenceTable()
	if fc.docx {
		return fmt.Sprintf("方案汇总-%d.docx", fc.ent), "application/vnd.openxmlformats-officedocument.wordprocessingml.document", docxTable(header, rows), nil
	}
	t := sheet.Table{Sheet: "方案汇总", Header: header}
	for _, r := range rows {
		row := make([]any, len(r))
		for i, cell := range r {
			if v, err := strconv.ParseFloat(cell, 64); err == nil && i >= 2 {
				row[i] = v // numbers as numbers, as a spreadsheet holds them
			} else if cell != "" {
				row[i] = cell
			}
		}
		t.Rows = append(t.Rows, row)
	}
	var buf bytes.Buffer
	if err := sheet.Write(&buf, t); err != nil {
		return "", "", nil, err
	}
	return fmt.Sprintf("方案汇总-%d.xlsx", fc.ent), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.Bytes(), nil
}

// docxTable is a minimal .docx holding a caption and one table.
func docxTable(header []string, rows [][]string) []byte {
	var doc strings.Builder
	doc.WriteString(`<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>`)
	doc.WriteString(`<w:p><w:r><w:t>清洁生产方案实施效果汇总表</w:t></w:r></w:p><w:tbl>`)
	for _, r := range append([][]string{header}, rows...) {
		doc.WriteString("<w:tr>")
		for _, c := range r {
			doc.WriteString(`<w:tc><w:p><w:r><w:t>` + html.EscapeString(c) + `</w:t></w:r></w:p></w:tc>`)
		}
		doc.WriteString("</w:tr>")
	}
	doc.WriteString(`</w:tbl></w:body></w:document>`)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range []struct{ name, body string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`},
		{"word/document.xml", doc.String()},
	} {
		w, err := zw.Create(f.name)
		if err != nil {
			panic(err) // writing to memory does not fail
		}
		w.Write([]byte(f.body))
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// figKey is a figure of the truth: enterprise, option code as normalised,
// quantity.
type figKey struct {
	ent    int
	option string
	q      cpaudit.Quantity
}

// uploadedFigures calls fn with every planted figure of the enterprises
// whose evidence was uploaded, and the code of its option (o from 1).
func (t *tenant) uploadedFigures(c *corpus, fn func(e int, fc *figCase, o int, f plantedFigure)) {
	for e, fc := range c.figCases {
		if t.figEvidence[e] == "" {
			continue
		}
		for o, op := range fc.options {
			for _, f := range op.figures {
				fn(e, fc, o+1, f)
			}
		}
	}
}

// contradictions are the planted contradictions of the enterprises whose
// evidence was uploaded.
func (t *tenant) contradictions(c *corpus) map[figKey]string {
	out := map[figKey]string{}
	t.uploadedFigures(c, func(e int, fc *figCase, o int, f plantedFigure) {
		if strings.HasPrefix(f.how, "contradicts") {
			out[figKey{e, fc.normCode(o), f.q.q}] = fmt.Sprintf("%s %s: report %g %s, evidence %g (%s)",
				fc.code(o), f.q.label, f.report, f.q.unit, f.evidence, f.how)
		}
	})
	return out
}

// plantedCounts counts the figures of the enterprises whose evidence was
// uploaded, by how the evidence states them.
func (t *tenant) plantedCounts(c *corpus) string {
	n := map[string]int{}
	t.uploadedFigures(c, func(_ int, _ *figCase, _ int, f plantedFigure) { n[f.how]++ })
	return fmt.Sprintf("%d enterprises with evidence; figures: %d contradicting (%d of them in another unit), %d agreeing exactly, %d within the tolerance, %d in another unit",
		len(t.figEvidence), n["contradicts"]+n["contradicts, converted"], n["contradicts, converted"], n["exact"], n["within"], n["converted"])
}

// loadFigureEvidence uploads enterprise e's evidence file into its audit,
// when it has one.
func (t *tenant) loadFigureEvidence(ctx context.Context, c *corpus, e int) error {
	fc := c.figCases[e]
	if fc == nil {
		return nil
	}
	name, ct, body, err := fc.evidenceFile()
	if err != nil {
		return err
	}
	id, err := t.upload(ctx, e, cpaudit.DocEvidence, name, ct, body)
	if err != nil {
		return err
	}
	if t.figEvidence == nil {
		t.figEvidence = map[int]string{}
	}
	t.figEvidence[e] = id
	return nil
}

// figureScore scores inconsistent_figure per enterprise, option and
// quantity: a flagged disagreement is right when that figure was planted
// as a contradiction; a planted one is found when a flag names it.
func (t *tenant) figureScore(ctx context.Context, c *corpus) (score, error) {
	flags, err := t.allFlags(ctx, cpaudit.FlagInconsistentFigure)
	if err != nil {
		return score{}, err
	}
	truth := t.contradictions(c)
	var sc score
	flagged := map[figKey]bool{}
	for _, fl := range flags {
		var d struct {
			Mismatches []cpaudit.FigureMismatch `json:"mismatches"`
		}
		if err := json.Unmarshal(fl.Detail, &d); err != nil {
			return score{}, err
		}
		ent := t.docEnt[fl.DocumentIDs[0]]
		for _, m := range d.Mismatches {
			k := figKey{ent, m.Context, m.Quantity}
			if flagged[k] {
				continue
			}
			flagged[k] = true
			if _, ok := truth[k]; ok {
				sc.tp++
				continue
			}
			sc.fp++
			var vals []string
			for _, v := range m.Values {
				vals = append(vals, fmt.Sprintf("%q=%g", v.Raw, v.Value))
			}
			sc.note(&sc.fps, "enterprise %d, %s %s: %s", ent, m.Context, m.Quantity, strings.Join(vals, " vs "))
		}
	}
	for k, what := range truth {
		sc.want++
		if flagged[k] {
			sc.found++
		} else {
			sc.note(&sc.misses, "enterprise %d, %s", k.ent, what)
		}
	}
	return sc, nil
}

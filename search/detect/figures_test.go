package detect

import (
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cpaudit/cpaudit"
)

func TestTextFigures(t *testing.T) {
	type want struct {
		q       cpaudit.Quantity
		v       float64
		period  cpaudit.Period
		measure cpaudit.Measure
		context string
	}
	for _, tc := range []struct {
		text string
		want []want
	}{
		{"节水量12000吨/年", []want{{cpaudit.QtyWater, 12000, cpaudit.PeriodYear, cpaudit.MeasureSaving, ""}}},
		{"投资45万元", []want{{cpaudit.QtyInvestment, 450000, "", "", ""}}},
		{"年节约标煤 1,230.5 tce", []want{{cpaudit.QtyEnergy, 1230.5, cpaudit.PeriodYear, cpaudit.MeasureSaving, ""}}},
		{"削减COD 3.2t/a", []want{{cpaudit.QtyCOD, 3.2, cpaudit.PeriodYear, cpaudit.MeasureSaving, ""}}},
		{"节水量１２０００吨", []want{{cpaudit.QtyWater, 12000, "", cpaudit.MeasureSaving, ""}}}, // full-width digits
		{"节水量一万二千吨", []want{{cpaudit.QtyWater, 12000, "", cpaudit.MeasureSaving, ""}}},
		{"总投资1.2亿元", []want{{cpaudit.QtyInvestment, 1.2e8, "", "", ""}}},
		{"节电量1.2万kWh/a", []want{{cpaudit.QtyElectricity, 12000, cpaudit.PeriodYear, cpaudit.MeasureSaving, ""}}},
		{"节电35万度", []want{{cpaudit.QtyElectricity, 350000, "", cpaudit.MeasureSaving, ""}}},
		{"氨氮排放量为500千克/年", []want{{cpaudit.QtyAmmonia, 0.5, cpaudit.PeriodYear, cpaudit.MeasureUse, ""}}},
		{"新鲜水用量 8,000 m³/月", []want{{cpaudit.QtyWater, 8000, cpaudit.PeriodMonth, cpaudit.MeasureUse, ""}}},
		{"累计节水36000吨", []want{{cpaudit.QtyWater, 36000, cpaudit.PeriodCumulative, cpaudit.MeasureSaving, ""}}},
		{"方案F1中水回用系统:投资45万元,节水量12000吨/年。F2投资30万元。", []want{
			{cpaudit.QtyInvestment, 450000, "", "", "F1"},
			{cpaudit.QtyWater, 12000, cpaudit.PeriodYear, cpaudit.MeasureSaving, "F1"},
			{cpaudit.QtyInvestment, 300000, "", "", "F2"}}},
		{"方案二投资8万元", []want{{cpaudit.QtyInvestment, 80000, "", "", "方案2"}}},
		// 方案 before 二氧化硫 is not option 2 (found by bench-detect).
		{"实施方案二氧化硫治理投资3448万元", []want{{cpaudit.QtyInvestment, 3.448e7, "", "", ""}}},
		{"方案一次性投资45万元", []want{{cpaudit.QtyInvestment, 450000, "", "", ""}}},
		{"合计投资120万元", []want{{cpaudit.QtyInvestment, 1.2e6, "", "", TotalContext}}},
		// Not figures: a concentration, a time, an intensity, a rate, a
		// list of options whose shared figure belongs to neither, SO2 is
		// not an option code, 12000吨的节水量 is read label-first only.
		{"COD排放浓度35.5mg/L", nil},
		{"投资回收期2.5年", nil},
		{"电耗35kWh/t", nil},
		{"节水率12%", nil},
		{"F1、F2两个方案共投资75万元。", nil},
		{"12000吨的节水量", nil},
		{"SO2削减0.8吨/年", []want{{cpaudit.QtySO2, 0.8, cpaudit.PeriodYear, cpaudit.MeasureSaving, ""}}},
		{"减少二氧化碳排放1.5万吨/年", []want{{cpaudit.QtyCO2, 15000, cpaudit.PeriodYear, cpaudit.MeasureSaving, ""}}},
		{"CO₂削减320吨/年", []want{{cpaudit.QtyCO2, 320, cpaudit.PeriodYear, cpaudit.MeasureSaving, ""}}},
	} {
		got := TextFigures(tc.text)
		if len(got) != len(tc.want) {
			t.Errorf("%s: %d figures %+v, want %d", tc.text, len(got), got, len(tc.want))
			continue
		}
		for i, w := range tc.want {
			g := got[i]
			if g.Quantity != w.q || math.Abs(g.Value-w.v) > 1e-9*math.Max(1, w.v) || g.Period != w.period || g.Measure != w.measure || g.Context != w.context {
				t.Errorf("%s: figure %d %+v, want %+v", tc.text, i, g, w)
			}
			if g.Unit != w.q.CanonicalUnit() || g.Raw == "" || g.Offset < 0 {
				t.Errorf("%s: figure %d unit %q raw %q offset %d", tc.text, i, g.Unit, g.Raw, g.Offset)
			}
		}
	}
}

func TestGridFigures(t *testing.T) {
	rows := [][]string{
		{"清洁生产方案汇总表"},
		{"方案编号", "方案名称", "节水量（吨/年）", "投资（万元）", "COD削减量 t/a"},
		{"F1", "中水回用系统", "11000", "45", "1.5"},
		{"F2", "电机变频改造", "", "12.5", ""},
		{"合计", "", "11,000", "57.5", "1.5"},
		{},
		{"节电量", "35", "万kWh/a"},
		{"用电量（kWh）", "1200000"},
		{"投资", "80"}, // no unit: 元 or 万元?
	}
	rows[2][0] = " F1 " // read trimmed, left as it is
	got := gridFigures("Sheet1", rows)
	if rows[2][0] != " F1 " {
		t.Errorf("gridFigures changed the table: %q", rows[2][0])
	}
	type want struct {
		q       cpaudit.Quantity
		v       float64
		context string
		row     int
		measure cpaudit.Measure
	}
	wants := []want{
		{cpaudit.QtyWater, 11000, "F1", 3, cpaudit.MeasureSaving}, {cpaudit.QtyInvestment, 450000, "F1", 3, ""},
		{cpaudit.QtyCOD, 1.5, "F1", 3, cpaudit.MeasureSaving},
		{cpaudit.QtyInvestment, 125000, "F2", 4, ""},
		{cpaudit.QtyWater, 11000, TotalContext, 5, cpaudit.MeasureSaving}, {cpaudit.QtyInvestment, 575000, TotalContext, 5, ""},
		{cpaudit.QtyCOD, 1.5, TotalContext, 5, cpaudit.MeasureSaving},
		{cpaudit.QtyElectricity, 350000, "", 7, cpaudit.MeasureSaving},
		{cpaudit.QtyElectricity, 1200000, "", 8, cpaudit.MeasureUse},
	}
	if len(got) != len(wants) {
		t.Fatalf("%d figures, want %d: %+v", len(got), len(wants), got)
	}
	byKey := map[[3]any]cpaudit.Figure{}
	for _, f := range got {
		byKey[[3]any{f.Quantity, f.Context, f.Row}] = f
	}
	for _, w := range wants {
		f, ok := byKey[[3]any{w.q, w.context, w.row}]
		if !ok || math.Abs(f.Value-w.v) > 1e-6 || f.Measure != w.measure || f.Sheet != "Sheet1" || f.Offset != -1 || f.Col == 0 {
			t.Errorf("want %+v, got %+v (found %v)", w, f, ok)
		}
	}
}

// TestCompareFigures: the rules of figcompare.go, case by case.
func TestCompareFigures(t *testing.T) {
	fig := func(q cpaudit.Quantity, v float64, ctx string) cpaudit.Figure {
		return cpaudit.Figure{Quantity: q, Value: v, Unit: q.CanonicalUnit(), Raw: "x", Context: ctx, Measure: measureOf(q)}
	}
	doc := func(id string, figs ...cpaudit.Figure) cpaudit.DocFigures {
		return cpaudit.DocFigures{DocumentID: id, Title: id, Figures: figs}
	}
	water := func(v float64, ctx string) cpaudit.Figure { return fig(cpaudit.QtyWater, v, ctx) }
	inv := func(v float64, ctx string) cpaudit.Figure { return fig(cpaudit.QtyInvestment, v, ctx) }
	opt := func(code, name string, figs map[cpaudit.Quantity]float64) cpaudit.AuditOption {
		return cpaudit.AuditOption{Code: code, Name: name, Category: cpaudit.OptionHighCost, Figures: figs}
	}
	use := water(12000, "")
	use.Measure = cpaudit.MeasureUse
	monthly := water(1000, "")
	monthly.Period = cpaudit.PeriodMonth
	named := water(11000, "")
	named.Near = "中水回用系统 | 11000"
	for _, tc := range []struct {
		name   string
		mine   cpaudit.DocFigures
		others []cpaudit.DocFigures
		opts   []cpaudit.AuditOption
		want   map[string]int // document id -> mismatches
	}{
		{"disagreeing documents", doc("r", water(12000, "")), []cpaudit.DocFigures{doc("x", water(11000, ""))}, nil, map[string]int{"x": 1}},
		{"agreeing documents", doc("r", water(12000, "")), []cpaudit.DocFigures{doc("x", water(12000, ""))}, nil, nil},
		{"within tolerance", doc("r", water(12000, "")), []cpaudit.DocFigures{doc("x", water(12300, ""))}, nil, nil},
		{"converted units agree with the option", doc("r", inv(450000, "F1")), nil,
			[]cpaudit.AuditOption{opt("F1", "中水回用", map[cpaudit.Quantity]float64{cpaudit.QtyInvestment: 450000})}, nil},
		{"option disagrees", doc("r", inv(450000, "F1")), nil,
			[]cpaudit.AuditOption{opt("F-1", "中水回用", map[cpaudit.Quantity]float64{cpaudit.QtyInvestment: 500000})}, map[string]int{"r": 1}},
		{"different options", doc("r", water(12000, "F1")), []cpaudit.DocFigures{doc("x", water(3000, "F2"))}, nil, nil},
		{"option vs untied", doc("r", water(12000, "F1")), []cpaudit.DocFigures{doc("x", water(3000, ""))}, nil, nil},
		{"total vs part", doc("r", water(15000, TotalContext)), []cpaudit.DocFigures{doc("x", water(12000, "F1"))}, nil, nil},
		{"total vs sum of options", doc("r", water(15000, TotalContext)), nil, []cpaudit.AuditOption{
			opt("F1", "中水回用", map[cpaudit.Quantity]float64{cpaudit.QtyWater: 12000}),
			opt("F2", "冷凝水回收", map[cpaudit.Quantity]float64{cpaudit.QtyWater: 3000})}, nil},
		{"untied with several values is not compared", doc("r", water(12000, ""), water(3000, "")),
			[]cpaudit.DocFigures{doc("x", water(11000, ""))}, nil, nil},
		{"untied vs two options is not compared", doc("r", water(12000, "")), nil, []cpaudit.AuditOption{
			opt("F1", "中水回用", map[cpaudit.Quantity]float64{cpaudit.QtyWater: 9000}),
			opt("F2", "冷凝水回收", map[cpaudit.Quantity]float64{cpaudit.QtyWater: 3000})}, nil},
		{"untied vs the one option", doc("r", water(12000, "")), nil, []cpaudit.AuditOption{
			opt("F1", "中水回用", map[cpaudit.Quantity]float64{cpaudit.QtyWater: 9000})}, map[string]int{"r": 1}},
		{"saving vs use", doc("r", water(12000, "")), []cpaudit.DocFigures{doc("x", use)}, nil, nil},
		{"yearly vs monthly", doc("r", water(12000, "")), []cpaudit.DocFigures{doc("x", monthly)}, nil, nil},
		{"different quantities", doc("r", water(12000, "")), []cpaudit.DocFigures{doc("x", fig(cpaudit.QtyCOD, 3, ""))}, nil, nil},
		{"tied twice within a document", doc("r", water(12000, "F1"), water(10000, "F1")), nil, nil, map[string]int{"r": 1}},
		{"option named in the row", doc("r", named), nil, []cpaudit.AuditOption{
			opt("F1", "中水回用系统", map[cpaudit.Quantity]float64{cpaudit.QtyWater: 12000}),
			opt("F2", "冷凝水回收", map[cpaudit.Quantity]float64{cpaudit.QtyWater: 3000})}, map[string]int{"r": 1}},
	} {
		got := CompareFigures(tc.mine, tc.others, tc.opts, 0)
		n := map[string]int{}
		for id, mm := range got {
			n[id] = len(mm)
			for _, m := range mm {
				if len(m.Values) < 2 || m.Diff <= DefaultFigureTolerance {
					t.Errorf("%s: mismatch %+v", tc.name, m)
				}
			}
		}
		if len(n) != len(tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, n, tc.want)
			continue
		}
		for id, k := range tc.want {
			if n[id] != k {
				t.Errorf("%s: %v, want %v", tc.name, n, tc.want)
			}
		}
	}
}

func measureOf(q cpaudit.Quantity) cpaudit.Measure {
	if q == cpaudit.QtyInvestment || q == cpaudit.QtyBenefit {
		return ""
	}
	return cpaudit.MeasureSaving
}

func TestIdentNumbers(t *testing.T) {
	text := "发票代码:1300231130 发票号码:01234567。电子发票号码:24132000000012345678。" +
		"资质认定证书编号:170312050123。节能产品认证证书编号:CQC2025-0107。报告编号:HJ-2025-0312。报告编号:见附件。" +
		"发票号码:87654321。"
	got := IdentNumbers(text)
	want := map[string]cpaudit.NumberKind{
		"24132000000012345678": cpaudit.NumberInvoice, "CQC2025-0107": cpaudit.NumberCertificate,
		"HJ-2025-0312": cpaudit.NumberReport, "1300231130/01234567": cpaudit.NumberInvoice,
	}
	if len(got) != len(want) {
		t.Fatalf("%+v", got)
	}
	for _, n := range got {
		if want[n.Number] != n.Kind || n.Sentence == "" || n.Label == "" {
			t.Errorf("unexpected %+v", n)
		}
	}
}

// FuzzFigures: any text is read without a panic, and what is read is
// sane: a known quantity, a finite value, offsets inside the text.
func FuzzFigures(f *testing.F) {
	for _, s := range []string{"节水量12000吨/年", "投资45万元", "年节约标煤 1,230.5 tce", "削减COD 3.2t/a", "节水量一万二千零点五万吨",
		"方案三点五投资", "发票号码:24132000000012345678", "F1、F2投资1,2,3,4万元", "节电量9999999999999999999999999999万亿kWh"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := utf8.RuneCountInString(s)
		for _, fg := range TextFigures(s) {
			if _, err := cpaudit.ParseQuantity(string(fg.Quantity)); err != nil || math.IsNaN(fg.Value) || fg.Offset < 0 || fg.Offset >= n {
				t.Fatalf("%q: %+v", s, fg)
			}
		}
		for _, d := range IdentNumbers(s) {
			if d.Number == "" || d.Offset < 0 || d.Offset > n {
				t.Fatalf("%q: %+v", s, d)
			}
		}
		gridFigures("s", [][]string{{s}, {"节水量（吨/年）", s}, {s, s}})
		NormalizeOptionCode(s)
	})
}

// BenchmarkTextFigures reads a report of 50,000 characters with a key
// figure every 500.
func BenchmarkTextFigures(b *testing.B) {
	var sb strings.Builder
	for sb.Len() < 150000 {
		sb.WriteString(strings.Repeat("企业生产工艺设备能源消耗管理制度环境保护标准监测分析评价", 16))
		sb.WriteString("方案F1投资45万元，节水量12000吨/年，报告编号：HJ-2025-0312。")
	}
	text := sb.String()
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		TextFigures(text)
		IdentNumbers(text)
	}
}

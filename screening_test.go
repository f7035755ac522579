package cpaudit

import (
	"maps"
	"math"
	"slices"
	"strings"
	"testing"
)

func cc(first17 string) string { return first17 + string(CreditCodeCheck(first17)) }

// sourceFixture is a source sheet of six enterprises whose outcomes under
// the rules of TestScreeningRules are known.
func sourceFixture(t *testing.T) []SourceRow {
	t.Helper()
	header := []string{"统一社会信用代码", "企业名称", "行政区划代码", "行业代码", "排污许可证编号", "标识", "综合能耗(吨标准煤)", "取水量(吨)",
		"化学需氧量排放量(吨)", "氨氮排放量(吨)", "二氧化硫排放量(吨)", "氮氧化物排放量(吨)", "挥发性有机物排放量(吨)", "颗粒物排放量(吨)"}
	rows := [][]string{
		{cc("91130100MA0A00001"), "石家庄焦化有限公司", "130104", "C2520", "", "双超", "52000", "10000", "12.5", "0.8", "30", "40", "0", "5"},
		{cc("91130200MA0A00002"), "唐山钢铁有限公司", "130203", "C3110", "", "高耗能", "9000", "", "", "", "120", "80", "", "60"},
		{cc("91130600MA0A00003"), "保定印染有限公司", "130602", "C1713", "", "", "800", "", "9.9", "", "", "", "", ""},
		{cc("91131100MA0A00004"), "衡水化工有限公司", "131102", "C2614", "", "双有", "", "", "", "", "", "", "", ""},
		{cc("91130100MA0A00005"), "石家庄食品有限公司", "130105", "C1391", "", "", "100", "", "", "", "", "", "", ""},
		{cc("91130900MA0A00006"), "沧州机械有限公司", "130902", "C3411", "", "", "300", "", "", "", "", "", "", ""},
	}
	got, rejected, err := ParseSourceRows(header, rows)
	if err != nil || len(rejected) > 0 || len(got) != len(rows) {
		t.Fatalf("fixture: %d rows, rejected %+v, %v", len(got), rejected, err)
	}
	return got
}

// TestScreeningRules runs each rule, alone and together, against the
// fixture: which enterprises it selects and with which reasons.
func TestScreeningRules(t *testing.T) {
	rows := sourceFixture(t)
	tests := []struct {
		name  string
		rules ScreeningRules
		want  map[string][]string // enterprise name → rule:detail of its reasons
	}{
		{"COD over 10 t", ScreeningRules{Emissions: map[string]float64{"cod": 10}},
			map[string][]string{"石家庄焦化有限公司": {"emission:cod 12.5 t > 10 t"}}},
		{"COD at the standard is not over", ScreeningRules{Emissions: map[string]float64{"cod": 12.5}}, map[string][]string{}},
		{"SO2 and PM", ScreeningRules{Emissions: map[string]float64{"so2": 50, "pm": 10}},
			map[string][]string{"唐山钢铁有限公司": {"emission:so2 120 t > 50 t", "emission:pm 60 t > 10 t"}}},
		{"energy above 5000 tce", ScreeningRules{EnergyTce: 5000},
			map[string][]string{"石家庄焦化有限公司": {"energy:energy 52000 tce > 5000 tce"}, "唐山钢铁有限公司": {"energy:energy 9000 tce > 5000 tce"}}},
		{"listed industries: textiles and chemicals", ScreeningRules{Industries: []string{"C17", "C26"}},
			map[string][]string{"保定印染有限公司": {"industry:industry C17"}, "衡水化工有限公司": {"industry:industry C26"}}},
		{"key region Shijiazhuang", ScreeningRules{Regions: []string{"130100"}},
			map[string][]string{"石家庄焦化有限公司": {"region:region 130100"}, "石家庄食品有限公司": {"region:region 130100"}}},
		{"flags 双超 and 双有", ScreeningRules{Flags: []ListingReason{ReasonDoubleExceed, ReasonToxic}},
			map[string][]string{"石家庄焦化有限公司": {"flag:双超"}, "衡水化工有限公司": {"flag:双有"}}},
		{"flag 高耗能", ScreeningRules{Flags: []ListingReason{ReasonEnergyIntensive}},
			map[string][]string{"唐山钢铁有限公司": {"flag:高耗能"}}},
		{"every rule at once", ScreeningRules{Emissions: map[string]float64{"cod": 10}, EnergyTce: 5000, Industries: []string{"C17"},
			Regions: []string{"130100"}, Flags: []ListingReason{ReasonDoubleExceed, ReasonToxic, ReasonEnergyIntensive}},
			map[string][]string{
				"石家庄焦化有限公司": {"flag:双超", "emission:cod 12.5 t > 10 t", "energy:energy 52000 tce > 5000 tce", "region:region 130100"},
				"唐山钢铁有限公司":  {"flag:高耗能", "energy:energy 9000 tce > 5000 tce"},
				"保定印染有限公司":  {"industry:industry C17"},
				"衡水化工有限公司":  {"flag:双有"},
				"石家庄食品有限公司": {"region:region 130100"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.rules.Validate(); err != nil {
				t.Fatal(err)
			}
			got := map[string][]string{}
			for _, c := range tt.rules.ScreenRows(rows) {
				for _, r := range c.Reasons {
					got[c.Name] = append(got[c.Name], r.Rule+":"+r.Detail)
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("candidates %v, want %v", got, tt.want)
			}
			for name, want := range tt.want {
				if !slices.Equal(got[name], want) {
					t.Errorf("%s: reasons %q, want %q", name, got[name], want)
				}
			}
		})
	}
}

// TestScreenReasonListing: each rule becomes the batch listing reason a
// regulator would give.
func TestScreenReasonListing(t *testing.T) {
	rows := sourceFixture(t)
	r := ScreeningRules{Emissions: map[string]float64{"cod": 10}, EnergyTce: 5000, Flags: []ListingReason{ReasonToxic}, Industries: []string{"C17"}}
	got := map[string][]ListingReason{}
	for _, c := range r.ScreenRows(rows) {
		got[c.Name] = ListingsOf(c.Reasons)
	}
	want := map[string][]ListingReason{
		"石家庄焦化有限公司": {ReasonDoubleExceed, ReasonEnergyIntensive},
		"唐山钢铁有限公司":  {ReasonEnergyIntensive},
		"保定印染有限公司":  {ReasonKeyTask},
		"衡水化工有限公司":  {ReasonToxic},
	}
	for name, w := range want {
		if !slices.Equal(got[name], w) {
			t.Errorf("%s: %v, want %v", name, got[name], w)
		}
	}
}

func TestScreeningRulesInvalid(t *testing.T) {
	for _, tt := range []struct {
		name  string
		rules ScreeningRules
		code  Code
	}{
		{"none", ScreeningRules{}, CodeScreeningNoRules},
		{"unknown pollutant", ScreeningRules{Emissions: map[string]float64{"汞": 1}}, CodeScreeningRuleInvalid},
		{"negative threshold", ScreeningRules{Emissions: map[string]float64{"cod": -1}}, CodeScreeningRuleInvalid},
		{"bad industry", ScreeningRules{Industries: []string{"化工"}}, CodeScreeningRuleInvalid},
		{"bad region", ScreeningRules{Regions: []string{"13"}}, CodeScreeningRuleInvalid},
		{"negative energy", ScreeningRules{EnergyTce: -5}, CodeScreeningRuleInvalid},
		{"key_task is no flag", ScreeningRules{Flags: []ListingReason{ReasonKeyTask}}, CodeScreeningRuleInvalid},
	} {
		if err := tt.rules.Validate(); ErrorCode(err) != tt.code {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.code)
		}
	}
}

// TestParseSourceRowsRejects: every bad row is named with its column and
// why; a missing required column refuses the whole sheet.
func TestParseSourceRowsRejects(t *testing.T) {
	header := []string{"credit_code", "name", "region", "industry", "flags", "cod"}
	good := cc("91130100MA0A00001")
	rows := [][]string{
		{good, "石家庄焦化有限公司", "130104", "C2520", "双超", "12"},
		{"91130100MA0A00002X", "坏代码有限公司", "130104", "C2520", "", ""},
		{good, "重复有限公司", "130104", "C2520", "", ""},
		{cc("91130100MA0A00003"), "", "130104", "C2520", "", ""},
		{cc("91130100MA0A00004"), "地区错有限公司", "99", "C2520", "", ""},
		{cc("91130100MA0A00005"), "行业错有限公司", "130104", "化工", "", ""},
		{cc("91130100MA0A00006"), "标识错有限公司", "130104", "C2520", "超标", ""},
		{cc("91130100MA0A00007"), "数字错有限公司", "130104", "C2520", "", "-3"},
		{"", "", "", "", "", ""},
		{cc("91130100MA0A00008"), "正常有限公司", "130104", "C2520", "双有、高耗能", "1,200.5"},
	}
	ok, rejected, err := ParseSourceRows(header, rows)
	if err != nil {
		t.Fatal(err)
	}
	if len(ok) != 2 || ok[1].Emissions["cod"] != 1200.5 || !slices.Equal(ok[1].Flags, []ListingReason{ReasonToxic, ReasonEnergyIntensive}) {
		t.Fatalf("valid rows %+v", ok)
	}
	want := []struct {
		row    int
		column string
		code   Code
	}{
		{3, "统一社会信用代码", CodeCreditCodeCheck}, {4, "统一社会信用代码", CodeImportCreditCodeRepeat}, {5, "企业名称", CodeImportNameEmpty},
		{6, "行政区划代码", ""}, {7, "行业代码", ""}, {8, "标识", CodeScreeningFlagUnknown}, {9, "化学需氧量排放量(吨)", CodeScreeningNumberInvalid},
	}
	if len(rejected) != len(want) {
		t.Fatalf("rejected %+v", rejected)
	}
	for i, w := range want {
		r := rejected[i]
		if r.Row != w.row || r.Column != w.column || (w.code != "" && r.Code != w.code) || r.Reason == "" {
			t.Errorf("rejection %d: %+v, want row %d %s %s", i, r, w.row, w.column, w.code)
		}
	}
	_, _, err = ParseSourceRows([]string{"企业名称", "行业代码"}, nil)
	if ErrorCode(err) != CodeImportColumnsMissing || !strings.Contains(err.Error(), "credit_code") {
		t.Fatalf("missing columns: %v", err)
	}
}

// FuzzParseSourceRows is the source importer after the file is read: a
// sheet as tab-separated cells and newline-separated rows, the first the
// header. Every data row is either valid (its code, region and numbers
// pass) or rejected with a row number inside the sheet, and screening the
// valid rows never fails.
func FuzzParseSourceRows(f *testing.F) {
	head := "统一社会信用代码\t企业名称\t行政区划代码\t行业代码\t标识\t综合能耗(吨标准煤)\t化学需氧量排放量(吨)\n"
	for _, s := range []string{
		head + cc("91130100MA0A00001") + "\t石家庄焦化有限公司\t130104\tC2520\t双超、高耗能\t52000\t12.5\n",
		head + cc("91130100MA0A00001") + "\t<script>\t130104\tC2520\t超标\tNaN\t-1\n",
		head + "1\t甲\t13\tC\n\n\t\t\n" + cc("91130100MA0A00002") + "\t乙\t130104\tC2520\t\t1e400\t\n",
		"credit_code\tname\tregion\tindustry\tcod\n" + strings.Repeat(cc("91130100MA0A00003")+"\t重复\t130104\tC2520\t1,000\n", 20),
		"",
	} {
		f.Add(s)
	}
	rules := ScreeningRules{Emissions: map[string]float64{"cod": 10}, EnergyTce: 5000, Industries: []string{"C2"}, Regions: []string{"130100"},
		Flags: []ListingReason{ReasonDoubleExceed, ReasonToxic, ReasonEnergyIntensive}}
	f.Fuzz(func(t *testing.T, data string) {
		lines := strings.Split(data, "\n")
		header := strings.Split(lines[0], "\t")
		var rows [][]string
		for _, l := range lines[1:] {
			rows = append(rows, strings.Split(l, "\t"))
		}
		ok, rejected, err := ParseSourceRows(header, rows)
		if err != nil {
			if ErrorKind(err) != KindInvalid || ErrorCode(err) != CodeImportColumnsMissing {
				t.Fatalf("error %v", err)
			}
			return
		}
		if len(ok)+len(rejected) > len(rows) {
			t.Fatalf("%d valid and %d rejected of %d rows", len(ok), len(rejected), len(rows))
		}
		for _, r := range rejected {
			if r.Row < 2 || r.Row > len(rows)+1 || r.Reason == "" {
				t.Fatalf("rejection %+v of %d rows", r, len(rows))
			}
		}
		seen := map[string]bool{}
		for _, r := range ok {
			if ValidateCreditCode(r.CreditCode) != nil || ValidateRegion(r.Region) != nil || seen[r.CreditCode] {
				t.Fatalf("accepted %+v", r)
			}
			seen[r.CreditCode] = true
			for _, v := range append([]float64{r.EnergyTce, r.WaterT}, slices.Collect(maps.Values(r.Emissions))...) {
				if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("accepted %+v", r)
				}
			}
		}
		rules.ScreenRows(ok)
	})
}

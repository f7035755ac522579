package cpaudit

import (
	"fmt"
	"strconv"
	"strings"
)

// This file holds an indicator set (清洁生产评价指标体系) as an .xlsx sheet:
// its columns, the template, and the parsing of an uploaded table into
// indicators, all rows or none (a half-imported set would rate audits on
// part of their indicators).

// IndicatorColumns are the table's headers, in the template's order; the
// English field names are accepted as headers too.
var IndicatorColumns = []OptionColumn{
	{"code", "指标编号", true},
	{"group", "一级指标", true},
	{"group_weight", "一级指标权重", false},
	{"name", "二级指标", true},
	{"unit", "单位", false},
	{"direction", "方向", true},
	{"weight", "二级指标权重", false},
	{"level1", "Ⅰ级基准值", false},
	{"level2", "Ⅱ级基准值", false},
	{"level3", "Ⅲ级基准值", false},
	{"limiting", "限定性指标", false},
}

// IndicatorTemplateExample is the template's example rows: a made-up
// two-group set whose figures are examples, not any published system's.
func IndicatorTemplateExample() [][]string {
	return [][]string{
		{"1.1", "资源和能源消耗指标", "0.4", "单位产品取水量（示例）", "m³/t", "越低越好", "0.5", "5", "8", "12", "是"},
		{"1.2", "资源和能源消耗指标", "0.4", "单位产品综合能耗（示例）", "tce/t", "越低越好", "0.5", "0.3", "0.5", "0.8", "否"},
		{"2.1", "清洁生产管理指标", "0.6", "清洁生产审核制度（示例）", "", "定性", "1", "", "", "", "否"},
	}
}

var directionWords = map[string]Direction{
	"lower": LowerBetter, "越低越好": LowerBetter, "越小越好": LowerBetter, "≤": LowerBetter,
	"higher": HigherBetter, "越高越好": HigherBetter, "越大越好": HigherBetter, "≥": HigherBetter,
	"qualitative": Qualitative, "定性": Qualitative,
}

var yesWords = map[string]bool{"是": true, "yes": true, "true": true, "1": true, "√": true, "*": true,
	"否": false, "no": false, "false": false, "0": false, "": false}

// ParseIndicatorRows turns an indicator table's header and data rows (the
// first data row being sheet row 2; empty rows skipped) into indicators,
// and the rejections of the bad rows, each naming the row, the column at
// fault and why. KindUnprocessable (indicator_import_invalid) for a header
// no row can be read under.
func ParseIndicatorRows(header []string, rows [][]string) ([]Indicator, []ImportRejection, error) {
	cols := make([]string, len(header))
	seen := map[string]bool{}
	var problems []string
	for i, h := range header {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		for _, c := range IndicatorColumns {
			if h == c.Zh || h == c.Field || strings.ReplaceAll(h, "I", "Ⅰ") == c.Zh {
				cols[i] = c.Field
			}
		}
		switch {
		case cols[i] == "":
			problems = append(problems, fmt.Sprintf("column %q is not a column of the indicator table; download the template", h))
		case seen[cols[i]]:
			problems = append(problems, fmt.Sprintf("column %q is repeated", h))
		}
		seen[cols[i]] = true
	}
	for _, c := range IndicatorColumns {
		if c.Required && !seen[c.Field] {
			problems = append(problems, fmt.Sprintf("the column %s (%s) is missing", c.Zh, c.Field))
		}
	}
	if len(problems) > 0 {
		return nil, nil, Refuse(KindUnprocessable, CodeIndicatorImportInvalid, "row 1 (header): %s", strings.Join(problems, "; ")).With("rows", "1")
	}
	var out []Indicator
	var rejected []ImportRejection
	codes := map[string]int{}
	for i, cells := range rows {
		rowNo := i + 2
		cell := map[string]string{}
		for j, f := range cols {
			if f != "" && j < len(cells) {
				cell[f] = strings.TrimSpace(cells[j])
			}
		}
		empty := true
		for _, v := range cell {
			if v != "" {
				empty = false
			}
		}
		if empty {
			continue
		}
		if len(out)+len(rejected) >= MaxIndicators {
			return nil, nil, Refuse(KindUnprocessable, CodeIndicatorImportInvalid, "the table has more than %d indicators", MaxIndicators).With("rows", strconv.Itoa(rowNo))
		}
		in, rj := parseIndicatorRow(cell)
		if rj == nil {
			if err := in.validate(); err != nil {
				rj = &ImportRejection{Reason: ErrorMessage(err), Code: ErrorCode(err), Params: ErrorParams(err)}
			}
		}
		if rj == nil {
			if prev, dup := codes[in.Code]; dup {
				rj = &ImportRejection{Column: IndicatorColumns[0].Zh, Reason: fmt.Sprintf("code %s is also on row %d", in.Code, prev),
					Code: CodeIndicatorImportInvalid, Params: map[string]string{"rows": strconv.Itoa(prev)}}
			}
			codes[in.Code] = rowNo
		}
		if rj != nil {
			rj.Row = rowNo
			rejected = append(rejected, *rj)
			continue
		}
		out = append(out, in)
	}
	return out, rejected, nil
}

// parseIndicatorRow reads one row's cells; a rejection names the first bad
// cell.
func parseIndicatorRow(cell map[string]string) (Indicator, *ImportRejection) {
	in := Indicator{Code: cell["code"], Group: cell["group"], Name: cell["name"], Unit: cell["unit"]}
	zh := func(field string) string {
		for _, c := range IndicatorColumns {
			if c.Field == field {
				return c.Zh
			}
		}
		return field
	}
	d, ok := directionWords[strings.ToLower(cell["direction"])]
	if !ok {
		return in, &ImportRejection{Column: zh("direction"), Reason: fmt.Sprintf("direction %q: use 越低越好 (lower), 越高越好 (higher) or 定性 (qualitative)", cell["direction"]),
			Code: CodeIndicatorSetInvalid, Params: map[string]string{"field": "direction", "value": cell["direction"]}}
	}
	in.Direction = d
	lim, ok := yesWords[strings.ToLower(cell["limiting"])]
	if !ok {
		return in, &ImportRejection{Column: zh("limiting"), Reason: fmt.Sprintf("limiting %q: use 是 or 否", cell["limiting"]),
			Code: CodeIndicatorSetInvalid, Params: map[string]string{"field": "limiting", "value": cell["limiting"]}}
	}
	in.Limiting = lim
	for _, f := range []struct {
		field string
		into  **float64
	}{{"group_weight", &in.GroupWeight}, {"weight", &in.Weight}, {"level1", &in.Benchmarks[0]}, {"level2", &in.Benchmarks[1]}, {"level3", &in.Benchmarks[2]}} {
		v := strings.ReplaceAll(cell[f.field], ",", "")
		if v == "" {
			continue
		}
		pct := strings.HasSuffix(v, "%")
		n, err := strconv.ParseFloat(strings.TrimSuffix(v, "%"), 64)
		if err != nil {
			return in, &ImportRejection{Column: zh(f.field), Reason: fmt.Sprintf("%q is not a number", v),
				Code: CodeIndicatorSetInvalid, Params: map[string]string{"field": f.field, "value": v}}
		}
		if pct && (f.field == "weight" || f.field == "group_weight") {
			n /= 100
		}
		*f.into = &n
	}
	return in, nil
}

// IndicatorImportRefusal is the refusal of a table with bad rows: 422
// indicator_import_invalid, its detail naming each row and why, its
// parameter "rows" the row numbers.
func IndicatorImportRefusal(rejected []ImportRejection) error {
	var rows, why []string
	for _, rj := range rejected {
		rows = append(rows, strconv.Itoa(rj.Row))
		col := ""
		if rj.Column != "" {
			col = " (" + rj.Column + ")"
		}
		why = append(why, fmt.Sprintf("row %d%s: %s", rj.Row, col, rj.Reason))
	}
	return Refuse(KindUnprocessable, CodeIndicatorImportInvalid, "nothing was imported; %s", strings.Join(why, "; ")).With("rows", strings.Join(rows, ", "))
}

package cpaudit

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// ImportColumn is one column of the enterprise import sheet.
type ImportColumn struct {
	Field    string // JSON name of the field, also accepted as a header
	Zh       string // the header the template writes
	Note     string // the header cell's comment: English name and format
	Required bool
	Example  string
}

// ImportColumns are the columns of the enterprise import sheet, in the
// template's order. A sheet may order them differently or leave optional
// ones out: headers are matched by name, Chinese or English.
var ImportColumns = []ImportColumn{
	{"name", "企业名称", "name — required", true, "河北绿源化工有限公司"},
	{"credit_code", "统一社会信用代码", "credit_code — 18 characters, GB 32100 check character", true, "91130100MA0CXXXX0X"},
	{"industry", "行业代码", "industry — GB/T 4754 code such as C2710", true, "C2710"},
	{"region", "行政区划代码", "region — 6-digit division code such as 130104", true, "130104"},
	{"address", "地址", "address — optional", false, "石家庄市桥西区友谊南大街1号"},
	{"permit_number", "排污许可证编号", "permit_number — optional", false, "91130100MA0CXXXX0X001P"},
	{"status", "生产状态", "status — 正常生产 (operating) or 停产 (stopped); empty means operating", false, "正常生产"},
}

// EnterpriseRow is one valid row of an import sheet.
type EnterpriseRow struct {
	Row int // the sheet's row number, the header being row 1
	Org Organisation
}

// ImportRejection says why a row of an import sheet was not imported.
type ImportRejection struct {
	Row    int               `json:"row"`
	Column string            `json:"column"` // the header as the template writes it; "" for the whole row
	Reason string            `json:"reason"` // English, as an error's Message
	Code   Code              `json:"code,omitempty"`
	Params map[string]string `json:"params,omitempty"`
}

// ImportResult is the outcome of one enterprise import.
type ImportResult struct {
	ID            string            `json:"id"` // names the rejected-rows report
	Created       int               `json:"created"`
	Updated       int               `json:"updated"`
	AuditsCreated int               `json:"audits_created"`
	Rejected      []ImportRejection `json:"rejected"`
	CreatedAt     time.Time         `json:"created_at"`
}

// EnterpriseImport is what importing takes besides the rows: when BatchID
// is set, every imported enterprise without an audit in that batch gets
// one, with ConsultancyID ("" for a self-audit).
type EnterpriseImport struct {
	Rows          []EnterpriseRow
	Rejected      []ImportRejection // rows already refused while parsing
	BatchID       string
	ConsultancyID string
}

// ParseEnterpriseRows turns a sheet's header and data rows (the first data
// row being sheet row 2) into valid rows and rejections, one rejection per
// bad row naming the first bad column. KindInvalid when a required column
// is absent from the header, since then no row can be read.
func ParseEnterpriseRows(header []string, rows [][]string) ([]EnterpriseRow, []ImportRejection, error) {
	index, zh, err := headerIndex(header, ImportColumns)
	if err != nil {
		return nil, nil, err
	}
	var ok []EnterpriseRow
	var rejected []ImportRejection
	firstRow := map[string]int{}
	for i, cells := range rows {
		rowNo := i + 2
		get := cellGetter(index, cells)
		if blankRow(cells) {
			continue // spacing rows are not mistakes
		}
		o := Organisation{Kind: OrgEnterprise, Name: get("name"), CreditCode: strings.ToUpper(get("credit_code")),
			Industry: strings.ToUpper(get("industry")), Region: get("region"), Address: get("address"),
			PermitNumber: get("permit_number"), Status: OperatingStatus(get("status"))}
		// A repeat is of a row that is imported: an earlier row rejected
		// for another reason does not block its corrected copy.
		dupOf := firstRow[o.CreditCode]
		reject := func(field string, err error) {
			rejected = append(rejected, ImportRejection{Row: rowNo, Column: zh[field], Reason: userMessage(err),
				Code: ErrorCode(err), Params: ErrorParams(err)})
		}
		switch {
		case o.Name == "":
			reject("name", Refuse(KindInvalid, CodeImportNameEmpty, "企业名称为空 (name is empty)"))
		case ValidateName("name", o.Name, 200) != nil:
			reject("name", ValidateName("name", o.Name, 200))
		case o.CreditCode == "":
			reject("credit_code", Refuse(KindInvalid, CodeImportCreditCodeEmpty, "统一社会信用代码为空 (credit code is empty)"))
		case ValidateCreditCode(o.CreditCode) != nil:
			reject("credit_code", ValidateCreditCode(o.CreditCode))
		case dupOf != 0:
			reject("credit_code", Refuse(KindUnprocessable, CodeImportCreditCodeRepeat, "统一社会信用代码与第 %d 行重复 (credit code repeats row %d)", dupOf, dupOf).
				With("row", strconv.Itoa(dupOf)))
		case ValidateIndustry(o.Industry) != nil:
			reject("industry", ValidateIndustry(o.Industry))
		case ValidateRegion(o.Region) != nil:
			reject("region", ValidateRegion(o.Region))
		case o.Status != "" && statusError(o.Status) != nil:
			reject("status", statusError(o.Status))
		case o.PermitNumber != "" && ValidatePermitNumber(strings.ToUpper(o.PermitNumber)) != nil:
			reject("permit_number", ValidatePermitNumber(o.PermitNumber))
		default:
			if err := o.ValidateProfile(); err != nil {
				reject("address", err) // the one field left to fail
				continue
			}
			firstRow[o.CreditCode] = rowNo
			ok = append(ok, EnterpriseRow{Row: rowNo, Org: o})
		}
	}
	return ok, rejected, nil
}

func userMessage(err error) string {
	if m := ErrorMessage(err); m != "" {
		return m
	}
	return "invalid value"
}

// statusError is ParseOperatingStatus's error alone.
func statusError(s OperatingStatus) error {
	_, err := ParseOperatingStatus(string(s))
	return err
}

// headerIndex finds each of cols in a header row: by its Chinese name (or
// that name without its parenthesised unit), by its field name, or by the
// Chinese name followed by a parenthesis, case aside; the first matching
// cell wins. It returns the cell index and the Chinese name by field, or
// an import_columns_missing refusal naming every required column absent.
func headerIndex(header []string, cols []ImportColumn) (index map[string]int, zh map[string]string, err error) {
	index = map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		for _, c := range cols {
			name := strings.ToLower(c.Zh)
			base, _, _ := strings.Cut(name, "(")
			if h == name || h == c.Field || h == base || strings.HasPrefix(h, base+"(") || strings.HasPrefix(h, base+"（") {
				if _, dup := index[c.Field]; !dup {
					index[c.Field] = i
				}
			}
		}
	}
	var missing []string
	zh = map[string]string{}
	for _, c := range cols {
		zh[c.Field] = c.Zh
		if _, ok := index[c.Field]; c.Required && !ok {
			missing = append(missing, c.Zh+" ("+c.Field+")")
		}
	}
	if len(missing) > 0 {
		return nil, nil, Refuse(KindInvalid, CodeImportColumnsMissing, "the header row lacks the column(s) %s; download the template", strings.Join(missing, ", ")).With("value", strings.Join(missing, "、"))
	}
	return index, zh, nil
}

// cellGetter reads the trimmed cell of a named column in one data row;
// "" when the header lacks the column or the row is short.
func cellGetter(index map[string]int, cells []string) func(field string) string {
	return func(field string) string {
		j, found := index[field]
		if !found || j >= len(cells) {
			return ""
		}
		return strings.TrimSpace(cells[j])
	}
}

// blankRow reports a row with nothing in any cell: a spacing row, not a
// mistake.
func blankRow(cells []string) bool {
	return !slices.ContainsFunc(cells, func(c string) bool { return strings.TrimSpace(c) != "" })
}

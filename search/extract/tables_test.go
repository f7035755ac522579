package extract

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"

	cpaudit "github.com/cpaudit/cpaudit"
	"github.com/xuri/excelize/v2"
)

// TestXlsxTables: every sheet is a table whose cells sit where excelize's
// GetRows puts them (leading empty cells and empty rows kept as "", trailing
// ones left out), so a value stays under its header.
func TestXlsxTables(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetName("Sheet1", "方案汇总"))
	must(f.SetCellValue("方案汇总", "A1", "清洁生产方案汇总表"))
	// Row 2 empty; the header starts in A3 with an empty cell in it.
	must(f.SetSheetRow("方案汇总", "A3", &[]any{"方案编号", "", "节水量（吨/年）", "投资（万元）"}))
	must(f.SetSheetRow("方案汇总", "A4", &[]any{"F1", "中水回用系统", 11000, 45.5}))
	// A row whose first cells are empty, and one far to the right.
	must(f.SetCellValue("方案汇总", "C5", 3000))
	must(f.SetCellValue("方案汇总", "AB5", "备注"))
	// A styled cell with no value after the data: no row, no cell.
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	must(err)
	must(f.SetCellStyle("方案汇总", "A9", "E9", bold))
	must(f.SetCellStyle("方案汇总", "F4", "F4", bold))
	_, err = f.NewSheet("空表")
	must(err)
	_, err = f.NewSheet("能耗")
	must(err)
	must(f.SetCellValue("能耗", "B2", "综合能耗（tce）"))
	must(f.SetCellValue("能耗", "C2", 1230.5))
	var buf bytes.Buffer
	must(f.Write(&buf))

	res := run(t, buf.Bytes(), "application/zip", "方案.xlsx", Limits{})
	wantDone(t, res, "节水量(吨/年)", "11000")
	// The empty sheet has no table.
	if len(res.Tables) != 2 || res.Tables[0].Name != "方案汇总" || res.Tables[1].Name != "能耗" || res.TablesCut {
		t.Fatalf("tables %+v (cut %v)", res.Tables, res.TablesCut)
	}
	for _, tbl := range res.Tables {
		rows, err := f.GetRows(tbl.Name)
		must(err)
		// excelize leaves the text as it is; extraction normalises it.
		for _, row := range rows {
			for i := range row {
				row[i] = Normalize(row[i])
			}
		}
		if !sameRows(tbl.Rows, rows) {
			t.Errorf("sheet %s:\n got %q\nwant %q (GetRows)", tbl.Name, tbl.Rows, rows)
		}
	}
	if got := res.Tables[0].Rows[3][2]; got != "11000" {
		t.Errorf("F1's water %q, want 11000 under its header", got)
	}
}

// sameRows compares rows, a nil row equal to an empty one.
func sameRows(a, b [][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) || len(a[i]) > 0 && !reflect.DeepEqual(a[i], b[i]) {
			return false
		}
	}
	return true
}

func tc(text string, props ...string) string {
	p := ""
	if len(props) > 0 {
		p = `<w:tcPr>` + strings.Join(props, "") + `</w:tcPr>`
	}
	return `<w:tc>` + p + para(text) + `</w:tc>`
}

// TestDocxTables: the tables of the body, named in the order they start;
// a nested table is one of its own; a cell's paragraphs are joined with a
// space; spanned grid columns keep the cells below their headers; the
// copy in mc:Fallback and the tables of headers are not read; the text is
// what it was.
func TestDocxTables(t *testing.T) {
	nested := `<w:tbl><w:tr>` + tc("内层") + tc("表格") + `</w:tr></w:tbl>`
	body := para("清洁生产审核报告") +
		`<w:tbl>` +
		`<w:tr>` + tc("方案", `<w:gridSpan w:val="2"/>`) + tc("节水量（吨/年）") + `</w:tr>` +
		`<w:tr>` + tc("F1") + tc("中水回用") + tc("11000") + `</w:tr>` +
		// A cell of two paragraphs, with a nested table between them
		// (normalised like the text, so spaces between Han characters go).
		`<w:tr><w:tc><w:p><w:r><w:t>第一段</w:t></w:r></w:p>` + nested + `<w:p><w:r><w:t>Part</w:t><w:br/><w:t>2</w:t></w:r></w:p></w:tc>` +
		tc("") + tc("12") + `</w:tr>` +
		// A row that starts in the second grid column.
		`<w:tr><w:trPr><w:gridBefore w:val="1"/></w:trPr>` + tc("合计") + tc("11,012") + `</w:tr>` +
		`</w:tbl>` +
		para("正文") +
		`<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><w:txbxContent>` +
		`<w:tbl><w:tr>` + tc("文本框") + `</w:tr></w:tbl>` +
		`</w:txbxContent></w:drawing></mc:Choice><mc:Fallback><w:pict><w:txbxContent>` +
		`<w:tbl><w:tr>` + tc("文本框") + `</w:tr></w:tbl>` +
		`</w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>`
	header := `<w:hdr ` + wordNS + `><w:tbl><w:tr>` + tc("页眉表格") + `</w:tr></w:tbl></w:hdr>`
	res := run(t, docxOf(t, body, "word/header1.xml", header), "", "报告.docx", Limits{})
	wantDone(t, res, "方案节水量(吨/年) F1 中水回用 11000", "第一段内层表格 Part 2 12", "页眉表格")

	want := []cpaudit.Table{
		{Name: "表1", Rows: [][]string{
			{"方案", "", "节水量(吨/年)"},
			{"F1", "中水回用", "11000"},
			{"第一段 Part 2", "", "12"},
			{"", "合计", "11,012"},
		}},
		{Name: "表2", Rows: [][]string{{"内层", "表格"}}},
		{Name: "表3", Rows: [][]string{{"文本框"}}},
	}
	if !reflect.DeepEqual(res.Tables, want) {
		t.Errorf("tables\n got %q\nwant %q", res.Tables, want)
	}
}

// TestTableLimits: past a bound the tables stop growing, the text goes on.
func TestTableLimits(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	long := strings.Repeat("节", 500) // 1,500 bytes
	for r := 1; r <= 100; r++ {
		row := []any{fmt.Sprintf("行%d", r), long}
		for c := 0; c < 70; c++ {
			row = append(row, c)
		}
		if err := f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", r), &row); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.NewSheet("Sheet2"); err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellValue("Sheet2", "A1", "第二张表"); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}

	// Rows: 30 over all tables; the second sheet gets none.
	res := run(t, buf.Bytes(), "", "大表.xlsx", Limits{MaxTableRows: 30})
	wantDone(t, res, "行100", "第二张表")
	if len(res.Tables) != 1 || len(res.Tables[0].Rows) != 30 || !res.TablesCut {
		t.Fatalf("%d tables (cut %v), want 1 of 30 rows", len(res.Tables), res.TablesCut)
	}
	row := res.Tables[0].Rows[0]
	if len(row) != maxTableCols || len(row[1]) != 999 || row[1] != strings.Repeat("节", 333) {
		t.Errorf("row of %d cells, cell of %d bytes; want %d cells, a cell cut to 999 bytes", len(row), len(row[1]), maxTableCols)
	}

	// Bytes: a row holds 64 cells, 1,000 bytes of text and the
	// overheads, some 2,200 bytes; 10 KiB holds 4 of them.
	res = run(t, buf.Bytes(), "", "大表.xlsx", Limits{MaxTableBytes: 10 << 10})
	wantDone(t, res, "行100", "第二张表")
	if len(res.Tables) != 1 || len(res.Tables[0].Rows) != 5 || !res.TablesCut {
		t.Fatalf("%d tables (cut %v) of %d rows, want 1 table, 4 whole rows and a part", len(res.Tables), res.TablesCut, len(res.Tables[0].Rows))
	}

	// A row far down: the rows before it count, and one beyond the
	// budget stops the tables.
	sparse := zipOf(t,
		"[Content_Types].xml", contentTypes,
		"xl/workbook.xml", `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets><sheet name="稀疏" sheetId="1" r:id="rId1" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels", `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
		"xl/worksheets/sheet1.xml", `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`+
			`<row r="1"><c r="A1" t="inlineStr"><is><t>首行</t></is></c></row>`+
			`<row r="9223372036854775807"><c r="A9223372036854775807" t="inlineStr"><is><t>末行</t></is></c></row>`+
			`<row r="1048576" customHeight="1" ht="20"/></sheetData></worksheet>`,
	)
	res = run(t, sparse, "", "稀疏.xlsx", Limits{})
	wantDone(t, res, "首行", "末行")
	if len(res.Tables) != 1 || len(res.Tables[0].Rows) != 1 || !res.TablesCut {
		t.Fatalf("tables %q (cut %v)", res.Tables, res.TablesCut)
	}
}

func TestColumnIndex(t *testing.T) {
	for ref, want := range map[string]int{"A1": 0, "B3": 1, "Z9": 25, "AA10": 26, "ab2": 27, "XFD1": 16383, "XFE1": -1, "12": -1, "": -1} {
		if got := columnIndex(ref); got != want {
			t.Errorf("columnIndex(%q) = %d, want %d", ref, got, want)
		}
	}
}

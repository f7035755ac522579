package detect

import (
	"archive/zip"
	"bytes"
	"context"
	"html"
	"math"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/search/extract"
)

// extractTables runs text extraction on a file and returns the tables it
// read, as the analysis gets them.
func extractTables(t *testing.T, data []byte, name string) []cpaudit.Table {
	t.Helper()
	res := extract.Extract(context.Background(), bytes.NewReader(data), int64(len(data)), "", name, extract.Limits{})
	if res.Status != cpaudit.TextDone {
		t.Fatalf("%s: %s %s %v", name, res.Status, res.Reason, res.Err)
	}
	return res.Tables
}

// tableWant is a figure expected from a table, with where it was read.
type tableWant struct {
	q        cpaudit.Quantity
	v        float64
	context  string
	sheet    string
	row, col int
}

func checkTableFigures(t *testing.T, got []cpaudit.Figure, wants []tableWant) {
	t.Helper()
	if len(got) != len(wants) {
		t.Fatalf("%d figures, want %d: %+v", len(got), len(wants), got)
	}
	for _, w := range wants {
		found := false
		for _, f := range got {
			if f.Quantity == w.q && f.Context == w.context && f.Sheet == w.sheet && f.Row == w.row && f.Col == w.col &&
				math.Abs(f.Value-w.v) <= 1e-6*math.Max(1, w.v) && f.Offset == -1 {
				found = true
			}
		}
		if !found {
			t.Errorf("no figure %+v in %+v", w, got)
		}
	}
}

// TestTableFiguresXlsx: the figures of a workbook's sheets as extraction
// reads them, at their row and column in the sheet, a header with an empty
// cell, empty rows and a row starting right of the first column included.
func TestTableFiguresXlsx(t *testing.T) {
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
	must(f.SetSheetRow("方案汇总", "A3", &[]any{"方案编号", "", "节水量（吨/年）", "投资（万元）"}))
	must(f.SetSheetRow("方案汇总", "A4", &[]any{"F1", "中水回用系统", 11000, 45}))
	must(f.SetSheetRow("方案汇总", "A6", &[]any{"F2", "", "", 12.5}))
	_, err := f.NewSheet("能耗")
	must(err)
	must(f.SetSheetRow("能耗", "B2", &[]any{"节电量", 35, "万kWh/a"}))
	var buf bytes.Buffer
	must(f.Write(&buf))

	got := TableFigures(extractTables(t, buf.Bytes(), "方案汇总.xlsx"))
	checkTableFigures(t, got, []tableWant{
		{cpaudit.QtyWater, 11000, "F1", "方案汇总", 4, 3},
		{cpaudit.QtyInvestment, 450000, "F1", "方案汇总", 4, 4},
		{cpaudit.QtyInvestment, 125000, "F2", "方案汇总", 6, 4},
		{cpaudit.QtyElectricity, 350000, "", "能耗", 2, 3},
	})
}

// TestTableFiguresDocx: the figures of a Word document's tables as
// extraction reads them: a header cell spanning two columns keeps the
// values under their headers, and a nested table is read as one of its
// own.
func TestTableFiguresDocx(t *testing.T) {
	cell := func(text string, span int) string {
		p := ""
		if span > 1 {
			p = `<w:tcPr><w:gridSpan w:val="` + string(rune('0'+span)) + `"/></w:tcPr>`
		}
		return `<w:tc>` + p + `<w:p><w:r><w:t>` + html.EscapeString(text) + `</w:t></w:r></w:p></w:tc>`
	}
	row := func(cells ...string) string { return `<w:tr>` + strings.Join(cells, "") + `</w:tr>` }
	nested := `<w:tbl>` + row(cell("方案", 1), cell("节电量（万kWh/年）", 1)) + row(cell("F2", 1), cell("35", 1)) + `</w:tbl>`
	body := `<w:p><w:r><w:t>方案汇总</w:t></w:r></w:p><w:tbl>` +
		row(cell("方案", 2), cell("节水量（吨/年）", 1), cell("投资（万元）", 1)) +
		row(cell("F1", 1), cell("中水回用", 1), cell("11000", 1), cell("45", 1)) +
		row(`<w:tc><w:p><w:r><w:t>附表</w:t></w:r></w:p>`+nested+`</w:tc>`, cell("", 1), cell("", 1), cell("", 1)) +
		`</w:tbl>`
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range [][2]string{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>`},
		{"word/document.xml", `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` + body + `</w:body></w:document>`},
	} {
		w, err := zw.Create(e[0])
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(e[1]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}

	got := TableFigures(extractTables(t, buf.Bytes(), "方案汇总.docx"))
	checkTableFigures(t, got, []tableWant{
		{cpaudit.QtyWater, 11000, "F1", "表1", 2, 3},
		{cpaudit.QtyInvestment, 450000, "F1", "表1", 2, 4},
		{cpaudit.QtyElectricity, 350000, "F2", "表2", 2, 2},
	})
}

// TestTableFiguresBound: at most MaxFigures figures from a file's tables.
func TestTableFiguresBound(t *testing.T) {
	rows := [][]string{{"方案", "节水量（吨/年）"}}
	for range MaxFigures + 10 {
		rows = append(rows, []string{"F1", "100"})
	}
	if got := TableFigures([]cpaudit.Table{{Name: "s", Rows: rows}}); len(got) != MaxFigures {
		t.Errorf("%d figures, want %d", len(got), MaxFigures)
	}
}

package sheet

import (
	"archive/zip"
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit"
)

// fuzzLimits keep one input cheap; what matters is the answer's shape.
var fuzzLimits = Limits{MaxBytes: 4 << 20, MaxUnzip: 16 << 20, MaxRows: 2000, MaxCols: 64, Budget: 5 * time.Second}

// xlsxParts is a hand-made workbook of one worksheet.
func xlsxParts(t testing.TB, sheetXML string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range [][2]string{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="企业" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`},
		{"xl/worksheets/sheet1.xml", sheetXML},
	} {
		w, err := zw.Create(e[0])
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(e[1]))
	}
	zw.Close()
	return buf.Bytes()
}

const worksheetNS = `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`

// deepSheet nests n elements inside one cell.
func deepSheet(t testing.TB, n int) []byte {
	return xlsxParts(t, worksheetNS+`<sheetData><row r="1"><c r="A1" t="inlineStr"><is>`+
		strings.Repeat("<r>", n)+`<t>深</t>`+strings.Repeat("</r>", n)+`</is></c></row></sheetData></worksheet>`)
}

// FuzzRead is the .xlsx importers' reader (the enterprise import reads
// its sheet with it): any bytes end in a table or a refusal of a known
// kind with words for the user, within the budget.
func FuzzRead(f *testing.F) {
	var buf bytes.Buffer
	Write(&buf, Table{Header: []string{"企业名称", "统一社会信用代码"}, Rows: [][]any{{"河北绿源化工有限公司", "91130100MA0CXXXX0X"}, {"报告<script>window.__xss=1</script>", 1.5}}})
	f.Add(buf.Bytes())
	f.Add(manyRows(f, 50))
	f.Add(plainZip(f))
	f.Add(zipBomb(f, 64<<20))
	f.Add(deepSheet(f, 5000))
	f.Add(xlsxParts(f, worksheetNS+`<sheetData><row r="1048576"><c r="XFD1048576"><v>1</v></c></row><row r="1"><c r="A1" t="s"><v>99999</v></c></row></sheetData></worksheet>`))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		tb, err := Read(context.Background(), bytes.NewReader(data), fuzzLimits)
		if d := time.Since(start); d > fuzzLimits.Budget+2*time.Second {
			t.Fatalf("took %v", d)
		}
		if err != nil {
			switch cpaudit.ErrorKind(err) {
			case cpaudit.KindInvalid, cpaudit.KindTooLarge, cpaudit.KindUnprocessable:
			default:
				t.Fatalf("kind %v: %v", cpaudit.ErrorKind(err), err)
			}
			if cpaudit.ErrorCode(err) == "" || cpaudit.ErrorMessage(err) == "" {
				t.Fatalf("no code or message: %v", err)
			}
			return
		}
		if len(tb.Rows) > fuzzLimits.MaxRows || len(tb.Header) > fuzzLimits.MaxCols {
			t.Fatalf("%d rows, %d header cells", len(tb.Rows), len(tb.Header))
		}
		for _, r := range tb.Rows {
			if len(r) > fuzzLimits.MaxCols {
				t.Fatalf("row of %d cells", len(r))
			}
		}
	})
}

// TestReadDeepXML: a worksheet nesting 200,000 elements in one cell is read
// or refused within the budget, not a stack overflow or a hang.
func TestReadDeepXML(t *testing.T) {
	start := time.Now()
	_, err := Read(context.Background(), bytes.NewReader(deepSheet(t, 200_000)), Limits{})
	if err != nil && cpaudit.ErrorMessage(err) == "" {
		t.Errorf("no message: %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v", d)
	}
}

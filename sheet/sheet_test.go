package sheet

import (
	"archive/zip"
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/cpaudit/cpaudit"
)

func TestWriteReadChinese(t *testing.T) {
	in := Table{
		Sheet:  "企业",
		Header: []string{"企业名称", "统一社会信用代码", "数量"},
		Notes:  []string{"name", "credit_code", ""},
		Rows: [][]any{
			{"河北绿源化工有限公司", "91130100MA0CXXXX0X", 3},
			{"石家庄<script>钢铁", nil, 1.5},
			{"日期", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), true},
		},
	}
	var buf bytes.Buffer
	if err := Write(&buf, in); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); len(got) != 1 || got[0] != "企业" {
		t.Errorf("sheets %v", got)
	}
	style, _ := f.GetCellStyle("企业", "A1")
	st, _ := f.GetStyle(style)
	if st == nil || st.Font == nil || !st.Font.Bold {
		t.Errorf("header is not bold: %+v", st)
	}
	panes, _ := f.GetPanes("企业")
	if !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("header not frozen: %+v", panes)
	}
	w, _ := f.GetColWidth("企业", "A")
	if w < 20 || w > maxWidth {
		t.Errorf("column A width %v, want room for a Chinese company name", w)
	}
	comments, _ := f.GetComments("企业")
	if len(comments) != 2 {
		t.Errorf("comments %+v", comments)
	}

	out, err := Read(context.Background(), bytes.NewReader(buf.Bytes()), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(out.Header, "|") != "企业名称|统一社会信用代码|数量" {
		t.Errorf("header %q", out.Header)
	}
	if len(out.Rows) != 3 || out.Rows[0][0] != "河北绿源化工有限公司" || out.Rows[1][0] != "石家庄<script>钢铁" {
		t.Errorf("rows %q", out.Rows)
	}
}

func TestReadKeepsRowNumbersAcrossGaps(t *testing.T) {
	f := excelize.NewFile()
	f.SetCellValue("Sheet1", "A1", "名称")
	f.SetCellValue("Sheet1", "A2", "甲")
	f.SetCellValue("Sheet1", "A5", "乙")
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	out, err := Read(context.Background(), &buf, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	// Rows[i] is sheet row i+2.
	if len(out.Rows) != 4 || out.Rows[3][0] != "乙" || len(out.Rows[1]) != 0 {
		t.Errorf("rows %q", out.Rows)
	}
}

func TestReadHostile(t *testing.T) {
	bomb := zipBomb(t, 64<<20)
	many := manyRows(t, 120)
	cases := []struct {
		name string
		data []byte
		l    Limits
		kind cpaudit.Kind
	}{
		{"not a zip", []byte("名称,代码\n甲,1\n"), Limits{}, cpaudit.KindInvalid},
		{"empty", nil, Limits{}, cpaudit.KindInvalid},
		{"zip but not xlsx", plainZip(t), Limits{}, cpaudit.KindInvalid},
		{"truncated xlsx", many[:len(many)/2], Limits{}, cpaudit.KindInvalid},
		{"zip bomb", bomb, Limits{MaxUnzip: 16 << 20}, cpaudit.KindTooLarge},
		{"file too large", many, Limits{MaxBytes: 100}, cpaudit.KindTooLarge},
		{"too many rows", many, Limits{MaxRows: 100}, cpaudit.KindTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			_, err := Read(context.Background(), bytes.NewReader(c.data), c.l)
			if cpaudit.ErrorKind(err) != c.kind {
				t.Fatalf("got %v (kind %v), want kind %v", err, cpaudit.ErrorKind(err), c.kind)
			}
			if cpaudit.ErrorMessage(err) == "" {
				t.Errorf("no message for the user: %v", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

// zipBomb is an .xlsx-shaped zip whose worksheet unpacks to n bytes of
// zeros while the file itself stays tiny.
func zipBomb(t testing.TB, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"[Content_Types].xml", "xl/workbook.xml"} {
		w, _ := zw.Create(name)
		w.Write([]byte(`<?xml version="1.0"?><x/>`))
	}
	w, err := zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 1<<20)
	for i := 0; i < n>>20; i++ {
		w.Write(chunk)
	}
	zw.Close()
	if buf.Len() > 1<<20 {
		t.Fatalf("bomb is %d bytes", buf.Len())
	}
	return buf.Bytes()
}

func plainZip(t testing.TB) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("readme.txt")
	w.Write([]byte("不是表格"))
	zw.Close()
	return buf.Bytes()
}

func manyRows(t testing.TB, n int) []byte {
	t.Helper()
	tb := Table{Header: []string{"名称"}}
	for i := 0; i < n; i++ {
		tb.Rows = append(tb.Rows, []any{"企业"})
	}
	var buf bytes.Buffer
	if err := Write(&buf, tb); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

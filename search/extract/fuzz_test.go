package extract

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	cpaudit "github.com/cpaudit/cpaudit"
)

// fuzzLimits keep each fuzz input cheap; a hang still shows as a run over
// the timeout.
var fuzzLimits = Limits{MaxUnzipped: 32 << 20, MaxText: 1 << 20, Timeout: 2 * time.Second}

// checkResult fails on what must never happen, whatever the input: a
// panic, a run over the time budget, text that is not normalised, or a
// result that does not say what it is.
func checkResult(t *testing.T, data []byte, name string) {
	start := time.Now()
	res := Extract(context.Background(), bytes.NewReader(data), int64(len(data)), "", name, fuzzLimits)
	if d := time.Since(start); d > fuzzLimits.Timeout+time.Second {
		t.Fatalf("took %v", d)
	}
	if res.Err != nil && strings.Contains(res.Err.Error(), "panic:") {
		t.Fatalf("panic: %v", res.Err)
	}
	switch res.Status {
	case cpaudit.TextDone:
		if !utf8.ValidString(res.Text) || Normalize(res.Text) != res.Text {
			t.Fatalf("text not normalised: %q", res.Text)
		}
	case cpaudit.TextFailed, cpaudit.TextUnsupported:
		if res.Text != "" || res.Reason == "" {
			t.Fatalf("%s with text %q and reason %q", res.Status, res.Text, res.Reason)
		}
	default:
		t.Fatalf("status %q", res.Status)
	}
	if !utf8.ValidString(res.Reason) {
		t.Fatalf("reason %q", res.Reason)
	}
	checkTables(t, res, DefaultLimits())
}

// checkTables fails on tables beyond their bounds: rows, columns, bytes of
// a cell, valid UTF-8, and none of a result that is not done.
func checkTables(t *testing.T, res Result, lim Limits) {
	if res.Status != cpaudit.TextDone && res.Tables != nil {
		t.Fatalf("a %s result has tables", res.Status)
	}
	rows := 0
	for _, tbl := range res.Tables {
		rows += len(tbl.Rows)
		for _, row := range tbl.Rows {
			if len(row) > maxTableCols {
				t.Fatalf("table %q: a row of %d cells", tbl.Name, len(row))
			}
			for _, c := range row {
				if len(c) > maxCellBytes || !utf8.ValidString(c) || Normalize(c) != c {
					t.Fatalf("table %q: cell %q", tbl.Name, c)
				}
			}
		}
	}
	if rows > lim.MaxTableRows {
		t.Fatalf("%d rows of tables", rows)
	}
}

func FuzzExtractZip(f *testing.F) {
	f.Add(docxOf(f, para("清洁生产审核")+`<w:tbl><w:tr><w:trPr><w:gridBefore w:val="1"/></w:trPr><w:tc><w:tcPr><w:gridSpan w:val="2"/></w:tcPr><w:p><w:r><w:t>节水量</w:t></w:r></w:p>`+
		`<w:tbl><w:tr><w:tc><w:p><w:r><w:t>内层</w:t></w:r></w:p></w:tc></w:tr></w:tbl></w:tc><w:tc/></w:tr></w:tbl>`))
	f.Add(zipOf(f,
		"xl/workbook.xml", `<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><workbookPr date1904="1"/><sheets><sheet name="表1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels", `<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Target="sharedStrings.xml"/></Relationships>`,
		"xl/sharedStrings.xml", `<sst><si><t>节水量</t></si><si><r><t>吨</t></r><rPh><t>ton</t></rPh></si></sst>`,
		"xl/styles.xml", `<styleSheet><numFmts><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts><cellXfs><xf numFmtId="0"/><xf numFmtId="164"/></cellXfs></styleSheet>`,
		"xl/worksheets/sheet1.xml", `<worksheet><sheetData><row><c t="s"><v>0</v></c><c><v>12000</v></c><c t="s"><v>1</v></c><c s="1"><v>45366</v></c><c t="inlineStr"><is><t>行内</t></is></c></row><row r="3"><c r="C3"><v>1</v></c><c><v>2</v></c></row></sheetData></worksheet>`))
	f.Add(zipOf(f,
		"ppt/presentation.xml", `<p:presentation xmlns:p="p" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><p:sldIdLst><p:sldId r:id="rId1"/></p:sldIdLst></p:presentation>`,
		"ppt/_rels/presentation.xml.rels", `<Relationships><Relationship Id="rId1" Target="slides/slide1.xml"/></Relationships>`,
		"ppt/slides/slide1.xml", `<p:sld xmlns:a="a" xmlns:p="p"><a:p><a:r><a:t>幻灯片</a:t></a:r></a:p></p:sld>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkResult(t, data, "fuzz.docx")
	})
}

func FuzzExtractPDF(f *testing.F) {
	var b pdfBuilder
	cid, codes := b.cidFont(textChars)
	root := b.page([]byte("BT /F1 12 Tf 72 700 Td "+hexCodes(codes, "清洁生产")+" Tj 0 -14 Td [(A) -300 (B)] TJ ET BI /W 1 ID x EI"),
		fmt.Sprintf("<< /Font << /F1 %d 0 R >> >>", cid))
	f.Add(b.bytes(root, ""))
	f.Add(b.bytesCompact(root))
	fixtures, _ := filepath.Glob(filepath.Join("testdata", "*.pdf"))
	for _, name := range fixtures {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	var u pdfBuilder
	f.Add(u.bytes(u.page([]byte("BT /F 9 Tf (x) ' <41> Tj ET"), "<< /Font << /F << /Subtype /Type0 /Encoding /GBK-EUC-H >> >> >>"), ""))
	for _, loop := range pdfLoops() {
		f.Add(loop)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkResult(t, data, "fuzz.pdf")
	})
}

func FuzzReadEXIF(f *testing.F) {
	f.Add(cameraEXIF)
	f.Fuzz(func(t *testing.T, data []byte) {
		readEXIF(data, func(k, v string) {
			if !utf8.ValidString(v) || len(v) > 1024 {
				t.Fatalf("%s = %q", k, v)
			}
		})
	})
}

package extract

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"runtime"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

// The fuzz targets below and in fuzz_test.go cover every extractor: one per
// format, each seeded with real files and with the hostile ones (bombs,
// deep nesting, loops, huge declared sizes) that must end in a clear
// result within fuzzLimits. `go test` runs the seeds; scripts/fuzz fuzzes.

// bombZip is a zip of the given entries (name, content pairs) and then
// name, which inflates to n bytes of '0' (about 1 KiB per MiB compressed)
// between prefix and suffix.
func bombZip(t testing.TB, name, prefix, suffix string, n int, entries ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i+1 < len(entries); i += 2 {
		w, _ := zw.Create(entries[i])
		w.Write([]byte(entries[i+1]))
	}
	w, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(prefix))
	chunk := bytes.Repeat([]byte("0"), 1<<20)
	for i := 0; i < n>>20; i++ {
		w.Write(chunk)
	}
	w.Write([]byte(suffix))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// deepXML is n elements nested in one another, then text, then closed.
func deepXML(open, close string, n int, text string) string {
	return strings.Repeat(open, n) + text + strings.Repeat(close, n)
}

const xlsxWorkbook = `<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="表1" r:id="rId1"/></sheets></workbook>`
const xlsxRels = `<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Target="sharedStrings.xml"/></Relationships>`

func xlsxOf(t testing.TB, sheetXML, shared string) []byte {
	return zipOf(t, "xl/workbook.xml", xlsxWorkbook, "xl/_rels/workbook.xml.rels", xlsxRels,
		"xl/sharedStrings.xml", shared, "xl/worksheets/sheet1.xml", sheetXML)
}

func realXLSX(t testing.TB) []byte {
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", "节水指标")
	f.SetSheetRow("节水指标", "A1", &[]any{"项目", "数值", "单位"})
	f.SetSheetRow("节水指标", "A2", &[]any{"节水量", 12000, "吨/年"})
	f.SetCellFormula("节水指标", "B3", "B2*2")
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// hugePNG is a valid small PNG whose header declares w x h pixels (the
// IHDR CRC recomputed, so decoders get past it).
func hugePNG(t testing.TB, w, h uint32) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 16, 16))); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	binary.BigEndian.PutUint32(b[16:], w)
	binary.BigEndian.PutUint32(b[20:], h)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

// hugeJPEG is a small JPEG whose frame header declares w x h pixels.
func hugeJPEG(t testing.TB, w, h uint16) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, smallImage(), nil); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if i := bytes.Index(b, []byte{0xff, 0xc0}); i > 0 {
		binary.BigEndian.PutUint16(b[i+5:], h)
		binary.BigEndian.PutUint16(b[i+7:], w)
	}
	return b
}

func FuzzExtractDOCX(f *testing.F) {
	f.Add(docxOf(f, para("清洁生产审核报告")+para("节水量 12000 吨/年")))
	f.Add(docxOf(f, deepXML("<w:sdt><w:sdtContent>", "</w:sdtContent></w:sdt>", 5000, para("深层"))))
	f.Add(docxOf(f, deepXML("<w:tbl><w:tr><w:tc>", "</w:tc></w:tr></w:tbl>", 2000, para("嵌套表格"))))
	f.Add(bombZip(f, "word/document.xml", `<w:document `+wordNS+`><w:body><w:p><w:r><w:t>`, `</w:t></w:r></w:p></w:body></w:document>`,
		64<<20, "[Content_Types].xml", contentTypes, "_rels/.rels", rootRels))
	f.Add(docxOf(f, para(`报告<script>window.__xss=1</script>`)+`<w:p><w:r><w:t>&lt;img src=x onerror=alert(1)&gt;</w:t></w:r></w:p>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkResult(t, data, "fuzz.docx")
	})
}

func FuzzExtractXLSX(f *testing.F) {
	f.Add(realXLSX(f))
	f.Add(xlsxOf(f, `<worksheet><sheetData><row><c t="s"><v>0</v></c><c><v>1e308</v></c><c t="s"><v>99999</v></c><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>`,
		`<sst><si><t>节水量</t></si></sst>`))
	f.Add(xlsxOf(f, `<worksheet><sheetData><row>`+deepXML("<c><is>", "</is></c>", 5000, "<t>深</t>")+`</row></sheetData></worksheet>`,
		`<sst>`+deepXML("<si><r>", "</r></si>", 5000, "<t>x</t>")+`</sst>`))
	f.Add(bombZip(f, "xl/worksheets/sheet1.xml", `<worksheet><sheetData><row><c t="inlineStr"><is><t>`, `</t></is></c></row></sheetData></worksheet>`,
		64<<20, "xl/workbook.xml", xlsxWorkbook, "xl/_rels/workbook.xml.rels", xlsxRels))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkResult(t, data, "fuzz.xlsx")
	})
}

func FuzzExtractImage(f *testing.F) {
	var buf bytes.Buffer
	jpeg.Encode(&buf, smallImage(), nil)
	f.Add(buf.Bytes())
	buf.Reset()
	png.Encode(&buf, smallImage())
	f.Add(buf.Bytes())
	f.Add(hugePNG(f, 100_000, 100_000))
	f.Add(hugeJPEG(f, 65535, 65535))
	f.Add([]byte("GIF89a\xff\xff\xff\xff\x00\x00\x00;"))
	// A JPEG whose APP1 "Exif" segment holds a TIFF directory pointing at itself.
	f.Add(append([]byte{0xff, 0xd8, 0xff, 0xe1, 0x00, 0x16}, []byte("Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\x00\x01\x87\x69\x00\x04")...))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkResult(t, data, "fuzz.jpg")
	})
}

func FuzzExtractText(f *testing.F) {
	gbk, _ := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(report))
	u16, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(report))
	f.Add([]byte(report), "report.txt")
	f.Add(gbk, "gbk.csv")
	f.Add(u16, "utf16.txt")
	f.Add([]byte("<html><body>"+deepXML("<div>", "</div>", 100_000, "深层")+"</body></html>"), "deep.html")
	f.Add([]byte(`<p>报告<script>window.__xss=1</script><img src=x onerror=alert(1)><a href="javascript:alert(1)">链接</a></p>`), "xss.html")
	f.Add([]byte("\xef\xbb\xbf\xff\xfe\x00\x00"+strings.Repeat("\x00", 1000)), "nul.txt")
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		if !strings.Contains(name, ".") {
			name += ".txt"
		}
		checkResult(t, data, name)
	})
}

// pdfLoops are PDFs whose references go round: a page tree that contains
// itself, a form that draws itself, a stream whose /Length is a reference
// to itself, and an object stream that holds itself. They seed
// FuzzExtractPDF and must each end in a result within the limits.
func pdfLoops() [][]byte {
	var out [][]byte
	var loop pdfBuilder
	loop.add("<< /Type /Pages /Kids [1 0 R 2 0 R 4 0 R] /Count 2 >>")
	loop.add("<< /Type /Pages /Kids [1 0 R 2 0 R] /Count 1 /Parent 1 0 R >>")
	loop.add("<< /Length 13 >>\nstream\nBT (loop) Tj ET\nendstream")
	loop.add("<< /Type /Page /Parent 1 0 R /Contents 3 0 R >>")
	out = append(out, loop.bytes(loop.add("<< /Type /Catalog /Pages 1 0 R >>"), ""))

	var forms pdfBuilder
	self := forms.reserve()
	forms.set(self, "<< /Type /XObject /Subtype /Form /Resources << /XObject << /X 1 0 R >> >> /Length 5 >>\nstream\n/X Do\nendstream")
	out = append(out, forms.bytes(forms.page([]byte("/X Do"), "<< /XObject << /X 1 0 R >> >>"), ""))

	var length pdfBuilder
	length.add("<< /Length 1 0 R >>\nstream\nBT (x) Tj ET\nendstream")
	p := length.add("<< /Type /Page /Parent 3 0 R /Contents 1 0 R >>")
	length.add("<< /Type /Pages /Kids [2 0 R] /Count 1 >>")
	_ = p
	out = append(out, length.bytes(length.add("<< /Type /Catalog /Pages 3 0 R >>"), ""))

	var objstm pdfBuilder
	objstm.add("<< /Type /ObjStm /N 1 /First 4 /Extends 1 0 R /Length 12 >>\nstream\n1 0 1 0 R  \nendstream")
	objstm.add("<< /Type /Pages /Kids [1 0 R] /Count 1 >>")
	out = append(out, objstm.bytes(objstm.add("<< /Type /Catalog /Pages 2 0 R >>"), ""))
	return out
}

// TestHostileFilesEndCleanly: each hostile seed ends, within the time
// budget and with bounded memory, in a result that says what happened.
func TestHostileFilesEndCleanly(t *testing.T) {
	cases := map[string][]byte{
		"docx bomb": bombZip(t, "word/document.xml", `<w:document `+wordNS+`><w:body><w:p><w:r><w:t>`, `</w:t></w:r></w:p></w:body></w:document>`,
			64<<20, "[Content_Types].xml", contentTypes, "_rels/.rels", rootRels),
		"xlsx bomb": bombZip(t, "xl/worksheets/sheet1.xml", `<worksheet><sheetData><row><c t="inlineStr"><is><t>`, `</t></is></c></row></sheetData></worksheet>`,
			64<<20, "xl/workbook.xml", xlsxWorkbook, "xl/_rels/workbook.xml.rels", xlsxRels),
		"deep docx": docxOf(t, deepXML("<w:sdt><w:sdtContent>", "</w:sdtContent></w:sdt>", 200_000, para("深层"))),
		"deep xlsx": xlsxOf(t, `<worksheet><sheetData><row>`+deepXML("<c><is>", "</is></c>", 200_000, "<t>深</t>")+`</row></sheetData></worksheet>`, `<sst/>`),
		"deep html": []byte("<html><body>" + deepXML("<div>", "</div>", 1_000_000, "深层") + "</body></html>"),
		"huge png":  hugePNG(t, 100_000, 100_000),
		"huge jpeg": hugeJPEG(t, 65535, 65535),
	}
	for i, p := range pdfLoops() {
		cases["pdf loop "+string(rune('a'+i))] = p
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			checkResult(t, data, map[bool]string{true: "x.html", false: "x.bin"}[strings.Contains(name, "html")])
			runtime.ReadMemStats(&after)
			// Allocated in all, not live: a budget on the work done. The
			// bombs inflate to 64 MiB and must stop at fuzzLimits' 32.
			if a := after.TotalAlloc - before.TotalAlloc; a > 256<<20 {
				t.Errorf("allocated %d MiB", a>>20)
			}
		})
	}
}

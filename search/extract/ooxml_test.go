package extract

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"io"
	"strings"
	"testing"

	cpaudit "github.com/cpaudit/cpaudit"
	"github.com/xuri/excelize/v2"
)

func TestDocx(t *testing.T) {
	body := para("清洁生产审核报告") +
		// A phrase split across runs, as Word does after an edit.
		`<w:p><w:r><w:t>本企业节</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>水量</w:t></w:r><w:r><w:t xml:space="preserve">达到 １２０００ 吨/年。</w:t></w:r></w:p>` +
		// A table, cell by cell.
		`<w:tbl><w:tr><w:tc><w:p><w:r><w:t>指标</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Value</w:t></w:r></w:p></w:tc></w:tr>` +
		`<w:tr><w:tc><w:p><w:r><w:t>COD</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>35.5</w:t></w:r></w:p></w:tc></w:tr></w:tbl>` +
		// A field code, deleted text and a tab stop definition are not text.
		`<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>` +
		`<w:r><w:instrText> PAGEREF _Toc1 \h </w:instrText></w:r><w:del><w:r><w:delText>已删除</w:delText></w:r></w:del>` +
		`<w:r><w:t>第一</w:t><w:tab/><w:t>章</w:t><w:br/><w:t>Line two</w:t></w:r></w:p>` +
		// A text box: its content is in mc:Choice and again in mc:Fallback.
		`<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><w:txbxContent>` + para("文本框内容") +
		`</w:txbxContent></w:drawing></mc:Choice><mc:Fallback><w:pict><w:txbxContent>` + para("文本框内容") +
		`</w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>`
	header := `<w:hdr ` + wordNS + `>` + para("某某化工有限公司") + `</w:hdr>`
	footnotes := `<w:footnotes ` + wordNS + `><w:footnote w:id="1">` + para("数据来源：企业台账") + `</w:footnote></w:footnotes>`
	data := docxOf(t, body, "word/header1.xml", header, "word/footnotes.xml", footnotes)

	res := run(t, data, "application/zip", "报告.docx", Limits{})
	wantDone(t, res, "清洁生产审核报告本企业节水量达到 12000 吨/年。", "指标 Value COD 35.5",
		"第一章 Line two", "文本框内容", "某某化工有限公司", "数据来源:企业台账")
	for _, absent := range []string{"PAGEREF", "已删除", "文本框内容文本框内容", "文本框内容 文本框内容"} {
		if strings.Contains(res.Text, absent) {
			t.Errorf("text contains %q:\n%s", absent, res.Text)
		}
	}
	if res.Format != "docx" {
		t.Errorf("format %q, want docx", res.Format)
	}
}

func TestPptx(t *testing.T) {
	const ns = `xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`
	slide := func(text string) string {
		return `<p:sld ` + ns + `><p:cSld><p:spTree><p:sp><p:txBody><a:p><a:r><a:t>` + text +
			`</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>`
	}
	// The presentation shows slide2.xml first: order follows sldIdLst, not
	// the part names.
	data := zipOf(t,
		"[Content_Types].xml", contentTypes,
		"ppt/presentation.xml", `<p:presentation `+ns+`><p:sldIdLst><p:sldId id="256" r:id="rId3"/><p:sldId id="257" r:id="rId2"/></p:sldIdLst></p:presentation>`,
		"ppt/_rels/presentation.xml.rels", `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`+
			`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/slide" Target="slides/slide1.xml"/>`+
			`<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/slide" Target="slides/slide2.xml"/></Relationships>`,
		"ppt/slides/slide1.xml", slide("第二页：方案实施"),
		"ppt/slides/slide2.xml", slide("第一页：审核准备"),
		"ppt/slides/_rels/slide2.xml.rels", `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`+
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/notesSlide" Target="../notesSlides/notesSlide1.xml"/></Relationships>`,
		"ppt/notesSlides/notesSlide1.xml", slide("演讲者备注"),
	)
	res := run(t, data, "application/zip", "汇报.pptx", Limits{})
	wantDone(t, res, "第一页:审核准备演讲者备注", "第二页:方案实施")
	if strings.Index(res.Text, "第一页") > strings.Index(res.Text, "第二页") {
		t.Errorf("slides out of order: %s", res.Text)
	}
}

func TestXlsx(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetName("Sheet1", "节水指标"))
	must(f.SetSheetRow("节水指标", "A1", &[]any{"项目", "数值", "单位"}))
	must(f.SetSheetRow("节水指标", "A2", &[]any{"节水量", 12000, "吨/年"}))
	must(f.SetSheetRow("节水指标", "A3", &[]any{"节水率", 0.1 + 0.2, "", true}))
	_, err := f.NewSheet("能耗")
	must(err)
	must(f.SetCellValue("能耗", "B2", "综合能耗"))
	must(f.SetCellValue("能耗", "C2", 3.5e6))
	must(f.SetCellFormula("能耗", "D2", "C2*2"))
	must(f.SetCellValue("能耗", "D2", 7e6)) // the cached result of the formula
	pct, err := f.NewStyle(&excelize.Style{NumFmt: 9})
	must(err)
	must(f.SetCellValue("能耗", "B3", 0.35))
	must(f.SetCellStyle("能耗", "B3", "B3", pct))
	date, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	must(err)
	must(f.SetCellValue("能耗", "B4", 45366)) // 2024-03-15
	must(f.SetCellStyle("能耗", "B4", "B4", date))
	custom := "yyyy\"年\"m\"月\"d\"日\""
	cdate, err := f.NewStyle(&excelize.Style{CustomNumFmt: &custom})
	must(err)
	must(f.SetCellValue("能耗", "C4", 45367))
	must(f.SetCellStyle("能耗", "C4", "C4", cdate))
	var buf bytes.Buffer
	must(f.Write(&buf))

	res := run(t, buf.Bytes(), "application/zip", "数据.xlsx", Limits{})
	wantDone(t, res, "节水指标", "项目数值单位节水量 12000 吨/年节水率 0.3 TRUE",
		"能耗", "综合能耗 3500000 7000000", "35%", "2024-03-15", "2024-03-16")
	if i, j := strings.Index(res.Text, "节水指标"), strings.Index(res.Text, "能耗 "); i < 0 || j < i {
		t.Errorf("sheets out of order: %s", res.Text)
	}
}

func TestCellText(t *testing.T) {
	shared := []string{"甲", "乙"}
	styles := []numberStyle{styleNumber, styleDate, stylePercent}
	tests := []struct{ typ, style, v, want string }{
		{"s", "", "1", "乙"},
		{"s", "", "7", ""},
		{"", "", "12000", "12000"},
		{"", "", "0.30000000000000004", "0.3"},
		{"", "", "1E-3", "0.001"},
		{"", "", "-2.5", "-2.5"},
		{"", "1", "45366", "2024-03-15"},
		{"", "1", "45366.5", "2024-03-15 12:00:00"},
		{"", "1", "0.75", "18:00:00"},
		{"", "2", "0.125", "12.5%"},
		{"b", "", "0", "FALSE"},
		{"e", "", "#DIV/0!", "#DIV/0!"},
		{"str", "", "合计", "合计"},
		{"", "9", "abc", "abc"},
	}
	for _, tt := range tests {
		if got := cellText(tt.typ, tt.style, tt.v, shared, styles, false); got != tt.want {
			t.Errorf("cellText(%q, %q, %q) = %q, want %q", tt.typ, tt.style, tt.v, got, tt.want)
		}
	}
	for code, want := range map[string]numberStyle{
		"yyyy/m/d": styleDate, `0.00"元"`: styleNumber, "0.0%": stylePercent, "[Red]#,##0": styleNumber,
		`[$-804]yyyy"年"m"月"`: styleDate, "h:mm": styleDate, "General": styleNumber, `"day"0`: styleNumber,
	} {
		if got := classifyNumFmt("200", code); got != want {
			t.Errorf("classifyNumFmt(%q) = %v, want %v", code, got, want)
		}
	}
}

// A zip bomb: one entry of zeros that inflates far beyond MaxUnzipped.
func TestZipBomb(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range [][2]string{{"[Content_Types].xml", contentTypes}, {"_rels/.rels", rootRels}} {
		w, _ := zw.Create(e[0])
		io.WriteString(w, e[1])
	}
	w, err := zw.Create("word/document.xml")
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, `<w:document `+wordNS+`><w:body><w:p><w:r><w:t>`)
	zeros := make([]byte, 1<<20)
	for i := range zeros {
		zeros[i] = '0'
	}
	for i := 0; i < 16; i++ { // 16 MiB of text, about 16 KiB compressed
		w.Write(zeros)
	}
	io.WriteString(w, `</w:t></w:r></w:p></w:body></w:document>`)
	zw.Close()
	if buf.Len() > 1<<20 {
		t.Fatalf("the bomb compressed to %d bytes", buf.Len())
	}
	res := run(t, buf.Bytes(), "application/zip", "bomb.docx", Limits{MaxUnzipped: 4 << 20})
	wantStatus(t, res, cpaudit.TextFailed, "archive expands beyond the limit")

	// An entry that declares more than the limit fails before it is read.
	res = run(t, buf.Bytes(), "application/zip", "bomb.docx", Limits{MaxUnzipped: 1 << 20})
	wantStatus(t, res, cpaudit.TextFailed, "archive expands beyond the limit")

	// An entry that lies about its size: archive/zip stops reading it at
	// the size it declares, and calls it damaged.
	liar := bytes.Clone(buf.Bytes())
	cd := bytes.LastIndex(liar, []byte("PK\x01\x02")) // the central directory entry of word/document.xml
	binary.LittleEndian.PutUint32(liar[cd+24:], 100)
	res = run(t, liar, "application/zip", "liar.docx", Limits{MaxUnzipped: 4 << 20})
	wantStatus(t, res, cpaudit.TextFailed, "damaged archive entry word/document.xml")
}

func TestOOXMLDamaged(t *testing.T) {
	good := docxOf(t, para("清洁生产"))
	tests := []struct {
		name   string
		data   []byte
		status cpaudit.TextStatus
		reason string
	}{
		{"truncated.docx", good[:len(good)/2], cpaudit.TextFailed, "not a valid zip archive"},
		{"garbage.docx", []byte("PK\x03\x04 this is not really a zip archive at all"), cpaudit.TextFailed, "not a valid zip archive"},
		{"broken-xml.docx", zipOf(t, "word/document.xml", "<w:document><w:body><w:p>"+strings.Repeat("<", 10)), cpaudit.TextFailed, "malformed XML"},
		{"deep.docx", zipOf(t, "word/document.xml", strings.Repeat("<a>", 10000)), cpaudit.TextFailed, "nested deeper"},
		{"plain.zip", zipOf(t, "a.txt", "hello"), cpaudit.TextUnsupported, "zip archive"},
		{"odt.odt", zipOf(t, "mimetype", "application/vnd.oasis.opendocument.text", "content.xml", "<x/>"), cpaudit.TextUnsupported, "OpenDocument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantStatus(t, run(t, tt.data, "application/zip", tt.name, Limits{}), tt.status, tt.reason)
		})
	}
}

func TestLegacyOffice(t *testing.T) {
	ole := append([]byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), make([]byte, 504)...)
	for _, name := range []string{"报告.doc", "数据.xls", "汇报.ppt", "no-extension"} {
		res := run(t, ole, "application/octet-stream", name, Limits{})
		wantStatus(t, res, cpaudit.TextUnsupported, "legacy Office format: save as .docx/.xlsx")
	}
}
